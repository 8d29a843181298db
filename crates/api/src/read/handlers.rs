//! HTTP handlers of the read API.

use axum::Json;
use axum::extract::State;
use flux_web_shared::objects::{EventSummary, ObjectDetail};
use flux_web_shared::problem::Problem;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::server::AppState;
use crate::target::{ObjectPath, Target};

/// The object as the detail page shows it, with what the caller may do to it.
#[utoipa::path(
    get,
    path = "/v1/{group}/{kind}/{namespace}/{name}",
    operation_id = "getObject",
    tag = "objects",
    security((), ("bearer" = []), ("cookie" = [])),
    params(ObjectPath),
    responses(
        (status = 200, description = "Status summary, conditions, source, artifact and actions", body = ObjectDetail),
        (status = "4XX", description = "Invalid address, or the object is not visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = "5XX", description = "Kubernetes failed", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn detail(
    State(state): State<AppState>,
    target: Target,
    Caller(caller): Caller,
) -> Result<Json<ObjectDetail>, ApiError> {
    Ok(Json(
        super::detail(&state.context(), &caller, &target).await?,
    ))
}

/// The Kubernetes Events of the object, audit events included, newest first.
#[utoipa::path(
    get,
    path = "/v1/{group}/{kind}/{namespace}/{name}/events",
    operation_id = "listEvents",
    tag = "objects",
    security((), ("bearer" = []), ("cookie" = [])),
    params(ObjectPath),
    responses(
        (status = 200, description = "Newest first", body = Vec<EventSummary>),
        (status = "4XX", description = "Invalid address, or the object is not visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = "5XX", description = "Kubernetes failed", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn events(
    State(state): State<AppState>,
    target: Target,
    Caller(caller): Caller,
) -> Result<Json<Vec<EventSummary>>, ApiError> {
    Ok(Json(
        super::events(&state.context(), &caller, &target).await?,
    ))
}
