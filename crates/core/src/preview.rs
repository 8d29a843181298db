//! A preview's decisions, apart from its reads, its build and its dry runs: which ConfigMaps
//! and Secrets a Kustomization substitutes from, what the guest is given, which digest the
//! controller recorded for a revision, which objects the controller skips, forces or keeps,
//! what a comparison ignores and masks, and the diff a person reads.

use std::collections::BTreeMap;

use flux_web_shared::preview::{PreviewFate, PreviewObject};
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

/// The account kustomize-controller applies as: `spec.serviceAccountName`, in the
/// Kustomization's own namespace. None: the controller applies as itself (or as the account
/// its `--default-service-account` flag names, which the cluster does not tell).
pub fn service_account(kustomization: &Value) -> Option<String> {
    kustomization["spec"]["serviceAccountName"]
        .as_str()
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
}

/// An object of the build (or the inventory) as the answer names it, before its fate.
pub fn named(object: &Value, fate: PreviewFate) -> PreviewObject {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    PreviewObject {
        api_version: text(&object["apiVersion"]),
        kind: text(&object["kind"]),
        namespace: text(&object["metadata"]["namespace"]),
        name: text(&object["metadata"]["name"]),
        fate,
        message: String::new(),
        diff: None,
    }
}

const GROUP: &str = "kustomize.toolkit.fluxcd.io";

/// A label or annotation of kustomize-controller's group on `object`.
fn marked(object: &Value, key: &str) -> Option<String> {
    let key = format!("{GROUP}/{key}");
    ["labels", "annotations"]
        .iter()
        .find_map(|at| object["metadata"][at][&key].as_str().map(str::to_owned))
}

/// Why the controller leaves `object` alone whatever is live, if it does.
pub fn skipped(object: &Value) -> Option<String> {
    if marked(object, "reconcile").as_deref() == Some("disabled") {
        return Some(format!("{GROUP}/reconcile: disabled"));
    }
    (marked(object, "ssa").as_deref() == Some("Ignore")).then(|| format!("{GROUP}/ssa: Ignore"))
}

/// Whether the controller creates `object` only when it is not there.
pub fn if_not_present(object: &Value) -> bool {
    marked(object, "ssa").as_deref() == Some("IfNotPresent")
}

/// Whether the apply is forced: `spec.force`, or the object's own `force: enabled`.
pub fn forced(kustomization: &Value, object: &Value) -> bool {
    kustomization["spec"]["force"].as_bool().unwrap_or(false)
        || marked(object, "force").as_deref() == Some("enabled")
}

/// Whether a live object the build dropped is kept (`prune: disabled`).
pub fn kept(live: &Value) -> bool {
    marked(live, "prune").as_deref() == Some("disabled")
}

/// The inventory's id of `object`: `<namespace>_<name>_<group>_<Kind>`.
pub fn id(object: &Value) -> String {
    let api_version = object["apiVersion"].as_str().unwrap_or_default();
    let group = api_version.rsplit_once('/').map_or("", |(group, _)| group);
    format!(
        "{}_{}_{group}_{}",
        object["metadata"]["namespace"].as_str().unwrap_or_default(),
        object["metadata"]["name"].as_str().unwrap_or_default(),
        object["kind"].as_str().unwrap_or_default(),
    )
}

/// A `spec.ignore` rule: JSON pointers removed before comparing, from the objects its target
/// selects (all when it has none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ignore {
    pub paths: Vec<String>,
    target: BTreeMap<&'static str, String>,
    /// `labelSelector` and `annotationSelector`, as Kubernetes writes a label selector.
    selectors: Vec<(&'static str, String)>,
}

/// The Kustomization's `spec.ignore` rules.
pub fn ignore_rules(kustomization: &Value) -> Vec<Ignore> {
    let rules = kustomization["spec"]["ignore"].as_array();
    rules
        .into_iter()
        .flatten()
        .map(|rule| Ignore {
            paths: rule["paths"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| p.as_str().map(str::to_owned))
                .collect(),
            target: ["group", "version", "kind", "name", "namespace"]
                .into_iter()
                .filter_map(|key| Some((key, rule["target"][key].as_str()?.to_owned())))
                .collect(),
            selectors: [
                ("labelSelector", "labels"),
                ("annotationSelector", "annotations"),
            ]
            .into_iter()
            .filter_map(|(key, of)| Some((of, rule["target"][key].as_str()?.to_owned())))
            .collect(),
        })
        .collect()
}

impl Ignore {
    fn selects(&self, object: &Value) -> bool {
        let api_version = object["apiVersion"].as_str().unwrap_or_default();
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        self.target.iter().all(|(key, wanted)| {
            let have = match *key {
                "group" => group,
                "version" => version,
                "kind" => object["kind"].as_str().unwrap_or_default(),
                "name" => object["metadata"]["name"].as_str().unwrap_or_default(),
                _ => object["metadata"]["namespace"].as_str().unwrap_or_default(),
            };
            have == wanted
        }) && self.selectors.iter().all(|(of, selector)| {
            let empty = serde_json::Map::new();
            let map = object["metadata"][*of].as_object().unwrap_or(&empty);
            // A selector the API server would not take selects nothing.
            selected(selector, map).unwrap_or(false)
        })
    }
}

/// Whether `map` (labels or annotations) satisfies `selector` as Kubernetes writes one:
/// `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`, joined by commas, all
/// to hold (an empty selector selects everything). None when it does not parse.
pub fn selected(selector: &str, map: &serde_json::Map<String, Value>) -> Option<bool> {
    let value = |key: &str| map.get(key).and_then(Value::as_str);
    let mut all = true;
    for requirement in requirements(selector)? {
        let holds = if let Some(key) = requirement.strip_prefix('!') {
            value(key.trim()).is_none()
        } else if let Some((key, set)) = split_set(requirement, " notin ") {
            value(key).is_none_or(|v| !set.contains(&v))
        } else if let Some((key, set)) = split_set(requirement, " in ") {
            value(key).is_some_and(|v| set.contains(&v))
        } else if let Some((key, wanted)) = requirement.split_once("!=") {
            value(key.trim()) != Some(wanted.trim())
        } else if let Some((key, wanted)) = requirement.split_once('=') {
            let wanted = wanted.strip_prefix('=').unwrap_or(wanted);
            value(key.trim()) == Some(wanted.trim())
        } else if requirement.contains(|c: char| c.is_whitespace() || "()".contains(c)) {
            return None;
        } else {
            value(requirement).is_some()
        };
        all &= holds;
    }
    Some(all)
}

/// A selector's requirements: split at the commas outside parentheses, trimmed.
fn requirements(selector: &str) -> Option<Vec<&str>> {
    let (mut parts, mut depth, mut start) = (Vec::new(), 0u32, 0);
    for (i, c) in selector.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.checked_sub(1)?,
            ',' if depth == 0 => {
                parts.push(selector[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(selector[start..].trim());
    let parts: Vec<&str> = parts.into_iter().filter(|p| !p.is_empty()).collect();
    (depth == 0).then_some(parts)
}

/// `key in (a, b)` as the key and its values, split at `word`.
fn split_set<'a>(requirement: &'a str, word: &str) -> Option<(&'a str, Vec<&'a str>)> {
    let (key, set) = requirement.split_once(word)?;
    let set = set.trim().strip_prefix('(')?.strip_suffix(')')?;
    Some((key.trim(), set.split(',').map(str::trim).collect()))
}

/// `object` as the comparison sees it: no status, none of the metadata the API server keeps
/// for itself, nothing `spec.ignore` hides, a Secret's values masked.
pub fn compared(object: &Value, ignore: &[Ignore]) -> Value {
    let mut object = object.clone();
    if let Some(fields) = object.as_object_mut() {
        fields.remove("status");
    }
    if let Some(metadata) = object["metadata"].as_object_mut() {
        for volatile in [
            "managedFields",
            "resourceVersion",
            "generation",
            "uid",
            "creationTimestamp",
            "selfLink",
        ] {
            metadata.remove(volatile);
        }
    }
    let selected: Vec<&Ignore> = ignore.iter().filter(|rule| rule.selects(&object)).collect();
    for rule in selected {
        for path in &rule.paths {
            remove(&mut object, path);
        }
    }
    if object["kind"] == "Secret" && object["apiVersion"] == "v1" {
        for field in ["data", "stringData"] {
            if let Some(values) = object[field].as_object_mut() {
                for value in values.values_mut() {
                    *value = Value::String(masked(value));
                }
            }
        }
    }
    object
}

/// A Secret's value as shown: a mask that still tells one value from another.
fn masked(value: &Value) -> String {
    let text = value.as_str().unwrap_or_default();
    let mut hash: u32 = 0x811c_9dc5;
    for byte in text.bytes() {
        hash = (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193);
    }
    format!("*** (masked, {:04x})", hash & 0xffff)
}

/// Removes what the JSON pointer `path` names, if anything.
fn remove(value: &mut Value, path: &str) {
    let parts: Vec<String> = path
        .split('/')
        .skip(1)
        .map(|p| p.replace("~1", "/").replace("~0", "~"))
        .collect();
    let Some((last, parents)) = parts.split_last() else {
        return;
    };
    let mut at = value;
    for part in parents {
        at = match at {
            Value::Object(map) => match map.get_mut(part) {
                Some(next) => next,
                None => return,
            },
            Value::Array(items) => {
                match part.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                    Some(next) => next,
                    None => return,
                }
            }
            _ => return,
        };
    }
    match at {
        Value::Object(map) => {
            map.remove(last);
        }
        Value::Array(items) => {
            if let Some(i) = last.parse::<usize>().ok().filter(|i| *i < items.len()) {
                items.remove(i);
            }
        }
        _ => {}
    }
}

/// `text` with every one of `secrets` (values substituted from Secrets) replaced; values of
/// fewer than three characters are left, as they would redact half of any text.
pub fn redact(text: &str, secrets: &[String]) -> String {
    secrets
        .iter()
        .filter(|s| s.chars().count() >= 3)
        .fold(text.to_owned(), |text, secret| {
            text.replace(secret.as_str(), "<redacted>")
        })
}

/// The lines of `before` and `after` that differ, each with three lines around it, as `-`,
/// `+` and ` ` lines; `@@` between the runs of a long diff.
pub fn diff(before: &str, after: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (before.lines().collect(), after.lines().collect());
    // The longest common subsequence, from the end; past a million cells the objects are
    // shown whole, removed then added.
    let ops = if a.len().saturating_mul(b.len()) > 1_000_000 {
        a.iter()
            .map(|l| ('-', *l))
            .chain(b.iter().map(|l| ('+', *l)))
            .collect()
    } else {
        let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
        for i in (0..a.len()).rev() {
            for j in (0..b.len()).rev() {
                lcs[i][j] = match a[i] == b[j] {
                    true => lcs[i + 1][j + 1] + 1,
                    false => lcs[i + 1][j].max(lcs[i][j + 1]),
                };
            }
        }
        let (mut i, mut j, mut ops) = (0, 0, Vec::new());
        while i < a.len() || j < b.len() {
            if i < a.len() && j < b.len() && a[i] == b[j] {
                ops.push((' ', a[i]));
                (i, j) = (i + 1, j + 1);
            } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
                // What goes, before what comes.
                ops.push(('-', a[i]));
                i += 1;
            } else {
                ops.push(('+', b[j]));
                j += 1;
            }
        }
        ops
    };
    let near = |k: usize| {
        ops[k.saturating_sub(3)..(k + 4).min(ops.len())]
            .iter()
            .any(|(op, _)| *op != ' ')
    };
    let mut out = String::new();
    let mut skipped = false;
    for (k, (op, line)) in ops.iter().enumerate() {
        if near(k) {
            if skipped && !out.is_empty() {
                out.push_str("@@\n");
            }
            skipped = false;
            out.push(*op);
            out.push(' ');
            out.push_str(line);
            out.push('\n');
        } else {
            skipped = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_service_account_is_the_specs_and_an_empty_one_is_none() {
        for (spec, account) in [
            (json!({"serviceAccountName": "deployer"}), Some("deployer")),
            (json!({"serviceAccountName": ""}), None),
            (json!({}), None),
        ] {
            let kustomization = json!({ "spec": spec });
            assert_eq!(service_account(&kustomization).as_deref(), account);
        }
    }

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
    fn skips_force_and_prune_follow_the_controllers_marks() {
        let object =
            |meta: Value| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta});
        let marks = |key: &str, value: &str| json!({"name": "c", "annotations": {format!("{GROUP}/{key}"): value}});
        assert_eq!(
            skipped(&object(marks("reconcile", "disabled"))).as_deref(),
            Some("kustomize.toolkit.fluxcd.io/reconcile: disabled")
        );
        assert!(skipped(&object(marks("ssa", "Ignore"))).is_some());
        assert!(skipped(&object(marks("ssa", "Merge"))).is_none());
        assert!(if_not_present(&object(marks("ssa", "IfNotPresent"))));
        assert!(forced(
            &json!({"spec": {"force": true}}),
            &object(json!({"name": "c"}))
        ));
        assert!(forced(
            &json!({"spec": {}}),
            &object(marks("force", "enabled"))
        ));
        assert!(kept(&object(marks("prune", "disabled"))));
        let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "a"}});
        assert_eq!(id(&deployment), "a_web_apps_Deployment");
        assert_eq!(id(&object(json!({"name": "c"}))), "_c__ConfigMap");
    }

    #[test]
    fn comparing_drops_what_the_server_keeps_what_ignore_hides_and_masks_secrets() {
        let ks = json!({"spec": {"ignore": [
            {"paths": ["/spec/replicas"], "target": {"kind": "Deployment"}},
            {"paths": ["/metadata/annotations/x~1y"]},
        ]}});
        let rules = ignore_rules(&ks);
        let live = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "resourceVersion": "9", "uid": "u", "managedFields": [], "annotations": {"x/y": "1", "z": "2"}},
            "spec": {"replicas": 5, "paused": false}, "status": {"readyReplicas": 5}});
        assert_eq!(
            compared(&live, &rules),
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "annotations": {"z": "2"}}, "spec": {"paused": false}})
        );
        let secret = |v: &str| json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"token": v}});
        let (one, two) = (
            compared(&secret("czNjcjN0"), &[]),
            compared(&secret("b3RoZXI="), &[]),
        );
        assert!(
            one["data"]["token"]
                .as_str()
                .is_some_and(|m| m.starts_with("*** (masked")),
            "{one}"
        );
        assert!(!one.to_string().contains("czNjcjN0"));
        assert_ne!(one, two, "a changed value shows as changed");
    }

    #[test]
    fn ignore_rules_select_by_label_and_annotation_as_kubernetes_selectors_do() {
        let map = |v: Value| v.as_object().cloned().unwrap_or_default();
        let labels = map(json!({"app": "web", "tier": "front", "team": "a"}));
        for (selector, want) in [
            ("", Some(true)),
            ("app=web", Some(true)),
            ("app==web, tier = front", Some(true)),
            ("app!=web", Some(false)),
            ("missing!=x", Some(true)),
            ("tier in (front, back)", Some(true)),
            ("tier in (back)", Some(false)),
            ("tier notin (back),team", Some(true)),
            ("missing notin (x)", Some(true)),
            ("!missing", Some(true)),
            ("!app", Some(false)),
            ("app in (web", None),
            ("app)", None),
            ("two words", None),
        ] {
            assert_eq!(selected(selector, &labels), want, "{selector}");
        }
        let ks = json!({"spec": {"ignore": [
            {"paths": ["/spec/replicas"], "target": {"labelSelector": "app=web", "annotationSelector": "scaled"}},
        ]}});
        let rules = ignore_rules(&ks);
        let deployment = |annotations: Value| {
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"app": "web"}, "annotations": annotations}, "spec": {"replicas": 3}})
        };
        assert_eq!(
            compared(&deployment(json!({"scaled": "by-hpa"})), &rules)["spec"],
            json!({})
        );
        assert_eq!(
            compared(&deployment(json!({})), &rules)["spec"]["replicas"],
            3
        );
    }

    #[test]
    fn redaction_and_diffs() {
        assert_eq!(
            redact("token: s3cr3t, s3cr3t", &["s3cr3t".into(), "ab".into()]),
            "token: <redacted>, <redacted>"
        );
        let before = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n";
        let after = "a\nb\nc\nd\nE\nf\ng\nh\ni\nj\nk\n";
        assert_eq!(
            diff(before, after),
            "  b\n  c\n  d\n- e\n+ E\n  f\n  g\n  h\n  i\n  j\n+ k\n"
        );
        let long: String = (0..20).map(|i| format!("{i}\n")).collect();
        let changed: String = (0..20)
            .map(|i| match i {
                1 => "one\n".to_owned(),
                18 => "eighteen\n".to_owned(),
                _ => format!("{i}\n"),
            })
            .collect();
        assert_eq!(
            diff(&long, &changed),
            "  0\n- 1\n+ one\n  2\n  3\n  4\n@@\n  15\n  16\n  17\n- 18\n+ eighteen\n  19\n"
        );
        assert_eq!(diff("same\n", "same\n"), "");
    }
}
