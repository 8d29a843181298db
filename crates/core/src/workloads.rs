//! Workloads, Pods and Jobs as read: the workloads of a Flux object's inventory, readiness
//! by the kind's rule, a Pod's and a Job's summary, a workload's selector and last restart.
//! Pure: every case has a test.

use flux_web_shared::objects::{JobSummary, PodPhase, PodSummary, State};
use kube_core::DynamicObject;
use serde_json::Value;

use super::address::ObjectRef;
use super::kinds::{self, Kind, Readiness, Workload};
use super::patch::{CREATED_BY, RESTARTED_AT, annotation};

/// The workloads of `status.inventory.entries`, in the order the controller wrote them.
pub fn inventory(object: &DynamicObject) -> Vec<ObjectRef> {
    crate::inventory::in_status_order(object)
        .filter_map(|entry| {
            let kind = kinds::by_kind(&entry.group, &entry.kind)
                .filter(|k| matches!(k.workload, Some(Workload::Restart | Workload::RunJob)))?;
            Some(ObjectRef::new(kind, &entry.namespace, &entry.name))
        })
        .collect()
}

/// `ready/desired` and whether all are ready; a CronJob is healthy unless suspended.
pub fn readiness(kind: &Kind, workload: &DynamicObject) -> (Option<String>, bool) {
    let status = &workload.data["status"];
    let int = |v: &Value| v.as_i64().unwrap_or(0);
    let (ready, desired) = match kind.readiness {
        Readiness::Replicas => (
            int(&status["readyReplicas"]),
            workload.data["spec"]["replicas"].as_i64().unwrap_or(1),
        ),
        Readiness::Scheduled => (
            int(&status["numberReady"]),
            int(&status["desiredNumberScheduled"]),
        ),
        _ => return (None, workload.data["spec"]["suspend"] != Value::Bool(true)),
    };
    (Some(format!("{ready}/{desired}")), ready >= desired)
}

/// The state of a workload or Pod by its kind's rule, and the words beside it: replicas
/// ready, a CronJob's schedule and last run, a Pod's phase. Flux kinds go by their Ready
/// condition instead (`read::summary`).
pub fn state(kind: &Kind, object: &DynamicObject) -> (State, String) {
    let data = &object.data;
    match kind.readiness {
        Readiness::Replicas | Readiness::Scheduled => {
            let (ready, all) = readiness(kind, object);
            let state = if all {
                State::Ready
            } else {
                State::Progressing
            };
            (state, format!("{} ready", ready.unwrap_or_default()))
        }
        Readiness::Schedule => {
            let schedule = data["spec"]["schedule"].as_str().unwrap_or_default();
            let last = match data["status"]["lastScheduleTime"].as_str() {
                Some(time) => format!("last run {time}"),
                None => "not run yet".to_owned(),
            };
            let state = if data["spec"]["suspend"] == Value::Bool(true) {
                State::Suspended
            } else {
                State::Ready
            };
            (state, format!("schedule {schedule}, {last}"))
        }
        Readiness::Phase => {
            let phase = PodPhase::of(data["status"]["phase"].as_str());
            let state = match phase {
                PodPhase::Running | PodPhase::Succeeded => State::Ready,
                PodPhase::Pending => State::Progressing,
                PodPhase::Failed => State::Failed,
                PodPhase::Unknown => State::Unknown,
            };
            (state, phase.as_str().to_owned())
        }
        Readiness::Conditions | Readiness::Static => (State::Unknown, String::new()),
    }
}

pub fn pod_summary(pod: &DynamicObject) -> PodSummary {
    let statuses = pod.data["status"]["containerStatuses"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let ready = statuses
        .iter()
        .filter(|c| c["ready"] == Value::Bool(true))
        .count();
    let containers = pod.data["spec"]["containers"]
        .as_array()
        .map_or(0, Vec::len);
    PodSummary {
        name: pod.metadata.name.clone().unwrap_or_default(),
        phase: PodPhase::of(pod.data["status"]["phase"].as_str()),
        ready: format!("{ready}/{containers}"),
        restarts: statuses
            .iter()
            .map(|c| c["restartCount"].as_i64().unwrap_or(0) as i32)
            .sum(),
        created_at: pod
            .metadata
            .creation_timestamp
            .as_ref()
            .map(|t| t.0.to_string()),
        created_by: created_by(pod),
    }
}

pub fn created_by(object: &DynamicObject) -> Option<String> {
    annotation(object, CREATED_BY).map(str::to_owned)
}

/// `spec.selector.matchLabels` as a label selector.
pub fn match_labels(workload: &DynamicObject) -> Option<String> {
    let labels = workload.data["spec"]["selector"]["matchLabels"].as_object()?;
    let pairs: Vec<String> = labels
        .iter()
        .filter_map(|(k, v)| Some(format!("{k}={}", v.as_str()?)))
        .collect();
    (!pairs.is_empty()).then(|| pairs.join(","))
}

/// The summary of a Job run from a CronJob, with its Pods.
pub fn job_summary(job: &DynamicObject, pods: Vec<PodSummary>) -> JobSummary {
    let status = &job.data["status"];
    let count = |key: &str| status[key].as_i64().unwrap_or(0) as i32;
    JobSummary {
        pods,
        name: job.metadata.name.clone().unwrap_or_default(),
        active: count("active"),
        succeeded: count("succeeded"),
        failed: count("failed"),
        created_at: job
            .metadata
            .creation_timestamp
            .as_ref()
            .map(|t| t.0.to_string()),
        created_by: created_by(job),
    }
}

/// When a rollout restart last asked the workload to roll.
pub fn restarted_at(workload: &DynamicObject) -> Option<String> {
    workload.data["spec"]["template"]["metadata"]["annotations"][RESTARTED_AT]
        .as_str()
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {

    #[test]
    fn each_workload_kind_has_a_state_that_means_something_for_it() {
        let of = |kind: &str, group: &str, object: serde_json::Value| {
            let kind = kinds::find(group, kind).unwrap();
            state(kind, &serde_json::from_value(object).unwrap())
        };
        let meta = serde_json::json!({"name": "w", "namespace": "apps"});
        assert_eq!(
            of(
                "deployments",
                "apps",
                serde_json::json!({"metadata": meta, "spec": {"replicas": 3}, "status": {"readyReplicas": 2}})
            ),
            (State::Progressing, "2/3 ready".to_owned())
        );
        assert_eq!(
            of(
                "statefulsets",
                "apps",
                serde_json::json!({"metadata": meta, "spec": {"replicas": 1}, "status": {"readyReplicas": 1}})
            ),
            (State::Ready, "1/1 ready".to_owned())
        );
        assert_eq!(
            of(
                "cronjobs",
                "batch",
                serde_json::json!({"metadata": meta, "spec": {"schedule": "0 * * * *"}, "status": {"lastScheduleTime": "2026-12-01T10:00:00Z"}})
            ),
            (
                State::Ready,
                "schedule 0 * * * *, last run 2026-12-01T10:00:00Z".to_owned()
            )
        );
        assert_eq!(
            of("cronjobs", "batch", serde_json::json!({"metadata": meta, "spec": {"schedule": "@daily", "suspend": true}})).0,
            State::Suspended
        );
        assert_eq!(
            of(
                "pods",
                "core",
                serde_json::json!({"metadata": meta, "status": {"phase": "Pending"}})
            ),
            (State::Progressing, "Pending".to_owned())
        );
    }

    use serde_json::json;

    use super::*;

    fn object(value: Value) -> DynamicObject {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn the_inventory_keeps_the_workloads_only() {
        let ks = object(
            json!({"metadata": {"name": "apps"}, "status": {"inventory": {"entries": [
                {"id": "apps_podinfo_apps_Deployment", "v": "v1"},
                {"id": "apps_db_apps_StatefulSet", "v": "v1"},
                {"id": "apps_backup_batch_CronJob", "v": "v1"},
                {"id": "apps_podinfo__Service", "v": "v1"},
                {"id": "_apps__Namespace", "v": "v1"},
                {"id": "garbage", "v": "v1"},
            ]}}}),
        );
        let found: Vec<String> = inventory(&ks).iter().map(ObjectRef::describe).collect();
        assert_eq!(
            found,
            [
                "Deployment/apps/podinfo",
                "StatefulSet/apps/db",
                "CronJob/apps/backup"
            ]
        );
    }

    #[test]
    fn readiness_counts_ready_replicas_against_the_desired_ones() {
        let find = |kind: &str| kinds::KINDS.iter().find(|k| k.kind == kind).unwrap();
        let cases = [
            (
                "Deployment",
                json!({"spec": {"replicas": 3}, "status": {"readyReplicas": 2}}),
                (Some("2/3"), false),
            ),
            (
                "Deployment",
                json!({"spec": {}, "status": {"readyReplicas": 1}}),
                (Some("1/1"), true),
            ),
            (
                "StatefulSet",
                json!({"spec": {"replicas": 0}, "status": {}}),
                (Some("0/0"), true),
            ),
            (
                "DaemonSet",
                json!({"status": {"numberReady": 4, "desiredNumberScheduled": 4}}),
                (Some("4/4"), true),
            ),
            ("CronJob", json!({"spec": {"suspend": true}}), (None, false)),
            ("CronJob", json!({"spec": {}}), (None, true)),
        ];
        for (kind, mut value, (ready, healthy)) in cases {
            value["metadata"] = json!({"name": "w"});
            let got = readiness(find(kind), &object(value.clone()));
            assert_eq!(
                (got.0.as_deref(), got.1),
                (ready, healthy),
                "{kind} {value}"
            );
        }
    }

    #[test]
    fn a_pod_summary_counts_ready_containers_and_restarts_and_names_who_made_it() {
        let pod = object(json!({
            "metadata": {"name": "backup-x-1", "annotations": {CREATED_BY: "alice"}},
            "spec": {"containers": [{"name": "a"}, {"name": "b"}]},
            "status": {"phase": "Running", "containerStatuses": [
                {"ready": true, "restartCount": 2}, {"ready": false, "restartCount": 1},
            ]},
        }));
        let summary = pod_summary(&pod);
        assert_eq!(
            (summary.phase, summary.ready.as_str(), summary.restarts),
            (PodPhase::Running, "1/2", 3)
        );
        assert_eq!(summary.created_by.as_deref(), Some("alice"));
    }
}
