//! HTTP handler of container logs: extract, call the logs module, answer.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use flux_web_shared::bulk::NDJSON;
use flux_web_shared::logs::{LogEvent, LogQuery, Logs};
use flux_web_shared::problem::Problem;

use super::auth::ProofExpires;
use super::extract::{Checked, Object, ObjectPath};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::limits::{Class, Peer, holder};
use crate::logs::{Answer, Following};
use crate::state::AppState;

/// The logs of a Pod, or of every Pod of a Deployment, StatefulSet, DaemonSet or CronJob (its
/// newest 20), read as the caller through `pods/log`.
#[utoipa::path(
    get,
    path = "/v1/{group}/{kind}/{namespace}/{name}/logs",
    operation_id = "getLogs",
    tag = "objects",
    security((), ("bearer" = []), ("cookie" = [])),
    params(ObjectPath, LogQuery),
    responses(
        (status = 200, description = "Every container's lines merged by time, oldest first (JSON); with `follow=true`, one JSON document per line: the sources, then lines as they are written, and `ended` per container", content(
            (Logs = "application/json"),
            (LogEvent = "application/x-ndjson"),
        )),
        (status = "4XX", description = "Invalid query, a kind without logs (400 `not_applicable`), an object not visible to the caller, `pods/log` refused (403), or too many logs followed (429, with Retry-After)", body = Problem, content_type = "application/problem+json"),
        (status = "5XX", description = "Kubernetes failed", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn logs(
    State(state): State<AppState>,
    Object(target): Object,
    caller: Caller,
    expires: ProofExpires,
    peer: Option<Extension<Peer>>,
    Checked(query): Checked<LogQuery>,
) -> Result<Response, ApiError> {
    let following = match query.follow {
        true => Some(Following {
            pass: state.gates.enter(
                Class::LogFollows,
                &holder(caller.identity(), peer.as_deref()),
            )?,
            deadline: expires.deadline(state.clock.now()),
        }),
        false => None,
    };
    let answer = crate::logs::answer(&state.context(), &caller, &target, &query, following).await?;
    Ok(match answer {
        Answer::Follow(body) => ([(header::CONTENT_TYPE, NDJSON)], body).into_response(),
        Answer::Lines(logs) => Json(logs).into_response(),
    })
}
