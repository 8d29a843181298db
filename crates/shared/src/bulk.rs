//! Requests and answers of bulk actions (`POST /api/v1/actions/{action}`): one action on many
//! objects, with a pre-flight that tells each object's fate before anything is written.

use serde::{Deserialize, Serialize};

use crate::actions::{Action, Target, check_options};
use crate::lines::Document;
use crate::objects::State;
use crate::problem::Code;

/// The annotation every audit Event of one bulk run carries, with the run's id as its value;
/// notification-controller receives it as the event's `bulk-run` metadata.
pub const RUN_ANNOTATION: &str = "event.toolkit.fluxcd.io/bulk-run";

/// The media type of a bulk run's progress: one [`Progress`] JSON document per line.
pub const NDJSON: &str = "application/x-ndjson";

/// The body of a bulk action: the targets, by name or by selector, and the action's options.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BulkRequest {
    /// The objects, each as `group/kind/namespace/name` (`core` for the core group, the
    /// kind as in paths: `kustomize.toolkit.fluxcd.io/kustomizations/apps/web`). Either
    /// this or `selector`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targets: Option<Vec<String>>,
    /// The Flux objects matching the filters of `GET /api/v1/resources`. Either this or
    /// `targets`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<Selector>,
    /// `suspend`: why, shown beside "Suspended by"; at most 1,024 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 1024))]
    pub reason: Option<String>,
    /// `suspend`: when the suspensions end by themselves, as for one object: an RFC 3339
    /// time or a duration from now (`2h`), at most the configured maximum ahead; `never`
    /// removes the end of a suspension in force. At most 64 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub until: Option<String>,
    /// The `token` of a pre-flight: the run then acts only on the objects that pre-flight
    /// said it would change, and refuses any other with `not_approved`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

impl BulkRequest {
    /// The rules a body must keep beyond its shape; the message says which it broke.
    pub fn check(&self) -> Result<(), String> {
        match (&self.targets, &self.selector) {
            (Some(_), Some(_)) => return Err("name targets or a selector, not both".into()),
            (None, None) => return Err("name the targets, or a selector".into()),
            _ => {}
        }
        check_options(self.reason.as_deref(), self.until.as_deref())
    }
}

/// The filters of `GET /api/v1/resources`, as a bulk action's selector.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Selector {
    /// A Flux kind: plural, Kind or short name (`ks`, `hr`, ...). All Flux kinds without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<State>,
    /// Only objects whose name contains this (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
}

/// What happens, or happened, to one target of a bulk action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Fate {
    /// Pre-flight: the action would change it.
    WillChange,
    /// The action changed it.
    Changed,
    /// It already is in the state the action asks for (suspend of a suspended object).
    Unchanged,
    /// The caller may not act on it: `forbidden` with the missing rule, or `not_approved`.
    Refused,
    /// The action does not apply to it as it is (reconcile of a suspended object, a kind
    /// without the action); the message says why.
    NotApplicable,
    /// Kubernetes failed; the problem says how.
    Failed,
}

impl Fate {
    pub const ALL: [Fate; 6] = [
        Fate::WillChange,
        Fate::Changed,
        Fate::Unchanged,
        Fate::Refused,
        Fate::NotApplicable,
        Fate::Failed,
    ];

    /// What people read in a report.
    pub fn label(self) -> &'static str {
        match self {
            Fate::WillChange => "will change",
            Fate::Changed => "changed",
            Fate::Unchanged => "already so",
            Fate::Refused => "refused",
            Fate::NotApplicable => "not applicable",
            Fate::Failed => "failed",
        }
    }
}

/// One target's fate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Item {
    pub target: Target,
    pub fate: Fate,
    /// Why it is not changed: the problem code (`forbidden`, `suspended`, `not_approved`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<Code>,
    /// For people: what was done, or why not (naming the missing RBAC rule).
    pub message: String,
}

/// How many targets met each fate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Tally {
    pub will_change: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub refused: usize,
    pub not_applicable: usize,
    pub failed: usize,
}

impl Tally {
    pub fn add(&mut self, fate: Fate) {
        *self.count_mut(fate) += 1;
    }

    /// How many met `fate`.
    pub fn get(&self, fate: Fate) -> usize {
        let mut copy = self.clone();
        *copy.count_mut(fate)
    }

    fn count_mut(&mut self, fate: Fate) -> &mut usize {
        match fate {
            Fate::WillChange => &mut self.will_change,
            Fate::Changed => &mut self.changed,
            Fate::Unchanged => &mut self.unchanged,
            Fate::Refused => &mut self.refused,
            Fate::NotApplicable => &mut self.not_applicable,
            Fate::Failed => &mut self.failed,
        }
    }
}

/// The answer of a pre-flight (`?dryRun=true`): every target's fate, nothing written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Preflight {
    pub action: Action,
    pub items: Vec<Item>,
    pub tally: Tally,
    /// Pass it back as the run's `token` to act on exactly the `will_change` items: a
    /// selector that matches more objects by then does not widen what was approved. Valid
    /// for 15 minutes, for this caller and this action.
    pub token: String,
}

/// One line of a bulk run's progress (`application/x-ndjson`): a `start`, a `result` per target as it
/// completes (in completion order), and an `end`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "camelCase", try_from = "ProgressLine")]
pub enum Progress {
    Start {
        /// The correlation id of the run: every audit Event of the run carries it in the
        /// `event.toolkit.fluxcd.io/bulk-run` annotation.
        run: String,
        action: Action,
        total: usize,
    },
    Result {
        /// The target's position in the run's list of targets.
        index: usize,
        #[serde(flatten)]
        item: Item,
    },
    End {
        run: String,
        tally: Tally,
        /// Why the run stopped before taking every target (the server is shutting down):
        /// the targets it did not take were neither acted on nor counted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stopped: Option<String>,
    },
}

/// A progress line as read: every field of every kind of line, `type` saying which. The
/// derived reader of a tagged enum buffers each line into a generic tree first; one plain
/// struct reads straight through, with a fraction of the code in the UI's WASM.
#[derive(Deserialize)]
struct ProgressLine {
    #[serde(rename = "type")]
    kind: String,
    run: Option<String>,
    action: Option<Action>,
    total: Option<usize>,
    index: Option<usize>,
    target: Option<Target>,
    fate: Option<Fate>,
    #[serde(default)]
    code: Option<Code>,
    message: Option<String>,
    tally: Option<Tally>,
    stopped: Option<String>,
}

impl TryFrom<ProgressLine> for Progress {
    type Error = String;

    fn try_from(line: ProgressLine) -> Result<Self, String> {
        let ProgressLine {
            kind,
            run,
            action,
            total,
            index,
            target,
            fate,
            code,
            message,
            tally,
            stopped,
        } = line;
        let line = Document(format!("a {kind} line"));
        Ok(match kind.as_str() {
            "start" => Progress::Start {
                run: line.needs(run, "run")?,
                action: line.needs(action, "action")?,
                total: line.needs(total, "total")?,
            },
            "result" => Progress::Result {
                index: line.needs(index, "index")?,
                item: Item {
                    target: line.needs(target, "target")?,
                    fate: line.needs(fate, "fate")?,
                    code,
                    message: line.needs(message, "message")?,
                },
            },
            "end" => Progress::End {
                run: line.needs(run, "run")?,
                tally: line.needs(tally, "tally")?,
                stopped,
            },
            other => return Err(format!("unknown progress line type {other:?}")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_names_targets_or_a_selector_and_a_short_reason() {
        let named = BulkRequest {
            targets: Some(vec!["core/pods/a/b".into()]),
            ..Default::default()
        };
        assert_eq!(named.check(), Ok(()));
        let both = BulkRequest {
            selector: Some(Selector::default()),
            ..named.clone()
        };
        assert!(both.check().unwrap_err().contains("not both"));
        assert!(BulkRequest::default().check().is_err());
        let long = BulkRequest {
            reason: Some("x".repeat(crate::actions::MAX_REASON + 1)),
            ..named.clone()
        };
        assert!(long.check().unwrap_err().starts_with("reason:"));
        // The same length cap as one action's: a long `until` is refused by its length,
        // never parsed nor echoed.
        let long = BulkRequest {
            until: Some("9".repeat(100_000)),
            ..named
        };
        assert_eq!(
            long.check(),
            Err("until: 100000 characters, at most 64".to_owned())
        );
    }

    #[test]
    fn progress_lines_are_tagged_and_flat() {
        let line = Progress::Result {
            index: 3,
            item: Item {
                target: Target {
                    group: String::new(),
                    version: "v1".into(),
                    kind: "Pod".into(),
                    namespace: "a".into(),
                    name: "b".into(),
                },
                fate: Fate::NotApplicable,
                code: Some(Code::Suspended),
                message: "m".into(),
            },
        };
        let wire = serde_json::to_value(&line).unwrap();
        assert_eq!(wire["type"], "result");
        assert_eq!(wire["fate"], "not_applicable");
        assert_eq!(wire["code"], "suspended");
        assert_eq!(wire["target"]["name"], "b");
        let back: Progress = serde_json::from_value(wire).unwrap();
        assert_eq!(back, line);
        for line in [
            Progress::Start {
                run: "r".into(),
                action: Action::Suspend,
                total: 2,
            },
            Progress::End {
                run: "r".into(),
                tally: Tally::default(),
                stopped: None,
            },
            Progress::End {
                run: "r".into(),
                tally: Tally::default(),
                stopped: Some("the server is shutting down".into()),
            },
        ] {
            let text = serde_json::to_string(&line).unwrap();
            assert_eq!(serde_json::from_str::<Progress>(&text).unwrap(), line);
        }
        let broken = serde_json::from_str::<Progress>(r#"{"type":"start","run":"r"}"#);
        assert!(
            broken
                .unwrap_err()
                .to_string()
                .contains("a start line without action")
        );
        let unknown = serde_json::from_str::<Progress>(r#"{"type":"pause"}"#);
        assert!(
            unknown
                .unwrap_err()
                .to_string()
                .contains("unknown progress line type")
        );
    }

    #[test]
    fn a_tally_counts_each_fate() {
        let mut tally = Tally::default();
        for fate in Fate::ALL {
            tally.add(fate);
        }
        tally.add(Fate::Changed);
        assert_eq!((tally.changed, tally.failed, tally.will_change), (2, 1, 1));
        assert_eq!(tally.get(Fate::Changed), 2);
    }
}
