//! HTTP handlers of the action endpoints: extract, call one function, answer.

use axum::Json;
use axum::extract::{Path, State};
use flux_web_shared::actions::{ActionListing, ActionRequest, ActionResponse};

use super::{act_audited, listing};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::kinds::Action;
use crate::server::AppState;
use crate::target::{ActionOptions, JsonBody, Target};

/// `GET /api/v1/{group}/{kind}/{namespace}/{name}/actions`
pub async fn list(
    State(state): State<AppState>,
    target: Target,
    Caller(caller): Caller,
) -> Result<Json<ActionListing>, ApiError> {
    Ok(Json(
        listing::list(&state.context(), &caller, &target).await?,
    ))
}

/// `POST /api/v1/{group}/{kind}/{namespace}/{name}/actions/{action}`
pub async fn post(
    State(state): State<AppState>,
    target: Target,
    Path(params): Path<Vec<(String, String)>>,
    options: ActionOptions,
    Caller(caller): Caller,
    JsonBody(body): JsonBody<ActionRequest>,
) -> Result<Json<ActionResponse>, ApiError> {
    let name = params
        .iter()
        .find(|(k, _)| k == "action")
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    let action = Action::parse(name).ok_or_else(|| {
        ApiError::bad_request("unknown_action", format!("there is no action {name:?}"))
    })?;
    let identity = caller?;
    Ok(Json(
        act_audited(
            &state.context(),
            &identity,
            &target,
            action,
            &options,
            &body,
        )
        .await?,
    ))
}
