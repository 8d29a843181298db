//! One word for how a Flux object is doing, from its conditions: the badge of every list and
//! page. Pure, so every case has a test.
//!
//! The rule is the Ready condition's, as `flux get` shows it: True is ready, False is failed
//! (the Flux controllers retry most failures: kustomize-controller reports a failure it will
//! retry as Ready=False with Reconciling=True, `ProgressingWithRetry`; that is failed, and
//! `retrying` says it), Unknown is progressing (a first reconcile, or a rollout not judged
//! yet), none is unknown, except for the kinds that have no status by design (Alert and
//! Provider), which are ready as `flux get` shows them. A suspended object is suspended
//! whatever its conditions say.

use flux_web_shared::objects::{State, StatusSummary};

use crate::kinds::Readiness;
use crate::view::View;

/// The words beside a kind that has no status, where others show their Ready message.
const STATIC: &str = "A static object: its controller keeps no status for it";

pub fn summarize(view: &View) -> StatusSummary {
    let ready = view.ready();
    let reconciling = view
        .condition("Reconciling")
        .is_some_and(|c| c.status == "True");
    let state = if view.suspended {
        State::Suspended
    } else {
        match ready.map(|c| c.status.as_str()) {
            Some("True") => State::Ready,
            Some("False") => State::Failed,
            Some(_) => State::Progressing,
            None if view.object.kind.readiness == Readiness::Static => State::Ready,
            None => State::Unknown,
        }
    };
    StatusSummary {
        state,
        retrying: state == State::Failed && reconciling,
        message: match ready {
            Some(c) => c.message.clone(),
            None if state == State::Ready => STATIC.to_owned(),
            None => String::new(),
        },
        last_handled_reconcile_at: view.last_handled.clone(),
        changed_at: ready.and_then(|c| c.last_transition_time.clone()),
        suspended_by: view.suspended_by.clone(),
        suspended_by_user: view.suspended_by_user.clone(),
        suspended_reason: view.suspended_reason.clone(),
        suspended_until: view.suspended_until.clone(),
        blocked_by: match state {
            State::Failed => crate::blocked::blocked_by(view).map(Box::new),
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use kube_core::DynamicObject;
    use serde_json::{Value, json};

    use super::*;
    use crate::kinds::{Kind, find};
    use crate::patch::{SUSPENDED_REASON, SUSPENDED_REASON_OF};

    fn with(spec: Value, conditions: Value) -> DynamicObject {
        serde_json::from_value(
            json!({"metadata": {"name": "a"}, "spec": spec, "status": {"conditions": conditions}}),
        )
        .unwrap()
    }

    fn summarize(kind: &'static Kind, object: &DynamicObject) -> StatusSummary {
        super::summarize(&View::parse(kind, object))
    }

    fn condition(kind: &str, status: &str) -> Value {
        json!({"type": kind, "status": status, "reason": "r", "message": format!("{kind} is {status}")})
    }

    /// Each kind as its controller reports it: a failure it retries is still failed (as
    /// `flux get` says False), only a Ready not judged yet is progressing.
    #[test]
    fn ready_false_is_failed_retrying_or_not_and_only_unknown_is_progressing() {
        let ready_ks = |status, reconciling: Option<&str>| {
            let mut conditions = vec![condition("Ready", status)];
            conditions.extend(reconciling.map(|r| condition("Reconciling", r)));
            json!(conditions)
        };
        // (kind, spec, conditions, state, retrying)
        let cases = [
            (
                "ks",
                json!({"suspend": true}),
                ready_ks("True", None),
                State::Suspended,
                false,
            ),
            (
                "ks",
                json!({"suspend": true}),
                ready_ks("False", Some("True")),
                State::Suspended,
                false,
            ),
            ("ks", json!({}), ready_ks("True", None), State::Ready, false),
            (
                "ks",
                json!({}),
                ready_ks("False", None),
                State::Failed,
                false,
            ),
            // kustomize-controller's ProgressingWithRetry: failed, and retried.
            (
                "ks",
                json!({}),
                ready_ks("False", Some("True")),
                State::Failed,
                true,
            ),
            (
                "ks",
                json!({}),
                ready_ks("False", Some("False")),
                State::Failed,
                false,
            ),
            // A first reconcile: Ready Unknown, Reconciling True.
            (
                "ks",
                json!({}),
                ready_ks("Unknown", Some("True")),
                State::Progressing,
                false,
            ),
            (
                "ks",
                json!({}),
                ready_ks("Unknown", None),
                State::Progressing,
                false,
            ),
            ("ks", json!({}), json!([]), State::Unknown, false),
            // A HelmRelease remediating, a source that cannot fetch and retries, the same.
            (
                "hr",
                json!({}),
                ready_ks("False", Some("True")),
                State::Failed,
                true,
            ),
            (
                "gitrepo",
                json!({}),
                ready_ks("False", Some("True")),
                State::Failed,
                true,
            ),
            (
                "gitrepo",
                json!({}),
                ready_ks("True", Some("True")),
                State::Ready,
                false,
            ),
            // notification-controller's v1beta3 Alert and Provider have no status at all.
            ("Alert", json!({}), json!([]), State::Ready, false),
            ("Provider", json!({}), json!([]), State::Ready, false),
            (
                "Alert",
                json!({"suspend": true}),
                json!([]),
                State::Suspended,
                false,
            ),
            // An older version's Ready condition still counts.
            (
                "Provider",
                json!({}),
                ready_ks("False", None),
                State::Failed,
                false,
            ),
        ];
        for (name, spec, conditions, state, retrying) in cases {
            let kind = crate::kinds::KINDS
                .iter()
                .find(|k| k.is_named(name))
                .unwrap();
            let summary = summarize(kind, &with(spec.clone(), conditions.clone()));
            assert_eq!(
                (summary.state, summary.retrying),
                (state, retrying),
                "{name} {spec} {conditions}"
            );
        }
    }

    #[test]
    fn the_summary_carries_the_ready_message_and_who_suspended_why() {
        let ks = find("kustomize.toolkit.fluxcd.io", "ks").unwrap();
        let mut object = with(
            json!({"suspend": true}),
            json!([condition("Ready", "False")]),
        );
        object.metadata.annotations = Some(
            [
                ("fluxcd.controlplane.io/suspendedBy", "alice"),
                (SUSPENDED_REASON, "incident 42"),
                (SUSPENDED_REASON_OF, "3:alice"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        );
        object.metadata.generation = Some(3);
        let summary = summarize(ks, &object);
        assert_eq!(summary.message, "Ready is False");
        assert_eq!(summary.suspended_by.as_deref(), Some("alice"));
        assert_eq!(summary.suspended_reason.as_deref(), Some("incident 42"));
    }
}
