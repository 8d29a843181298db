//! `GET .../actions`: every action of the object with whether the caller may take it and,
//! when not, a machine-readable reason and the sentence for people. Each action is planned
//! exactly as its POST would plan it ([`flux_web_core::plan`]) and the plan's checks are asked,
//! so the listing's "allowed" and the POST's "200" cannot disagree. The SPA draws its buttons
//! from this, never from guesses.

use flux_web_shared::actions::{Action, ActionListing, ActionPermission};
use flux_web_shared::problem::Code;
use futures::future::join_all;

use crate::access::Decision;
use crate::auth::Caller;
use crate::context::wire_target;
use crate::context::{Context, Read};
use crate::error::ApiError;
use crate::identity::Identity;
use flux_web_core::address::ObjectRef;
use flux_web_core::kinds::{self, Artifacts, Workload};
use flux_web_core::plan::{self, Check, Input, On};
use flux_web_core::view::View;

pub async fn list(
    ctx: &Context<'_>,
    caller: &Caller,
    target: &ObjectRef,
) -> Result<ActionListing, ApiError> {
    let read = ctx.read_target(caller, target).await?;
    for_object(ctx, caller, target, &read).await
}

/// The listing of an object already read.
pub async fn for_object(
    ctx: &Context<'_>,
    caller: &Caller,
    target: &ObjectRef,
    read: &Read,
) -> Result<ActionListing, ApiError> {
    Ok(with_sources(ctx, caller, target, read).await?.0)
}

/// [`for_object`], and the sources a pull's plan read (none when it read none), so that a
/// page showing them need not read them again.
pub async fn with_sources(
    ctx: &Context<'_>,
    caller: &Caller,
    target: &ObjectRef,
    read: &Read,
) -> Result<(ActionListing, Vec<View>), ApiError> {
    let checks = target
        .kind
        .actions()
        .into_iter()
        .map(|action| permission(ctx, caller, &read.view, action));
    let mut sources = Vec::new();
    let mut actions = Vec::new();
    for result in join_all(checks).await {
        let (permission, read) = result?;
        actions.push(permission);
        if !read.is_empty() {
            sources = read;
        }
    }
    let artifacts = match target.kind.artifacts {
        Artifacts::Inventory => read.view.inventory.clone(),
        _ => Vec::new(),
    };
    let delete_pods = match (target.kind.workload, caller) {
        (Some(Workload::Restart | Workload::RunJob), Caller::User(identity)) => {
            Some(may_delete_pods(ctx, identity, target).await?)
        }
        _ => None,
    };
    let listing = ActionListing {
        target: wire_target(&read.resource, &target.namespace, &target.name),
        actions,
        artifacts,
        delete_pods,
    };
    Ok((listing, sources))
}

fn refuse(action: Action, reason: Code, message: String) -> ActionPermission {
    ActionPermission {
        action,
        verb: action.verb().to_string(),
        allowed: false,
        reason: Some(reason),
        message: Some(message),
    }
}

fn allowed(action: Action) -> ActionPermission {
    ActionPermission {
        action,
        verb: action.verb().to_string(),
        allowed: true,
        reason: None,
        message: None,
    }
}

/// The plan of `action` and its checks, as the POST would make them, stopped before writing;
/// with the sources the plan read.
async fn permission(
    ctx: &Context<'_>,
    caller: &Caller,
    view: &View,
    action: Action,
) -> Result<(ActionPermission, Vec<View>), ApiError> {
    let identity = match caller.user() {
        Ok(identity) => identity,
        Err(e) => return Ok((refuse(action, e.code(), e.to_string()), Vec::new())),
    };
    // The first artifact an ArtifactGenerator offers stands for the others.
    let artifact = view.inventory.first().map(|a| a.name.as_str());
    let input = Input {
        now: "",
        by: &identity.display_name,
        user: &identity.username,
        artifact: artifact.filter(|_| view.object.kind.artifacts == Artifacts::Inventory),
        ..Input::default()
    };
    let sources = match ctx.source_views(caller, action, view).await {
        Ok(views) => views,
        Err(e @ (ApiError::Forbidden(_) | ApiError::NotFound(_))) => {
            return Ok((refuse(action, e.code(), e.to_string()), Vec::new()));
        }
        Err(e) => return Err(e),
    };
    let plan = match plan::plan(action, view, &sources, &input, ctx.access.mode()) {
        Ok(plan) => plan,
        Err(refusal) => return Ok((refuse(action, refusal.code, refusal.message), sources)),
    };
    // Taken, it would change nothing (a suspend of a suspended object): the UI offers the
    // action that would, and says why not this one.
    if let Some(code) = plan.unchanged {
        return Ok((refuse(action, code, plan.message), sources));
    }
    for check in &plan.checks {
        if let Decision::Denied(rule) = ctx.access.check(identity, check).await? {
            return Ok((refuse(action, Code::Forbidden, rule), sources));
        }
    }
    Ok((allowed(action), sources))
}

/// The workload page offers to delete its Pods: may the caller, in this namespace?
async fn may_delete_pods(
    ctx: &Context<'_>,
    identity: &Identity,
    target: &ObjectRef,
) -> Result<ActionPermission, ApiError> {
    let pods = kinds::find("core", "pods").ok_or_else(|| ApiError::NotFound("Pod kind".into()))?;
    let check = Check {
        verb: Action::Delete.verb(),
        on: On::Kind(pods),
        namespace: target.namespace.clone(),
        name: String::new(),
    };
    Ok(match ctx.access.check(identity, &check).await? {
        Decision::Allowed => allowed(Action::Delete),
        Decision::Denied(rule) => refuse(Action::Delete, Code::Forbidden, rule),
    })
}
