//! The actions (spec section 4). A request becomes a plan of the core
//! ([`flux_web_core::plan`]) and this runtime executes it: it reads the object (and a pull's
//! sources) as the user, asks for the plan, passes its checks into permits, makes its writes
//! with them, records its audit Events and, with `?wait=`, waits for the controller. The
//! listing of actions ([`listing`]) plans the same way and stops before
//! the writes.
//!
//! - [`listing`] — `GET .../actions`: each action planned and checked, not carried out.

pub mod listing;

use std::time::Duration;

use flux_web_shared::actions::{Action, ActionRequest, ActionResponse, AuditState, Condition};
use flux_web_shared::problem::Code;
use kube::api::DynamicObject;
use kube::core::ApiResource;

use crate::access::Permit;
use crate::audit::{Entry, Involved, manager};
use crate::clock::rfc3339;
use crate::cluster::{Grant, Reader};
use crate::context::wire_target;
use crate::context::{Context, Read};
use crate::error::ApiError;
use crate::identity::Identity;
use crate::metrics::METRICS;
use flux_web_core::address::ObjectRef;
use flux_web_core::plan::{AuditOn, Input, Op, Plan};
use flux_web_core::until;

/// `?dryRun=true&wait=30s` of a state-changing action.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionOptions {
    pub dry_run: bool,
    pub wait: Option<Duration>,
}

/// How often `?wait=` looks at the object.
const WAIT_POLL: Duration = Duration::from_millis(250);

/// Runs a state-changing action.
async fn act(
    ctx: &Context<'_>,
    identity: &Identity,
    target: &ObjectRef,
    action: Action,
    options: &ActionOptions,
    request: &ActionRequest,
) -> Result<ActionResponse, ApiError> {
    request
        .check()
        .map_err(|e| ApiError::bad_request(Code::InvalidBody, e))?;
    // A download is a GET that streams; it has its own entry point.
    if action == Action::Download {
        return Err(ApiError::MethodNotAllowed {
            method: "POST".into(),
            path: format!(
                "{}/{}/{}/actions/download",
                target.kind.kind, target.namespace, target.name
            ),
        });
    }
    let at = ctx.clock.now();
    let now = rfc3339(at);
    let until = until_of(ctx, action, request.until.as_deref(), at)?;
    let input = Input {
        now: &now,
        by: &identity.display_name,
        user: &identity.username,
        reason: request.reason.as_deref(),
        grace_period_seconds: request.grace_period_seconds,
        artifact: None,
        until: until.as_ref(),
    };
    let prepared = prepare(ctx, identity, target, action, &input).await?;
    carry_out(ctx, identity, prepared, options).await
}

/// The end a suspend asks for (`until`), resolved against `at` and checked against the
/// configured maximum; none for the other actions.
pub fn until_of(
    ctx: &Context<'_>,
    action: Action,
    text: Option<&str>,
    at: jiff::Timestamp,
) -> Result<Option<until::End>, ApiError> {
    text.filter(|_| action == Action::Suspend)
        .map(|text| until::resolve(text, at, ctx.max_suspension))
        .transpose()
        .map_err(|e| ApiError::bad_request(Code::InvalidBody, e))
}

/// An action planned, with the permits its checks granted: what is left is to carry it out.
pub struct Prepared {
    pub read: Read,
    pub plan: Plan,
    permits: Vec<Permit>,
}

/// Reads the object as the user, plans `action` on it and passes the plan's checks.
pub async fn prepare(
    ctx: &Context<'_>,
    identity: &Identity,
    target: &ObjectRef,
    action: Action,
    input: &Input<'_>,
) -> Result<Prepared, ApiError> {
    let (read, plan) = ctx.plan(identity, target, action, input).await?;
    let permits = ctx.access.authorize_all(identity, &plan.checks).await?;
    Ok(Prepared {
        read,
        plan,
        permits,
    })
}

/// Makes a prepared action's writes with its permits, records its audit Events and, with
/// `?wait=`, waits for the controller.
pub async fn carry_out(
    ctx: &Context<'_>,
    identity: &Identity,
    prepared: Prepared,
    options: &ActionOptions,
) -> Result<ActionResponse, ApiError> {
    let Prepared {
        read,
        plan,
        permits,
    } = prepared;
    let target = &plan.target;
    let mut response = ActionResponse {
        action: plan.action,
        target: wire_target(&read.resource, &target.namespace, &target.name),
        message: plan.message.clone(),
        changed: plan.unchanged.is_none(),
        dry_run: options.dry_run,
        requested_at: plan.requested_at.clone(),
        reconciled: Vec::new(),
        job: None,
        handled: None,
        ready: None,
        suspension: plan.suspension.clone(),
        audit: AuditState::None,
        audit_error: None,
    };
    let mut written = Vec::with_capacity(plan.writes.len());
    for write in &plan.writes {
        let permit = &permits[write.permit];
        let (resource, object) = execute(ctx, permit, &write.op, options.dry_run)
            .await
            .inspect_err(|e| {
                if matches!(e, ApiError::Forbidden(_)) {
                    ctx.access.forget(identity);
                }
            })?;
        // The watch's copy must not be older than what we wrote for the next decision; a
        // reconcile's own write changes nothing a reconcile decides on (there, suspended),
        // so it leaves the copy answering: one object reconciled again and again stays a
        // PATCH each.
        if let Some(object) = object
            .as_ref()
            .filter(|_| !options.dry_run && plan.action != Action::Reconcile)
        {
            ctx.watches.wrote(&resource, object);
        }
        // A dry run's Job has a name the API server made up for it, which the real run will
        // not get: only a Job that exists is named.
        if let Op::CreateJob { namespace, .. } = &write.op
            && !options.dry_run
        {
            let job = object
                .as_ref()
                .and_then(|o| o.metadata.name.clone())
                .unwrap_or_default();
            response.message =
                format!("Job {namespace}/{job} created from CronJob {}", target.name);
            response.job = Some(job);
        }
        written.push((resource, object));
    }
    if matches!(plan.action, Action::Pull | Action::Stage) {
        response.reconciled = plan.wait_for.iter().map(ObjectRef::describe).collect();
    }
    if options.dry_run {
        response.message = format!("dry run: {}", response.message);
        return Ok(response);
    }
    (response.audit, response.audit_error) = audit(ctx, identity, &plan, &read, &written).await;
    if let (Some(wait), Some(requested_at)) = (options.wait, &plan.requested_at)
        && !plan.wait_for.is_empty()
    {
        let (handled, ready) =
            wait_handled(ctx, identity, &plan.wait_for, requested_at, wait).await?;
        response.handled = Some(handled);
        response.ready = ready;
    }
    Ok(response)
}

/// Makes one write with its permit; answers the resource written and the object as the API
/// server returned it (none for a delete).
async fn execute(
    ctx: &Context<'_>,
    permit: &Permit,
    op: &Op,
    dry_run: bool,
) -> Result<(ApiResource, Option<DynamicObject>), ApiError> {
    let resource = ctx.cluster.resource_on(permit.check().on).await?;
    let object = match op {
        Op::MergePatch { patch, .. } => Some(
            ctx.cluster
                .merge_patch(permit, &resource, patch, dry_run)
                .await?,
        ),
        Op::Apply { body, .. } => Some(ctx.cluster.apply(permit, &resource, body, dry_run).await?),
        Op::CreateJob { body, .. } => {
            Some(ctx.cluster.create(permit, &resource, body, dry_run).await?)
        }
        Op::Delete {
            grace_period_seconds,
            ..
        } => {
            ctx.cluster
                .delete(permit, &resource, *grace_period_seconds, dry_run)
                .await?;
            None
        }
    };
    Ok((resource, object))
}

/// Records the plan's audit Events; answers where they are (pending when one is) and why one
/// could not be written, if so.
async fn audit(
    ctx: &Context<'_>,
    identity: &Identity,
    plan: &Plan,
    read: &Read,
    written: &[(ApiResource, Option<DynamicObject>)],
) -> (AuditState, Option<String>) {
    let (mut state, mut failed) = (AuditState::None, None);
    for (i, audit) in plan.audits.iter().enumerate() {
        let (involved, subject) = match &audit.on {
            AuditOn::Object(object) => {
                let involved = match written.get(i) {
                    Some((resource, Some(found))) => Involved::of(resource, found),
                    _ => Involved::target(object.kind, &object.namespace, &object.name),
                };
                (involved, None)
            }
            AuditOn::ManagerOf(object) => {
                let (involved, subject) =
                    manager::involved(ctx.cluster, object.kind, &read.found).await;
                (involved, Some(subject))
            }
        };
        let entry = Entry {
            identity,
            verb: audit.verb,
            involved,
            subject,
            run: ctx.run,
            scheduled: None,
        };
        let recorded = ctx.audit.record(entry, ctx.clock.now()).await;
        let this = recorded.as_ref().map_or(AuditState::Pending, |s| *s);
        if this == AuditState::Pending || state == AuditState::None {
            state = this;
        }
        failed = recorded.err().or(failed);
    }
    (state, failed)
}

/// Runs [`act`] and leaves a trace of a refusal: a log line with the identity always, and a
/// Warning event with `auditDenied`. Bad input is not an attempt and leaves none.
pub async fn act_audited(
    ctx: &Context<'_>,
    identity: &Identity,
    target: &ObjectRef,
    action: Action,
    options: &ActionOptions,
    request: &ActionRequest,
) -> Result<ActionResponse, ApiError> {
    let result = act(ctx, identity, target, action, options, request).await;
    let outcome = match &result {
        Ok(_) if options.dry_run => "dry-run",
        Ok(done) if !done.changed => "unchanged",
        Ok(_) => "done",
        Err(error) => error.code().as_str(),
    };
    METRICS.action(action.name(), target.kind.kind, outcome);
    if let Ok(done) = &result {
        tracing::info!(
            target = format!("{}/{}/{}", target.kind.kind, target.namespace, target.name),
            changed = done.changed,
            dry_run = options.dry_run,
            "action done: {}",
            done.message
        );
    }
    if let Err(error) = &result {
        let attempt = !matches!(
            error,
            ApiError::BadRequest { .. } | ApiError::MethodNotAllowed { .. }
        );
        if attempt && !options.dry_run {
            record_refusal(ctx, identity, target, action, error).await;
        }
    }
    result
}

/// Leaves the trace of a refused or failed attempt at `action` on `target`.
async fn record_refusal(
    ctx: &Context<'_>,
    identity: &Identity,
    target: &ObjectRef,
    action: Action,
    error: &ApiError,
) {
    let entry = entry(ctx, identity, target, action);
    ctx.audit
        .record_refusal(entry, error, ctx.clock.now())
        .await;
}

/// The audit entry of an attempt at `action` on `target`, known by its address.
pub fn entry<'a>(
    ctx: &Context<'a>,
    identity: &'a Identity,
    target: &ObjectRef,
    action: Action,
) -> Entry<'a> {
    Entry {
        identity,
        verb: action.verb(),
        involved: Involved::target(target.kind, &target.namespace, &target.name),
        subject: None,
        run: ctx.run,
        scheduled: None,
    }
}

/// Waits until the controller reports it handled `requested_at` on every object, or `wait`
/// passes; reads as the user. Answers whether it did and the last object's Ready condition.
async fn wait_handled(
    ctx: &Context<'_>,
    identity: &Identity,
    objects: &[ObjectRef],
    requested_at: &str,
    wait: Duration,
) -> Result<(bool, Option<Condition>), ApiError> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let views = ctx.read_all(Reader::User(identity), objects).await?;
        let handled = views
            .iter()
            .all(|v| v.last_handled.as_deref() == Some(requested_at));
        if handled || tokio::time::Instant::now() + WAIT_POLL > deadline {
            let ready = views.last().and_then(|v| v.ready().cloned());
            return Ok((handled, ready));
        }
        tokio::time::sleep(WAIT_POLL).await;
    }
}
