//! The HTTP front door: which paths exist and the layers every request passes through.

use std::future::Future;

use axum::Router;
use axum::extract::{FromRef, OriginalUri};
use axum::routing::get;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

use crate::error::ApiError;
use crate::health::{self, Readiness};

/// What handlers may extract with `State`.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub readiness: Readiness,
}

/// The whole application; `main` serves it and tests call it with `oneshot`.
pub fn router(state: AppState) -> Router {
    let api = Router::new().fallback(no_api_route);
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .nest("/api", api)
        // Outermost, so every request is traced, including the ones that end in an error.
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// A mistyped API path is a problem, never the SPA's index page with 200.
async fn no_api_route(OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError::NoRoute(uri.path().to_owned())
}

/// Serves until `shutdown` completes, then lets requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

#[cfg(test)]
mod tests;
