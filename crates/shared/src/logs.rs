//! Container logs of a Pod or of a workload's Pods (`GET .../{name}/logs`): the query, its
//! bounds, and the lines, each with the Pod and container it came from.

use serde::{Deserialize, Serialize};

use crate::lines::Document;

/// Lines per container when the query names no `tailLines`.
pub const DEFAULT_TAIL_LINES: u32 = 500;
/// The most lines a query may ask of each container.
pub const MAX_TAIL_LINES: u32 = 5_000;
/// The most Pods of one workload whose logs are read (the newest first).
pub const MAX_PODS: usize = 20;
/// The most lines one answer holds; older lines are dropped first.
pub const MAX_LINES: usize = 20_000;
/// The longest line kept whole, in bytes; longer ones are cut and say so.
pub const MAX_LINE_BYTES: usize = 16 * 1024;
/// The furthest back `sinceSeconds` may reach: 30 days.
pub const MAX_SINCE_SECONDS: u64 = 30 * 24 * 3600;

/// The query of a logs request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LogQuery {
    /// Only this container (of every Pod read); all containers when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// The last lines of each container, at most 5000 (500 when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tail_lines: Option<u32>,
    /// Only lines of the last this many seconds (at most 30 days).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since_seconds: Option<u64>,
    /// The logs of the containers' previous instances (after a restart or a crash).
    #[serde(default)]
    pub previous: bool,
    /// Keep the answer open and send new lines as they are written, as NDJSON.
    #[serde(default)]
    pub follow: bool,
}

impl LogQuery {
    /// Lines per container this query asks for, or why it may not.
    pub fn tail_lines(&self) -> Result<u32, String> {
        match self.tail_lines {
            None => Ok(DEFAULT_TAIL_LINES),
            Some(0) => Err("tailLines must be at least 1".into()),
            Some(n) if n > MAX_TAIL_LINES => Err(format!(
                "tailLines may be at most {MAX_TAIL_LINES}, not {n}"
            )),
            Some(n) => Ok(n),
        }
    }

    /// Checks every bound, so that a bad query is refused before anything is read.
    pub fn validate(&self) -> Result<(), String> {
        self.tail_lines()?;
        match self.since_seconds {
            Some(0) => return Err("sinceSeconds must be at least 1".into()),
            Some(s) if s > MAX_SINCE_SECONDS => {
                return Err(format!(
                    "sinceSeconds may be at most {MAX_SINCE_SECONDS} (30 days), not {s}"
                ));
            }
            _ => {}
        }
        if self.previous && self.follow {
            return Err("the logs of a previous container cannot be followed".into());
        }
        if let Some(container) = &self.container {
            crate::names::check_container(container).map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

/// One line of a container's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LogLine {
    pub pod: String,
    pub container: String,
    /// When the container wrote it (RFC 3339, as the kubelet recorded it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    pub text: String,
    /// The line was longer than 16 KiB and was cut there.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cut: bool,
}

/// A container whose log was read, or why it could not be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LogSource {
    pub pod: String,
    pub container: String,
    /// Why nothing was read from it (not started yet, no previous instance, refused).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The logs of every container read, merged by time, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Logs {
    pub lines: Vec<LogLine>,
    pub sources: Vec<LogSource>,
    /// Lines were dropped to stay within 20,000, or Pods beyond the newest 20 were not read.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

/// One document of a followed log (NDJSON): the sources first, then lines as they come.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "camelCase", try_from = "LogEventLine")]
pub enum LogEvent {
    Sources {
        sources: Vec<LogSource>,
    },
    Line(LogLine),
    /// A container's stream ended (it stopped, or the Pod went away), or broke: `error` says how.
    Ended {
        pod: String,
        container: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
}

/// A followed log's document as read: every field of every kind, `type` saying which (one
/// plain struct reads straight through, where a tagged enum's derived reader buffers first).
#[derive(Deserialize)]
struct LogEventLine {
    #[serde(rename = "type")]
    kind: String,
    sources: Option<Vec<LogSource>>,
    pod: Option<String>,
    container: Option<String>,
    time: Option<String>,
    text: Option<String>,
    #[serde(default)]
    cut: bool,
    error: Option<String>,
}

impl TryFrom<LogEventLine> for LogEvent {
    type Error = String;

    fn try_from(line: LogEventLine) -> Result<Self, String> {
        let LogEventLine {
            kind,
            sources,
            pod,
            container,
            time,
            text,
            cut,
            error,
        } = line;
        let document = Document(format!("a {kind} document"));
        Ok(match kind.as_str() {
            "sources" => LogEvent::Sources {
                sources: document.needs(sources, "sources")?,
            },
            "line" => LogEvent::Line(LogLine {
                pod: document.needs(pod, "pod")?,
                container: document.needs(container, "container")?,
                time,
                text: document.needs(text, "text")?,
                cut,
            }),
            "ended" => LogEvent::Ended {
                pod: document.needs(pod, "pod")?,
                container: document.needs(container, "container")?,
                error,
            },
            other => return Err(format!("unknown log document type {other:?}")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_followed_document_reads_back_as_written() {
        let line = LogLine {
            pod: "web-1".into(),
            container: "app".into(),
            time: Some("2026-12-03T08:00:00Z".into()),
            text: "ready".into(),
            cut: true,
        };
        for event in [
            LogEvent::Sources { sources: vec![] },
            LogEvent::Line(line.clone()),
            LogEvent::Line(LogLine {
                time: None,
                cut: false,
                ..line
            }),
            LogEvent::Ended {
                pod: "web-1".into(),
                container: "app".into(),
                error: Some("gone".into()),
            },
        ] {
            let text = serde_json::to_string(&event).unwrap();
            assert_eq!(
                serde_json::from_str::<LogEvent>(&text).unwrap(),
                event,
                "{text}"
            );
        }
        let wire = serde_json::to_value(LogEvent::Sources { sources: vec![] }).unwrap();
        assert_eq!(wire["type"], "sources");
        let broken = serde_json::from_str::<LogEvent>(r#"{"type":"line","pod":"p"}"#);
        assert!(
            broken
                .unwrap_err()
                .to_string()
                .contains("a line document without container")
        );
        let unknown = serde_json::from_str::<LogEvent>(r#"{"type":"gap"}"#);
        assert!(
            unknown
                .unwrap_err()
                .to_string()
                .contains("unknown log document type")
        );
    }
}
