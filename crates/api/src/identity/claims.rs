//! From ID token claims to the identity flux-web impersonates, by the CEL expressions of
//! `.spec.authentication.oauth2` (Flux Operator compatible): `variables` evaluated in order
//! and visible to later expressions as `variables.<name>`, `validations` that refuse the login
//! with their message when false, then `profile.name`, `impersonation.username` and
//! `impersonation.groups`, each over `claims`.

use std::sync::Arc;

use cel::{Context, Env, Program, Value};

use super::Identity;

/// What the spec defaults to when the config says nothing.
pub const DEFAULT_USERNAME: &str = "claims.email";
pub const DEFAULT_GROUPS: &str = "has(claims.groups) ? claims.groups : []";
pub const DEFAULT_NAME: &str = "has(claims.name) ? claims.name : claims.email";

/// The standard library with the strings extension (`split`, `lowerAscii`, ...), as
/// Kubernetes' CEL has it: claims mappings are mostly string work.
fn environment() -> Env {
    let mut env = Env::stdlib();
    if let Err(e) = env.add_extension(cel::extensions::strings) {
        tracing::warn!(error = %e, "CEL strings extension unavailable");
    }
    env
}

/// The compiled expressions of one config.
pub struct Mapping {
    /// Claims may map to `system:` users and groups (off unless the config says so).
    allow_system: bool,
    env: Arc<Env>,
    variables: Vec<(String, Program)>,
    validations: Vec<(Program, String)>,
    name: Program,
    username: Program,
    groups: Program,
}

impl std::fmt::Debug for Mapping {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mapping").finish_non_exhaustive()
    }
}

/// A config path and what is wrong there.
pub type Invalid = (String, String);

/// Why a login is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// A validation was false: its message, for the user.
    #[error("{0}")]
    Validation(String),
    /// An expression failed or gave the wrong type: for the admin, but shown too.
    #[error("{0}")]
    Mapping(String),
    /// The claims map to a name Kubernetes cannot be sent (a control character): the
    /// token's, not the server's, fault.
    #[error("{0}")]
    Unusable(String),
}

/// The claim rules of the config (`spec.authentication.oauth2`), as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rules {
    /// `variables`: name and expression, in order.
    pub variables: Vec<(String, String)>,
    /// `validations`: expression and message.
    pub validations: Vec<(String, String)>,
    pub profile_name: Option<String>,
    pub impersonation_username: Option<String>,
    pub impersonation_groups: Option<String>,
    /// Claims may map to `system:` users and groups.
    pub allow_system_identities: bool,
}

impl Mapping {
    /// Compiles every expression; each error names its config path.
    pub fn compile(oauth2: &Rules) -> Result<Self, Vec<Invalid>> {
        let env = Arc::new(environment());
        let mut errors = Vec::new();
        let mut compile = |path: String, source: &str| match env.compile(source) {
            Ok(program) => Some(program),
            Err(e) => {
                // The parser's message draws a caret under the source on more lines; the
                // first line says it all.
                let text = e.to_string();
                let first = text.lines().next().unwrap_or_default();
                errors.push((path, format!("invalid CEL {source:?}: {first}")));
                None
            }
        };
        let base = ".spec.authentication.oauth2";
        let variables: Vec<_> = oauth2
            .variables
            .iter()
            .enumerate()
            .filter_map(|(i, (name, source))| {
                compile(format!("{base}.variables[{i}].expression"), source)
                    .map(|p| (name.clone(), p))
            })
            .collect();
        let validations: Vec<_> = oauth2
            .validations
            .iter()
            .enumerate()
            .filter_map(|(i, (source, message))| {
                compile(format!("{base}.validations[{i}].expression"), source)
                    .map(|p| (p, message.clone()))
            })
            .collect();
        let or = |given: &Option<String>, default: &'static str| {
            given.clone().unwrap_or_else(|| default.to_owned())
        };
        let name = compile(
            format!("{base}.profile.name"),
            &or(&oauth2.profile_name, DEFAULT_NAME),
        );
        let username = compile(
            format!("{base}.impersonation.username"),
            &or(&oauth2.impersonation_username, DEFAULT_USERNAME),
        );
        let groups = compile(
            format!("{base}.impersonation.groups"),
            &or(&oauth2.impersonation_groups, DEFAULT_GROUPS),
        );
        match (name, username, groups) {
            (Some(name), Some(username), Some(groups)) if errors.is_empty() => Ok(Self {
                allow_system: oauth2.allow_system_identities,
                env,
                variables,
                validations,
                name,
                username,
                groups,
            }),
            _ => Err(errors),
        }
    }

    /// The identity of these claims, or why the login is refused.
    pub fn identity(&self, claims: &serde_json::Value) -> Result<Identity, Refusal> {
        let failed = |what: &str, e: &dyn std::fmt::Display| {
            Refusal::Mapping(format!("the {what} expression failed on these claims: {e}"))
        };
        let claims = cel::to_value(claims).map_err(|e| failed("claims", &e))?;
        let mut context = Context::with_env(self.env.clone());
        context.add_variable_from_value("claims", claims);
        let mut variables = std::collections::HashMap::<String, Value>::new();
        for (name, program) in &self.variables {
            context.add_variable_from_value("variables", variables.clone());
            let value = program
                .execute(&context)
                .map_err(|e| failed(&format!("variable {name:?}"), &e))?;
            variables.insert(name.clone(), value);
        }
        context.add_variable_from_value("variables", variables);
        for (program, message) in &self.validations {
            match program.execute(&context) {
                Ok(Value::Bool(true)) => {}
                Ok(Value::Bool(false)) => return Err(Refusal::Validation(message.clone())),
                Ok(other) => {
                    return Err(Refusal::Mapping(format!(
                        "a validation gave {other:?}, not a bool"
                    )));
                }
                Err(e) => return Err(failed("validation", &e)),
            }
        }
        let username = match self.username.execute(&context) {
            Ok(Value::String(s)) if !s.trim().is_empty() => s.to_string(),
            Ok(other) => {
                return Err(Refusal::Mapping(format!(
                    "the username expression gave {other:?}; a non-empty string is required, \
                     since Kubernetes cannot impersonate groups without a user"
                )));
            }
            Err(e) => {
                return Err(Refusal::Mapping(format!(
                    "no username: the username expression failed on these claims ({e}); \
                     Kubernetes cannot impersonate groups without a user"
                )));
            }
        };
        let groups = match self.groups.execute(&context) {
            Ok(Value::List(list)) => list
                .iter()
                .map(|g| match g {
                    Value::String(s) => Ok(s.to_string()),
                    other => Err(Refusal::Mapping(format!(
                        "the groups expression gave a list holding {other:?}, not only strings"
                    ))),
                })
                .collect::<Result<Vec<_>, _>>()?,
            Ok(Value::String(s)) => vec![s.to_string()],
            Ok(Value::Null) => Vec::new(),
            Ok(other) => {
                return Err(Refusal::Mapping(format!(
                    "the groups expression gave {other:?}, not a list of strings"
                )));
            }
            Err(e) => return Err(failed("groups", &e)),
        };
        let display_name = match self.name.execute(&context) {
            Ok(Value::String(s)) if !s.is_empty() => s.to_string(),
            _ => username.clone(),
        };
        unusable("username", "impersonation.username", &username)?;
        for group in &groups {
            unusable("a group", "impersonation.groups", group)?;
        }
        if !self.allow_system {
            let system = std::iter::once(&username)
                .chain(&groups)
                .find(|name| name.starts_with("system:"));
            if let Some(name) = system {
                return Err(Refusal::Mapping(format!(
                    "the claims map to {name:?}; Kubernetes' system: users and groups are not \
                     impersonated unless spec.authentication.oauth2.allowSystemIdentities is true"
                )));
            }
        }
        Ok(Identity {
            username,
            groups,
            display_name,
        })
    }
}

/// Refuses a name with a control character (NUL, CR, LF, ...): it cannot go in the
/// impersonation headers, and in a log line or an Event it could pass for another line.
fn unusable(what: &str, rule: &str, name: &str) -> Result<(), Refusal> {
    match name.chars().find(|c| c.is_control()) {
        Some(c) => Err(Refusal::Unusable(format!(
            "the claims map to {what} holding the control character U+{:04X} \
             (spec.authentication.oauth2.{rule} on the token's claims): Kubernetes cannot \
             impersonate it",
            u32::from(c)
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn oauth2(edit: impl FnOnce(&mut Rules)) -> Rules {
        let mut o = Rules::default();
        edit(&mut o);
        o
    }

    #[test]
    fn claims_that_map_to_system_users_or_groups_are_refused_unless_allowed() {
        let mapping = Mapping::compile(&oauth2(|_| {})).unwrap();
        for claims in [
            json!({"email": "system:admin", "groups": []}),
            json!({"email": "a@x.io", "groups": ["devs", "system:masters"]}),
            json!({"email": "system:serviceaccount:flux-system:kustomize-controller"}),
        ] {
            let error = mapping.identity(&claims).unwrap_err().to_string();
            assert!(error.contains("allowSystemIdentities"), "{claims}: {error}");
        }
        let allowing = Mapping::compile(&oauth2(|o| o.allow_system_identities = true)).unwrap();
        let id = allowing
            .identity(&json!({"email": "a@x.io", "groups": ["system:masters"]}))
            .unwrap();
        assert_eq!(id.groups, ["system:masters"]);
    }

    /// A NUL or a line break in a claim cannot be impersonated: refused by the mapping,
    /// naming the rule, before any request to Kubernetes (not a 502 for one never sent).
    #[test]
    fn a_username_or_group_with_a_control_character_is_refused_naming_the_rule() {
        let mapping = Mapping::compile(&oauth2(|_| {})).unwrap();
        for (claims, rule) in [
            (
                json!({"email": "a@x.io\u{0}admin"}),
                "impersonation.username",
            ),
            (
                json!({"email": "a@x.io\r\nImpersonate-Group: system:masters"}),
                "impersonation.username",
            ),
            (
                json!({"email": "a@x.io", "groups": ["devs\nops"]}),
                "impersonation.groups",
            ),
        ] {
            let refusal = mapping.identity(&claims).unwrap_err();
            assert!(matches!(refusal, Refusal::Unusable(_)), "{claims}");
            assert!(refusal.to_string().contains(rule), "{claims}: {refusal}");
        }
        let zoe = mapping.identity(&json!({"email": "zoë@x.io"})).unwrap();
        assert_eq!(zoe.username, "zoë@x.io");
    }

    #[test]
    fn the_defaults_take_email_groups_and_name() {
        let mapping = Mapping::compile(&oauth2(|_| {})).unwrap();
        let id = mapping
            .identity(&json!({"email": "a@x.io", "groups": ["devs"], "name": "Ada"}))
            .unwrap();
        assert_eq!(id.username, "a@x.io");
        assert_eq!(id.groups, ["devs"]);
        assert_eq!(id.display_name, "Ada");
        let bare = mapping.identity(&json!({"email": "a@x.io"})).unwrap();
        assert!(bare.groups.is_empty());
        assert_eq!(bare.display_name, "a@x.io");
    }

    #[test]
    fn variables_feed_validations_and_the_identity() {
        let mapping = Mapping::compile(&oauth2(|o| {
            o.variables = vec![
                ("domain".into(), "claims.email.split('@')[1]".into()),
                ("user".into(), "claims.email.split('@')[0]".into()),
            ];
            o.validations = vec![(
                "variables.domain == 'x.io'".into(),
                "only x.io accounts".into(),
            )];
            o.impersonation_username = Some("'oidc:' + variables.user".into());
            o.impersonation_groups = Some("claims.groups.map(g, 'oidc:' + g)".into());
        }))
        .unwrap();
        let id = mapping
            .identity(&json!({"email": "ada@x.io", "groups": ["devs", "ops"]}))
            .unwrap();
        assert_eq!(id.username, "oidc:ada");
        assert_eq!(id.groups, ["oidc:devs", "oidc:ops"]);
        assert_eq!(
            mapping.identity(&json!({"email": "eve@evil.io", "groups": []})),
            Err(Refusal::Validation("only x.io accounts".into()))
        );
    }

    #[test]
    fn a_login_without_a_username_is_refused_with_the_reason() {
        let mapping = Mapping::compile(&oauth2(|_| {})).unwrap();
        let Err(Refusal::Mapping(reason)) =
            mapping.identity(&json!({"sub": "1", "groups": ["devs"]}))
        else {
            panic!("a login without email must be refused");
        };
        assert!(reason.contains("no username"), "{reason}");
    }

    #[test]
    fn compile_errors_name_their_config_path() {
        let errors = Mapping::compile(&oauth2(|o| {
            o.validations = vec![("claims.email ==".into(), "m".into())];
            o.impersonation_groups = Some("[".into());
        }))
        .unwrap_err();
        let paths: Vec<_> = errors.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            [
                ".spec.authentication.oauth2.validations[0].expression",
                ".spec.authentication.oauth2.impersonation.groups"
            ]
        );
    }
}
