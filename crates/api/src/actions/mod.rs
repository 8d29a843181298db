//! Actions on Flux objects (spec section 4): reconcile, pull, suspend, resume, and the
//! listing of what the caller may do.
//!
//! Every action runs the same way: the kind must take it, the verb is authorized into a
//! [`Permit`], the object is read and written with the permit's identity, the audit event is
//! recorded, and with `?wait=` the answer waits for the controller.
//!
//! - [`object`] — Flux state and the patches, pure.
//! - [`pull`] — finding and reconciling the upstream sources.
//! - [`workload`] — rollout restart, run a Job, delete a Pod.
//! - [`listing`] — `GET .../actions`.
//! - [`handlers`] — the HTTP handlers.

pub mod handlers;
pub mod listing;
pub mod object;
pub mod pull;
pub mod workload;

use std::time::Duration;

use flux_web_shared::actions::{ActionRequest, ActionResponse, Condition, Target as WireTarget};
use kube::api::DynamicObject;
use kube::core::ApiResource;

use crate::access::{Access, Permit};
use crate::audit::{Auditor, Entry, Involved};
use crate::auth::Identity;
use crate::clock::{Clock, rfc3339};
use crate::cluster::Cluster;
use crate::config::DownloadPolicy;
use crate::error::ApiError;
use crate::kinds::{Action, Kind};
use crate::target::{ActionOptions, Target};

/// How often `?wait=` looks at the object.
const WAIT_POLL: Duration = Duration::from_millis(250);

/// What an action needs of the server.
pub struct Context<'a> {
    pub cluster: &'a Cluster,
    pub download: &'a DownloadPolicy,
    pub access: &'a Access,
    pub audit: &'a Auditor,
    pub clock: &'a dyn Clock,
}

/// Runs a state-changing action on a Flux object.
async fn act(
    ctx: &Context<'_>,
    identity: &Identity,
    target: &Target,
    action: Action,
    options: &ActionOptions,
    request: &ActionRequest,
) -> Result<ActionResponse, ApiError> {
    request
        .check()
        .map_err(|e| ApiError::bad_request("invalid_body", e))?;
    let reason = request.reason.as_deref();
    if !target.kind.takes(action) {
        return Err(not_applicable(target, action));
    }
    let resource = ctx.resource(target.kind).await?;
    match action {
        Action::Reconcile | Action::Suspend | Action::Resume => {}
        Action::Pull => return pull::run(ctx, identity, target, &resource, options).await,
        Action::Restart | Action::RunJob | Action::Delete => {
            let grace = request.grace_period_seconds;
            return workload::run(ctx, identity, target, &resource, action, options, grace).await;
        }
        // A download is a GET that streams; it has its own entry point.
        Action::Download => {
            return Err(ApiError::MethodNotAllowed {
                method: "POST".into(),
                path: format!("{}/actions/download", describe(target)),
            });
        }
    }
    let (permit, object) = ctx
        .authorized(
            identity,
            action.verb(),
            &resource,
            &target.namespace,
            &target.name,
        )
        .await?;
    let suspended = object::is_suspended(target.kind, &object);
    let now = rfc3339(ctx.clock.now());
    let patch = match action {
        Action::Reconcile if suspended => return Err(suspended_error(target, &object)),
        Action::Reconcile => Some(object::reconcile_patch(target.kind, &now)),
        // Suspending twice keeps the first suspender and reason.
        Action::Suspend if suspended => None,
        Action::Suspend => Some(object::suspend_patch(
            target.kind,
            &identity.display_name,
            reason.filter(|r| !r.trim().is_empty()),
        )),
        _ => Some(object::resume_patch(target.kind, &now)),
    };
    let mut response = response(action, &resource, target, patch.is_some(), options.dry_run);
    let Some(patch) = patch else {
        response.message = format!(
            "{} is already suspended by {}",
            describe(target),
            object::suspended_by(&object).unwrap_or("someone")
        );
        return Ok(response);
    };
    let written = ctx
        .cluster
        .merge_patch(
            permit.writer(),
            &resource,
            &target.namespace,
            &target.name,
            &patch,
            options.dry_run,
        )
        .await
        .map_err(|e| permit.write_error(e))?;
    if action != Action::Suspend {
        response.requested_at = Some(now.clone());
    }
    if !options.dry_run {
        response.audit_error = audit(ctx, &permit, &resource, &written).await.err();
        if let (Some(wait), true) = (options.wait, action != Action::Suspend) {
            let (handled, ready) =
                wait_handled(ctx, &permit, &resource, target, &now, wait).await?;
            response.handled = Some(handled);
            response.ready = ready;
        }
    }
    response.message = match (action, options.dry_run) {
        (_, true) => format!("dry run: {} would be {}", describe(target), past(action)),
        _ => format!("{} {}", describe(target), past(action)),
    };
    Ok(response)
}

impl Context<'_> {
    /// The resource of `kind` at its served version; a kind not installed is a 404.
    pub async fn resource(&self, kind: &Kind) -> Result<ApiResource, ApiError> {
        self.cluster
            .resource(kind)
            .await
            .map_err(ApiError::as_server)
    }

    /// Authorizes `verb` on the object, then reads it as the user (in both access modes: an
    /// action decides only on what its user may read): the first steps of every action.
    pub async fn authorized(
        &self,
        identity: &Identity,
        verb: &'static str,
        resource: &ApiResource,
        namespace: &str,
        name: &str,
    ) -> Result<(Permit, DynamicObject), ApiError> {
        let permit = self
            .access
            .authorize(identity, verb, resource, namespace, name)
            .await?;
        let object = self
            .cluster
            .get(permit.reader(), resource, namespace, name)
            .await
            .map_err(ApiError::as_user)?;
        Ok((permit, object))
    }
}

/// Records the action; `Err` says why its Event is not written yet.
async fn audit(
    ctx: &Context<'_>,
    permit: &Permit,
    resource: &ApiResource,
    involved: &DynamicObject,
) -> Result<(), String> {
    let entry = Entry {
        identity: permit.identity(),
        verb: permit.verb(),
        involved: Involved::of(resource, involved),
        subject: None,
    };
    ctx.audit.record(entry, ctx.clock.now()).await
}

/// Runs [`act`] and leaves a trace of a refusal: a log line with the identity always, and a
/// Warning event with `auditDenied`. Bad input is not an attempt and leaves none.
pub async fn act_audited(
    ctx: &Context<'_>,
    identity: &Identity,
    target: &Target,
    action: Action,
    options: &ActionOptions,
    request: &ActionRequest,
) -> Result<ActionResponse, ApiError> {
    let result = act(ctx, identity, target, action, options, request).await;
    if let Err(error) = &result {
        let attempt = !matches!(
            error,
            ApiError::BadRequest { .. } | ApiError::MethodNotAllowed { .. }
        );
        if attempt && !options.dry_run {
            let entry = Entry {
                identity,
                verb: action.verb(),
                involved: Involved::target(target.kind, &target.namespace, &target.name),
                subject: None,
            };
            ctx.audit
                .record_refusal(entry, error, ctx.clock.now())
                .await;
        }
    }
    result
}

/// Waits until the controller reports it handled `requested_at`, or `wait` passes. Answers
/// whether it did and the Ready condition then.
async fn wait_handled(
    ctx: &Context<'_>,
    permit: &Permit,
    resource: &ApiResource,
    target: &Target,
    requested_at: &str,
    wait: Duration,
) -> Result<(bool, Option<Condition>), ApiError> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let object = ctx
            .cluster
            .get(permit.reader(), resource, &target.namespace, &target.name)
            .await
            .map_err(ApiError::as_user)?;
        let handled = object::last_handled(&object) == Some(requested_at);
        if handled || tokio::time::Instant::now() + WAIT_POLL > deadline {
            return Ok((handled, object::ready(&object)));
        }
        tokio::time::sleep(WAIT_POLL).await;
    }
}

fn response(
    action: Action,
    resource: &ApiResource,
    target: &Target,
    changed: bool,
    dry_run: bool,
) -> ActionResponse {
    ActionResponse {
        action: action.name().to_owned(),
        target: wire_target(resource, &target.namespace, &target.name),
        message: String::new(),
        changed,
        dry_run,
        requested_at: None,
        reconciled: Vec::new(),
        job: None,
        handled: None,
        ready: None,
        audit_error: None,
    }
}

pub fn wire_target(resource: &ApiResource, namespace: &str, name: &str) -> WireTarget {
    WireTarget {
        group: resource.group.clone(),
        version: resource.version.clone(),
        kind: resource.kind.clone(),
        namespace: namespace.to_owned(),
        name: name.to_owned(),
    }
}

fn describe(target: &Target) -> String {
    format!("{}/{}/{}", target.kind.kind, target.namespace, target.name)
}

fn past(action: Action) -> &'static str {
    match action {
        Action::Suspend => "suspended",
        Action::Resume => "resumed",
        _ => "asked to reconcile",
    }
}

fn not_applicable(target: &Target, action: Action) -> ApiError {
    ApiError::bad_request(
        "not_applicable",
        format!("{} does not take the action {action}", target.kind.kind),
    )
}

fn suspended_error(target: &Target, object: &DynamicObject) -> ApiError {
    ApiError::State {
        code: "suspended",
        detail: format!(
            "{} is suspended{}: resume it first",
            describe(target),
            object::suspended_by(object)
                .map(|by| format!(" by {by}"))
                .unwrap_or_default()
        ),
    }
}
