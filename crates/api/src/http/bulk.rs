//! HTTP handler of bulk actions: extract, call the bulk module, answer.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use flux_web_shared::bulk::{BulkRequest, NDJSON, Preflight, Progress};
use flux_web_shared::names::quoted;
use flux_web_shared::problem::{Code, Problem};

use super::extract::{Checked, JsonBody};
use crate::actions::ActionOptions;
use crate::auth::Caller;
use crate::bulk::Bulk;
use crate::error::ApiError;
use crate::limits::{Class, Peer, holder};
use crate::state::AppState;
use flux_web_core::kinds::Action;

/// Runs an action on many objects: with `?dryRun=true` the pre-flight (every target's fate,
/// nothing written), else the run, streamed.
#[utoipa::path(
    post,
    path = "/v1/actions/{action}",
    operation_id = "runBulkAction",
    tag = "actions",
    security((), ("bearer" = []), ("cookie" = [])),
    params(
        ("action" = String, Path, description = "reconcile, pull, suspend, resume, restart or run-job"),
        ("dryRun" = Option<bool>, Query, description = "The pre-flight: plan and check every target, write nothing, answer each one's fate and a token approving those that would change"),
    ),
    request_body(content = BulkRequest, description = "The targets, by name or selector, and the action's options", content_type = "application/json"),
    responses(
        (status = 200, description = "The pre-flight (`?dryRun=true`, JSON); or the run's progress: one JSON document per line, a `start`, a `result` per target as it completes, an `end` with the tally", content(
            (Preflight = "application/json"),
            (Progress = "application/x-ndjson"),
        )),
        (status = "4XX", description = "Invalid body, too many targets (400 `too_many_targets`), a bad pre-flight token (400 `invalid_preflight`), not logged in (401), actions disabled (403), too many runs in flight (429, with Retry-After)", body = Problem, content_type = "application/problem+json"),
        (status = "5XX", description = "Kubernetes failed while listing a selector's targets", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn post(
    State(state): State<AppState>,
    State(bulk): State<Bulk>,
    Path(action): Path<String>,
    Checked(options): Checked<ActionOptions>,
    caller: Caller,
    peer: Option<Extension<Peer>>,
    JsonBody(request): JsonBody<BulkRequest>,
) -> Result<Response, ApiError> {
    crate::telemetry::record_action(&action);
    let action = Action::parse(&action)
        .filter(|a| *a != Action::Download)
        .ok_or_else(|| {
            ApiError::bad_request(
                Code::UnknownAction,
                format!("there is no bulk action {}", quoted(&action)),
            )
        })?;
    if options.wait.is_some() {
        return Err(ApiError::bad_request(
            Code::InvalidQuery,
            "wait: not taken by bulk actions; each target's result says when it is done",
        ));
    }
    let identity = caller.user()?.clone();
    let limits = bulk.limits;
    let ctx = state.context();
    let targets = crate::bulk::targets(&ctx, &identity, &request, limits).await?;
    // Resolved once, so that every target of the run gets the same end.
    let until =
        crate::actions::until_of(&ctx, action, request.until.as_deref(), state.clock.now())?;
    if options.dry_run {
        let asked = (&request, until.as_ref());
        let preflight = crate::bulk::preflight(&bulk, &identity, action, asked, &targets).await;
        return Ok(Json(preflight).into_response());
    }
    let approved = match &request.token {
        Some(token) => Some(crate::bulk::approval::open(
            &bulk.sealer,
            token,
            &identity,
            action,
            state.clock.now(),
        )?),
        None => None,
    };
    let pass = state
        .gates
        .enter(Class::BulkRuns, &holder(Some(&identity), peer.as_deref()))?;
    let body = crate::bulk::run(
        bulk,
        (identity, pass),
        action,
        (request, until),
        targets,
        approved,
    );
    Ok(([(header::CONTENT_TYPE, NDJSON)], body).into_response())
}
