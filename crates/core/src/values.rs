//! A HelmRelease's values: what its `spec.valuesFrom` references, the engine's input to
//! compose them as helm-controller does, and the answer a caller reads — each leaf from a Secret
//! masked unless that Secret is revealed, where each top-level key came from, and whether the
//! values differ from the newest release's. Pure: what was read in, the answer out; the
//! composition itself is helm-controller's own code, run by the engine.

use std::collections::{BTreeMap, BTreeSet};

use flux_web_shared::values::{HelmValues, MASK, SourceState, ValuesKey, ValuesSource};
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// The data key a reference reads when it names none, as helm-controller defaults it.
pub const DEFAULT_KEY: &str = "values.yaml";
/// The engine's tag of a leaf `spec.values` wrote; a reference's is `origin-<index>`.
const INLINE_TAG: &str = "origin-values";

/// One `spec.valuesFrom` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub kind: String,
    pub name: String,
    pub values_key: String,
    pub target_path: String,
    pub optional: bool,
    pub literal: bool,
}

impl Reference {
    pub fn is_secret(&self) -> bool {
        self.kind == "Secret"
    }
}

/// What the caller could read of a referenced object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Read {
    /// Its data (a Secret's decoded).
    Data(BTreeMap<String, String>),
    Missing,
    Forbidden,
}

impl Read {
    /// The data of `pairs` (key, value).
    pub fn of(pairs: &[(&str, &str)]) -> Self {
        Read::Data(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }
}

/// The engine's answer: the composition, the same with each leaf its source's tag, the digest.
#[derive(Debug, Clone, Deserialize)]
pub struct Composed {
    pub values: Option<Map<String, Value>>,
    pub origins: Option<Map<String, Value>>,
    pub digest: String,
}

/// `spec.valuesFrom` of a HelmRelease (its whole object).
pub fn references(release: &Value) -> Vec<Reference> {
    let text = |v: &Value, key: &str| v[key].as_str().unwrap_or_default().to_owned();
    release["spec"]["valuesFrom"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| Reference {
            kind: text(r, "kind"),
            name: text(r, "name"),
            values_key: Some(text(r, "valuesKey"))
                .filter(|k| !k.is_empty())
                .unwrap_or_else(|| DEFAULT_KEY.to_owned()),
            target_path: text(r, "targetPath"),
            optional: r["optional"].as_bool().unwrap_or(false),
            literal: r["literal"].as_bool().unwrap_or(false),
        })
        .collect()
}

/// The engine's input: the references and what was read of them. One the caller may not read
/// is given as optional and absent, so the rest still compose (and the answer says they are
/// not complete).
pub fn input(release: &Value, references: &[Reference], reads: &[Read]) -> Value {
    let mut config_maps = Map::new();
    let mut secrets = Map::new();
    let mut refs = Vec::new();
    for (reference, read) in references.iter().zip(reads) {
        let entry = json!({
            "kind": reference.kind,
            "name": reference.name,
            "valuesKey": reference.values_key,
            "targetPath": reference.target_path,
            "optional": reference.optional || *read == Read::Forbidden,
            "literal": reference.literal,
        });
        if let Read::Data(data) = read {
            let objects = match reference.is_secret() {
                true => &mut secrets,
                false => &mut config_maps,
            };
            objects.insert(reference.name.clone(), json!(data));
        }
        refs.push(entry);
    }
    json!({"values": {
        "namespace": release["metadata"]["namespace"],
        "spec": release["spec"]["values"],
        "references": refs,
        "configMaps": config_maps,
        "secrets": secrets,
    }})
}

/// The answer: `composed` is the engine's, or helm-controller's error composing them.
pub fn answer(
    release: &Value,
    references: &[Reference],
    reads: &[Read],
    composed: Result<Composed, String>,
    revealed: Option<&str>,
) -> HelmValues {
    let mut sources: Vec<ValuesSource> = references
        .iter()
        .zip(reads)
        .map(|(reference, read)| ValuesSource {
            kind: reference.kind.clone(),
            name: reference.name.clone(),
            values_key: reference.values_key.clone(),
            target_path: reference.target_path.clone(),
            optional: reference.optional,
            literal: reference.literal,
            state: state(reference, read, revealed),
        })
        .collect();
    sources.push(ValuesSource {
        kind: "HelmRelease".to_owned(),
        name: release["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        values_key: String::new(),
        target_path: String::new(),
        optional: false,
        literal: false,
        state: SourceState::Read,
    });
    let complete = !reads.contains(&Read::Forbidden);
    let composed = match composed {
        Ok(composed) => composed,
        Err(error) => {
            return HelmValues {
                sources,
                error: Some(error),
                complete,
                revealed: revealed.map(str::to_owned),
                ..HelmValues::default()
            };
        }
    };
    let values = Value::Object(composed.values.unwrap_or_default());
    let origins = Value::Object(composed.origins.unwrap_or_default());
    let hidden: BTreeSet<usize> = sources
        .iter()
        .enumerate()
        .filter(|(_, s)| s.state == SourceState::Masked)
        .map(|(at, _)| at)
        .collect();
    let masked = mask(&values, Some(&origins), &hidden, references.len());
    let keys = values
        .as_object()
        .into_iter()
        .flatten()
        .map(|(key, _)| {
            let mut from = BTreeSet::new();
            tags(&origins[key], references.len(), &mut from);
            ValuesKey {
                key: key.clone(),
                from: from.into_iter().collect(),
            }
        })
        .collect();
    let digest = complete.then_some(composed.digest);
    let release_digest = crate::release::release(&release["status"])
        .history
        .first()
        .map(|newest| newest.config_digest.clone())
        .filter(|d| !d.is_empty());
    HelmValues {
        changed_since_release: digest
            .as_ref()
            .zip(release_digest)
            .map(|(ours, theirs)| *ours != theirs),
        sources,
        values: Some(masked),
        yaml: String::new(),
        keys,
        error: None,
        complete,
        digest,
        revealed: revealed.map(str::to_owned),
    }
}

fn state(reference: &Reference, read: &Read, revealed: Option<&str>) -> SourceState {
    match read {
        Read::Forbidden => SourceState::Forbidden,
        Read::Missing => SourceState::Missing,
        Read::Data(data) if !data.contains_key(&reference.values_key) => SourceState::Missing,
        Read::Data(_) if !reference.is_secret() => SourceState::Read,
        Read::Data(_) if revealed == Some(reference.name.as_str()) => SourceState::Revealed,
        Read::Data(_) => SourceState::Masked,
    }
}

/// The index in the sources of an engine's tag (`references` is where `spec.values` stands).
fn index(tag: &str, references: usize) -> Option<usize> {
    match tag {
        INLINE_TAG => Some(references),
        _ => tag.strip_prefix("origin-")?.parse().ok(),
    }
}

/// Every source index tagged in `origin`.
fn tags(origin: &Value, references: usize, into: &mut BTreeSet<usize>) {
    match origin {
        Value::String(tag) => into.extend(index(tag, references)),
        Value::Array(items) => items.iter().for_each(|i| tags(i, references, into)),
        Value::Object(map) => map.values().for_each(|v| tags(v, references, into)),
        _ => {}
    }
}

/// `value` with every leaf a hidden source wrote replaced by [`MASK`]. `origin` is the same
/// place in the tagged composition; where the two part (a `--set` value that set more than its
/// path), whose leaf it is cannot be told, and it is masked if any source is hidden.
fn mask(value: &Value, origin: Option<&Value>, hidden: &BTreeSet<usize>, refs: usize) -> Value {
    match (value, origin) {
        (_, Some(Value::String(tag))) => {
            match index(tag, refs).is_some_and(|i| hidden.contains(&i)) {
                true => masked(value),
                false => value.clone(),
            }
        }
        (Value::Object(map), Some(Value::Object(tagged))) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), mask(v, tagged.get(k), hidden, refs)))
                .collect(),
        ),
        (Value::Array(items), Some(Value::Array(tagged))) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(at, v)| mask(v, tagged.get(at), hidden, refs))
                .collect(),
        ),
        _ if hidden.is_empty() => value.clone(),
        _ => masked(value),
    }
}

/// `value` with each leaf [`MASK`], its maps and lists kept.
fn masked(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), masked(v))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(masked).collect()),
        _ => Value::String(MASK.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn release() -> Value {
        json!({
            "metadata": {"name": "podinfo", "namespace": "apps"},
            "spec": {"values": {"replicaCount": 2}, "valuesFrom": [
                {"kind": "ConfigMap", "name": "common"},
                {"kind": "Secret", "name": "db", "valuesKey": "password", "targetPath": "db.password"},
                {"kind": "Secret", "name": "hidden", "optional": true},
            ]},
            "status": {"history": [{"version": 3, "configDigest": "sha256:aaa"}]},
        })
    }

    fn composed() -> Composed {
        let values = json!({"replicaCount": 2, "image": {"tag": "1.0"},
            "db": {"host": "db", "password": "s3cret"}});
        let origins = json!({"replicaCount": "origin-values", "image": {"tag": "origin-0"},
            "db": {"host": "origin-0", "password": "origin-1"}});
        Composed {
            values: values.as_object().cloned(),
            origins: origins.as_object().cloned(),
            digest: "sha256:bbb".to_owned(),
        }
    }

    #[test]
    fn references_default_their_key_and_a_forbidden_one_is_given_as_optional_and_absent() {
        let refs = references(&release());
        assert_eq!(refs[0].values_key, DEFAULT_KEY);
        assert_eq!(refs[1].target_path, "db.password");
        let reads = [
            Read::of(&[("values.yaml", "a: 1")]),
            Read::of(&[("password", "x")]),
            Read::Forbidden,
        ];
        let input = input(&release(), &refs, &reads);
        let given = &input["values"];
        assert_eq!(given["namespace"], "apps");
        assert_eq!(given["spec"], json!({"replicaCount": 2}));
        assert_eq!(given["configMaps"]["common"]["values.yaml"], "a: 1");
        assert_eq!(given["secrets"]["db"]["password"], "x");
        assert_eq!(given["references"][2]["optional"], true);
        assert!(given["secrets"].get("hidden").is_none());
    }

    #[test]
    fn a_secrets_leaves_are_masked_until_it_is_revealed_and_each_key_names_its_sources() {
        let refs = references(&release());
        let reads = [
            Read::of(&[("values.yaml", "")]),
            Read::of(&[("password", "s3cret")]),
            Read::Missing,
        ];
        let masked = answer(&release(), &refs, &reads, Ok(composed()), None);
        let values = masked.values.clone().unwrap();
        assert_eq!(values["db"]["password"], MASK);
        assert_eq!(values["db"]["host"], "db");
        assert_eq!(values["replicaCount"], 2);
        assert_eq!(masked.sources[1].state, SourceState::Masked);
        assert_eq!(masked.sources[2].state, SourceState::Missing);
        assert_eq!(masked.sources[3].kind, "HelmRelease");
        let from = |key: &str| {
            masked
                .keys
                .iter()
                .find(|k| k.key == key)
                .unwrap()
                .from
                .clone()
        };
        assert_eq!(from("db"), vec![0, 1]);
        assert_eq!(from("replicaCount"), vec![3]);
        assert_eq!(masked.digest.as_deref(), Some("sha256:bbb"));
        assert_eq!(masked.changed_since_release, Some(true));

        let shown = answer(&release(), &refs, &reads, Ok(composed()), Some("db"));
        assert_eq!(shown.values.unwrap()["db"]["password"], "s3cret");
        assert_eq!(shown.sources[1].state, SourceState::Revealed);
    }

    #[test]
    fn a_forbidden_reference_leaves_the_values_incomplete_and_without_a_digest() {
        let refs = references(&release());
        let reads = [
            Read::of(&[("values.yaml", "")]),
            Read::Forbidden,
            Read::Missing,
        ];
        let answer = answer(&release(), &refs, &reads, Ok(composed()), None);
        assert!(!answer.complete);
        assert_eq!(answer.digest, None);
        assert_eq!(answer.changed_since_release, None);
        assert_eq!(answer.sources[1].state, SourceState::Forbidden);
    }

    #[test]
    fn where_the_tags_part_from_the_values_a_leaf_is_masked_if_any_secret_is_hidden() {
        // A `--set` value of a Secret that set a second key (`a=1,b=2`): `b` has no tag.
        let values = json!({"a": 1, "b": 2, "list": [1, 2]});
        let origins = json!({"a": "origin-0", "list": "origin-1"});
        let hidden = BTreeSet::from([0]);
        let out = mask(&values, Some(&origins), &hidden, 2);
        assert_eq!(out, json!({"a": MASK, "b": MASK, "list": [1, 2]}));
        let none = mask(&values, Some(&origins), &BTreeSet::new(), 2);
        assert_eq!(none, values);
    }

    #[test]
    fn the_controllers_error_is_the_answer_with_no_values() {
        let refs = references(&release());
        let reads = [Read::Missing, Read::Missing, Read::Missing];
        let error = "could not resolve ConfigMap chart values reference 'apps/common'".to_owned();
        let answer = answer(&release(), &refs, &reads, Err(error.clone()), None);
        assert_eq!(answer.error, Some(error));
        assert_eq!(answer.values, None);
    }
}
