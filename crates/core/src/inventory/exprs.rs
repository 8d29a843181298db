//! A Kustomization's `spec.healthCheckExprs` (Flux 2.5+): how Flux judges the objects of one
//! apiVersion and kind that kstatus cannot, by CEL expressions over the object itself (its
//! top-level fields are the variables: `status`, `metadata`, `spec`). The rule is
//! kustomize-controller's: a `status.observedGeneration` (an integer) that differs from
//! `metadata.generation` is in progress; then `inProgress`, `failed` and `current`, in that
//! order, each when given, the first true one decides; none true is in progress. An
//! expression that cannot be evaluated (a field not there yet) leaves the object in progress
//! with the error, as the controller waits until its timeout; one that does not parse is said.

use std::sync::Arc;

use cel::{Context, Env, Program, Value};
use flux_web_shared::objects::State;
use kube_core::DynamicObject;

use super::Entry;

/// One entry of `spec.healthCheckExprs`, its expressions compiled.
pub struct Exprs {
    api_version: String,
    kind: String,
    /// The expressions in the order they are asked, with the state each says; why not, when
    /// one does not parse.
    judges: Result<Vec<(Program, State)>, String>,
}

/// The standard library with the strings extension, as Flux's CEL environment has it.
fn environment() -> Arc<Env> {
    let mut env = Env::stdlib();
    // Without the extension only its functions are missing; what uses them does not parse.
    let _ = env.add_extension(cel::extensions::strings);
    Arc::new(env)
}

/// The health check expressions of `owner`, a Kustomization; none when it has none.
pub fn of(owner: &DynamicObject) -> (Vec<Exprs>, Arc<Env>) {
    let env = environment();
    let entries = owner.data["spec"]["healthCheckExprs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|entry| {
            let text = |key: &str| entry[key].as_str().filter(|s| !s.is_empty());
            let compile = |key: &str, state: State| {
                text(key).map(|source| {
                    env.compile(source)
                        .map(|program| (program, state))
                        .map_err(|e| format!("its {key} expression does not parse: {e}"))
                })
            };
            let judges = match text("current") {
                None => Err("its current expression is missing".to_owned()),
                Some(_) => [
                    ("inProgress", State::Progressing),
                    ("failed", State::Failed),
                    ("current", State::Ready),
                ]
                .into_iter()
                .filter_map(|(key, state)| compile(key, state))
                .collect(),
            };
            Some(Exprs {
                api_version: text("apiVersion")?.to_owned(),
                kind: text("kind")?.to_owned(),
                judges,
            })
        })
        .collect();
    (entries, env)
}

/// The health of `object` (the inventory's `entry`) by the expressions for its apiVersion
/// and kind; none when no entry of `exprs` is for it.
pub fn judge(
    exprs: &[Exprs],
    env: &Arc<Env>,
    entry: &Entry,
    object: &DynamicObject,
) -> Option<(State, String)> {
    let api_version = match entry.group.as_str() {
        "" => entry.version.clone(),
        group => format!("{group}/{}", entry.version),
    };
    let found = exprs
        .iter()
        .find(|e| e.api_version == api_version && e.kind == entry.kind)?;
    let judges = match &found.judges {
        Ok(judges) => judges,
        Err(why) => return Some((State::Unknown, format!("healthCheckExprs: {why}"))),
    };
    let generation = object.metadata.generation;
    let observed = object.data["status"]["observedGeneration"].as_i64();
    if let (Some(generation), Some(observed)) = (generation, observed)
        && observed != generation
    {
        return Some((
            State::Progressing,
            format!("generation {generation} not observed yet"),
        ));
    }
    let mut context = Context::with_env(env.clone());
    let whole = serde_json::to_value(object).unwrap_or_default();
    for (name, value) in whole.as_object().into_iter().flatten() {
        match cel::to_value(value) {
            Ok(value) => context.add_variable_from_value(name.as_str(), value),
            Err(e) => return Some((State::Progressing, format!("healthCheckExprs: {e}"))),
        }
    }
    for (program, state) in judges {
        match program.execute(&context) {
            Ok(Value::Bool(true)) => return Some((*state, "by healthCheckExprs".to_owned())),
            Ok(Value::Bool(false)) => {}
            Ok(other) => {
                return Some((
                    State::Progressing,
                    format!("healthCheckExprs: an expression gave {other:?}, not a boolean"),
                ));
            }
            Err(e) => {
                return Some((
                    State::Progressing,
                    format!("healthCheckExprs: the expression failed: {e}"),
                ));
            }
        }
    }
    Some((
        State::Progressing,
        "by healthCheckExprs: none of its expressions holds yet".to_owned(),
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::{Value as Json, json};

    use super::*;

    fn owner(exprs: Json) -> DynamicObject {
        serde_json::from_value(
            json!({"metadata": {"name": "apps"}, "spec": {"healthCheckExprs": exprs}}),
        )
        .unwrap()
    }

    fn object(generation: i64, status: Json) -> DynamicObject {
        serde_json::from_value(json!({"apiVersion": "example.com/v1", "kind": "Database",
            "metadata": {"name": "db", "namespace": "apps", "generation": generation}, "status": status}))
        .unwrap()
    }

    fn entry(kind: &str) -> Entry {
        Entry {
            id: format!("apps_db_example.com_{kind}"),
            group: "example.com".into(),
            version: "v1".into(),
            kind: kind.into(),
            namespace: "apps".into(),
            name: "db".into(),
        }
    }

    /// The Flux docs' shape of an entry: Ready and Failed conditions, and a phase.
    #[test]
    fn expressions_decide_in_flux_order_and_what_fails_to_evaluate_waits() {
        let (exprs, env) = of(&owner(json!([{
            "apiVersion": "example.com/v1", "kind": "Database",
            "inProgress": "has(status.phase) && status.phase == 'Provisioning'",
            "failed": "status.conditions.filter(e, e.type == 'Failed').all(e, e.status == 'True')",
            "current": "status.conditions.filter(e, e.type == 'Ready').all(e, e.status == 'True')",
        }])));
        let ready = json!({"type": "Ready", "status": "True"});
        let failed = json!({"type": "Failed", "status": "True"});
        let not_failed = json!({"type": "Failed", "status": "False"});
        let not_ready = json!({"type": "Ready", "status": "False"});
        let cases = [
            (
                json!({"conditions": [not_failed.clone(), ready.clone()]}),
                1,
                State::Ready,
            ),
            (
                json!({"conditions": [failed.clone(), ready.clone()]}),
                1,
                State::Failed,
            ),
            // inProgress is asked first.
            (
                json!({"phase": "Provisioning", "conditions": [failed]}),
                1,
                State::Progressing,
            ),
            (
                json!({"conditions": [not_failed, not_ready]}),
                1,
                State::Progressing,
            ),
            // A generation not observed is in progress before any expression.
            (
                json!({"observedGeneration": 1, "conditions": [ready]}),
                2,
                State::Progressing,
            ),
            // No conditions: the expressions fail to evaluate, and Flux waits.
            (json!({}), 1, State::Progressing),
        ];
        for (status, generation, expected) in cases {
            let (state, words) = judge(
                &exprs,
                &env,
                &entry("Database"),
                &object(generation, status.clone()),
            )
            .unwrap();
            assert_eq!(state, expected, "{status}: {words}");
        }
        // Not the kind the expressions are for: kstatus's rules apply.
        assert!(judge(&exprs, &env, &entry("Table"), &object(1, json!({}))).is_none());
    }

    #[test]
    fn an_expression_that_does_not_parse_or_a_missing_current_is_said() {
        let (exprs, env) = of(&owner(json!([
            {"apiVersion": "example.com/v1", "kind": "Database", "current": "status.(("},
            {"apiVersion": "example.com/v1", "kind": "Table", "failed": "true"},
        ])));
        let (state, words) =
            judge(&exprs, &env, &entry("Database"), &object(1, json!({}))).unwrap();
        assert_eq!(state, State::Unknown);
        assert!(
            words.contains("current expression does not parse"),
            "{words}"
        );
        let (_, words) = judge(&exprs, &env, &entry("Table"), &object(1, json!({}))).unwrap();
        assert!(words.contains("current expression is missing"), "{words}");
    }
}
