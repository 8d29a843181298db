//! `GET .../actions`: every action of the object with whether the caller may take it and,
//! when not, a machine-readable reason and the sentence for people. The SPA draws its buttons
//! from this, never from guesses.

use flux_web_shared::actions::{ActionListing, ActionPermission, ArtifactRef};
use futures::future::join_all;
use kube::api::DynamicObject;
use kube::core::ApiResource;

use super::{Context, object, pull, wire_target, workload};
use crate::access::Decision;
use crate::auth::Identity;
use crate::config::Access as AccessMode;
use crate::download;
use crate::error::ApiError;
use crate::kinds::{self, Action, Workload};
use crate::target::Target;

pub async fn list(
    ctx: &Context<'_>,
    caller: &Result<Identity, ApiError>,
    target: &Target,
) -> Result<ActionListing, ApiError> {
    let resource = ctx.resource(target.kind).await?;
    let object = crate::read::object(ctx, caller, &resource, target).await?;
    for_object(ctx, caller, target, &resource, &object).await
}

/// The listing of an object already read.
pub async fn for_object(
    ctx: &Context<'_>,
    caller: &Result<Identity, ApiError>,
    target: &Target,
    resource: &ApiResource,
    object: &DynamicObject,
) -> Result<ActionListing, ApiError> {
    let checks = target
        .kind
        .actions()
        .into_iter()
        .map(|action| permission(ctx, caller, target, resource, object, action));
    let actions = join_all(checks)
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    let artifacts = if target.kind.kind == "ArtifactGenerator" {
        download::inventory(object)
            .into_iter()
            .map(|(name, namespace)| ArtifactRef { name, namespace })
            .collect()
    } else {
        Vec::new()
    };
    let delete_pods = match (target.kind.workload, caller) {
        (Some(Workload::Restart | Workload::RunJob), Ok(identity)) => {
            Some(may_delete_pods(ctx, identity, target).await?)
        }
        _ => None,
    };
    Ok(ActionListing {
        target: wire_target(resource, &target.namespace, &target.name),
        actions,
        artifacts,
        delete_pods,
    })
}

async fn permission(
    ctx: &Context<'_>,
    caller: &Result<Identity, ApiError>,
    target: &Target,
    resource: &ApiResource,
    object: &DynamicObject,
    action: Action,
) -> Result<ActionPermission, ApiError> {
    let refuse = |reason: &str, message: String| ActionPermission {
        action: action.name().to_owned(),
        verb: action.verb().to_owned(),
        allowed: false,
        reason: Some(reason.to_owned()),
        message: Some(message),
    };
    let identity = match caller {
        Ok(identity) => identity,
        Err(e) => return Ok(refuse(e.code(), e.to_string())),
    };
    let suspended = object::is_suspended(target.kind, object);
    let by = object::suspended_by(object).unwrap_or("someone");
    match action {
        Action::Download if !has_artifact(target, object) => {
            return Ok(refuse(
                "no_artifact",
                "no artifact to download yet".to_owned(),
            ));
        }
        Action::Reconcile if suspended => {
            return Ok(refuse(
                "suspended",
                format!("suspended by {by}: resume it first"),
            ));
        }
        Action::Suspend if suspended => {
            return Ok(refuse("suspended", format!("already suspended by {by}")));
        }
        Action::Resume if !suspended => {
            return Ok(refuse("not_suspended", "not suspended".to_owned()));
        }
        Action::Pull => {
            return match pull::check(ctx, identity, target, object).await {
                Ok(_) => Ok(allowed(action)),
                Err(ApiError::Forbidden(message)) => Ok(refuse("forbidden", message)),
                Err(
                    e @ (ApiError::State { .. }
                    | ApiError::BadRequest { .. }
                    | ApiError::NotFound(_)),
                ) => Ok(refuse(e.code(), e.to_string())),
                Err(e) => Err(e),
            };
        }
        _ => {}
    }
    for (verb, resource, name) in required(ctx, action, resource, &target.name) {
        if let Decision::Denied(rule) = ctx
            .access
            .check(identity, verb, &resource, &target.namespace, name)
            .await?
        {
            return Ok(refuse("forbidden", rule));
        }
    }
    Ok(allowed(action))
}

fn allowed(action: Action) -> ActionPermission {
    ActionPermission {
        action: action.name().to_owned(),
        verb: action.verb().to_owned(),
        allowed: true,
        reason: None,
        message: None,
    }
}

/// The checks an action needs, as (verb, resource, object name; empty for a create).
fn required<'a>(
    ctx: &Context<'_>,
    action: Action,
    resource: &ApiResource,
    name: &'a str,
) -> Vec<(&'static str, ApiResource, &'a str)> {
    let mut checks = vec![(action.verb(), resource.clone(), name)];
    match action {
        // Creating Jobs is checked in either access mode.
        Action::RunJob => checks.push(("create", workload::jobs(), "")),
        // The custom verb of delete is the native one; a download writes nothing.
        Action::Delete | Action::Download => {}
        // In Impersonated mode the write also needs the native verb.
        _ if ctx.access.mode() == AccessMode::Impersonated => {
            checks.push(("patch", resource.clone(), name))
        }
        _ => {}
    }
    checks
}

fn has_artifact(target: &Target, object: &DynamicObject) -> bool {
    if target.kind.kind == "ArtifactGenerator" {
        !download::inventory(object).is_empty()
    } else {
        download::Artifact::of(object).is_some()
    }
}

/// The workload page offers to delete its Pods: may the caller, in this namespace?
async fn may_delete_pods(
    ctx: &Context<'_>,
    identity: &Identity,
    target: &Target,
) -> Result<ActionPermission, ApiError> {
    let pods = kinds::find("core", "pods").ok_or_else(|| ApiError::NotFound("Pod kind".into()))?;
    let resource = ctx.resource(pods).await?;
    let decision = ctx
        .access
        .check(identity, "delete", &resource, &target.namespace, "")
        .await?;
    Ok(match decision {
        Decision::Allowed => allowed(Action::Delete),
        Decision::Denied(rule) => ActionPermission {
            allowed: false,
            reason: Some("forbidden".to_owned()),
            message: Some(rule),
            ..allowed(Action::Delete)
        },
    })
}
