//! HTTP handlers of the action endpoints: extract, call one function, answer.

use axum::Json;
use axum::extract::{OriginalUri, Path, State};
use axum::response::Response;
use flux_web_shared::actions::{ActionListing, ActionRequest, ActionResponse};
use flux_web_shared::names::quoted;
use flux_web_shared::problem::Code;
use flux_web_shared::problem::Problem;

use super::extract::{ActionQuery, Checked, JsonBody, Object, ObjectPath};
use crate::actions::ActionOptions;
use crate::actions::act_audited;
use crate::actions::listing;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use flux_web_core::kinds::Action;

/// What the caller may do to the object, and why not.
#[utoipa::path(
    get,
    path = "/v1/{group}/{kind}/{namespace}/{name}/actions",
    operation_id = "listActions",
    tag = "actions",
    security((), ("bearer" = []), ("cookie" = [])),
    params(ObjectPath),
    responses(
        (status = 200, description = "Every action of the object, allowed or with the reason", body = ActionListing),
        (status = "4XX", description = "Invalid address, or the object is not visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = "5XX", description = "Kubernetes failed", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn list(
    State(state): State<AppState>,
    Object(target): Object,
    caller: Caller,
) -> Result<Json<ActionListing>, ApiError> {
    Ok(Json(
        listing::list(&state.context(), &caller, &target).await?,
    ))
}

/// Runs a state-changing action.
#[utoipa::path(
    post,
    path = "/v1/{group}/{kind}/{namespace}/{name}/actions/{action}",
    operation_id = "runAction",
    tag = "actions",
    security((), ("bearer" = []), ("cookie" = [])),
    params(
        ObjectPath,
        ("action" = String, Path, description = "reconcile, pull, suspend, resume, restart, run-job or delete"),
        ActionQuery,
    ),
    request_body(content = Option<ActionRequest>, description = "suspend: a reason; delete: a grace period", content_type = "application/json"),
    responses(
        (status = 200, description = "Done, or what a dry run would do", body = ActionResponse),
        (status = "4XX", description = "Invalid input (400), not logged in (401), forbidden or actions disabled (403), missing (404), suspended or conflicting (409), body too large (413) or not JSON (415)", body = Problem, content_type = "application/problem+json"),
        (status = "5XX", description = "Kubernetes or flux-web's own RBAC failed (502)", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn post(
    State(state): State<AppState>,
    Object(target): Object,
    Path(params): Path<Vec<(String, String)>>,
    Checked(options): Checked<ActionOptions>,
    caller: Caller,
    JsonBody(body): JsonBody<ActionRequest>,
) -> Result<Json<ActionResponse>, ApiError> {
    let name = action_param(&params);
    crate::telemetry::record_action(name);
    let action = Action::parse(name).ok_or_else(|| {
        ApiError::bad_request(
            Code::UnknownAction,
            format!("there is no action {}", quoted(name)),
        )
    })?;
    let identity = caller.user()?.clone();
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

/// Streams the object's artifact from source storage, checked against its digest.
#[utoipa::path(
    get,
    path = "/v1/{group}/{kind}/{namespace}/{name}/actions/{action}",
    operation_id = "downloadArtifact",
    tag = "actions",
    security((), ("bearer" = []), ("cookie" = [])),
    params(
        ObjectPath,
        ("action" = String, Path, description = "download"),
        ("artifact" = Option<String>, Query, description = "ArtifactGenerator only: the ExternalArtifact of its inventory"),
    ),
    responses(
        (status = 200, description = "The tarball, named in Content-Disposition; a broken transfer means the digest did not match", body = crate::download::Tarball, content_type = "application/gzip"),
        (status = "4XX", description = "Invalid input, forbidden, no artifact (404) or too large (413)", body = Problem, content_type = "application/problem+json"),
        (status = "5XX", description = "Storage failed (502) or timed out (504)", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn download(
    State(state): State<AppState>,
    Object(target): Object,
    Path(params): Path<Vec<(String, String)>>,
    OriginalUri(uri): OriginalUri,
    caller: Caller,
) -> Result<Response, ApiError> {
    if action_param(&params) != "download" {
        return Err(ApiError::MethodNotAllowed {
            method: "GET".into(),
            path: uri.path().to_owned(),
        });
    }
    let artifact = download_query(uri.query().unwrap_or_default())?;
    let identity = caller.user()?.clone();
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
                Code::InvalidQuery,
                format!("unknown query parameter {}; known: artifact", quoted(&key)),
            ));
        }
        flux_web_shared::names::check_object_name(&value)
            .map_err(|e| ApiError::bad_request(Code::InvalidQuery, format!("artifact: {e}")))?;
        artifact = Some(value.into_owned());
    }
    Ok(artifact)
}
