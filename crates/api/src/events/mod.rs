//! The events page: the cluster's Events about the objects flux-web knows (Flux kinds and
//! workloads), in every namespace where the caller may list Events, newest first, filtered,
//! a page at a time, and live as they are written. Read as the caller: cluster-wide when
//! their RBAC allows it, else namespace by namespace where a SubjectAccessReview says they
//! may list Events. Without authentication, reads are the server's (read-only mode).
//!
//! - [`live`] — the Events written from now on, as Server-Sent Events.

pub mod live;

use flux_web_shared::actions::Target;
use flux_web_shared::events::{ClusterEvent, DEFAULT_LIMIT, EventPage, MAX_LIMIT, Severity};
use flux_web_shared::names::quoted;
use flux_web_shared::problem::Code;
use futures::StreamExt;
use jiff::Timestamp;
use k8s_openapi::api::core::v1::Event;
use serde::Deserialize;

use crate::auth::Caller;
use crate::cluster::ClusterError;
use crate::context::{Context, reader};
use crate::error::ApiError;
use crate::read::resources::listable_namespaces;
use flux_web_core::history::from_event;
use flux_web_core::kinds::{KINDS, Kind};
use flux_web_core::plan::On;

use crate::read::timeline::{page, paging};

/// Namespaces whose Events are listed at once when the caller may list only some.
const CONCURRENT_LISTS: usize = 8;
/// The longest reason a filter may name.
const MAX_REASON: usize = 128;
/// The longest text a filter may search for.
const MAX_TEXT: usize = 253;

/// The query of the events page and of its live stream, as sent and as the OpenAPI
/// document describes it; [`Filter`] is what it means once checked.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EventsParams {
    /// Only Events about objects of this kind, Flux or workload (plural, Kind or short name).
    pub kind: Option<String>,
    /// Only this namespace.
    pub namespace: Option<String>,
    /// Only `Normal` or only `Warning` Events.
    pub severity: Option<Severity>,
    /// Only Events of this reason (`ReconciliationFailed`, `WebAction`, ...).
    pub reason: Option<String>,
    /// Only Events whose message, object name, reason or actor contains this
    /// (case-insensitive).
    pub q: Option<String>,
    /// Events in the page, 1 to 500 (100 without it). Pages only: not for the live stream.
    pub limit: Option<usize>,
    /// Only Events older than this time (RFC 3339): the `next` of the page before. Pages
    /// only: not for the live stream.
    pub before: Option<String>,
}

/// The parameters `EventsParams` knows, for the 400 of an unknown one.
pub const KNOWN: &str = "kind, namespace, severity, reason, q, limit, before";

/// Which Events show, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub kind: Option<&'static Kind>,
    pub namespace: Option<String>,
    pub severity: Option<Severity>,
    pub reason: Option<String>,
    /// Lower case.
    pub q: Option<String>,
}

impl Filter {
    pub fn from_params(params: &EventsParams) -> Result<Self, ApiError> {
        let invalid = |detail: String| ApiError::bad_request(Code::InvalidQuery, detail);
        let kind = params
            .kind
            .as_deref()
            .map(|name| {
                KINDS.iter().find(|k| k.is_named(name)).ok_or_else(|| {
                    invalid(format!("kind: flux-web knows no kind {}", quoted(name)))
                })
            })
            .transpose()?;
        if let Some(namespace) = &params.namespace {
            flux_web_shared::names::check_namespace(namespace)
                .map_err(|e| invalid(e.to_string()))?;
        }
        // A reason goes into a field selector: only the characters reasons are made of, so
        // that it can neither end the selector nor add to it.
        if let Some(reason) = &params.reason {
            let fits = (1..=MAX_REASON).contains(&reason.len())
                && reason
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
            if !fits {
                return Err(invalid(format!(
                    "reason: 1 to {MAX_REASON} letters, digits, '_', '-' or '.'"
                )));
            }
        }
        if params.q.as_ref().is_some_and(|q| q.len() > MAX_TEXT) {
            return Err(invalid(format!("q: at most {MAX_TEXT} characters")));
        }
        Ok(Self {
            kind,
            namespace: params.namespace.clone(),
            severity: params.severity,
            reason: params.reason.clone(),
            q: params.q.as_ref().map(|q| q.to_lowercase()),
        })
    }

    /// The field selector that lets Kubernetes do what it can of the filtering.
    fn fields(&self) -> String {
        let mut fields = Vec::new();
        if let Some(kind) = self.kind {
            fields.push(format!("involvedObject.kind={}", kind.kind));
        }
        if let Some(severity) = self.severity {
            fields.push(format!("type={}", severity_word(severity)));
        }
        if let Some(reason) = &self.reason {
            fields.push(format!("reason={reason}"));
        }
        fields.join(",")
    }

    /// Whether `event` shows; the whole filter, for the live stream where no selector did
    /// part of it.
    pub fn keeps(&self, event: &ClusterEvent) -> bool {
        let object = &event.object;
        let text = |q: &str| {
            [
                &event.entry.message,
                &object.name,
                &event.reason,
                event.entry.who.as_deref().unwrap_or_default(),
            ]
            .iter()
            .any(|field| field.to_lowercase().contains(q))
        };
        self.kind
            .is_none_or(|k| k.group == object.group && k.kind == object.kind)
            && self
                .namespace
                .as_ref()
                .is_none_or(|n| *n == object.namespace)
            && self.severity.is_none_or(|s| s == event.severity)
            && self.reason.as_ref().is_none_or(|r| *r == event.reason)
            && self.q.as_deref().is_none_or(text)
    }
}

fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Normal => "Normal",
        Severity::Warning => "Warning",
    }
}

/// An Event as the page shows it, and when it happened; none for an Event about a kind
/// flux-web does not know (Nodes, Leases, ...).
pub fn cluster_event(event: Event) -> Option<(Timestamp, ClusterEvent)> {
    let involved = &event.involved_object;
    let api_version = involved.api_version.as_deref().unwrap_or_default();
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let kind_name = involved.kind.as_deref()?;
    let kind = KINDS
        .iter()
        .find(|k| k.group == group && k.kind == kind_name)?;
    let object = Target {
        group: kind.group.to_owned(),
        version: version.to_owned(),
        kind: kind.kind.to_owned(),
        namespace: involved
            .namespace
            .clone()
            .or_else(|| event.metadata.namespace.clone())
            .unwrap_or_default(),
        name: involved.name.clone()?,
    };
    let id = event.metadata.uid.clone().unwrap_or_default();
    let severity = Severity::of(event.type_.as_deref());
    let reason = event.reason.clone().unwrap_or_default();
    let count = event.count.unwrap_or(1);
    let (at, entry) = from_event(event)?;
    Some((
        at,
        ClusterEvent {
            id,
            object,
            severity,
            reason,
            count,
            entry,
        },
    ))
}

/// A page of the Events the caller may list that `filter` keeps, older than `before`.
pub async fn list(
    ctx: &Context<'_>,
    caller: &Caller,
    params: &EventsParams,
) -> Result<EventPage, ApiError> {
    let filter = Filter::from_params(params)?;
    let (limit, before) = paging(
        params.limit,
        params.before.as_deref(),
        (DEFAULT_LIMIT, MAX_LIMIT),
    )?;
    let (events, namespaces) = read(ctx, caller, &filter).await?;
    let entries = events
        .into_iter()
        .filter_map(cluster_event)
        .filter(|(_, event)| filter.keeps(event))
        .collect();
    let (events, next) = page(entries, before, limit);
    Ok(EventPage {
        events,
        next,
        namespaces,
    })
}

/// The Events the caller may list, with the namespaces read when not all could be.
async fn read(
    ctx: &Context<'_>,
    caller: &Caller,
    filter: &Filter,
) -> Result<(Vec<Event>, Option<Vec<String>>), ApiError> {
    let (who, fields) = (reader(caller), filter.fields());
    let everywhere = ctx
        .cluster
        .events(who, filter.namespace.as_deref(), &fields)
        .await;
    let identity = match (everywhere, caller, &filter.namespace) {
        (Ok(events), _, _) => return Ok((events, None)),
        (Err(ClusterError::Forbidden(_)), Caller::User(identity), None) => identity,
        (Err(e), _, _) => return Err(e.into()),
    };
    // No cluster-wide list: the namespaces where a review says the caller may list Events.
    let namespaces = listable_namespaces(ctx, identity, On::Events).await?;
    let fields = fields.as_str();
    let lists: Vec<_> = futures::stream::iter(namespaces.clone())
        .map(|ns| async move { ctx.cluster.events(who, Some(&ns), fields).await })
        .buffered(CONCURRENT_LISTS)
        .collect()
        .await;
    let mut events = Vec::new();
    for list in lists {
        match list {
            Ok(list) => events.extend(list),
            // The review's answer was cached, and the right has gone since: not shown.
            Err(ClusterError::Forbidden(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok((events, Some(namespaces)))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn params(query: &str) -> Result<Filter, ApiError> {
        let params: EventsParams = serde_urlencoded::from_str(query).map_err(|e| {
            ApiError::bad_request(Code::InvalidQuery, format!("{e}; known: {KNOWN}"))
        })?;
        Filter::from_params(&params)
    }

    fn event(value: serde_json::Value) -> Event {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn the_filter_reads_its_parameters_and_refuses_what_could_widen_a_selector() {
        let filter =
            params("kind=ks&namespace=apps&severity=Warning&reason=HealthCheckFailed&q=Web")
                .unwrap();
        assert_eq!(filter.kind.map(|k| k.kind), Some("Kustomization"));
        assert_eq!(filter.q.as_deref(), Some("web"));
        assert_eq!(
            filter.fields(),
            "involvedObject.kind=Kustomization,type=Warning,reason=HealthCheckFailed"
        );
        assert_eq!(params("").unwrap().fields(), "");
        assert_eq!(
            params("kind=deploy").unwrap().kind.map(|k| k.kind),
            Some("Deployment")
        );
        for bad in [
            "kind=secrets",
            "namespace=Apps",
            "severity=warning",
            "reason=A,involvedObject.namespace=x",
            "reason=a=b",
            "reason=",
            "since=1h",
            &format!("q={}", "x".repeat(254)),
        ] {
            assert_eq!(params(bad).unwrap_err().code(), "invalid_query", "{bad}");
        }
    }

    #[test]
    fn an_event_about_a_known_kind_becomes_an_entry_and_others_are_left_out() {
        let audit = event(json!({
            "metadata": {"name": "apps.1", "namespace": "apps", "uid": "u-1",
                "annotations": {"event.toolkit.fluxcd.io/username": "alice",
                    "event.toolkit.fluxcd.io/action": "suspend"}},
            "involvedObject": {"apiVersion": "kustomize.toolkit.fluxcd.io/v1",
                "kind": "Kustomization", "name": "web", "namespace": "apps"},
            "reason": "WebAction", "type": "Normal", "count": 2,
            "message": "suspended by alice: INC-1", "lastTimestamp": "2026-12-01T10:00:00Z",
        }));
        let (at, entry) = cluster_event(audit).unwrap();
        assert_eq!(at.to_string(), "2026-12-01T10:00:00Z");
        assert_eq!(entry.id, "u-1");
        assert_eq!(
            (entry.object.group.as_str(), entry.object.version.as_str()),
            ("kustomize.toolkit.fluxcd.io", "v1")
        );
        assert_eq!(entry.entry.who.as_deref(), Some("alice"));
        assert_eq!((entry.severity, entry.count), (Severity::Normal, 2));
        for (query, kept) in [
            ("", true),
            ("kind=ks", true),
            ("kind=hr", false),
            ("namespace=apps", true),
            ("namespace=other", false),
            ("severity=Warning", false),
            ("reason=WebAction", true),
            ("q=ALICE", true),
            ("q=inc-1", true),
            ("q=WEB", true),
            ("q=nobody", false),
        ] {
            assert_eq!(params(query).unwrap().keeps(&entry), kept, "{query}");
        }
        let pod = event(json!({
            "metadata": {"name": "p.1", "namespace": "apps"},
            "involvedObject": {"apiVersion": "v1", "kind": "Pod", "name": "web-1", "namespace": "apps"},
            "reason": "BackOff", "type": "Warning", "lastTimestamp": "2026-12-01T10:00:00Z",
        }));
        let (_, pod) = cluster_event(pod).unwrap();
        assert_eq!(
            (pod.object.group.as_str(), pod.severity),
            ("", Severity::Warning)
        );
        let node = event(json!({
            "metadata": {"name": "n.1", "namespace": "default"},
            "involvedObject": {"apiVersion": "v1", "kind": "Node", "name": "kwok-0"},
            "reason": "NodeReady", "lastTimestamp": "2026-12-01T10:00:00Z",
        }));
        assert!(cluster_event(node).is_none());
        // A Kind of the same name in another group is not ours.
        let foreign = event(json!({
            "metadata": {"name": "f.1", "namespace": "apps"},
            "involvedObject": {"apiVersion": "example.com/v1", "kind": "Kustomization", "name": "x"},
            "lastTimestamp": "2026-12-01T10:00:00Z",
        }));
        assert!(cluster_event(foreign).is_none());
    }
}
