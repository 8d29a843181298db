//! `GET .../helmreleases/{namespace}/{name}/values`: a HelmRelease's values as helm-controller
//! composes them, and `POST .../values/reveal`: the same with one Secret's values shown,
//! audited first.
//!
//! A request's walk: the HelmRelease read as the caller; each `spec.valuesFrom` object read as
//! the caller (one they may not read is named, and left out); the composition run by the
//! [`engine`] — helm-controller's own code; the answer decided by the core (masks, each key's
//! sources, the digest against the newest release's) and given as YAML too.

use std::collections::BTreeMap;
use std::time::Duration;

use flux_web_core::address::ObjectRef;
use flux_web_core::values::{self as decide, Composed, Read, Reference};
use flux_web_shared::actions::Verb;
use flux_web_shared::values::HelmValues;
use serde_json::Value;

use crate::audit::{Entry, Involved};
use crate::cluster::{ClusterError, DataKind, Reader};
use crate::context::Context;
use crate::engine::{self, BuildError, Caps};
use crate::error::ApiError;
use crate::identity::Identity;

/// What one composition may take: values are small, and composing them is quick (58 ms), so a
/// page waits for its turn behind running previews rather than being refused.
const CAPS: Caps = Caps {
    memory: 256 * 1024 * 1024,
    time: Duration::from_secs(20),
    output: 16 * 1024 * 1024,
    queue: Duration::from_secs(15),
};

/// The values, Secrets masked; with `reveal`, that Secret's shown, once its audit Event is
/// written (a reveal that cannot be audited is refused).
pub async fn values(
    ctx: &Context<'_>,
    identity: &Identity,
    target: &ObjectRef,
    reveal: Option<&str>,
) -> Result<HelmValues, ApiError> {
    if target.kind.kind != "HelmRelease" {
        return Err(ApiError::NotFound(format!(
            "{} has no values: only a HelmRelease's are composed",
            target.describe()
        )));
    }
    let read = ctx.read(Reader::User(identity), target).await?;
    let release = serde_json::to_value(&read.found).map_err(|e| ApiError::Engine(e.to_string()))?;
    let references = decide::references(&release);
    // One read an object, however many references name it (a ConfigMap read for two keys).
    let mut read_once: BTreeMap<(&str, &str), Read> = BTreeMap::new();
    let mut reads = Vec::with_capacity(references.len());
    for reference in &references {
        let key = (reference.kind.as_str(), reference.name.as_str());
        let read = match read_once.get(&key) {
            Some(read) => read.clone(),
            None => {
                let read = data(ctx, identity, &target.namespace, reference).await?;
                read_once.insert(key, read.clone());
                read
            }
        };
        reads.push(read);
    }
    if let Some(secret) = reveal {
        let at = references
            .iter()
            .position(|r| r.is_secret() && r.name == secret)
            .ok_or_else(|| {
                ApiError::NotFound(format!(
                    "{} takes no values from Secret {secret}",
                    target.describe()
                ))
            })?;
        match reads[at] {
            Read::Forbidden => {
                return Err(ApiError::Forbidden(format!(
                    "you may not get Secret {}/{secret}: revealing its values needs get on it",
                    target.namespace
                )));
            }
            Read::Missing => {
                return Err(ApiError::NotFound(format!(
                    "Secret {}/{secret} does not exist",
                    target.namespace
                )));
            }
            Read::Data(_) => {}
        }
        let entry = Entry {
            identity,
            verb: Verb::Reveal,
            involved: Involved::of(&read.resource, &read.found),
            subject: Some(format!("Secret/{}/{secret}", target.namespace)),
            run: None,
            scheduled: None,
        };
        ctx.audit.record_first(entry, ctx.clock.now()).await?;
    }
    compose(&release, &references, &reads, reveal).await
}

/// The answer for what was read: the engine composes, the core decides what is shown.
async fn compose(
    release: &Value,
    references: &[Reference],
    reads: &[Read],
    reveal: Option<&str>,
) -> Result<HelmValues, ApiError> {
    let input = decide::input(release, references, reads);
    let input = serde_json::to_vec(&input).map_err(|e| ApiError::Engine(e.to_string()))?;
    let composed = match engine::shared()?.build(None, input, CAPS).await {
        Ok(out) => Ok(serde_json::from_slice::<Composed>(&out)
            .map_err(|e| ApiError::Engine(format!("the engine's answer: {e}")))?),
        // helm-controller's own error: the controller fails the same way.
        Err(BuildError::Failed(error)) => Err(error),
        Err(e) => return Err(e.into()),
    };
    let mut answer = decide::answer(release, references, reads, composed, reveal);
    if let Some(values) = &answer.values {
        answer.yaml =
            serde_yaml_ng::to_string(values).map_err(|e| ApiError::Engine(e.to_string()))?;
    }
    Ok(answer)
}

/// What the caller may read of one reference's object.
async fn data(
    ctx: &Context<'_>,
    identity: &Identity,
    namespace: &str,
    reference: &Reference,
) -> Result<Read, ApiError> {
    let kind = match reference.kind.as_str() {
        "Secret" => DataKind::Secret,
        "ConfigMap" => DataKind::ConfigMap,
        // helm-controller refuses another kind, naming it: so does the engine.
        _ => return Ok(Read::Missing),
    };
    match ctx
        .cluster
        .data(Reader::User(identity), kind, namespace, &reference.name)
        .await
    {
        Ok(data) => Ok(Read::Data(data)),
        Err(ClusterError::NotFound(_)) => Ok(Read::Missing),
        Err(ClusterError::Forbidden(_)) => Ok(Read::Forbidden),
        Err(e) => Err(e.into()),
    }
}

/// The table of the cases, composed by the real engine (helm-controller's code): what
/// each gives is what the controller gives.
#[cfg(test)]
mod tests {
    use flux_web_shared::values::{MASK, SourceState};
    use serde_json::json;
    use sha2::{Digest, Sha256};

    use super::*;

    fn release(values: Value, from: Value) -> Value {
        json!({
            "metadata": {"name": "app", "namespace": "apps"},
            "spec": {"values": values, "valuesFrom": from},
            "status": {"history": [{"version": 1, "configDigest": format!("sha256:{:x}", Sha256::digest(b"a: 1\n"))}]},
        })
    }

    async fn composed(release: &Value, reads: &[Read], reveal: Option<&str>) -> HelmValues {
        let references = decide::references(release);
        compose(release, &references, reads, reveal)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    async fn values(release: &Value, reads: &[Read]) -> Value {
        let answer = composed(release, reads, Some("s")).await;
        answer
            .values
            .unwrap_or_else(|| panic!("no values: {:?}", answer.error))
    }

    #[tokio::test]
    async fn values_compose_as_helm_controller_composes_them() {
        let cm = |name: &str| json!({"kind": "ConfigMap", "name": name});
        // Order: later references win; maps merge deep; spec.values last.
        let ordered = release(
            json!({"c": {"inline": true}}),
            json!([cm("one"), cm("two")]),
        );
        let reads = [
            Read::of(&[("values.yaml", "a: 1\nc: {x: 1, z: 1}\nlist: [1, 2]")]),
            Read::of(&[("values.yaml", "a: 2\nc: {z: 2}\nlist: [3]")]),
        ];
        assert_eq!(
            values(&ordered, &reads).await,
            json!({"a": 2, "c": {"x": 1, "z": 2, "inline": true}, "list": [3]})
        );

        // targetPath with indexes, typed by Helm's --set rules; quoted stays a string.
        let paths = release(
            Value::Null,
            json!([
                {"kind": "Secret", "name": "s", "valuesKey": "k", "targetPath": "list[1].name"},
                {"kind": "ConfigMap", "name": "c", "valuesKey": "on", "targetPath": "flags.on"},
                {"kind": "ConfigMap", "name": "c", "valuesKey": "quoted", "targetPath": "flags.quoted"},
                {"kind": "ConfigMap", "name": "c", "valuesKey": "set", "targetPath": "hosts"},
            ]),
        );
        let reads = [
            Read::of(&[("k", "x")]),
            Read::of(&[("on", "true"), ("quoted", "'true'"), ("set", "{a,b}")]),
            Read::of(&[("on", "true"), ("quoted", "'true'"), ("set", "{a,b}")]),
            Read::of(&[("on", "true"), ("quoted", "'true'"), ("set", "{a,b}")]),
        ];
        assert_eq!(
            values(&paths, &reads).await,
            json!({"list": [null, {"name": "x"}], "flags": {"on": true, "quoted": "true"},
                "hosts": ["a", "b"]})
        );

        // literal: the text verbatim, its commas, brackets and equals signs kept.
        let literal = release(
            Value::Null,
            json!([{"kind": "ConfigMap", "name": "c", "valuesKey": "app.yml",
                "targetPath": "config.app\\.yml", "literal": true}]),
        );
        let text = "a: [1, 2]\nb={x,y}\n";
        let reads = [Read::of(&[("app.yml", text)])];
        assert_eq!(
            values(&literal, &reads).await,
            json!({"config": {"app.yml": text}})
        );

        // optional: a missing object or key is skipped; a missing required one is the
        // controller's error, naming it.
        let optional = release(
            json!({"a": 1}),
            json!([{"kind": "ConfigMap", "name": "gone", "optional": true},
                {"kind": "Secret", "name": "s", "valuesKey": "nokey", "optional": true}]),
        );
        let reads = [Read::Missing, Read::of(&[("other", "x")])];
        let answer = composed(&optional, &reads, None).await;
        assert_eq!(answer.values, Some(json!({"a": 1})));
        assert_eq!(answer.sources[0].state, SourceState::Missing);
        // helm-controller's digest: sha256 of its canonical YAML, as the release recorded.
        assert_eq!(answer.changed_since_release, Some(false));
        let required = release(json!({"a": 1}), json!([cm("gone")]));
        let answer = composed(&required, &[Read::Missing], None).await;
        let error = answer.error.unwrap_or_default();
        assert!(
            error.contains("ConfigMap") && error.contains("'apps/gone'"),
            "{error}"
        );
        assert_eq!(answer.values, None);

        // Precedence (helm-controller v1.6.3's documented rule): a targetPath reference
        // overwrites everything before it, spec.values included...
        let secret_path = json!({"kind": "Secret", "name": "s", "valuesKey": "pw",
            "targetPath": "db.password"});
        let over = release(json!({"db": {"password": "inline"}}), json!([secret_path]));
        let reads = [Read::of(&[("pw", "from-secret")])];
        assert_eq!(
            values(&over, &reads).await,
            json!({"db": {"password": "from-secret"}})
        );
        // ...unless an earlier reference put a map at that path's parent: then spec.values,
        // merged last, wins. The controller's code does so; the page shows what it does.
        let under = release(
            json!({"db": {"password": "inline"}}),
            json!([cm("base"), secret_path]),
        );
        let reads = [
            Read::of(&[("values.yaml", "db: {host: db}")]),
            Read::of(&[("pw", "from-secret")]),
        ];
        assert_eq!(
            values(&under, &reads).await,
            json!({"db": {"host": "db", "password": "inline"}})
        );

        // Masks follow the winner: a Secret's leaf is masked, one spec.values overwrote is not;
        // a key's sources are those whose values it holds.
        let masked = composed(&over, &[Read::of(&[("pw", "from-secret")])], None).await;
        assert_eq!(masked.values, Some(json!({"db": {"password": MASK}})));
        assert_eq!(masked.keys[0].from, vec![0]);
        let reads = [
            Read::of(&[("values.yaml", "db: {host: db}")]),
            Read::of(&[("pw", "s")]),
        ];
        let shown = composed(&under, &reads, None).await;
        assert_eq!(
            shown.values,
            Some(json!({"db": {"host": "db", "password": "inline"}}))
        );
        assert_eq!(shown.keys[0].from, vec![0, 2]);
        assert!(shown.yaml.contains("password: inline"), "{}", shown.yaml);
    }
}
