//! HTTP handlers of a HelmRelease's values.

use axum::Json;
use axum::extract::State;
use flux_web_shared::problem::{Code, Problem};
use flux_web_shared::values::{HelmValues, Reveal};

use super::extract::{JsonBody, Object, ObjectPath};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// The HelmRelease's values as helm-controller composes them (`spec.valuesFrom` in order, then
/// `spec.values`), read as the caller: a reference they may not read is named and left out;
/// values from a Secret are masked. Needs `get` on the HelmRelease.
#[utoipa::path(
    get,
    path = "/v1/{group}/{kind}/{namespace}/{name}/values",
    operation_id = "helmReleaseValues",
    tag = "objects",
    security(("bearer" = []), ("cookie" = [])),
    params(ObjectPath),
    responses(
        (status = 200, description = "The sources, the values masked, each top-level key's sources, the digest and whether it differs from the newest release's; or helm-controller's error composing them", body = HelmValues),
        (status = "4XX", description = "Not a HelmRelease (404), the HelmRelease not readable (403/404), too many compositions at once (429)", body = Problem, content_type = "application/problem+json"),
        (status = "5XX", description = "Kubernetes failed (502/504), the engine failed (500)", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn values(
    State(state): State<AppState>,
    Object(target): Object,
    caller: Caller,
) -> Result<Json<HelmValues>, ApiError> {
    let identity = caller.user()?;
    Ok(Json(
        crate::values::values(&state.context(), identity, &target, None).await?,
    ))
}

/// The same values with one Secret's shown: needs `get` on that Secret, and writes an audit
/// Event (action `reveal`) on the HelmRelease first; a reveal that cannot be audited is refused.
#[utoipa::path(
    post,
    path = "/v1/{group}/{kind}/{namespace}/{name}/values/reveal",
    operation_id = "revealHelmReleaseValues",
    tag = "objects",
    security(("bearer" = []), ("cookie" = [])),
    params(ObjectPath),
    request_body = Reveal,
    responses(
        (status = 200, description = "The values with that Secret's shown", body = HelmValues),
        (status = "4XX", description = "No Secret named (400), get on the Secret missing (403), a Secret the HelmRelease does not take values from (404)", body = Problem, content_type = "application/problem+json"),
        (status = "5XX", description = "The audit Event could not be written or Kubernetes failed (502), Kubernetes timed out (504), the engine failed (500)", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn reveal(
    State(state): State<AppState>,
    Object(target): Object,
    caller: Caller,
    JsonBody(reveal): JsonBody<Reveal>,
) -> Result<Json<HelmValues>, ApiError> {
    let identity = caller.user()?;
    if reveal.secret.is_empty() {
        return Err(ApiError::bad_request(
            Code::InvalidBody,
            "name the Secret to reveal: {\"secret\": \"<name>\"}",
        ));
    }
    Ok(Json(
        crate::values::values(&state.context(), identity, &target, Some(&reveal.secret)).await?,
    ))
}
