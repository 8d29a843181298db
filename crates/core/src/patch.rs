//! The bodies of every write flux-web makes: the annotations and patches the flux CLI and
//! the Flux controllers read, a rollout restart, a Job from a CronJob. Pure functions: the
//! unit tests below pin every byte.

use kube_core::DynamicObject;
use serde_json::{Value, json};

use super::kinds::{Kind, Reconcile, Suspend};
use super::until::Until;
use super::view::View;
pub use super::view::{
    EXPIRES_LABEL, SUSPENDED_BY, SUSPENDED_BY_USER, SUSPENDED_REASON, SUSPENDED_REASON_OF,
    SUSPENDED_UNTIL, SUSPENDED_UNTIL_BY,
};

pub const REQUESTED_AT: &str = "reconcile.fluxcd.io/requestedAt";
pub const FORCE_AT: &str = "reconcile.fluxcd.io/forceAt";
pub const RESET_AT: &str = "reconcile.fluxcd.io/resetAt";
pub const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";
pub const CREATED_BY: &str = "fluxcd.controlplane.io/createdBy";
pub const INSTANTIATE: &str = "cronjob.kubernetes.io/instantiate";

/// A Job's name becomes a label value (`job-name`): at most 63 characters, of which
/// `generateName` adds 5.
const JOB_PREFIX_MAX: usize = 58;

/// An annotation of an object's metadata.
pub fn annotation<'a>(object: &'a DynamicObject, key: &str) -> Option<&'a str> {
    object
        .metadata
        .annotations
        .as_ref()?
        .get(key)
        .map(String::as_str)
}

/// Removes the record of a suspension that is over (who, our reason, end and binding), in a
/// write of an object that is not suspended, made anyway.
pub fn forget_stale_suspension(patch: &mut Value) {
    forget_suspension(patch);
}

/// Removes every annotation of ours that records a suspension, and its end.
fn forget_suspension(patch: &mut Value) {
    let annotations = &mut patch["metadata"]["annotations"];
    for key in [
        SUSPENDED_BY,
        SUSPENDED_BY_USER,
        SUSPENDED_REASON,
        SUSPENDED_REASON_OF,
    ] {
        annotations[key] = Value::Null;
    }
    set_until(patch, None, None);
}

/// `reconcile`: ask the controller to run now; HelmRelease and ResourceSetInputProvider
/// also force it.
pub fn reconcile_patch(kind: &Kind, now: &str) -> Value {
    let mut annotations = json!({ REQUESTED_AT: now });
    if matches!(kind.reconcile, Reconcile::Force | Reconcile::Release) {
        annotations[FORCE_AT] = json!(now);
    }
    json!({ "metadata": { "annotations": annotations } })
}

/// `reset`: a reconcile that also clears a release's failure counters, each annotation the
/// same time, as `flux reconcile helmrelease --force --reset` writes them.
pub fn reset_patch(kind: &Kind, now: &str) -> Value {
    let mut body = reconcile_patch(kind, now);
    body["metadata"]["annotations"][RESET_AT] = json!(now);
    body
}

/// Who suspends: the display name people read (`suspendedBy`) and the username (ours).
#[derive(Debug, Clone, Copy)]
pub struct Suspender<'a> {
    pub display_name: &'a str,
    pub username: &'a str,
}

/// `suspend` of an object read at `generation`, recording who and, when given, why and until
/// when, bound to this suspension (the generation the write makes, and who). A suspend
/// without a reason clears a reason left from before.
pub fn suspend_patch(
    kind: &Kind,
    generation: i64,
    by: Suspender<'_>,
    reason: Option<&str>,
    until: Option<&Until>,
) -> Value {
    // Setting `spec.suspend` is a change of the spec: the write makes the next generation.
    let made = match kind.suspend {
        Suspend::Spec => generation + 1,
        Suspend::Annotation(_) | Suspend::No => generation,
    };
    // The record belongs to this suspension only: another tool's suspend later must not
    // inherit it (a stale end would lift its suspension, a stale username name its owner).
    let of = format!("{made}:{}", by.display_name);
    let mut patch = json!({
        "metadata": { "annotations": {
            SUSPENDED_BY: by.display_name, SUSPENDED_BY_USER: by.username,
            SUSPENDED_REASON: reason, SUSPENDED_REASON_OF: of,
        } }
    });
    set_until(&mut patch, until, Some(by.username));
    match kind.suspend {
        Suspend::Spec => patch["spec"] = json!({ "suspend": true }),
        Suspend::Annotation(key) => patch["metadata"]["annotations"][key] = json!("disabled"),
        Suspend::No => {}
    }
    patch
}

/// `resume`: lift the suspension, forget who suspended, and reconcile now.
pub fn resume_patch(kind: &Kind, now: &str) -> Value {
    let mut patch = json!({ "metadata": { "annotations": { REQUESTED_AT: now } } });
    forget_suspension(&mut patch);
    match kind.suspend {
        Suspend::Spec => patch["spec"] = json!({ "suspend": null }),
        Suspend::Annotation(key) => patch["metadata"]["annotations"][key] = json!("enabled"),
        Suspend::No => {}
    }
    patch
}

/// A suspension's new end and who set it (a username), nothing else; `None` takes the end
/// off, and the suspension lasts until someone resumes it.
pub fn end_patch(until: Option<&Until>, by: &str) -> Value {
    let mut patch = json!({});
    set_until(&mut patch, until, Some(by));
    patch
}

/// Writes (or, with `None`, removes) the end of a suspension: the annotation people read, the
/// label the resumer selects on, and who set it.
fn set_until(patch: &mut Value, until: Option<&Until>, by: Option<&str>) {
    let annotations = &mut patch["metadata"]["annotations"];
    annotations[SUSPENDED_UNTIL] = json!(until.map(|u| u.rfc3339.clone()));
    annotations[SUSPENDED_UNTIL_BY] = json!(until.and(by));
    patch["metadata"]["labels"][EXPIRES_LABEL] = json!(until.map(|u| u.seconds.to_string()));
}

/// The server-side apply body of a rollout restart: only the field flux-web owns.
pub fn restart_body(kind: &Kind, name: &str, now: &str) -> Value {
    json!({
        "apiVersion": kind.api_version(kind.version),
        "kind": kind.kind,
        "metadata": {"name": name},
        "spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: now}}}},
    })
}

/// `generateName` of a Job run from `cronjob`: its name and a dash, cut to fit.
pub fn job_prefix(cronjob: &str) -> String {
    let mut prefix: String = cronjob.chars().take(JOB_PREFIX_MAX - 1).collect();
    while prefix.ends_with('-') || prefix.ends_with('.') {
        prefix.pop();
    }
    prefix.push('-');
    prefix
}

/// The Job of a CronJob's `spec.jobTemplate`, as `kubectl create job --from=cronjob/...`
/// makes it, marked as made by `created_by` and owned by the CronJob so it shows under it.
/// `None` when the CronJob has no job template.
pub fn job_from(cronjob: &View, created_by: &str) -> Option<Value> {
    let template = cronjob.job_template.as_ref()?;
    if !template["spec"].is_object() {
        return None;
    }
    let name = &cronjob.object.name;
    let uid = cronjob.uid.clone().unwrap_or_default();
    let mut annotations = template["metadata"]["annotations"].clone();
    if !annotations.is_object() {
        annotations = json!({});
    }
    annotations[INSTANTIATE] = json!("manual");
    annotations[CREATED_BY] = json!(created_by);
    let mut spec = template["spec"].clone();
    spec["template"]["metadata"]["annotations"][CREATED_BY] = json!(created_by);
    Some(json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "generateName": job_prefix(name),
            "labels": template["metadata"]["labels"].clone(),
            "annotations": annotations,
            "ownerReferences": [{
                "apiVersion": "batch/v1", "kind": "CronJob", "name": name, "uid": uid,
                "controller": true, "blockOwnerDeletion": true,
            }],
        },
        "spec": spec,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::find;

    const NOW: &str = "2026-11-23T21:55:00.123Z";
    const ALICE: Suspender<'static> = Suspender {
        display_name: "Alice",
        username: "alice@example.com",
    };

    fn kind(group: &str, name: &str) -> &'static Kind {
        find(group, name).unwrap()
    }

    fn object(value: Value) -> DynamicObject {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn reconcile_writes_requested_at_and_forces_where_the_kind_wants_it() {
        let ks = kind("kustomize.toolkit.fluxcd.io", "ks");
        assert_eq!(
            reconcile_patch(ks, NOW),
            json!({"metadata": {"annotations": {REQUESTED_AT: NOW}}})
        );
        for forced in [
            kind("helm.toolkit.fluxcd.io", "hr"),
            kind("fluxcd.controlplane.io", "rsip"),
        ] {
            assert_eq!(
                reconcile_patch(forced, NOW),
                json!({"metadata": {"annotations": {REQUESTED_AT: NOW, FORCE_AT: NOW}}})
            );
        }
    }

    #[test]
    fn reset_writes_the_three_annotations_of_flux_reconcile_hr_force_reset() {
        let release = kind("helm.toolkit.fluxcd.io", "hr");
        assert_eq!(
            reset_patch(release, NOW),
            json!({"metadata": {"annotations": {REQUESTED_AT: NOW, FORCE_AT: NOW, RESET_AT: NOW}}})
        );
    }

    #[test]
    fn suspend_uses_the_spec_field_or_the_kinds_annotation() {
        let ks = kind("kustomize.toolkit.fluxcd.io", "ks");
        assert_eq!(
            suspend_patch(ks, 6, ALICE, Some("incident 42"), None),
            json!({
                "spec": {"suspend": true},
                "metadata": {"annotations": {
                    SUSPENDED_BY: "Alice", SUSPENDED_BY_USER: "alice@example.com",
                    SUSPENDED_REASON: "incident 42", SUSPENDED_REASON_OF: "7:Alice",
                    SUSPENDED_UNTIL: null, SUSPENDED_UNTIL_BY: null,
                }, "labels": {EXPIRES_LABEL: null}},
            })
        );
        let rset = kind("fluxcd.controlplane.io", "rset");
        assert_eq!(
            suspend_patch(rset, 3, ALICE, None, None),
            json!({"metadata": {"annotations": {
                SUSPENDED_BY: "Alice", SUSPENDED_BY_USER: "alice@example.com",
                SUSPENDED_REASON: null, SUSPENDED_REASON_OF: "3:Alice",
                SUSPENDED_UNTIL: null, SUSPENDED_UNTIL_BY: null,
                "fluxcd.controlplane.io/reconcile": "disabled",
            }, "labels": {EXPIRES_LABEL: null}}})
        );
        let ag = kind("source.extensions.fluxcd.io", "ag");
        assert_eq!(
            suspend_patch(ag, 1, ALICE, None, None)["metadata"]["annotations"]["source.extensions.fluxcd.io/reconcile"],
            "disabled"
        );
    }

    #[test]
    fn resume_removes_the_suspension_and_its_record_and_requests_a_reconcile() {
        let hr = kind("helm.toolkit.fluxcd.io", "hr");
        assert_eq!(
            resume_patch(hr, NOW),
            json!({
                "spec": {"suspend": null},
                "metadata": {"annotations": {
                    SUSPENDED_BY: null, SUSPENDED_BY_USER: null, SUSPENDED_REASON: null,
                    SUSPENDED_REASON_OF: null, REQUESTED_AT: NOW,
                    SUSPENDED_UNTIL: null, SUSPENDED_UNTIL_BY: null,
                }, "labels": {EXPIRES_LABEL: null}},
            })
        );
        let fi = kind("fluxcd.controlplane.io", "fluxinstances");
        assert_eq!(
            resume_patch(fi, NOW)["metadata"]["annotations"]["fluxcd.controlplane.io/reconcile"],
            "enabled"
        );
    }

    fn cronjob() -> View {
        let object = object(json!({
            "apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"name": "backup", "namespace": "apps", "uid": "cj-1"},
            "spec": {"schedule": "0 * * * *", "jobTemplate": {
                "metadata": {"labels": {"app": "backup"}, "annotations": {"team": "data"}},
                "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}}},
            }},
        }));
        View::parse(kind("batch", "cronjobs"), &object)
    }

    #[test]
    fn a_job_from_a_cronjob_carries_its_template_the_marks_and_the_owner() {
        let job = job_from(&cronjob(), "Alice").unwrap();
        assert_eq!(job["metadata"]["generateName"], "backup-");
        assert_eq!(job["metadata"]["labels"], json!({"app": "backup"}));
        assert_eq!(
            job["metadata"]["annotations"],
            json!({"team": "data", INSTANTIATE: "manual", CREATED_BY: "Alice"})
        );
        assert_eq!(
            job["spec"]["template"]["metadata"]["annotations"][CREATED_BY],
            "Alice"
        );
        assert_eq!(job["spec"]["template"]["spec"]["restartPolicy"], "Never");
        assert_eq!(
            job["metadata"]["ownerReferences"][0],
            json!({"apiVersion": "batch/v1", "kind": "CronJob", "name": "backup", "uid": "cj-1",
                   "controller": true, "blockOwnerDeletion": true})
        );
    }

    #[test]
    fn job_names_fit_in_63_characters() {
        assert_eq!(job_prefix("nightly"), "nightly-");
        let long = "a".repeat(80);
        assert_eq!(job_prefix(&long).len() + 5, 63);
        // A cut that would end in a dash or dot does not leave a double separator.
        let awkward = format!("{}-b", "a".repeat(56));
        assert_eq!(job_prefix(&awkward), format!("{}-", "a".repeat(56)));
    }

    #[test]
    fn a_restart_applies_only_the_pod_template_annotation() {
        assert_eq!(
            restart_body(kind("apps", "deploy"), "web", "2026-11-23T22:00:00Z"),
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                   "spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: "2026-11-23T22:00:00Z"}}}}})
        );
    }
}
