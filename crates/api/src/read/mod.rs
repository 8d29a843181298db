//! The read API (spec section 5): what the SPA shows, read as the caller so that nobody sees
//! what their RBAC hides. Without authentication, reads are the server's (read-only mode).
//!
//! - [`resources`] — the list of Flux objects, filtered and paginated.
//! - [`summary`] — the state of a Flux object in one word.
//! - [`workloads`] — inventories, Pods and Jobs.
//! - [`handlers`] — the HTTP handlers.

pub mod handlers;
pub mod resources;
pub mod summary;
pub mod workloads;

use flux_web_shared::objects::{ArtifactSummary, EventSummary, ObjectDetail, SourceSummary};
use k8s_openapi::api::core::v1::Event;
use kube::api::DynamicObject;
use kube::core::ApiResource;

use crate::actions::{Context, listing, pull, wire_target};
use crate::auth::Identity;
use crate::cluster::{ClusterError, Who};
use crate::error::ApiError;
use crate::kinds::Workload;
use crate::target::Target;

/// Whose permissions a read uses: the caller's, or the server's when there is no caller
/// (read-only mode).
pub fn reader<'a>(ctx: &Context<'_>, caller: &'a Result<Identity, ApiError>) -> Who<'a> {
    match caller {
        Ok(identity) => ctx.access.reader(identity),
        Err(_) => Who::Server,
    }
}

/// Whose fault a failed read is, matching [`reader`].
pub fn read_error(caller: &Result<Identity, ApiError>, error: ClusterError) -> ApiError {
    match caller {
        Ok(_) => ApiError::as_user(error),
        Err(_) => ApiError::as_server(error),
    }
}

/// Reads the object as the caller, or as the server when there is no caller.
pub async fn object(
    ctx: &Context<'_>,
    caller: &Result<Identity, ApiError>,
    resource: &ApiResource,
    target: &Target,
) -> Result<DynamicObject, ApiError> {
    ctx.cluster
        .get(
            reader(ctx, caller),
            resource,
            &target.namespace,
            &target.name,
        )
        .await
        .map_err(|e| read_error(caller, e))
}

pub async fn detail(
    ctx: &Context<'_>,
    caller: &Result<Identity, ApiError>,
    target: &Target,
) -> Result<ObjectDetail, ApiError> {
    let resource = ctx.resource(target.kind).await?;
    let found = object(ctx, caller, &resource, target).await?;
    let actions = listing::for_object(ctx, caller, target, &resource, &found).await?;
    let workload = match target.kind.workload {
        Some(Workload::Restart | Workload::RunJob) => {
            Some(workloads::detail(ctx, caller, target, &found).await?)
        }
        _ => None,
    };
    Ok(ObjectDetail {
        workloads: workloads::summaries(ctx, caller, &found).await,
        workload,
        target: wire_target(&resource, &target.namespace, &target.name),
        summary: summary::summarize(target.kind, &found),
        conditions: summary::conditions(&found),
        source: source(ctx, caller, target, &found).await,
        artifact: artifact(&found),
        actions,
        spec: found.data["spec"].clone(),
    })
}

/// The source of a Kustomization or HelmRelease, with its state when the caller may read it.
async fn source(
    ctx: &Context<'_>,
    caller: &Result<Identity, ApiError>,
    target: &Target,
    found: &DynamicObject,
) -> Option<SourceSummary> {
    let reference = pull::sources(target.kind, found, &target.namespace, &target.name)
        .ok()?
        .pop()?;
    let mut summary = SourceSummary {
        kind: reference.kind.kind.to_owned(),
        namespace: reference.namespace.clone(),
        name: reference.name.clone(),
        url: None,
        status: None,
    };
    let source_target = Target {
        kind: reference.kind,
        namespace: reference.namespace,
        name: reference.name,
    };
    if let Ok(resource) = ctx.resource(source_target.kind).await
        && let Ok(source) = object(ctx, caller, &resource, &source_target).await
    {
        summary.url = source.data["spec"]["url"].as_str().map(str::to_owned);
        summary.status = Some(summary::summarize(source_target.kind, &source));
    }
    Some(summary)
}

fn artifact(found: &DynamicObject) -> Option<ArtifactSummary> {
    let artifact = &found.data["status"]["artifact"];
    let text = |key: &str| artifact[key].as_str().map(str::to_owned);
    Some(ArtifactSummary {
        revision: text("revision")?,
        digest: text("digest").unwrap_or_default(),
        size: artifact["size"].as_u64(),
        last_update_time: text("lastUpdateTime"),
    })
}

/// The Events of the object, audit events included, newest first.
pub async fn events(
    ctx: &Context<'_>,
    caller: &Result<Identity, ApiError>,
    target: &Target,
) -> Result<Vec<EventSummary>, ApiError> {
    let resource = ctx.resource(target.kind).await?;
    // Reading the object first: who may not see it may not see its events either.
    object(ctx, caller, &resource, target).await?;
    let who = reader(ctx, caller);
    let selector = format!(
        "involvedObject.name={},involvedObject.kind={}",
        target.name, resource.kind
    );
    let events = ctx
        .cluster
        .events(who, &target.namespace, &selector)
        .await
        .map_err(|e| read_error(caller, e))?;
    let mut summaries: Vec<_> = events.into_iter().map(event_summary).collect();
    summaries.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    Ok(summaries.into_iter().map(|(_, summary)| summary).collect())
}

/// An event and the time it sorts by.
fn event_summary(event: Event) -> (Option<jiff::Timestamp>, EventSummary) {
    let at = event
        .last_timestamp
        .map(|t| t.0)
        .or_else(|| event.event_time.map(|t| t.0))
        .or_else(|| event.first_timestamp.map(|t| t.0))
        .or_else(|| event.metadata.creation_timestamp.map(|t| t.0));
    let username = event
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get("event.toolkit.fluxcd.io/username"))
        .cloned();
    let summary = EventSummary {
        kind: event.type_.unwrap_or_default(),
        reason: event.reason.unwrap_or_default(),
        message: event.message.unwrap_or_default(),
        time: at.map(crate::clock::rfc3339),
        count: event.count.unwrap_or(1),
        username,
    };
    (at, summary)
}
