//! HTTP handlers of the action endpoints: extract, call one function, answer.

use axum::Json;
use axum::extract::{OriginalUri, Path, State};
use axum::response::Response;
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
    let name = action_param(&params);
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

/// `GET /api/v1/{group}/{kind}/{namespace}/{name}/actions/download[?artifact=<name>]`
pub async fn download(
    State(state): State<AppState>,
    target: Target,
    Path(params): Path<Vec<(String, String)>>,
    OriginalUri(uri): OriginalUri,
    Caller(caller): Caller,
) -> Result<Response, ApiError> {
    if action_param(&params) != "download" {
        return Err(ApiError::MethodNotAllowed {
            method: "GET".into(),
            path: uri.path().to_owned(),
        });
    }
    let artifact = download_query(uri.query().unwrap_or_default())?;
    let identity = caller?;
    crate::download::download(&state.context(), &identity, &target, artifact.as_deref()).await
}

fn action_param(params: &[(String, String)]) -> &str {
    params
        .iter()
        .find(|(k, _)| k == "action")
        .map(|(_, v)| v.as_str())
        .unwrap_or_default()
}

/// `?artifact=<ExternalArtifact name>`, nothing else.
fn download_query(query: &str) -> Result<Option<String>, ApiError> {
    let mut artifact = None;
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        if key != "artifact" {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("unknown query parameter {key:?}; known: artifact"),
            ));
        }
        flux_web_shared::names::check_object_name(&value)
            .map_err(|e| ApiError::bad_request("invalid_query", format!("artifact: {e}")))?;
        artifact = Some(value.into_owned());
    }
    Ok(artifact)
}
