//! One object's timeline (`GET .../{name}/timeline`): what its controller did (its
//! `status.history` and its Events) and what people did (flux-web's audit Events, refusals
//! included), merged, newest first, a page at a time.

use serde::{Deserialize, Serialize};

/// Entries a page holds when the query names no `limit`.
pub const DEFAULT_LIMIT: usize = 50;
/// The most entries a page may hold.
pub const MAX_LIMIT: usize = 200;

/// What an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    /// The controller reconciled: a revision applied or an Event of its work.
    Reconcile,
    /// Someone acted through flux-web (an audit Event).
    Action,
    /// An action flux-web refused or that failed (recorded with `auditDenied`).
    Refusal,
    /// A Warning of the controller.
    Warning,
}

/// One thing that happened to the object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TimelineEntry {
    /// When (RFC 3339).
    pub time: String,
    pub kind: EntryKind,
    pub message: String,
    /// Who acted (actions and refusals).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub who: Option<String>,
    /// The action's verb (actions and refusals).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// What a workload action touched (`Kind/namespace/name`): the Event is recorded on the
    /// Flux object that manages it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The revision reconciled, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// The reconcile's result (`ReconciliationSucceeded`, `deployed`, ...) or the Event's reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// How long the reconcile took, as the controller wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    /// The bulk run the action belonged to: its correlation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
}

/// A page of the timeline, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Timeline {
    pub entries: Vec<TimelineEntry>,
    /// The `before` of the next, older page; none on the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

impl Timeline {
    /// How long the newest finished run on this page took, and when it ended, as a fact of
    /// the object's page: for the kinds whose status keeps no history, only their Events say.
    pub fn last_run(&self) -> Option<crate::objects::Fact> {
        let entry = self
            .entries
            .iter()
            .find(|e| e.kind == EntryKind::Reconcile && e.duration.is_some())?;
        Some(crate::objects::Fact {
            label: crate::objects::LAST_RUN.to_owned(),
            value: format!("{}, finished {}", entry.duration.as_deref()?, entry.time),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: EntryKind, time: &str, duration: Option<&str>) -> TimelineEntry {
        TimelineEntry {
            time: time.to_owned(),
            kind,
            message: String::new(),
            who: None,
            action: None,
            subject: None,
            revision: None,
            result: None,
            duration: duration.map(str::to_owned),
            run: None,
        }
    }

    #[test]
    fn the_last_run_is_the_newest_reconcile_that_says_how_long_it_took() {
        let timeline = Timeline {
            entries: vec![
                entry(EntryKind::Action, "2026-12-06T12:04:00Z", Some("9s")),
                entry(EntryKind::Reconcile, "2026-12-06T12:03:00Z", None),
                entry(EntryKind::Reconcile, "2026-12-06T12:02:00Z", Some("1.23s")),
                entry(EntryKind::Reconcile, "2026-12-06T12:01:00Z", Some("9s")),
            ],
            next: None,
        };
        let fact = timeline.last_run().unwrap();
        assert_eq!(fact.label, "Last run took");
        assert_eq!(fact.value, "1.23s, finished 2026-12-06T12:02:00Z");
        let none = Timeline {
            entries: vec![entry(
                EntryKind::Warning,
                "2026-12-06T12:01:00Z",
                Some("9s"),
            )],
            next: None,
        };
        assert_eq!(none.last_run(), None);
    }
}
