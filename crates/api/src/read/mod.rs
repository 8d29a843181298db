//! The read API (spec section 5): what the SPA shows, read as the caller so that nobody sees
//! what their RBAC hides. Without authentication, reads are the server's (read-only mode).
//!
//! - [`resources`] — the list of Flux objects, filtered and paginated.
//! - [`summary`] — the state of a Flux object in one word.
//! - [`workloads`] — inventories, Pods and Jobs.
//! - [`referrers`] — the objects that take a source, or depend on an object.
//! - [`controllers`] — the Flux controllers the cluster runs.
//! - [`graph`] — sources, Kustomizations and HelmReleases, and what ties them.
//! - [`inventory`] — every object a Kustomization applied, with its health.

pub mod controllers;
pub mod graph;
pub mod inventory;
pub mod referrers;
pub mod resources;
pub mod timeline;
pub mod workloads;

use flux_web_shared::events::Severity;
use flux_web_shared::objects::{
    ArtifactSummary, Dependency, EventSummary, ObjectDetail, SourceSummary,
};
use k8s_openapi::api::core::v1::Event;

use crate::actions::listing;
use crate::auth::Caller;
use crate::cluster::ClusterError;
use crate::context::wire_target;
use crate::context::{Context, reader};
use crate::error::ApiError;
use flux_web_core::address::ObjectRef;
use flux_web_core::audit::USERNAME_ANNOTATION;
use flux_web_core::history::event_time;
use flux_web_core::kinds::Workload;
use flux_web_core::summary;
use flux_web_core::view::View;

pub async fn detail(
    ctx: &Context<'_>,
    caller: &Caller,
    target: &ObjectRef,
) -> Result<ObjectDetail, ApiError> {
    let read = ctx.read_target(caller, target).await?;
    // What the page adds to the object is read from memory or cached reviews, side by side:
    // the page waits for the slowest, not for their sum.
    let workload = async {
        match target.kind.workload {
            Some(Workload::Restart | Workload::RunJob) => {
                workloads::detail(ctx, caller, target, &read.found)
                    .await
                    .map(Some)
            }
            _ => Ok(None),
        }
    };
    let (listed, workload, workloads, used_by, depends_on, required_by) = futures::join!(
        listing::with_sources(ctx, caller, target, &read),
        workload,
        workloads::summaries(ctx, caller, &read.found),
        referrers::used_by(ctx, caller, target),
        depends_on(ctx, caller, &read.view),
        referrers::required_by(ctx, caller, target),
    );
    let (actions, sources) = listed?;
    let workload = workload?;
    let (source, chart) = sources_of(ctx, caller, &read.view, &sources).await;
    let mut summary = summary::summarize(&read.view);
    if !target.kind.readiness.by_conditions() {
        (summary.state, summary.message) =
            flux_web_core::workloads::state(target.kind, &read.found);
    }
    Ok(ObjectDetail {
        workloads,
        workload,
        target: wire_target(&read.resource, &target.namespace, &target.name),
        summary,
        conditions: read.view.conditions.clone(),
        source,
        chart,
        artifact: artifact(&read.view),
        actions,
        // How long a run took, when the status does not say, is on the timeline: the
        // object's Events are listed there, once, not again for this page.
        facts: flux_web_core::facts::facts(target.kind, &read.found),
        used_by,
        depends_on,
        required_by,
        release: target
            .kind
            .releases()
            .then(|| flux_web_core::release::release(&read.found.data["status"])),
        manifest: manifest(&read.found),
        spec: flux_web_core::view::spec(&read.found),
        status: read.found.data["status"].clone(),
    })
}

/// The `dependsOn` entries of `view`, each with its state as the caller may read it (read
/// side by side: a release may wait for many).
async fn depends_on(ctx: &Context<'_>, caller: &Caller, view: &View) -> Vec<Dependency> {
    let reads = view.depends_on.iter().map(|dependency| async move {
        let read = ctx.view(caller, dependency).await.ok();
        Dependency {
            target: dependency.target(),
            summary: read.map(|view| summary::summarize(&view)),
        }
    });
    futures::future::join_all(reads).await
}

/// The spec and status as YAML; a part the object lacks is left out.
fn manifest(found: &kube::api::DynamicObject) -> String {
    let mut parts = serde_json::Map::new();
    for key in ["spec", "status"] {
        if let Some(part) = found.data.get(key).filter(|v| !v.is_null()) {
            parts.insert(key.to_owned(), part.clone());
        }
    }
    serde_yaml_ng::to_string(&parts).unwrap_or_default()
}

/// The source of a Kustomization or HelmRelease, and a HelmRelease's generated HelmChart
/// between it and that source (its sources are the chart, then the chart's source; a release
/// of `spec.chartRef` has one source and no chart between). Each with its state when the
/// caller may read it: from `read` when the listing's plan of a pull read it already.
async fn sources_of(
    ctx: &Context<'_>,
    caller: &Caller,
    view: &View,
    read: &[View],
) -> (Option<SourceSummary>, Option<SourceSummary>) {
    let mut references = view.sources.clone().unwrap_or_default();
    let source = references.pop();
    let chart = references.pop();
    let summarize = |reference: Option<ObjectRef>| async move {
        match reference {
            Some(reference) => Some(summarize_source(ctx, caller, reference, read).await),
            None => None,
        }
    };
    futures::join!(summarize(source), summarize(chart))
}

/// A source as its taker's page shows it: its state and URL as the caller may read them.
async fn summarize_source(
    ctx: &Context<'_>,
    caller: &Caller,
    reference: ObjectRef,
    read: &[View],
) -> SourceSummary {
    let mut summary = SourceSummary {
        kind: reference.kind.kind.to_owned(),
        namespace: reference.namespace.clone(),
        name: reference.name.clone(),
        url: None,
        status: None,
    };
    let read = match read.iter().find(|r| r.object == reference) {
        Some(read) => Some(read.clone()),
        None => ctx.view(caller, &reference).await.ok(),
    };
    if let Some(source) = read {
        summary.url = source.url.clone();
        summary.status = Some(summary::summarize(&source));
    }
    summary
}

fn artifact(view: &View) -> Option<ArtifactSummary> {
    let artifact = view.artifact.as_ref()?;
    Some(ArtifactSummary {
        revision: artifact.revision.clone(),
        digest: artifact.digest.clone(),
        size: artifact.size,
        last_update_time: artifact.last_update_time.clone(),
    })
}

/// The Events of the object, audit events included, newest first.
pub async fn events(
    ctx: &Context<'_>,
    caller: &Caller,
    target: &ObjectRef,
) -> Result<Vec<EventSummary>, ApiError> {
    // Reading the object first: who may not see it may not see its events either.
    ctx.read_target(caller, target).await?;
    let events = object_events(ctx, caller, target).await?;
    Ok(newest_first(events))
}

/// `events` as the API shows them, newest first.
fn newest_first(events: Vec<Event>) -> Vec<EventSummary> {
    let mut summaries: Vec<_> = events.into_iter().map(event_summary).collect();
    summaries.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    summaries.into_iter().map(|(_, summary)| summary).collect()
}

/// The Events whose involved object is `target`, read as the caller; the caller's right to
/// the object itself is checked by who calls this.
pub async fn object_events(
    ctx: &Context<'_>,
    caller: &Caller,
    target: &ObjectRef,
) -> Result<Vec<Event>, ClusterError> {
    let selector = format!(
        "involvedObject.name={},involvedObject.kind={}",
        target.name, target.kind.kind
    );
    ctx.cluster
        .events(reader(caller), Some(&target.namespace), &selector)
        .await
}

/// An event and the time it sorts by.
fn event_summary(event: Event) -> (Option<jiff::Timestamp>, EventSummary) {
    let at = event_time(&event);
    let username = event
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(USERNAME_ANNOTATION))
        .cloned();
    let summary = EventSummary {
        kind: Severity::of(event.type_.as_deref()),
        reason: event.reason.unwrap_or_default(),
        message: event.message.unwrap_or_default(),
        time: at.map(crate::clock::rfc3339),
        count: event.count.unwrap_or(1),
        username,
    };
    (at, summary)
}
