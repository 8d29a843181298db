//! The HTTP front door: which paths exist and the layers every request passes through.

use std::future::Future;
use std::sync::LazyLock;
use std::time::Duration;

use axum::Router;
use axum::extract::OriginalUri;
use axum::http::header;
use axum::http::{Extensions, HeaderMap, Method, StatusCode, Version};
use axum::middleware;
use axum::response::IntoResponse;
use axum::routing::{any, get, post};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower::ServiceExt;
use tower_http::compression::predicate::{Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::{Config as SwaggerConfig, SwaggerUi};

use crate::actions;
use crate::auth;
use crate::browser;
use crate::bulk;
use crate::error::ApiError;
use crate::events;
use flux_web_shared::names::{QUOTED_MAX, shortened};

use crate::health;
use crate::limits::Peer;
use crate::logs;
use crate::metrics;
use crate::read;
pub use crate::state::AppState;
use crate::telemetry;
use crate::ui;
use crate::watch;

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "flux-web",
        description = "Act on Flux CD resources and Kubernetes workloads, with Kubernetes RBAC deciding who may do what. Errors are RFC 9457 problems with a stable `code`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    modifiers(&SecuritySchemes),
    // What a watch event's data holds; the streams' schemas name only the envelope.
    components(schemas(flux_web_shared::watch::Change, flux_web_shared::events::ClusterEvent)),
    tags(
        (name = "objects", description = "Flux objects and workloads as the caller may see them"),
        (name = "actions", description = "Actions on Flux objects and workloads"),
        (name = "identity", description = "Who the server takes the caller to be"),
        (name = "probes", description = "Liveness and readiness"),
        (name = "meta", description = "This document"),
    ),
)]
struct ApiDoc;

/// How API clients authenticate: an ID token of the configured issuer, or the browser's
/// session cookie. In Anonymous mode neither is needed.
struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        let bearer = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("JWT")
            .description(Some(
                "An ID token of the OIDC issuer flux-web is configured with",
            ))
            .build();
        components.add_security_scheme("bearer", SecurityScheme::Http(bearer));
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                format!("__Host-{}", auth::session::SESSION_COOKIE),
                "The session of a browser that logged in at /oauth2/authorize; named \
                 without the __Host- prefix only when the config says `insecure: true`"
                    .to_owned(),
            ))),
        );
    }
}

/// Every route, registered with its OpenAPI description: a route cannot exist undocumented.
fn routes() -> OpenApiRouter<AppState> {
    let api = OpenApiRouter::new()
        .routes(routes!(actions::handlers::list))
        .routes(routes!(
            actions::handlers::post,
            actions::handlers::download
        ))
        .routes(routes!(bulk::handlers::post))
        .routes(routes!(read::handlers::resources))
        .routes(routes!(read::handlers::kind_list))
        .routes(routes!(read::handlers::detail))
        .routes(routes!(read::handlers::events))
        .routes(routes!(read::handlers::timeline))
        .routes(routes!(events::handlers::list))
        .routes(routes!(events::handlers::watch))
        .routes(routes!(logs::handlers::logs))
        .routes(routes!(watch::handlers::watch))
        .routes(routes!(auth::handlers::userinfo))
        .routes(routes!(openapi_json));
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .nest("/api", api)
}

/// The OpenAPI 3.1 document of the API, as committed in `openapi/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes().split_for_parts().1
}

/// The document as served and committed: pretty JSON with a final newline.
pub fn openapi_json_text() -> String {
    let text = openapi()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    format!("{text}\n")
}

static OPENAPI: LazyLock<String> = LazyLock::new(openapi_json_text);

/// This document.
#[utoipa::path(get, path = "/v1/openapi.json", operation_id = "openapi", tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document of this API", content_type = "application/json")))]
async fn openapi_json() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        OPENAPI.as_str(),
    )
}

/// Serves each request with the newest router `routers` holds: a reloaded configuration
/// applies from the next request on, on connections already open too.
pub fn reloadable(routers: tokio::sync::watch::Receiver<Router>) -> Router {
    Router::new().fallback_service(tower::service_fn(move |request: axum::extract::Request| {
        let router = routers.borrow().clone();
        async move { router.oneshot(request).await }
    }))
}

/// `/metrics` alone, for `--metrics-listen`.
pub fn metrics_router() -> Router {
    Router::new().route("/metrics", get(metrics::scrape))
}

/// The whole application; `main` serves it and tests call it with `oneshot`.
pub fn router(state: AppState) -> Router {
    let (routes, _) = routes().split_for_parts();
    // The docs page's assets are compiled into the binary: it works without a network. It
    // reads the document from its own route, so the page and the API never disagree.
    let docs = SwaggerUi::new("/api/docs").config(SwaggerConfig::from("/api/v1/openapi.json"));
    let assets = state.ui.clone();
    let routes = routes.fallback(move |request| ui::serve(assets.clone(), request));
    // Layers run outside in: the last added sees the request first.
    let [frames, sniffing, referrer, csp] = browser::security_headers();
    routes
        .merge(docs)
        .route("/oauth2/authorize", get(auth::handlers::authorize))
        .route("/oauth2/callback", get(auth::handlers::callback))
        .route("/logout", post(auth::handlers::logout))
        .route("/api", any(no_api_route))
        .route("/api/{*rest}", any(no_api_route))
        .route(
            "/metrics",
            if state.metrics_elsewhere {
                get(metrics::elsewhere)
            } else {
                get(metrics::scrape)
            },
        )
        .route_layer(middleware::from_fn(metrics::track))
        .method_not_allowed_fallback(method_not_allowed)
        // Before any handler, and after the caller is known (only a verified bearer token
        // exempts a request): a cross-site request never reaches an action.
        .layer(middleware::from_fn_with_state(
            state.config.base_url.clone(),
            browser::same_origin_only,
        ))
        .layer(middleware::from_fn_with_state(
            state.auth.clone(),
            auth::resolve,
        ))
        // Before anything reads or acts: a request must name flux-web by its own host.
        .layer(middleware::from_fn_with_state(
            state.config.base_url.clone(),
            browser::own_host_only,
        ))
        .layer(
            CompressionLayer::new()
                .quality(CompressionLevel::Precise(COMPRESSION_QUALITY))
                .compress_when(SizeAbove::new(COMPRESS_ABOVE).and(json_only)),
        )
        .layer(frames)
        .layer(sniffing)
        .layer(referrer)
        .layer(csp)
        // Outermost, so every request is traced, including the ones refused by the layers,
        // in a span named by the id given just before.
        .layer(TraceLayer::new_for_http().make_span_with(telemetry::request_span))
        .layer(middleware::from_fn(telemetry::request_id))
        // First of all: a head too large to read goes no further, not even into a log line.
        .layer(middleware::from_fn(head_within_limit))
        .with_state(state)
}

/// Refuses a request whose line and headers are larger than [`MAX_HEAD`] (hyper's own limit
/// bounds its buffer, not a head that arrives in one read).
async fn head_within_limit(
    request: axum::extract::Request,
    next: middleware::Next,
) -> Result<axum::response::Response, ApiError> {
    let headers: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    let line = request.method().as_str().len() + request.uri().to_string().len();
    if line + headers > MAX_HEAD {
        return Err(ApiError::HeadTooLarge(MAX_HEAD));
    }
    Ok(next.run(request).await)
}

/// Answers smaller than this go as they are: compressing them saves less than it costs.
const COMPRESS_ABOVE: u64 = 1024;
/// gzip and brotli at level 4: most of the saving for little CPU, since every JSON answer is
/// compressed as it is sent.
const COMPRESSION_QUALITY: i32 = 4;

/// Only JSON answers are compressed (by the client's `Accept-Encoding`). Streams (SSE, NDJSON)
/// must reach the client line by line as written; an artifact is an archive already, and a
/// download's framing is how a client tells a cut one (see `download`); the UI's files come
/// precompressed.
fn json_only(_: StatusCode, _: Version, headers: &HeaderMap, _: &Extensions) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|kind| {
            kind.starts_with("application/json") || kind.starts_with("application/problem+json")
        })
}

/// A mistyped API path is a problem, never the SPA's index page with 200. Neither answer
/// echoes a path or a method whole: both are the client's to make as long as a head is.
async fn no_api_route(OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError::NoRoute(shortened(uri.path(), ECHOED_PATH))
}

async fn method_not_allowed(method: Method, OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError::MethodNotAllowed {
        method: shortened(method.as_str(), QUOTED_MAX),
        path: shortened(uri.path(), ECHOED_PATH),
    }
}

/// Characters of a path an error names: an object's action path fits.
const ECHOED_PATH: usize = 512;

/// A client has this long to send a request's headers, and an idle connection this long to
/// start its next request: trickling headers (slowloris) cannot hold connections open.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest request head taken (hyper's default is ~400 KiB): enough for a session cookie
/// in chunks and every header a browser sends; a larger one is a 431 before routing.
const MAX_HEAD: usize = 64 << 10;
/// After the shutdown signal, requests in flight get this long (less than Kubernetes' default
/// 30 s grace period); live-update streams never end by themselves.
const DRAIN: Duration = Duration::from_secs(20);

/// Serves until `shutdown` completes, then lets requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .max_header_size(MAX_HEAD);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors or similar: wait rather than spin.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Each request knows the address it came from (the limits count callers without a
        // login by it).
        let service = TowerToHyperService::new(
            tower::ServiceBuilder::new()
                .layer(axum::Extension(Peer(peer)))
                .service(app.clone()),
        );
        let connection = http.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!("connection ended: {e}");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after {DRAIN:?}; stopping anyway");
    }
    Ok(())
}

#[cfg(test)]
mod tests;
