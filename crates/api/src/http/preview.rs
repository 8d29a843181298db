//! HTTP handler of a Kustomization's preview.

use axum::Json;
use axum::extract::State;
use flux_web_shared::preview::Preview;
use flux_web_shared::problem::Problem;

use super::extract::{Object, ObjectPath};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// What a reconcile of the Kustomization would apply: its source's artifact built as
/// kustomize-controller builds it, compared with the controller's own build of that revision.
/// Read-only; needs `get` and the custom verb `preview` on the Kustomization.
#[utoipa::path(
    get,
    path = "/v1/{group}/{kind}/{namespace}/{name}/preview",
    operation_id = "previewKustomization",
    tag = "objects",
    security(("bearer" = []), ("cookie" = [])),
    params(ObjectPath),
    responses(
        (status = 200, description = "The build's revision, digest, whether it is the controller's, and its objects", body = Preview),
        (status = "4XX", description = "Not a Kustomization (404), forbidden (403, naming the missing rule), no artifact (404), an artifact too large (413), a build that fails as the controller's would (422), too many builds at once (429)", body = Problem, content_type = "application/problem+json"),
        (status = "5XX", description = "Storage failed (502), the build ran out of time (504), the engine failed (500)", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn preview(
    State(state): State<AppState>,
    Object(target): Object,
    caller: Caller,
) -> Result<Json<Preview>, ApiError> {
    let identity = caller.user()?;
    Ok(Json(
        crate::preview::preview(&state.context(), identity, &target).await?,
    ))
}
