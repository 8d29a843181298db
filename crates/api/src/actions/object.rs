//! Reading Flux state off an object, and the patches that change it. Pure functions: the
//! unit tests below pin every annotation byte that the flux CLI and Flux controllers read.

use flux_web_shared::actions::Condition;
use kube::api::DynamicObject;
use serde_json::{Value, json};

use crate::kinds::{Kind, Reconcile, Suspend};

pub const REQUESTED_AT: &str = "reconcile.fluxcd.io/requestedAt";
pub const FORCE_AT: &str = "reconcile.fluxcd.io/forceAt";
pub const SUSPENDED_BY: &str = "fluxcd.controlplane.io/suspendedBy";
/// Our choice: the reason kept beside `suspendedBy` (see docs/decisions.md).
pub const SUSPENDED_REASON: &str = "fluxcd.controlplane.io/suspendedReason";

pub fn annotation<'a>(object: &'a DynamicObject, key: &str) -> Option<&'a str> {
    object
        .metadata
        .annotations
        .as_ref()?
        .get(key)
        .map(String::as_str)
}

pub fn is_suspended(kind: &Kind, object: &DynamicObject) -> bool {
    match kind.suspend {
        Suspend::No => false,
        Suspend::Spec => object.data["spec"]["suspend"] == Value::Bool(true),
        Suspend::Annotation(key) => annotation(object, key) == Some("disabled"),
    }
}

pub fn suspended_by(object: &DynamicObject) -> Option<&str> {
    annotation(object, SUSPENDED_BY)
}

pub fn ready(object: &DynamicObject) -> Option<Condition> {
    object.data["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == "Ready")
        .and_then(|c| serde_json::from_value(c.clone()).ok())
}

pub fn last_handled(object: &DynamicObject) -> Option<&str> {
    object.data["status"]["lastHandledReconcileAt"].as_str()
}

/// `reconcile`: ask the controller to run now; HelmRelease and ResourceSetInputProvider
/// also force it.
pub fn reconcile_patch(kind: &Kind, now: &str) -> Value {
    let mut annotations = json!({ REQUESTED_AT: now });
    if kind.reconcile == Reconcile::Force {
        annotations[FORCE_AT] = json!(now);
    }
    json!({ "metadata": { "annotations": annotations } })
}

/// `suspend`, recording who and, when given, why. A suspend without a reason clears a
/// reason left from before.
pub fn suspend_patch(kind: &Kind, by: &str, reason: Option<&str>) -> Value {
    let mut patch = json!({
        "metadata": { "annotations": { SUSPENDED_BY: by, SUSPENDED_REASON: reason } }
    });
    match kind.suspend {
        Suspend::Spec => patch["spec"] = json!({ "suspend": true }),
        Suspend::Annotation(key) => patch["metadata"]["annotations"][key] = json!("disabled"),
        Suspend::No => {}
    }
    patch
}

/// `resume`: lift the suspension, forget who suspended, and reconcile now.
pub fn resume_patch(kind: &Kind, now: &str) -> Value {
    let mut patch = json!({
        "metadata": { "annotations": {
            SUSPENDED_BY: null, SUSPENDED_REASON: null, REQUESTED_AT: now,
        } }
    });
    match kind.suspend {
        Suspend::Spec => patch["spec"] = json!({ "suspend": null }),
        Suspend::Annotation(key) => patch["metadata"]["annotations"][key] = json!("enabled"),
        Suspend::No => {}
    }
    patch
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::find;

    const NOW: &str = "2026-11-23T21:55:00.123Z";

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
    fn suspend_uses_the_spec_field_or_the_kinds_annotation() {
        let ks = kind("kustomize.toolkit.fluxcd.io", "ks");
        assert_eq!(
            suspend_patch(ks, "Alice", Some("incident 42")),
            json!({
                "spec": {"suspend": true},
                "metadata": {"annotations": {SUSPENDED_BY: "Alice", SUSPENDED_REASON: "incident 42"}},
            })
        );
        let rset = kind("fluxcd.controlplane.io", "rset");
        assert_eq!(
            suspend_patch(rset, "Alice", None),
            json!({"metadata": {"annotations": {
                SUSPENDED_BY: "Alice", SUSPENDED_REASON: null,
                "fluxcd.controlplane.io/reconcile": "disabled",
            }}})
        );
        let ag = kind("source.extensions.fluxcd.io", "ag");
        assert_eq!(
            suspend_patch(ag, "a", None)["metadata"]["annotations"]["source.extensions.fluxcd.io/reconcile"],
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
                "metadata": {"annotations": {SUSPENDED_BY: null, SUSPENDED_REASON: null, REQUESTED_AT: NOW}},
            })
        );
        let fi = kind("fluxcd.controlplane.io", "fluxinstances");
        assert_eq!(
            resume_patch(fi, NOW)["metadata"]["annotations"]["fluxcd.controlplane.io/reconcile"],
            "enabled"
        );
    }

    #[test]
    fn suspension_is_read_where_the_kind_keeps_it() {
        let ks = kind("kustomize.toolkit.fluxcd.io", "ks");
        let rset = kind("fluxcd.controlplane.io", "rset");
        let suspended_spec = object(json!({"metadata": {"name": "a"}, "spec": {"suspend": true}}));
        let running = object(json!({"metadata": {"name": "a"}, "spec": {"suspend": false}}));
        let suspended_annotation = object(json!({"metadata": {"name": "a",
            "annotations": {"fluxcd.controlplane.io/reconcile": "disabled", SUSPENDED_BY: "bob"}}}));
        assert!(is_suspended(ks, &suspended_spec));
        assert!(!is_suspended(ks, &running));
        assert!(!is_suspended(rset, &suspended_spec));
        assert!(is_suspended(rset, &suspended_annotation));
        assert_eq!(suspended_by(&suspended_annotation), Some("bob"));
    }

    #[test]
    fn ready_and_last_handled_are_read_from_status() {
        let o = object(json!({"metadata": {"name": "a"}, "status": {
            "lastHandledReconcileAt": NOW,
            "conditions": [
                {"type": "Reconciling", "status": "False", "reason": "x", "message": ""},
                {"type": "Ready", "status": "True", "reason": "Succeeded", "message": "Applied"},
            ],
        }}));
        assert_eq!(last_handled(&o), Some(NOW));
        let ready = ready(&o).unwrap();
        assert_eq!(
            (ready.status.as_str(), ready.reason.as_str()),
            ("True", "Succeeded")
        );
    }
}
