//! The Flux controllers the cluster runs (`GET /api/v1/controllers`), read as the caller:
//! the Deployments labelled as Flux's, cluster-wide when the caller may list them there, else
//! in `flux-system`; each with its Pods' restarts when the caller may list those; and the
//! FluxInstances and FluxReports, where the Flux Operator is installed (in the same places). A
//! caller who may list Deployments in neither place is told so, not shown an empty cluster.

use flux_web_shared::actions::Target;
use flux_web_shared::controllers::{ControllerList, ControllerSummary, FluxReport};
use flux_web_shared::objects::ResourceSummary;
use futures::future::join_all;
use kube::api::{ApiResource, DynamicObject};

use crate::auth::Caller;
use crate::cluster::ClusterError;
use crate::context::{Context, reader, wire_target};
use crate::error::ApiError;
use flux_web_core::controllers::{NAMESPACE, SELECTOR, controller, report};
use flux_web_core::kinds::{by_kind, find};
use flux_web_core::summary::summarize;
use flux_web_core::view::View;
use flux_web_core::workloads::match_labels;

pub async fn controllers(ctx: &Context<'_>, caller: &Caller) -> Result<ControllerList, ApiError> {
    let (deployments, pods) = match (find("apps", "Deployment"), find("core", "Pod")) {
        (Some(deployments), Some(pods)) => (deployments, pods),
        _ => return Err(ApiError::NotFound("the Deployment and Pod kinds".into())),
    };
    let resource = ctx.resource(deployments).await?;
    let who = reader(caller);
    let (instances, reports) = tokio::join!(instances(ctx, caller), reports(ctx, caller));
    let found = match flux_wide(ctx, caller, &resource, Some(SELECTOR)).await {
        Ok(found) => found,
        Err(ClusterError::Forbidden(_)) => {
            return Ok(ControllerList {
                controllers: Vec::new(),
                refused: Some(format!(
                    "You may list Deployments neither cluster-wide nor in {NAMESPACE}, where \
                     Flux runs: ask for list on deployments.apps there."
                )),
                instances,
                reports,
            });
        }
        Err(e) => return Err(e.into()),
    };
    let pods_resource = ctx.resource(pods).await?;
    let (resource, pods_resource) = (&resource, &pods_resource);
    let summaries = found.iter().map(|deployment| async move {
        let target = target_of(resource, deployment);
        let pods = match match_labels(deployment) {
            Some(selector) => ctx
                .cluster
                .list::<DynamicObject>(who, pods_resource, Some(&target.namespace), Some(&selector))
                .await
                .ok(),
            None => Some(Vec::new()),
        };
        controller(deployments, deployment, target, pods.as_deref())
    });
    let mut controllers: Vec<ControllerSummary> = join_all(summaries).await;
    controllers.sort_by(|a, b| {
        (&a.target.namespace, &a.target.name).cmp(&(&b.target.namespace, &b.target.name))
    });
    Ok(ControllerList {
        controllers,
        refused: None,
        instances,
        reports,
    })
}

/// The objects of `resource` the caller may list cluster-wide, else those in `flux-system`.
async fn flux_wide(
    ctx: &Context<'_>,
    caller: &Caller,
    resource: &ApiResource,
    selector: Option<&str>,
) -> Result<Vec<DynamicObject>, ClusterError> {
    let who = reader(caller);
    match ctx.cluster.list(who, resource, None, selector).await {
        Err(ClusterError::Forbidden(_)) => {
            ctx.cluster
                .list(who, resource, Some(NAMESPACE), selector)
                .await
        }
        other => other,
    }
}

/// The Flux Operator's FluxReports the caller may list; none where it is not installed.
async fn reports(ctx: &Context<'_>, caller: &Caller) -> Vec<FluxReport> {
    let Ok((resource, _)) = ctx
        .cluster
        .resource_of(report::GROUP, report::VERSION, report::KIND)
        .await
    else {
        return Vec::new();
    };
    let listed = flux_wide(ctx, caller, &resource, None).await;
    listed
        .unwrap_or_default()
        .iter()
        .map(|object| report::report(object, target_of(&resource, object)))
        .collect()
}

fn target_of(resource: &ApiResource, object: &DynamicObject) -> Target {
    wire_target(
        resource,
        object.metadata.namespace.as_deref().unwrap_or_default(),
        object.metadata.name.as_deref().unwrap_or_default(),
    )
}

/// The FluxInstances the caller may list; none where the Flux Operator is not installed.
async fn instances(ctx: &Context<'_>, caller: &Caller) -> Vec<ResourceSummary> {
    let Some(kind) = by_kind("fluxcd.controlplane.io", "FluxInstance") else {
        return Vec::new();
    };
    let Ok(resource) = ctx.resource(kind).await else {
        return Vec::new();
    };
    let listed = flux_wide(ctx, caller, &resource, None).await;
    listed
        .unwrap_or_default()
        .iter()
        .map(|object| ResourceSummary {
            target: target_of(&resource, object),
            summary: summarize(&View::parse(kind, object)),
        })
        .collect()
}
