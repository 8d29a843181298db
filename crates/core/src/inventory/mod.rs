//! A Kustomization's whole inventory (`status.inventory.entries`): every object it applied,
//! not only its workloads, and each one's health as kstatus judges it, so that "which of
//! what it applied is unhealthy?" has an answer. Pure: the server reads the objects as the
//! caller and hands them here.
//!
//! The rules are kstatus's for the built-in kinds (a rollout judged by its replicas, a Pod by
//! its phase and Ready condition, a Job by Complete or Failed, a claim by Bound, a load
//! balancer by its address, a CRD by Established), and for any other kind its conditions
//! (Stalled is failed, Reconciling in progress, Ready as `flux get` reads it); a generation
//! not observed yet is in progress; an object without status is as it should be. The kinds
//! the owner's `spec.healthCheckExprs` names are judged by those instead ([`exprs`]).

use flux_web_shared::objects::State;
use kube_core::DynamicObject;
use serde_json::Value;

pub mod exprs;

/// One object of an inventory, as its entry names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    /// The entry's id, `<namespace>_<name>_<group>_<Kind>`: how a page asks for its YAML.
    pub id: String,
    /// Empty for the core group.
    pub group: String,
    pub version: String,
    pub kind: String,
    /// Empty for a cluster-scoped object.
    pub namespace: String,
    pub name: String,
}

/// The entries of `status.inventory`, whose ids are `<namespace>_<name>_<group>_<Kind>` and
/// whose `v` is the version applied; sorted by kind, namespace and name.
pub fn entries(object: &DynamicObject) -> Vec<Entry> {
    let mut found: Vec<Entry> = in_status_order(object).collect();
    found.sort_by(|a, b| (&a.kind, &a.namespace, &a.name).cmp(&(&b.kind, &b.namespace, &b.name)));
    found
}

/// The entries of `status.inventory` in the order the controller wrote them.
pub fn in_status_order(object: &DynamicObject) -> impl Iterator<Item = Entry> + '_ {
    object.data["status"]["inventory"]["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|entry| {
            let id = entry["id"].as_str()?;
            let parts: Vec<&str> = id.split('_').collect();
            let [namespace, name, group, kind] = parts.as_slice() else {
                return None;
            };
            (!name.is_empty() && !kind.is_empty()).then(|| Entry {
                id: id.to_owned(),
                group: (*group).to_owned(),
                version: entry["v"].as_str().unwrap_or("v1").to_owned(),
                kind: (*kind).to_owned(),
                namespace: (*namespace).to_owned(),
                name: (*name).to_owned(),
            })
        })
}

/// What a Secret's values and its last applied configuration read as.
pub const MASKED: &str = "••••••";
/// `kubectl apply` keeps the whole object it applied here: a Secret's data too.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// `object` as a page shows it: without its managed fields, and a Secret's values masked,
/// always (its keys are kept: which keys a Secret has is what a user debugs).
pub fn shown(group: &str, kind: &str, mut object: DynamicObject) -> DynamicObject {
    object.metadata.managed_fields = None;
    if (group, kind) == ("", "Secret") {
        for field in ["data", "stringData"] {
            if let Some(values) = object.data[field].as_object_mut() {
                values
                    .values_mut()
                    .for_each(|v| *v = Value::String(MASKED.to_owned()));
            }
        }
        if let Some(applied) = object
            .metadata
            .annotations
            .as_mut()
            .and_then(|a| a.get_mut(LAST_APPLIED))
        {
            *applied = MASKED.to_owned();
        }
    }
    object
}

/// The health of `object`, an object of `group`/`kind`, and the words beside it.
pub fn health(group: &str, kind: &str, object: &DynamicObject) -> (State, String) {
    let (spec, status) = (&object.data["spec"], &object.data["status"]);
    let observed = status["observedGeneration"].as_i64();
    if let (Some(generation), Some(observed)) = (object.metadata.generation, observed)
        && observed < generation
    {
        return (
            State::Progressing,
            format!("generation {generation} not observed yet"),
        );
    }
    let int = |v: &Value| v.as_i64().unwrap_or(0);
    match (group, kind) {
        ("apps", "Deployment" | "StatefulSet" | "ReplicaSet") => {
            if condition(status, "Progressing")
                .is_some_and(|c| c["reason"] == "ProgressDeadlineExceeded")
            {
                return (State::Failed, "progress deadline exceeded".to_owned());
            }
            let wanted = spec["replicas"].as_i64().unwrap_or(1);
            let ready = int(&status["readyReplicas"]);
            let updated = match kind {
                "ReplicaSet" => ready,
                _ => status["updatedReplicas"].as_i64().unwrap_or(ready),
            };
            replicas(ready.min(updated), wanted)
        }
        ("apps", "DaemonSet") => replicas(
            int(&status["numberAvailable"]).min(int(&status["updatedNumberScheduled"])),
            int(&status["desiredNumberScheduled"]),
        ),
        ("", "Pod") => match status["phase"].as_str() {
            Some("Succeeded") => (State::Ready, "succeeded".to_owned()),
            Some("Failed") => (State::Failed, "failed".to_owned()),
            Some("Running") if is(status, "Ready", "True") => (State::Ready, "running".to_owned()),
            Some(phase) => (State::Progressing, phase.to_lowercase()),
            None => (State::Progressing, "not scheduled yet".to_owned()),
        },
        ("batch", "Job") if is(status, "Failed", "True") => (State::Failed, "failed".to_owned()),
        ("batch", "Job") if is(status, "Complete", "True") => (State::Ready, "complete".to_owned()),
        ("batch", "Job") => (State::Progressing, "running".to_owned()),
        ("", "PersistentVolumeClaim") => match status["phase"].as_str() {
            Some("Bound") => (State::Ready, "bound".to_owned()),
            Some("Lost") => (State::Failed, "lost".to_owned()),
            other => (
                State::Progressing,
                other.unwrap_or("pending").to_lowercase(),
            ),
        },
        ("", "Service")
            if spec["type"] == "LoadBalancer"
                && status["loadBalancer"]["ingress"]
                    .as_array()
                    .is_none_or(Vec::is_empty) =>
        {
            (
                State::Progressing,
                "no load balancer address yet".to_owned(),
            )
        }
        ("apiextensions.k8s.io", "CustomResourceDefinition") => {
            match is(status, "Established", "True") {
                true => (State::Ready, "established".to_owned()),
                false => (State::Progressing, "not established yet".to_owned()),
            }
        }
        _ => by_conditions(status),
    }
}

/// Any other kind: its conditions as kstatus and `flux get` read them.
fn by_conditions(status: &Value) -> (State, String) {
    let message = |c: &Value| c["message"].as_str().unwrap_or_default().to_owned();
    if let Some(stalled) = condition(status, "Stalled").filter(|c| c["status"] == "True") {
        return (State::Failed, message(stalled));
    }
    if let Some(reconciling) = condition(status, "Reconciling").filter(|c| c["status"] == "True") {
        return (State::Progressing, message(reconciling));
    }
    match condition(status, "Ready") {
        Some(ready) if ready["status"] == "True" => (State::Ready, message(ready)),
        Some(ready) if ready["status"] == "False" => (State::Failed, message(ready)),
        Some(ready) => (State::Progressing, message(ready)),
        None => (State::Ready, String::new()),
    }
}

fn replicas(ready: i64, wanted: i64) -> (State, String) {
    let state = match ready >= wanted {
        true => State::Ready,
        false => State::Progressing,
    };
    (state, format!("{ready}/{wanted} ready"))
}

fn condition<'a>(status: &'a Value, kind: &str) -> Option<&'a Value> {
    status["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == kind)
}

fn is(status: &Value, kind: &str, value: &str) -> bool {
    condition(status, kind).is_some_and(|c| c["status"] == value)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn object(data: Value) -> DynamicObject {
        let mut object: DynamicObject =
            serde_json::from_value(json!({"metadata": {"name": "x", "generation": 2}})).unwrap();
        object.data = data;
        object
    }

    #[test]
    fn a_secret_shows_its_keys_never_its_values_nor_what_kubectl_applied() {
        let secret: DynamicObject = serde_json::from_value(json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "s", "annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": "{\"data\":{\"password\":\"aHVudGVyMg==\"}}",
                "team": "web"},
                "managedFields": [{"manager": "kubectl"}]},
            "data": {"password": "aHVudGVyMg=="}, "stringData": {"token": "hunter2"}, "type": "Opaque",
        }))
        .unwrap();
        let shown = shown("", "Secret", secret);
        let text = serde_json::to_string(&shown).unwrap();
        assert!(
            !text.contains("aHVudGVyMg") && !text.contains("hunter2"),
            "{text}"
        );
        assert_eq!(shown.data["data"]["password"], MASKED);
        assert_eq!(shown.data["stringData"]["token"], MASKED);
        assert_eq!(shown.metadata.annotations.unwrap()["team"], "web");
        assert!(shown.metadata.managed_fields.is_none());
        // A ConfigMap is shown as it is.
        let map: DynamicObject =
            serde_json::from_value(json!({"metadata": {"name": "m"}, "data": {"a": "b"}})).unwrap();
        assert_eq!(super::shown("", "ConfigMap", map).data["data"]["a"], "b");
    }

    #[test]
    fn entries_are_every_object_applied_by_kind_cluster_scoped_and_core_ones_too() {
        let owner = object(json!({"status": {"inventory": {"entries": [
            {"id": "apps_web_apps_Deployment", "v": "v1"},
            {"id": "apps_settings__ConfigMap", "v": "v1"},
            {"id": "_apps__Namespace", "v": "v1"},
            {"id": "broken", "v": "v1"},
        ]}}}));
        let named: Vec<String> = entries(&owner)
            .into_iter()
            .map(|e| {
                format!(
                    "{}/{}/{}/{}/{}",
                    e.group, e.version, e.kind, e.namespace, e.name
                )
            })
            .collect();
        assert_eq!(
            named,
            [
                "/v1/ConfigMap/apps/settings",
                "apps/v1/Deployment/apps/web",
                "/v1/Namespace//apps"
            ]
        );
    }

    #[test]
    fn health_follows_kstatus_for_built_in_kinds_and_conditions_for_the_rest() {
        let cases = [
            (
                "apps",
                "Deployment",
                json!({"spec": {"replicas": 2}, "status": {"observedGeneration": 2, "readyReplicas": 2, "updatedReplicas": 2}}),
                State::Ready,
            ),
            (
                "apps",
                "Deployment",
                json!({"spec": {"replicas": 2}, "status": {"observedGeneration": 2, "readyReplicas": 2, "updatedReplicas": 1}}),
                State::Progressing,
            ),
            (
                "apps",
                "Deployment",
                json!({"spec": {"replicas": 1}, "status": {"observedGeneration": 1}}),
                State::Progressing,
            ),
            (
                "apps",
                "Deployment",
                json!({"status": {"observedGeneration": 2, "conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]}}),
                State::Failed,
            ),
            (
                "apps",
                "DaemonSet",
                json!({"status": {"observedGeneration": 2, "desiredNumberScheduled": 3, "numberAvailable": 3, "updatedNumberScheduled": 3}}),
                State::Ready,
            ),
            (
                "",
                "Pod",
                json!({"status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "False"}]}}),
                State::Progressing,
            ),
            (
                "",
                "Pod",
                json!({"status": {"phase": "Failed"}}),
                State::Failed,
            ),
            (
                "batch",
                "Job",
                json!({"status": {"conditions": [{"type": "Complete", "status": "True"}]}}),
                State::Ready,
            ),
            (
                "batch",
                "Job",
                json!({"status": {"conditions": [{"type": "Failed", "status": "True"}]}}),
                State::Failed,
            ),
            (
                "",
                "PersistentVolumeClaim",
                json!({"status": {"phase": "Pending"}}),
                State::Progressing,
            ),
            (
                "",
                "Service",
                json!({"spec": {"type": "LoadBalancer"}, "status": {"loadBalancer": {}}}),
                State::Progressing,
            ),
            (
                "",
                "Service",
                json!({"spec": {"type": "ClusterIP"}}),
                State::Ready,
            ),
            ("", "ConfigMap", json!({"data": {"a": "b"}}), State::Ready),
            (
                "apiextensions.k8s.io",
                "CustomResourceDefinition",
                json!({"status": {"conditions": [{"type": "Established", "status": "True"}]}}),
                State::Ready,
            ),
            (
                "example.com",
                "Database",
                json!({"status": {"conditions": [{"type": "Stalled", "status": "True", "message": "no disk"}]}}),
                State::Failed,
            ),
            (
                "example.com",
                "Database",
                json!({"status": {"conditions": [{"type": "Ready", "status": "False", "message": "starting"}, {"type": "Reconciling", "status": "True"}]}}),
                State::Progressing,
            ),
            (
                "example.com",
                "Database",
                json!({"status": {"conditions": [{"type": "Ready", "status": "False"}]}}),
                State::Failed,
            ),
            (
                "example.com",
                "Database",
                json!({"status": {"observedGeneration": 1, "conditions": [{"type": "Ready", "status": "True"}]}}),
                State::Progressing,
            ),
        ];
        for (group, kind, data, expected) in cases {
            let (state, words) = health(group, kind, &object(data.clone()));
            assert_eq!(state, expected, "{group}/{kind} {data}: {words}");
        }
    }
}
