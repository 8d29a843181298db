//! The HTTP handler of `GET /api/v1/watch`.

use std::convert::Infallible;
use std::time::Duration;

use axum::Extension;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use flux_web_shared::problem::Problem;
use futures::{Stream, StreamExt};

use super::auth::{ProofExpires, passed};
use super::extract::Checked;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::limits::{Class, Peer, holder};
use crate::metrics::METRICS;
use crate::state::AppState;
use crate::watch::WatchQuery;

/// Proxies and load balancers close connections that stay silent; a comment line keeps the
/// stream open without waking the page.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The query of `watch`, as the OpenAPI document describes it; `WatchQuery` parses it.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WatchParams {
    /// A kind to watch, Flux or workload (plural, Kind or short name); repeat it for more.
    /// All Flux kinds without it.
    pub kind: Option<Vec<String>>,
    /// Only this namespace.
    pub namespace: Option<String>,
    /// Only the object of this name (with `namespace`).
    pub name: Option<String>,
}

/// One event of the stream as it travels: its name, and a `Change` as JSON text.
#[derive(Debug, utoipa::ToSchema)]
pub struct WatchEvent {
    /// `changed`, `deleted` or `resync`: the `type` of the Change.
    #[schema(pattern = "^(changed|deleted|resync)$")]
    pub event: String,
    /// A Change (schema `Change`) as JSON.
    pub data: String,
}

/// Changes to the objects a page shows, as Server-Sent Events named `changed`, `deleted` and
/// `resync`, only those the caller may see. The first event is a `resync` once the server's
/// watch of every asked kind is complete: fetch the page then, and apply the changes after it.
#[utoipa::path(
    get,
    path = "/v1/watch",
    operation_id = "watch",
    tag = "objects",
    security((), ("bearer" = []), ("cookie" = [])),
    params(WatchParams),
    responses(
        (status = 200, description = "An endless stream of events; the data of each is a Change", body = WatchEvent, content_type = "text/event-stream"),
        (status = "4XX", description = "Invalid query, not logged in, or too many streams open (429, with Retry-After)", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn watch(
    State(state): State<AppState>,
    Checked(query): Checked<WatchQuery>,
    caller: Caller,
    expires: ProofExpires,
    peer: Option<Extension<Peer>>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let pass = state
        .gates
        .enter(Class::Streams, &holder(caller.identity(), peer.as_deref()))?;
    let ends = passed(expires.deadline(state.clock.now()));
    // The caller, or none in read-only mode: Caller already refused the rest.
    let viewer = caller.identity().cloned();
    // Counted for as long as the stream lives: the guard goes down with it.
    let open = METRICS.subscriber();
    let events = crate::watch::changes(&state.watches, state.access.clone(), viewer, query)
        // A credential that expires ends the stream: the client opens it again with one that
        // is checked anew.
        .take_until(ends)
        .map(move |change| {
            let _held = (&open, &pass);
            Ok(Event::default()
                .event(change.event_name())
                .json_data(&change)
                .unwrap_or_else(|_| {
                    Event::default()
                        .event("resync")
                        .data("{\"type\":\"resync\"}")
                }))
        });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}
