//! `GET /api/v1/resources`: the Flux objects of every kind the caller may list, with a status
//! summary each, filtered and paginated. What a LIST as the caller would return: cluster-wide
//! when their RBAC allows it, else namespace by namespace where a SubjectAccessReview says they
//! may list. Answered from the server's watch of each kind once it has listed (filtered by the
//! caller's reviews, cached for seconds), and from Kubernetes as the caller before that
//! (docs/decisions.md, "Reads at scale").

use flux_web_shared::names::quoted;
use flux_web_shared::objects::{
    Empty, EmptyReason, KindCount, ResourceList, ResourceSummary, Sort, SortKey, State,
};
use flux_web_shared::problem::Code;
use futures::future::join_all;
use futures::{StreamExt, stream};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::DynamicObject;
use kube::core::ApiResource;
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use crate::access::Decision;
use crate::auth::Caller;
use crate::cluster::ClusterError;
use crate::context::{Cached, Context};
use crate::error::ApiError;
use crate::identity::Identity;
use flux_web_core::kinds::{Kind, Suspend, flux_kinds};
use flux_web_core::plan::{Check, On};
use flux_web_core::view::owner;

const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 500;
/// Access reviews a list asks at once when it must ask namespace by namespace.
const REVIEWS_AT_ONCE: usize = 32;

/// Where a list was read, said in the [`ReadFrom::HEADER`] of its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadFrom {
    /// The server's watches: every kind listed had been listed by its watch, which was fresh.
    Cache,
    /// Kubernetes, as the caller, for at least one kind (its watch had not listed yet, was
    /// broken, or had not yet delivered a write of this server).
    Kubernetes,
}

impl ReadFrom {
    pub const HEADER: &str = "flux-web-read-from";

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cache => "cache",
            Self::Kubernetes => "kubernetes",
        }
    }
}

/// The objects of one kind a caller may list.
pub struct Visible {
    /// In namespace and name order when read from the cache.
    pub objects: Vec<Arc<Cached>>,
    /// Whether the caller may list the kind anywhere they asked. `None` when they see none
    /// of it and only asking about every namespace would tell: an empty answer asks then.
    pub listable: Option<bool>,
    pub from: ReadFrom,
}

/// `?kind=&namespace=&status=&q=&sort=&limit=&continue=`
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceQuery {
    pub kinds: Vec<&'static Kind>,
    pub namespace: Option<String>,
    pub state: Option<State>,
    pub q: Option<String>,
    pub sort: Sort,
    pub limit: usize,
    pub offset: usize,
}

/// The query of `listResources`, as it is read and as the OpenAPI document describes it;
/// [`ResourceQuery`] is what it means once checked.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ResourcesParams {
    /// A Flux kind: plural, Kind or short name (`ks`, `hr`, ...). All Flux kinds without it.
    pub kind: Option<String>,
    /// Only this namespace.
    pub namespace: Option<String>,
    /// Only objects in this state.
    pub status: Option<State>,
    /// Only objects whose name contains this (case-insensitive).
    pub q: Option<String>,
    /// The order: `namespace` (without it), `kind`, `name`, `status` (worst first) or
    /// `updated` (when the object last moved), each with `-` before it for the reverse.
    pub sort: Option<String>,
    /// Objects per page, 1 to 500 (100 without it).
    pub limit: Option<u32>,
    /// The `continue` of the previous page.
    #[serde(rename = "continue")]
    pub continue_token: Option<String>,
}

impl ResourceQuery {
    pub fn parse(query: &str) -> Result<Self, ApiError> {
        let raw: ResourcesParams = serde_urlencoded::from_str(query).map_err(|e| {
            ApiError::bad_request(
                Code::InvalidQuery,
                format!(
                    "{e}; known: kind, namespace, status (ready, failed, progressing, \
                     suspended, unknown), q, sort, limit, continue"
                ),
            )
        })?;
        Self::from_params(raw, Code::InvalidQuery)
    }

    /// What `raw` means once checked; a broken rule is a 400 with `code`.
    pub fn from_params(raw: ResourcesParams, code: Code) -> Result<Self, ApiError> {
        let invalid = |detail: String| ApiError::bad_request(code, detail);
        let kinds = match raw.kind.as_deref() {
            None => flux_kinds().collect(),
            Some(name) => vec![
                flux_kinds()
                    .find(|k| k.is_named(name))
                    .ok_or_else(|| invalid(format!("kind: no Flux kind {}", quoted(name))))?,
            ],
        };
        if let Some(namespace) = &raw.namespace {
            flux_web_shared::names::check_namespace(namespace)
                .map_err(|e| invalid(e.to_string()))?;
        }
        let q = match raw.q {
            Some(q) if q.len() > 253 => return Err(invalid("q: at most 253 characters".into())),
            q => q.map(|q| q.to_ascii_lowercase()),
        };
        let limit = match raw.limit {
            None => DEFAULT_LIMIT,
            Some(limit) => usize::try_from(limit)
                .ok()
                .filter(|l| (1..=MAX_LIMIT).contains(l))
                .ok_or_else(|| invalid(format!("limit: a number from 1 to {MAX_LIMIT}")))?,
        };
        let sort = match raw.sort.as_deref() {
            None => Sort::default(),
            Some(text) => {
                Sort::parse(text).ok_or_else(|| invalid(format!("sort: one of {}", Sort::KNOWN)))?
            }
        };
        let offset = match raw.continue_token.as_deref() {
            None => 0,
            Some(token) => token
                .parse()
                .map_err(|_| invalid("continue: not a token of this API".into()))?,
        };
        Ok(Self {
            kinds,
            namespace: raw.namespace,
            state: raw.status,
            q,
            sort,
            limit,
            offset,
        })
    }
}

/// One page of the objects the caller may list, and where they were read.
pub async fn list(
    ctx: &Context<'_>,
    caller: &Caller,
    query: &ResourceQuery,
) -> Result<(ResourceList, ReadFrom), ApiError> {
    let lists = join_all(
        query
            .kinds
            .iter()
            .map(|kind| views_of(ctx, caller, kind, query.namespace.as_deref())),
    )
    .await;
    let mut objects: Vec<Arc<Cached>> = Vec::new();
    let (mut listable, mut unknown, mut from) = (false, Vec::new(), ReadFrom::Cache);
    for (list, kind) in lists.into_iter().zip(&query.kinds) {
        let visible = list?;
        objects.extend(visible.objects);
        match visible.listable {
            Some(allowed) => listable |= allowed,
            None => unknown.push(*kind),
        }
        if visible.from == ReadFrom::Kubernetes {
            from = ReadFrom::Kubernetes;
        }
    }
    let mut items: Vec<&ResourceSummary> = objects
        .iter()
        .map(|cached| &cached.row)
        .filter(|item| {
            query
                .q
                .as_ref()
                .is_none_or(|q| item.target.name.contains(q.as_str()))
        })
        .collect();
    let counts = tally(&items);
    items.retain(|item| query.state.is_none_or(|state| item.summary.state == state));
    sort(&mut items, query.sort);
    let total = items.len();
    let page: Vec<ResourceSummary> = items
        .into_iter()
        .skip(query.offset)
        .take(query.limit)
        .cloned()
        .collect();
    let next = query.offset + page.len();
    if total == 0 && !listable {
        listable = listable_anywhere(ctx, caller, &unknown).await?;
    }
    let empty = match (total, listable) {
        (0, true) => Some(Empty {
            reason: EmptyReason::NoMatch,
            namespaces: Vec::new(),
        }),
        (0, false) => Some(Empty {
            reason: EmptyReason::NoAccess,
            namespaces: somewhere_else(ctx, caller, query).await?,
        }),
        _ => None,
    };
    let list = ResourceList {
        items: page,
        total,
        continue_token: (next < total).then(|| next.to_string()),
        empty,
        counts,
    };
    Ok((list, from))
}

/// Whether the caller may list any of `kinds` in some namespace.
async fn listable_anywhere(
    ctx: &Context<'_>,
    caller: &Caller,
    kinds: &[&'static Kind],
) -> Result<bool, ApiError> {
    let Caller::User(identity) = caller else {
        return Ok(!kinds.is_empty());
    };
    for kind in kinds {
        if !listable_namespaces(ctx, identity, On::Kind(kind))
            .await?
            .is_empty()
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// How many of `items` each kind has in each state, in the order kinds are listed.
fn tally(items: &[&ResourceSummary]) -> Vec<KindCount> {
    let mut counts: BTreeMap<(&str, u8), KindCount> = BTreeMap::new();
    for item in items {
        let state = item.summary.state;
        counts
            .entry((item.target.kind.as_str(), state.urgency()))
            .or_insert_with(|| KindCount {
                kind: item.target.kind.clone(),
                state,
                count: 0,
            })
            .count += 1;
    }
    counts.into_values().collect()
}

fn place(item: &ResourceSummary) -> (&str, &str, &str) {
    let t = &item.target;
    (&t.namespace, &t.kind, &t.name)
}

/// Puts `items` in `order`; ties (and the default order) by namespace, kind and name.
fn sort(items: &mut [&ResourceSummary], order: Sort) {
    items.sort_by(|a, b| {
        let by_key = match order.key {
            SortKey::Namespace => std::cmp::Ordering::Equal,
            SortKey::Kind => a.target.kind.cmp(&b.target.kind),
            SortKey::Name => a.target.name.cmp(&b.target.name),
            SortKey::Status => a.summary.state.urgency().cmp(&b.summary.state.urgency()),
            SortKey::Updated => a.summary.updated().cmp(&b.summary.updated()),
        };
        let by_key = by_key.then_with(|| place(a).cmp(&place(b)));
        if order.descending {
            by_key.reverse()
        } else {
            by_key
        }
    });
}

/// The namespaces where the caller may list Flux objects (Kustomizations stand for them, as
/// for an empty list's hint); every namespace in read-only mode, whose reads are the server's.
pub async fn namespaces(ctx: &Context<'_>, caller: &Caller) -> Result<Vec<String>, ApiError> {
    let mut namespaces = match (caller, flux_kinds().find(|k| k.kind == "Kustomization")) {
        (Caller::User(identity), Some(ks)) => {
            listable_namespaces(ctx, identity, On::Kind(ks)).await?
        }
        (Caller::User(_), None) => Vec::new(),
        (Caller::ReadOnly, _) => ctx.cluster.namespaces().await?,
    };
    namespaces.sort();
    Ok(namespaces)
}

/// Where a caller who may list nothing in the namespace asked for may list Flux objects.
async fn somewhere_else(
    ctx: &Context<'_>,
    caller: &Caller,
    query: &ResourceQuery,
) -> Result<Vec<String>, ApiError> {
    match (caller, &query.namespace) {
        (Caller::User(_), Some(_)) => namespaces(ctx, caller).await,
        _ => Ok(Vec::new()),
    }
}

/// The objects of one kind the caller may list, each with its row and view; a kind not
/// installed has none (and is no refusal).
pub async fn views_of(
    ctx: &Context<'_>,
    caller: &Caller,
    kind: &'static Kind,
    namespace: Option<&str>,
) -> Result<Visible, ApiError> {
    let resource = match ctx.resource(kind).await {
        Ok(resource) => resource,
        Err(ApiError::NotFound(_)) => {
            return Ok(Visible {
                objects: Vec::new(),
                listable: Some(true),
                from: ReadFrom::Kubernetes,
            });
        }
        Err(e) => return Err(e),
    };
    match ctx.watches.listed(kind, namespace) {
        Some(all) => visible(ctx, caller, kind, namespace, all).await,
        None => read(ctx, caller, kind, &resource, namespace).await,
    }
}

/// The objects of `kind` that `matching` keeps, among those a LIST as the caller would
/// return. From the cache, the filter comes first: only the namespaces of what it keeps are
/// asked about (a page's few dependants, not the thousand namespaces of their kind).
pub async fn matching_views(
    ctx: &Context<'_>,
    caller: &Caller,
    kind: &'static Kind,
    matching: impl Fn(&Cached) -> bool,
) -> Result<Vec<Arc<Cached>>, ApiError> {
    let keep = |objects: Vec<Arc<Cached>>| objects.into_iter().filter(|c| matching(c)).collect();
    Ok(match ctx.watches.listed(kind, None) {
        Some(all) => visible(ctx, caller, kind, None, keep(all)).await?.objects,
        None => keep(views_of(ctx, caller, kind, None).await?.objects),
    })
}

/// Of `all` the objects of `kind` (in `namespace`) in the cache, those a LIST as the caller
/// would return: all when a review allows the list everywhere (or in the namespace asked),
/// else those of each namespace where one does. Only namespaces that hold objects are asked
/// about.
async fn visible(
    ctx: &Context<'_>,
    caller: &Caller,
    kind: &'static Kind,
    namespace: Option<&str>,
    all: Vec<Arc<Cached>>,
) -> Result<Visible, ApiError> {
    let visible = |objects, listable| Visible {
        objects,
        listable,
        from: ReadFrom::Cache,
    };
    let Caller::User(identity) = caller else {
        return Ok(visible(all, Some(true)));
    };
    let on = On::Kind(kind);
    let everywhere = ctx
        .access
        .check(identity, &Check::list(on, namespace.unwrap_or_default()))
        .await?;
    if everywhere == Decision::Allowed {
        return Ok(visible(all, Some(true)));
    }
    if namespace.is_some() {
        return Ok(visible(Vec::new(), Some(false)));
    }
    let mut namespaces: Vec<String> = all.iter().map(|c| c.namespace().to_owned()).collect();
    namespaces.dedup();
    let allowed: HashSet<String> = allowed_namespaces(ctx, identity, on, namespaces)
        .await?
        .into_iter()
        .collect();
    let objects: Vec<_> = all
        .iter()
        .filter(|cached| allowed.contains(cached.namespace()))
        .cloned()
        .collect();
    let listable = (!objects.is_empty()).then_some(true);
    Ok(visible(objects, listable))
}

/// The objects of `kind` the caller may list, read from Kubernetes as them: cluster-wide, or
/// else in each namespace where a review says they may.
async fn read(
    ctx: &Context<'_>,
    caller: &Caller,
    kind: &'static Kind,
    resource: &ApiResource,
    namespace: Option<&str>,
) -> Result<Visible, ApiError> {
    let who = crate::context::reader(caller);
    // Each object parsed as its page arrives: what is kept of a list of thousands is their
    // rows and views, never the list as read.
    let parse = |listed: Listed| Arc::new(Cached::new(kind, resource, &listed.object(kind)));
    let cluster = ctx.cluster;
    let (objects, listable): (Vec<Arc<Cached>>, bool) = match cluster
        .list_each(who, resource, namespace, None, parse)
        .await
    {
        Ok(objects) => (objects, true),
        Err(ClusterError::Forbidden(_)) => match (caller, namespace) {
            // No cluster-wide list: the namespaces where a review says the caller may list.
            (Caller::User(identity), None) => {
                let namespaces = listable_namespaces(ctx, identity, On::Kind(kind)).await?;
                let mut objects = Vec::new();
                for ns in &namespaces {
                    let listed = cluster.list_each(who, resource, Some(ns), None, parse);
                    objects.extend(listed.await.unwrap_or_default());
                }
                (objects, !namespaces.is_empty())
            }
            _ => (Vec::new(), false),
        },
        Err(e) => return Err(e.into()),
    };
    Ok(Visible {
        objects,
        listable: Some(listable),
        from: ReadFrom::Kubernetes,
    })
}

/// Of a listed object, only what its summary reads: a list of thousands is not held whole
/// (inventories and managed fields are skipped while parsing, but for the managers of each
/// annotation, which tell whether flux-web's record of a suspension is still its own).
#[derive(Debug, Deserialize)]
struct Listed {
    metadata: ListedMeta,
    #[serde(default)]
    spec: ListedSpec,
    #[serde(default)]
    status: ListedStatus,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListedMeta {
    name: Option<String>,
    namespace: Option<String>,
    uid: Option<String>,
    resource_version: Option<String>,
    generation: Option<i64>,
    annotations: Option<BTreeMap<String, String>>,
    #[serde(default)]
    managed_fields: Vec<ListedManager>,
}

/// A `managedFields` entry: its manager, and the annotations it owns (their values, the
/// field sets below, are skipped).
#[derive(Debug, Deserialize)]
struct ListedManager {
    manager: Option<String>,
    #[serde(rename = "fieldsV1", default)]
    fields: ListedFields,
}

#[derive(Debug, Default, Deserialize)]
struct ListedFields {
    #[serde(rename = "f:metadata", default)]
    metadata: ListedFieldsMeta,
}

#[derive(Debug, Default, Deserialize)]
struct ListedFieldsMeta {
    #[serde(rename = "f:annotations", default)]
    annotations: BTreeMap<String, serde::de::IgnoredAny>,
}

/// What a row's summary reads of the spec: suspension, and the references "blocked by" names.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListedSpec {
    suspend: Option<bool>,
    source_ref: Option<serde_json::Value>,
    chart_ref: Option<serde_json::Value>,
    /// A HelmRelease's chart template (an object); a HelmChart's chart name (a string).
    chart: Option<serde_json::Value>,
    depends_on: Option<serde_json::Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListedStatus {
    conditions: Option<Vec<serde_json::Value>>,
    last_handled_reconcile_at: Option<String>,
    helm_chart: Option<String>,
}

impl Listed {
    /// The object of `kind` as the summary functions read objects.
    fn object(self, kind: &Kind) -> DynamicObject {
        let owners = match kind.suspend {
            Suspend::Annotation(key) => {
                let field = format!("f:{key}");
                let owners: Vec<_> = self
                    .metadata
                    .managed_fields
                    .into_iter()
                    .filter(|m| m.fields.metadata.annotations.contains_key(&field))
                    .map(|m| owner(m.manager, key))
                    .collect();
                (!owners.is_empty()).then_some(owners)
            }
            Suspend::Spec | Suspend::No => None,
        };
        DynamicObject {
            types: None,
            metadata: ObjectMeta {
                name: self.metadata.name,
                namespace: self.metadata.namespace,
                uid: self.metadata.uid,
                resource_version: self.metadata.resource_version,
                generation: self.metadata.generation,
                annotations: self.metadata.annotations,
                managed_fields: owners,
                ..ObjectMeta::default()
            },
            data: serde_json::json!({
                "spec": {
                    "suspend": self.spec.suspend,
                    "sourceRef": self.spec.source_ref,
                    "chartRef": self.spec.chart_ref,
                    "chart": self.spec.chart.map(|c| match c.pointer("/spec/sourceRef") {
                        Some(source) => serde_json::json!({"spec": {"sourceRef": source}}),
                        None => c,
                    }),
                    "dependsOn": self.spec.depends_on,
                },
                "status": {
                    "conditions": self.status.conditions,
                    "lastHandledReconcileAt": self.status.last_handled_reconcile_at,
                    "helmChart": self.status.helm_chart,
                },
            }),
        }
    }
}

/// The namespaces where a review says `identity` may list `on`.
pub async fn listable_namespaces(
    ctx: &Context<'_>,
    identity: &Identity,
    on: On,
) -> Result<Vec<String>, ApiError> {
    let namespaces = ctx.cluster.namespaces().await?;
    allowed_namespaces(ctx, identity, on, namespaces).await
}

/// Of `namespaces`, those where a review says `identity` may list `on`, in their order; the
/// reviews asked [`REVIEWS_AT_ONCE`] at a time.
async fn allowed_namespaces(
    ctx: &Context<'_>,
    identity: &Identity,
    on: On,
    namespaces: Vec<String>,
) -> Result<Vec<String>, ApiError> {
    let checks: Vec<Check> = namespaces.iter().map(|ns| Check::list(on, ns)).collect();
    let decisions: Vec<_> = stream::iter(checks)
        .map(|check| async move { ctx.access.check(identity, &check).await })
        .buffered(REVIEWS_AT_ONCE)
        .collect()
        .await;
    let mut allowed = Vec::new();
    for (ns, decision) in namespaces.into_iter().zip(decisions) {
        if decision? == Decision::Allowed {
            allowed.push(ns);
        }
    }
    Ok(allowed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flux_web_core::summary;
    use flux_web_core::view::View;

    #[test]
    fn a_listed_object_summarizes_as_the_whole_object_does() {
        let whole = serde_json::json!({
            "metadata": {"name": "apps", "namespace": "flux-system",
                "annotations": {"fluxcd.controlplane.io/suspendedBy": "Ada"},
                "managedFields": [{"manager": "kustomize-controller", "fieldsV1": {"f:status": {}}}]},
            "spec": {"suspend": true, "interval": "10m", "path": "./apps"},
            "status": {"lastHandledReconcileAt": "2026-11-23T21:30:00Z",
                "inventory": {"entries": [{"id": "apps_web_apps_Deployment", "v": "v1"}]},
                "conditions": [{"type": "Ready", "status": "False", "reason": "BuildFailed",
                    "message": "kustomize build failed"}]},
        });
        let kind = flux_web_core::kinds::find("kustomize.toolkit.fluxcd.io", "ks").unwrap();
        let full: DynamicObject = serde_json::from_value(whole.clone()).unwrap();
        let listed: Listed = serde_json::from_value(whole).unwrap();
        let slim = listed.object(kind);
        let summarize = |object| summary::summarize(&View::parse(kind, object));
        assert_eq!(summarize(&slim), summarize(&full));
        assert_eq!(summarize(&slim).state, State::Suspended);
        assert!(slim.metadata.managed_fields.is_none());
        assert!(
            slim.data
                .pointer("/status/inventory")
                .is_none_or(serde_json::Value::is_null)
        );
    }

    #[test]
    fn a_listed_object_is_blocked_by_what_the_whole_object_is() {
        let failed = |reason: &str, message: &str| serde_json::json!([{"type": "Ready", "status": "False", "reason": reason, "message": message}]);
        let cases = [
            (
                "ks",
                serde_json::json!({"interval": "10m", "dependsOn": [{"name": "a"}, {"name": "b", "namespace": "x"}],
                    "sourceRef": {"kind": "GitRepository", "name": "repo"}}),
                serde_json::json!({"conditions": failed("DependencyNotReady", "dependency 'x/b' is not ready")}),
            ),
            (
                "ks",
                serde_json::json!({"sourceRef": {"kind": "OCIRepository", "name": "oci", "namespace": "src"}}),
                serde_json::json!({"conditions": failed("ArtifactFailed", "Source is not ready, artifact not found")}),
            ),
            (
                "hr",
                serde_json::json!({"chart": {"spec": {"chart": "web", "version": "1.x",
                    "sourceRef": {"kind": "HelmRepository", "name": "charts"}}}}),
                serde_json::json!({"helmChart": "flux-system/flux-system-web",
                    "conditions": failed("ArtifactFailed", "HelmChart 'flux-system/flux-system-web' is not ready")}),
            ),
        ];
        // A HelmChart's spec.chart is a string: read as it is, not refused.
        let chart = flux_web_core::kinds::find("source.toolkit.fluxcd.io", "HelmChart").unwrap();
        let whole = serde_json::json!({"metadata": {"name": "c", "namespace": "flux-system"},
            "spec": {"chart": "podinfo", "sourceRef": {"kind": "HelmRepository", "name": "charts"}}});
        let listed: Listed = serde_json::from_value(whole.clone()).unwrap();
        let full: DynamicObject = serde_json::from_value(whole).unwrap();
        assert_eq!(
            summary::summarize(&View::parse(chart, &listed.object(chart))),
            summary::summarize(&View::parse(chart, &full))
        );
        for (short, spec, status) in cases {
            let group = match short {
                "ks" => "kustomize.toolkit.fluxcd.io",
                _ => "helm.toolkit.fluxcd.io",
            };
            let kind = flux_web_core::kinds::find(group, short).unwrap();
            let whole = serde_json::json!({"metadata": {"name": "web", "namespace": "flux-system"},
                "spec": spec, "status": status});
            let full: DynamicObject = serde_json::from_value(whole.clone()).unwrap();
            let listed: Listed = serde_json::from_value(whole.clone()).unwrap();
            let slim_view = View::parse(kind, &listed.object(kind));
            // Who takes a source is read from the same references either way.
            assert_eq!(
                slim_view.references,
                View::parse(kind, &full).references,
                "{whole}"
            );
            let slim = summary::summarize(&slim_view);
            assert_eq!(
                slim,
                summary::summarize(&View::parse(kind, &full)),
                "{whole}"
            );
            assert!(
                slim.blocked_by.is_some_and(|b| b.target.is_some()),
                "{whole}"
            );
        }
    }

    #[test]
    fn the_query_reads_its_filters_and_refuses_the_rest() {
        let all = ResourceQuery::parse("").unwrap();
        assert_eq!(all.kinds.len(), 18);
        assert_eq!((all.limit, all.offset), (DEFAULT_LIMIT, 0));
        let q =
            ResourceQuery::parse("kind=ks&namespace=apps&status=failed&q=Pod&limit=10&continue=20")
                .unwrap();
        assert_eq!(
            q.kinds.iter().map(|k| k.kind).collect::<Vec<_>>(),
            ["Kustomization"]
        );
        assert_eq!(q.namespace.as_deref(), Some("apps"));
        assert_eq!(q.state, Some(State::Failed));
        assert_eq!(q.q.as_deref(), Some("pod"));
        assert_eq!((q.limit, q.offset), (10, 20));
        for bad in [
            "kind=deployments",
            "namespace=Apps",
            "status=green",
            "limit=0",
            "limit=501",
            "continue=x",
            "sort=size",
            "sort=--name",
        ] {
            assert_eq!(
                ResourceQuery::parse(bad).unwrap_err().code(),
                "invalid_query",
                "{bad}"
            );
        }
    }

    fn item(namespace: &str, kind: &str, name: &str, state: State, at: &str) -> ResourceSummary {
        ResourceSummary {
            target: flux_web_shared::actions::Target {
                group: "g".into(),
                version: "v1".into(),
                kind: kind.into(),
                namespace: namespace.into(),
                name: name.into(),
            },
            summary: flux_web_shared::objects::StatusSummary {
                state,
                retrying: false,
                message: String::new(),
                last_handled_reconcile_at: None,
                changed_at: Some(at.into()).filter(|a: &String| !a.is_empty()),
                suspended_by: None,
                suspended_by_user: None,
                suspended_reason: None,
                suspended_until: None,
                blocked_by: None,
            },
        }
    }

    #[test]
    fn each_sort_orders_by_its_column_then_by_place_and_the_minus_reverses_it() {
        let owned = [
            item(
                "b",
                "Kustomization",
                "web",
                State::Ready,
                "2026-12-03T01:00:00Z",
            ),
            item(
                "a",
                "HelmRelease",
                "db",
                State::Failed,
                "2026-12-03T03:00:00Z",
            ),
            item("a", "Kustomization", "apps", State::Suspended, ""),
            item(
                "b",
                "Kustomization",
                "api",
                State::Failed,
                "2026-12-03T02:00:00Z",
            ),
        ];
        let mut items: Vec<&ResourceSummary> = owned.iter().collect();
        let names = |items: &[&ResourceSummary]| {
            items
                .iter()
                .map(|i| i.target.name.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        };
        for (order, expected) in [
            ("namespace", "db apps api web"),
            ("-namespace", "web api apps db"),
            ("kind", "db apps api web"),
            ("name", "api apps db web"),
            ("-name", "web db apps api"),
            ("status", "db api apps web"),
            ("updated", "apps web api db"),
            ("-updated", "db api web apps"),
        ] {
            sort(&mut items, Sort::parse(order).unwrap());
            assert_eq!(names(&items), expected, "sort={order}");
        }
    }

    #[test]
    fn the_tally_counts_each_kind_in_each_state() {
        let items = [
            item("a", "Kustomization", "x", State::Failed, ""),
            item("b", "Kustomization", "y", State::Failed, ""),
            item("a", "Kustomization", "z", State::Ready, ""),
            item("a", "HelmRelease", "w", State::Ready, ""),
        ];
        let counts: Vec<_> = tally(&items.iter().collect::<Vec<_>>())
            .into_iter()
            .map(|t| format!("{} {} {}", t.kind, t.state.name(), t.count))
            .collect();
        assert_eq!(
            counts,
            [
                "HelmRelease ready 1",
                "Kustomization failed 2",
                "Kustomization ready 1"
            ]
        );
        assert!(tally(&[]).is_empty());
    }

    /// A query of the list's keys or of anything, a few pairs long.
    fn query() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::strategy::Strategy;
        let pair = proptest::prop_oneof![
            "(kind|namespace|status|q|sort|limit|continue)=[a-zA-Z0-9%=.-]{0,30}",
            "\\PC{0,300}",
        ];
        proptest::collection::vec(pair, 0..4).prop_map(|pairs| pairs.join("&"))
    }

    proptest::proptest! {
        /// Whatever the query: a query read, or a 400 `invalid_query` whose text is bounded
        /// (refused input is quoted short, never echoed whole).
        #[test]
        fn any_query_is_read_or_an_invalid_query_of_bounded_text(query in query()) {
            if let Err(e) = ResourceQuery::parse(&query) {
                proptest::prop_assert_eq!(e.code(), Code::InvalidQuery);
                let text = e.to_string();
                proptest::prop_assert!(text.chars().count() < 1_000, "{}", text);
            }
        }
    }
}
