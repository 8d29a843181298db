//! One word for how a Flux object is doing, from its conditions: the badge of every list and
//! page. Pure, so every case has a test.

use flux_web_shared::objects::{State, StatusSummary};

use crate::view::View;

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
            Some("False") if reconciling => State::Progressing,
            Some("False") => State::Failed,
            Some(_) => State::Progressing,
            None => State::Unknown,
        }
    };
    StatusSummary {
        state,
        message: ready.map(|c| c.message.clone()).unwrap_or_default(),
        last_handled_reconcile_at: view.last_handled.clone(),
        changed_at: ready.and_then(|c| c.last_transition_time.clone()),
        suspended_by: view.suspended_by.clone(),
        suspended_by_user: view.suspended_by_user.clone(),
        suspended_reason: view.suspended_reason.clone(),
        suspended_until: view.suspended_until.clone(),
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

    #[test]
    fn the_state_follows_suspension_then_ready_then_reconciling() {
        let ks = find("kustomize.toolkit.fluxcd.io", "ks").unwrap();
        let cases = [
            (
                json!({"suspend": true}),
                json!([condition("Ready", "True")]),
                State::Suspended,
            ),
            (json!({}), json!([condition("Ready", "True")]), State::Ready),
            (
                json!({}),
                json!([condition("Ready", "False")]),
                State::Failed,
            ),
            (
                json!({}),
                json!([
                    condition("Ready", "False"),
                    condition("Reconciling", "True")
                ]),
                State::Progressing,
            ),
            (
                json!({}),
                json!([condition("Ready", "Unknown")]),
                State::Progressing,
            ),
            (json!({}), json!([]), State::Unknown),
        ];
        for (spec, conditions, state) in cases {
            assert_eq!(
                summarize(ks, &with(spec.clone(), conditions.clone())).state,
                state,
                "{spec} {conditions}"
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
