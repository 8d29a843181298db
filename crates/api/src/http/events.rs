//! The HTTP handlers of the events page: `GET /api/v1/events` and its live stream.

use std::convert::Infallible;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::{Extension, Json};
use flux_web_shared::events::EventPage;
use flux_web_shared::problem::{Code, Problem};
use futures::{Stream, StreamExt};

use super::auth::{ProofExpires, passed};
use super::extract::Checked;
use super::watch::KEEP_ALIVE;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::events::live::{self, Live};
use crate::events::{EventsParams, Filter};
use crate::limits::{Class, Peer, holder};
use crate::metrics::METRICS;
use crate::state::AppState;

/// The Events about Flux objects and workloads in every namespace where the caller may list
/// Events, newest first, filtered, a page at a time.
#[utoipa::path(
    get,
    path = "/v1/events",
    operation_id = "listClusterEvents",
    tag = "objects",
    security((), ("bearer" = []), ("cookie" = [])),
    params(EventsParams),
    responses(
        (status = 200, description = "A page, newest first; `next` is the `before` of the next page", body = EventPage),
        (status = "4XX", description = "Invalid query, not logged in, or a namespace whose Events the caller may not list", body = Problem, content_type = "application/problem+json"),
        (status = "5XX", description = "Kubernetes failed", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Checked(params): Checked<EventsParams>,
) -> Result<Json<EventPage>, ApiError> {
    Ok(Json(
        crate::events::list(&state.context(), &caller, &params).await?,
    ))
}

/// One event of the stream as it travels: its name, and a ClusterEvent as JSON text.
#[derive(Debug, utoipa::ToSchema)]
pub struct LiveEvent {
    /// `event` (the data is a ClusterEvent) or `resync` (Events may have been missed: read
    /// the first page again).
    #[schema(pattern = "^(event|resync)$")]
    pub event: String,
    /// A ClusterEvent (schema `ClusterEvent`) as JSON, or `{}`.
    pub data: String,
}

/// The Events written or updated from now on that the filters keep and the caller may list,
/// as Server-Sent Events: `event` for each (an update carries the `id` of the one it
/// replaces), `resync` when some may have been missed.
#[utoipa::path(
    get,
    path = "/v1/events/watch",
    operation_id = "watchClusterEvents",
    tag = "objects",
    security((), ("bearer" = []), ("cookie" = [])),
    params(EventsParams),
    responses(
        (status = 200, description = "An endless stream of events", body = LiveEvent, content_type = "text/event-stream"),
        (status = "4XX", description = "Invalid query (`limit` and `before` page the list, not the stream), not logged in, or too many streams open (429, with Retry-After)", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn watch(
    State(state): State<AppState>,
    caller: Caller,
    expires: ProofExpires,
    peer: Option<Extension<Peer>>,
    Checked(params): Checked<EventsParams>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    if params.limit.is_some() || params.before.is_some() {
        return Err(ApiError::bad_request(
            Code::InvalidQuery,
            "limit and before page the list of Events; the live stream has no pages",
        ));
    }
    let filter = Filter::from_params(&params)?;
    let pass = state
        .gates
        .enter(Class::Streams, &holder(caller.identity(), peer.as_deref()))?;
    let ends = passed(expires.deadline(state.clock.now()));
    // The caller, or none in read-only mode: Caller already refused the rest.
    let viewer = caller.identity().cloned();
    let open = METRICS.subscriber();
    let events = live::stream(&state.watches, state.access.clone(), viewer, filter)
        // A credential that expires ends the stream, as the object watch's does.
        .take_until(ends)
        .map(move |live| {
            let _held = (&open, &pass);
            let resync = || Event::default().event("resync").data("{}");
            Ok(match live {
                Live::Event(event) => Event::default()
                    .event("event")
                    .json_data(&event)
                    .unwrap_or_else(|_| resync()),
                Live::Resync => resync(),
            })
        });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}
