//! The cluster's Events across namespaces (`GET /api/v1/events`, live at
//! `GET /api/v1/events/watch`): what the controllers and flux-web's audit wrote about the
//! objects flux-web knows, as the caller may list them.

use serde::{Deserialize, Serialize};

use crate::actions::Target;
use crate::timeline::TimelineEntry;

/// Entries a page holds when the query names no `limit`.
pub const DEFAULT_LIMIT: usize = 100;
/// The most entries a page may hold.
pub const MAX_LIMIT: usize = 500;

/// An Event's `type`: Kubernetes knows these two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Severity {
    Normal,
    Warning,
}

impl Severity {
    /// The severity of an Event's `type`: anything but `Warning` is normal.
    pub fn of(event_type: Option<&str>) -> Self {
        match event_type {
            Some("Warning") => Self::Warning,
            _ => Self::Normal,
        }
    }
}

/// One Event, with the object it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ClusterEvent {
    /// The Event's uid: a live update of an Event already shown (its count grew) carries the
    /// same one.
    pub id: String,
    /// The object the Event is about (its `version` is the Event's, possibly empty).
    pub object: Target,
    pub severity: Severity,
    pub reason: String,
    /// How many times it happened, folded into one Event by its recorder.
    pub count: i32,
    /// What it says, as the object's timeline shows it.
    pub entry: TimelineEntry,
}

/// A page of Events, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventPage {
    pub events: Vec<ClusterEvent>,
    /// The `before` of the next, older page; none on the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    /// The namespaces read, when the caller may not list Events in all of them: only these
    /// are shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespaces: Option<Vec<String>>,
}
