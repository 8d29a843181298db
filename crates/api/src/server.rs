//! The HTTP front door: which paths exist and the layers every request passes through.

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRef, OriginalUri};
use axum::http::Method;
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

use crate::access::Access;
use crate::actions::{self, Context};
use crate::audit::Auditor;
use crate::clock::Clock;
use crate::cluster::Cluster;
use crate::config::Config;
use crate::error::ApiError;
use crate::health::{self, Readiness};

/// What handlers may extract with `State`.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub readiness: Readiness,
    pub config: Arc<Config>,
    pub cluster: Cluster,
    pub access: Access,
    pub audit: Arc<Auditor>,
    pub clock: Arc<dyn Clock>,
}

impl AppState {
    /// Everything the server shares between requests, built once at start-up.
    pub fn new(
        config: Config,
        cluster: Cluster,
        readiness: Readiness,
        clock: Arc<dyn Clock>,
        instance: String,
    ) -> Self {
        let access = Access::new(cluster.clone(), config.user_actions.access);
        let audit = Auditor::new(
            cluster.clone(),
            config.user_actions.clone(),
            config.notification_controller.clone(),
            instance,
        );
        Self {
            readiness,
            config: Arc::new(config),
            cluster,
            access,
            audit: Arc::new(audit),
            clock,
        }
    }

    pub fn context(&self) -> Context<'_> {
        Context {
            cluster: &self.cluster,
            download: &self.config.download,
            access: &self.access,
            audit: &self.audit,
            clock: self.clock.as_ref(),
        }
    }
}

/// The whole application; `main` serves it and tests call it with `oneshot`.
pub fn router(state: AppState) -> Router {
    const OBJECT: &str = "/v1/{group}/{kind}/{namespace}/{name}";
    let api = Router::new()
        .route(&format!("{OBJECT}/actions"), get(actions::handlers::list))
        .route(
            &format!("{OBJECT}/actions/{{action}}"),
            post(actions::handlers::post).get(actions::handlers::download),
        )
        .fallback(no_api_route)
        .method_not_allowed_fallback(method_not_allowed);
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

async fn method_not_allowed(method: Method, OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError::MethodNotAllowed {
        method: method.to_string(),
        path: uri.path().to_owned(),
    }
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
