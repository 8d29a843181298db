//! The probes: `/healthz` says the process serves; `/readyz` says it can do its job.

use axum::Json;
use axum::extract::State;
use flux_web_shared::health::Health;

use crate::error::ApiError;
use crate::health::Readiness;

/// The process serves.
#[utoipa::path(get, path = "/healthz", operation_id = "healthz", tag = "probes",
    responses((status = 200, description = "Serving", body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health::ok())
}

/// The server can do its job: the Kubernetes API answers.
#[utoipa::path(get, path = "/readyz", operation_id = "readyz", tag = "probes",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "Not ready, and why", body = flux_web_shared::problem::Problem, content_type = "application/problem+json"),
    ))]
pub async fn readyz(State(readiness): State<Readiness>) -> Result<Json<Health>, ApiError> {
    readiness.current().map_err(ApiError::NotReady)?;
    Ok(Json(Health::ok()))
}
