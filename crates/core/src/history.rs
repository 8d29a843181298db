//! An object's past as timeline entries: the snapshots of its `status.history`
//! (Kustomizations and HelmReleases keep one) and its Events, flux-web's audit Events among
//! them (people's actions and refusals), the controller's (its work and its warnings).

use flux_web_shared::timeline::{EntryKind, TimelineEntry};
use jiff::Timestamp;
use k8s_openapi::api::core::v1::Event;
use serde_json::Value;

use crate::audit::{
    ACTION_ANNOTATION, REASON, REASON_REFUSED, SUBJECT_ANNOTATION, USERNAME_ANNOTATION,
};

/// When an Event happened: its last time, else its event time, its first time, its creation.
pub fn event_time(event: &Event) -> Option<Timestamp> {
    event
        .last_timestamp
        .as_ref()
        .map(|t| t.0)
        .or_else(|| event.event_time.as_ref().map(|t| t.0))
        .or_else(|| event.first_timestamp.as_ref().map(|t| t.0))
        .or_else(|| event.metadata.creation_timestamp.as_ref().map(|t| t.0))
}

fn entry(at: Timestamp, kind: EntryKind, message: String) -> (Timestamp, TimelineEntry) {
    (
        at,
        TimelineEntry {
            time: at.to_string(),
            kind,
            message,
            who: None,
            action: None,
            subject: None,
            revision: None,
            result: None,
            duration: None,
            run: None,
        },
    )
}

/// The snapshots of `status.history`: a Kustomization's (revision in its metadata) or a
/// HelmRelease's (a chart version deployed).
pub fn history(history: &Value) -> Vec<(Timestamp, TimelineEntry)> {
    let text = |v: &Value, key: &str| v[key].as_str().map(str::to_owned);
    history
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|snapshot| {
            let at = text(snapshot, "lastReconciled")
                .or_else(|| text(snapshot, "lastDeployed"))?
                .parse()
                .ok()?;
            let revision = text(&snapshot["metadata"], "revision").or_else(|| {
                let chart = text(snapshot, "chartName")?;
                Some(format!("{chart}@{}", text(snapshot, "chartVersion")?))
            });
            let result =
                text(snapshot, "lastReconciledStatus").or_else(|| text(snapshot, "status"));
            let total = snapshot["totalReconciliations"].as_i64();
            let message = match (&revision, total) {
                (Some(revision), Some(n)) => format!("{revision} reconciled ({n} times)"),
                (Some(revision), None) => format!("{revision} reconciled"),
                (None, _) => "reconciled".to_owned(),
            };
            let (at, mut entry) = entry(at, EntryKind::Reconcile, message);
            entry.revision = revision;
            entry.result = result;
            entry.duration = text(snapshot, "lastReconciledDuration");
            Some((at, entry))
        })
        .collect()
}

/// An Event as an entry: flux-web's audit Events are people's actions or refusals, the
/// controller's are its work or its warnings.
pub fn from_event(event: Event) -> Option<(Timestamp, TimelineEntry)> {
    let at = event_time(&event)?;
    let annotations = event.metadata.annotations.unwrap_or_default();
    let reason = event.reason.unwrap_or_default();
    let kind = match (reason.as_str(), event.type_.as_deref()) {
        (REASON, _) => EntryKind::Action,
        (REASON_REFUSED, _) => EntryKind::Refusal,
        (_, Some("Warning")) => EntryKind::Warning,
        _ => EntryKind::Reconcile,
    };
    let message = event.message.unwrap_or_default();
    let took = (kind == EntryKind::Reconcile)
        .then(|| crate::facts::took(&message))
        .flatten();
    let (at, mut entry) = entry(at, kind, message);
    entry.duration = took;
    let get = |key: &str| annotations.get(key).cloned();
    if matches!(kind, EntryKind::Action | EntryKind::Refusal) {
        entry.who = get(USERNAME_ANNOTATION);
        entry.action = get(ACTION_ANNOTATION);
        entry.subject = get(SUBJECT_ANNOTATION);
        entry.run = get(flux_web_shared::bulk::RUN_ANNOTATION);
    } else {
        entry.revision = annotations
            .iter()
            .find(|(key, _)| key.ends_with("/revision"))
            .map(|(_, value)| value.clone());
        entry.result = Some(reason);
    }
    Some((at, entry))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_kustomizations_and_a_helm_releases_history_read_as_entries() {
        let history = history(&json!([
            {"digest": "sha256:1", "firstReconciled": "2026-12-01T09:00:00Z", "lastReconciled": "2026-12-01T10:00:00Z",
             "lastReconciledDuration": "1.2s", "lastReconciledStatus": "ReconciliationSucceeded",
             "metadata": {"revision": "main@sha1:abc"}, "totalReconciliations": 3},
            {"chartName": "podinfo", "chartVersion": "6.5.0", "lastDeployed": "2026-12-01T08:00:00Z", "status": "deployed"},
            {"nothing": "to read"},
        ]));
        assert_eq!(history.len(), 2);
        let (at, first) = &history[0];
        assert_eq!(at.to_string(), "2026-12-01T10:00:00Z");
        assert_eq!(first.message, "main@sha1:abc reconciled (3 times)");
        assert_eq!(first.duration.as_deref(), Some("1.2s"));
        assert_eq!(first.result.as_deref(), Some("ReconciliationSucceeded"));
        assert_eq!(history[1].1.revision.as_deref(), Some("podinfo@6.5.0"));
        assert_eq!(history[1].1.result.as_deref(), Some("deployed"));
    }

    #[test]
    fn a_controllers_event_says_how_long_its_run_took_and_an_audit_event_does_not() {
        let event = |reason: &str, message: &str| -> Event {
            serde_json::from_value(json!({
                "metadata": {"name": "e", "namespace": "apps"},
                "involvedObject": {"kind": "GitRepository", "name": "repo"},
                "reason": reason, "type": "Normal", "message": message,
                "lastTimestamp": "2026-12-06T12:02:00Z",
            }))
            .unwrap()
        };
        let finished = "Reconciliation finished in 812.3456ms, next run in 1m0s";
        let (_, entry) = from_event(event("Succeeded", finished)).unwrap();
        assert_eq!(entry.kind, EntryKind::Reconcile);
        assert_eq!(entry.duration.as_deref(), Some("812.34ms"));
        let (_, entry) = from_event(event(REASON, finished)).unwrap();
        assert_eq!(entry.kind, EntryKind::Action);
        assert_eq!(entry.duration, None);
    }
}
