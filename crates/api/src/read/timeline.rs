//! One object's timeline: its `status.history` (Kustomizations and HelmReleases keep one)
//! and its Events, flux-web's audit Events among them, as entries merged newest first and
//! cut into pages. Read as the caller: who may not read the object is refused as for the
//! object itself, before anything else, and who may read it but not its Events gets its
//! history alone.

use flux_web_shared::problem::Code;
use flux_web_shared::timeline::{DEFAULT_LIMIT, MAX_LIMIT, Timeline};
use jiff::Timestamp;
use serde::Deserialize;

use flux_web_core::history::{from_event, history};

use crate::auth::Caller;
use crate::clock::rfc3339;
use crate::cluster::ClusterError;
use crate::context::Context;
use crate::error::ApiError;
use flux_web_core::address::ObjectRef;

/// `?limit=&before=` of a timeline request.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TimelineQuery {
    /// Entries in the page, 1 to 200 (50 without it).
    pub limit: Option<usize>,
    /// Only entries older than this time (RFC 3339): the `next` of the page before.
    pub before: Option<String>,
}

pub async fn timeline(
    ctx: &Context<'_>,
    caller: &Caller,
    target: &ObjectRef,
    query: &TimelineQuery,
) -> Result<Timeline, ApiError> {
    let (limit, before) = paging(
        query.limit,
        query.before.as_deref(),
        (DEFAULT_LIMIT, MAX_LIMIT),
    )?;
    let read = ctx.read_target(caller, target).await?;
    let events = match super::object_events(ctx, caller, target).await {
        Ok(events) => events,
        // The object is theirs to read, its Events are not: the history alone.
        Err(ClusterError::Forbidden(_)) => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    let mut entries = history(&read.found.data["status"]["history"]);
    entries.extend(events.into_iter().filter_map(from_event));
    let (entries, next) = page(entries, before, limit);
    Ok(Timeline { entries, next })
}

/// The `limit` (`default` without one, at most `max`) and `before` of a page, checked.
pub fn paging(
    limit: Option<usize>,
    before: Option<&str>,
    (default, max): (usize, usize),
) -> Result<(usize, Option<Timestamp>), ApiError> {
    let limit = limit.unwrap_or(default);
    if !(1..=max).contains(&limit) {
        return Err(ApiError::bad_request(
            Code::InvalidQuery,
            format!("limit: from 1 to {max}"),
        ));
    }
    let before = before
        .map(|b| {
            b.parse::<Timestamp>().map_err(|_| {
                ApiError::bad_request(Code::InvalidQuery, "before: not an RFC 3339 time")
            })
        })
        .transpose()?;
    Ok((limit, before))
}

/// Newest first, older than `before`, at most `limit`; with the `before` of the next page
/// when more are left.
pub fn page<T>(
    mut entries: Vec<(Timestamp, T)>,
    before: Option<Timestamp>,
    limit: usize,
) -> (Vec<T>, Option<String>) {
    entries.retain(|(at, _)| before.is_none_or(|b| *at < b));
    entries.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    let more = entries.len() > limit;
    entries.truncate(limit);
    let next = more
        .then(|| entries.last().map(|(at, _)| rfc3339(*at)))
        .flatten();
    (entries.into_iter().map(|(_, entry)| entry).collect(), next)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
    use serde_json::json;

    use super::*;
    use flux_web_core::audit::{REASON, REASON_REFUSED};
    use flux_web_shared::timeline::EntryKind;
    use k8s_openapi::api::core::v1::Event;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap_or_default()
    }

    fn event(reason: &str, type_: &str, time: &str, annotations: &[(&str, &str)]) -> Event {
        Event {
            metadata: ObjectMeta {
                annotations: Some(
                    annotations
                        .iter()
                        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                        .collect::<BTreeMap<_, _>>(),
                ),
                ..ObjectMeta::default()
            },
            reason: Some(reason.to_owned()),
            type_: Some(type_.to_owned()),
            message: Some(format!("{reason} at {time}")),
            last_timestamp: Some(Time(at(time))),
            ..Event::default()
        }
    }

    #[test]
    fn history_events_and_actions_merge_newest_first_in_pages() {
        let history = history(&json!([
            {"digest": "sha256:1", "firstReconciled": "2026-12-01T09:00:00Z", "lastReconciled": "2026-12-01T10:00:00Z",
             "lastReconciledDuration": "1.2s", "lastReconciledStatus": "ReconciliationSucceeded",
             "metadata": {"revision": "main@sha1:abc"}, "totalReconciliations": 3},
            {"chartName": "podinfo", "chartVersion": "6.5.0", "lastDeployed": "2026-12-01T08:00:00Z", "status": "deployed"},
        ]));
        assert_eq!(history[0].1.revision.as_deref(), Some("main@sha1:abc"));
        assert_eq!(history[0].1.message, "main@sha1:abc reconciled (3 times)");
        assert_eq!(history[1].1.revision.as_deref(), Some("podinfo@6.5.0"));
        let mut entries = history;
        entries.extend(
            [
                event(
                    "ReconciliationSucceeded",
                    "Normal",
                    "2026-12-01T11:00:00Z",
                    &[("kustomize.toolkit.fluxcd.io/revision", "main@sha1:def")],
                ),
                event(
                    REASON,
                    "Normal",
                    "2026-12-01T12:00:00Z",
                    &[
                        ("event.toolkit.fluxcd.io/username", "alice"),
                        ("event.toolkit.fluxcd.io/action", "suspend"),
                        (flux_web_shared::bulk::RUN_ANNOTATION, "run-1"),
                    ],
                ),
                event(
                    REASON_REFUSED,
                    "Warning",
                    "2026-12-01T12:30:00Z",
                    &[("event.toolkit.fluxcd.io/username", "mallory")],
                ),
                event("HealthCheckFailed", "Warning", "2026-12-01T09:30:00Z", &[]),
            ]
            .into_iter()
            .filter_map(from_event),
        );
        let page = |entries, before, limit| {
            let (entries, next) = page(entries, before, limit);
            Timeline { entries, next }
        };
        let first = page(entries.clone(), None, 3);
        let kinds: Vec<_> = first.entries.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [EntryKind::Refusal, EntryKind::Action, EntryKind::Reconcile]
        );
        assert_eq!(first.entries[1].who.as_deref(), Some("alice"));
        assert_eq!(first.entries[1].run.as_deref(), Some("run-1"));
        assert_eq!(first.entries[2].revision.as_deref(), Some("main@sha1:def"));
        assert_eq!(first.next.as_deref(), Some("2026-12-01T11:00:00Z"));
        let second = page(entries, first.next.as_deref().map(at), 3);
        let times: Vec<_> = second.entries.iter().map(|e| e.time.as_str()).collect();
        assert_eq!(
            times,
            [
                "2026-12-01T10:00:00Z",
                "2026-12-01T09:30:00Z",
                "2026-12-01T08:00:00Z"
            ]
        );
        assert_eq!(second.entries[1].kind, EntryKind::Warning);
        assert!(second.next.is_none());
    }
}
