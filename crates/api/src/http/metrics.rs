//! `/metrics`, and the timing of each request to a route for it.

use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::error::ApiError;
use crate::metrics::{METRICS, method_label};

/// The metrics in the Prometheus text format.
pub async fn scrape() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        METRICS.text(),
    )
        .into_response()
}

/// The answer at `/metrics` on the main port when they are served on their own port.
pub async fn elsewhere() -> ApiError {
    ApiError::NoRoute("/metrics (served on --metrics-listen)".to_owned())
}

/// `/metrics` alone, for `--metrics-listen`.
pub fn router() -> Router {
    Router::new().route("/metrics", get(scrape))
}

/// Times each request to a route, from routing to the response's head. Every label comes
/// from a bounded set: the route's template (written in the code, never the path as sent),
/// the method by [`method_label`], the status as a number.
pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let method = method_label(request.method());
    let started = Instant::now();
    let response = next.run(request).await;
    crate::metrics::request(
        method,
        route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}
