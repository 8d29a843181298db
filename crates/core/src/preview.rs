//! A preview's decisions, apart from its reads and its build: which ConfigMaps and Secrets a
//! Kustomization substitutes from, what the guest is given, which digest the controller
//! recorded for a revision, and the objects a build holds.

use std::collections::BTreeMap;

use flux_web_shared::preview::PreviewObject;
use serde::Deserialize;
use serde_json::{Value, json};

/// A `spec.postBuild.substituteFrom` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub kind: Source,
    pub name: String,
    pub optional: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    ConfigMap,
    Secret,
}

/// What the build's variables come from, in the Kustomization's order; an entry of another
/// kind is left out, as the controller leaves it.
pub fn references(kustomization: &Value) -> Vec<Reference> {
    let entries = kustomization["spec"]["postBuild"]["substituteFrom"].as_array();
    entries
        .into_iter()
        .flatten()
        .filter_map(|entry| {
            let kind = match entry["kind"].as_str()? {
                "ConfigMap" => Source::ConfigMap,
                "Secret" => Source::Secret,
                _ => return None,
            };
            Some(Reference {
                kind,
                name: entry["name"].as_str()?.to_owned(),
                optional: entry["optional"].as_bool().unwrap_or(false),
            })
        })
        .collect()
}

/// The data of the references read, by kind and name; one absent was not found.
#[derive(Debug, Default)]
pub struct Variables {
    pub config_maps: BTreeMap<String, BTreeMap<String, String>>,
    pub secrets: BTreeMap<String, BTreeMap<String, String>>,
}

/// The guest's input (see `guest/main.go`): the Kustomization as the controller reads it, the
/// tree's root in the guest, the variables' sources, and whether a variable without a value is
/// an error (kustomize-controller's `StrictPostBuildSubstitutions`, on since v1.9).
pub fn input(kustomization: &Value, root: &str, variables: &Variables) -> Value {
    let mut metadata = kustomization["metadata"].clone();
    if let Some(fields) = metadata.as_object_mut() {
        fields.remove("managedFields");
    }
    json!({
        "kustomization": {
            "apiVersion": kustomization["apiVersion"],
            "kind": kustomization["kind"],
            "metadata": metadata,
            "spec": kustomization["spec"],
        },
        "root": root,
        "strict": true,
        "configMaps": variables.config_maps,
        "secrets": variables.secrets,
    })
}

/// The digest kustomize-controller recorded in `status.history` for `revision`.
pub fn applied_digest(kustomization: &Value, revision: &str) -> Option<String> {
    kustomization["status"]["history"]
        .as_array()?
        .iter()
        .find(|snapshot| snapshot["metadata"]["revision"] == revision)
        .and_then(|snapshot| snapshot["digest"].as_str())
        .map(str::to_owned)
}

/// The objects of a build's YAML, in order.
pub fn objects(yaml: &str) -> Result<Vec<PreviewObject>, String> {
    #[derive(Deserialize)]
    struct Head {
        #[serde(rename = "apiVersion")]
        api_version: String,
        kind: String,
        metadata: Metadata,
    }
    #[derive(Deserialize)]
    struct Metadata {
        name: String,
        #[serde(default)]
        namespace: String,
    }
    serde_yaml_ng::Deserializer::from_str(yaml)
        .map(|document| {
            let head = Head::deserialize(document).map_err(|e| e.to_string())?;
            Ok(PreviewObject {
                api_version: head.api_version,
                kind: head.kind,
                namespace: head.metadata.namespace,
                name: head.metadata.name,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_the_config_maps_and_secrets_in_order() {
        let ks = json!({"spec": {"postBuild": {"substituteFrom": [
            {"kind": "ConfigMap", "name": "vars"},
            {"kind": "Secret", "name": "creds", "optional": true},
            {"kind": "Bucket", "name": "odd"},
        ]}}});
        assert_eq!(
            references(&ks),
            [
                Reference {
                    kind: Source::ConfigMap,
                    name: "vars".into(),
                    optional: false
                },
                Reference {
                    kind: Source::Secret,
                    name: "creds".into(),
                    optional: true
                },
            ]
        );
        assert!(references(&json!({"spec": {}})).is_empty());
    }

    #[test]
    fn the_applied_digest_is_the_snapshot_of_the_revision() {
        let ks = json!({"status": {"history": [
            {"digest": "sha256:new", "metadata": {"revision": "main@sha1:2"}},
            {"digest": "sha256:old", "metadata": {"revision": "main@sha1:1"}},
        ]}});
        assert_eq!(
            applied_digest(&ks, "main@sha1:1").as_deref(),
            Some("sha256:old")
        );
        assert_eq!(applied_digest(&ks, "main@sha1:3"), None);
    }

    #[test]
    fn the_input_carries_the_spec_and_the_variables_not_the_status() {
        let ks = json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "apps", "namespace": "flux-system", "annotations": {"a": "b"}},
            "spec": {"path": "./apps"}, "status": {"inventory": {}}});
        let mut variables = Variables::default();
        variables.secrets.insert(
            "creds".into(),
            BTreeMap::from([("token".into(), "s3cr3t".into())]),
        );
        let input = input(&ks, "/src", &variables);
        assert_eq!(input["kustomization"]["spec"]["path"], "./apps");
        assert_eq!(input["kustomization"]["status"], Value::Null);
        assert_eq!(input["secrets"]["creds"]["token"], "s3cr3t");
        assert_eq!(
            (input["root"].as_str(), input["strict"].as_bool()),
            (Some("/src"), Some(true))
        );
    }

    #[test]
    fn objects_are_read_from_each_document() {
        let yaml = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: apps\n";
        let read = objects(yaml).unwrap();
        assert_eq!(read.len(), 2);
        assert_eq!(
            (read[0].kind.as_str(), read[0].namespace.as_str()),
            ("Namespace", "")
        );
        assert_eq!(
            (read[1].name.as_str(), read[1].namespace.as_str()),
            ("web", "apps")
        );
        assert!(objects("kind: [").is_err());
    }
}
