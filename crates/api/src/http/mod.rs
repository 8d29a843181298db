//! The HTTP floor: every route with its handler, the layers every request passes through,
//! and the server. Handlers are thin — they extract checked input ([`extract`]), call one
//! service of the feature folders, and answer — and nothing below this module knows HTTP
//! routing: a request's walk goes from here down, never back up.
//!
//! - [`extract`] — the input idiom: the object's path, the action's options, a JSON body, a
//!   checked query.
//! - [`auth`] — who is calling (the middleware and its extractors), login, logout, userinfo.
//! - [`browser`] — the host check (DNS rebinding), cross-site refusals, security headers.
//! - [`actions`], [`bulk`], [`read`], [`events`], [`logs`], [`watch`] — a file a feature.
//! - [`health`] — the probes.
//! - [`metrics`] — `/metrics` and the timing of each request.
//! - [`ui`] — the SPA's files.
//! - [`serve`] — the HTTP server: head and body limits, timeouts, graceful shutdown.

pub mod actions;
pub mod auth;
pub mod browser;
pub mod bulk;
pub mod events;
pub mod extract;
pub mod health;
pub mod logs;
pub mod metrics;
pub mod preview;
pub mod read;
pub mod serve;
pub mod ui;
pub mod values;
pub mod watch;

pub use serve::{reloadable, serve};

use std::sync::{Arc, LazyLock};

use axum::Router;
use axum::extract::OriginalUri;
use axum::http::header;
use axum::http::{Extensions, HeaderMap, Method, StatusCode, Version};
use axum::middleware;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{any, get, post};
use tower::ServiceExt;
use tower_http::compression::predicate::{Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::{Config as SwaggerConfig, SwaggerUi};

use flux_web_shared::names::{QUOTED_MAX, shortened};

use crate::error::ApiError;
use crate::state::AppState;
use crate::telemetry;

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
                format!("__Host-{}", crate::auth::session::SESSION_COOKIE),
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
        .routes(routes!(actions::list))
        .routes(routes!(actions::post, actions::download))
        .routes(routes!(bulk::post))
        .routes(routes!(read::resources))
        .routes(routes!(read::namespaces))
        .routes(routes!(read::controllers))
        .routes(routes!(read::graph))
        .routes(routes!(read::kind_list))
        .routes(routes!(read::detail))
        .routes(routes!(read::events))
        .routes(routes!(read::timeline))
        .routes(routes!(read::inventory))
        .routes(routes!(read::inventory_object))
        .routes(routes!(preview::preview))
        .routes(routes!(values::values))
        .routes(routes!(values::reveal))
        .routes(routes!(events::list))
        .routes(routes!(events::watch))
        .routes(routes!(logs::logs))
        .routes(routes!(watch::watch))
        .routes(routes!(auth::userinfo))
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

/// The whole application; `main` serves it and tests call it with `oneshot`. Under the path
/// of `baseURL` when it has one (`https://example.com/flux/`): everything there, and outside
/// it only the probes (the kubelet asks the Pod, not the ingress) and a way in from `/`.
pub fn router(state: AppState) -> Router {
    let prefix = state.config.prefix();
    if prefix.is_empty() {
        return application(state, "");
    }
    let home = format!("{prefix}/");
    let inner = application(state.clone(), &prefix);
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/", get(move || std::future::ready(Redirect::to(&home))))
        .fallback(move |request: axum::extract::Request| {
            let (inner, prefix) = (inner.clone(), prefix.clone());
            async move {
                match beneath(&prefix, request) {
                    Ok(request) => match inner.oneshot(request).await {
                        Ok(response) => response,
                        Err(never) => match never {},
                    },
                    Err(path) => ApiError::NoRoute(shortened(&path, ECHOED_PATH)).into_response(),
                }
            }
        })
        .with_state(state)
}

/// `request` as the application sees it when its path is `prefix` or beneath it (`/flux`,
/// `/flux/`, `/flux/api/…` → `/`, `/`, `/api/…`); else the path, which nothing serves.
fn beneath(
    prefix: &str,
    mut request: axum::extract::Request,
) -> Result<axum::extract::Request, String> {
    let uri = request.uri();
    let rest = match uri.path().strip_prefix(prefix) {
        Some("") => "/",
        Some(rest) if rest.starts_with('/') => rest,
        _ => return Err(uri.path().to_owned()),
    };
    let path_and_query = match uri.query() {
        Some(query) => format!("{rest}?{query}"),
        None => rest.to_owned(),
    };
    *request.uri_mut() = path_and_query.parse().map_err(|_| uri.path().to_owned())?;
    Ok(request)
}

fn application(state: AppState, prefix: &str) -> Router {
    let (routes, _) = routes().split_for_parts();
    // The docs page's assets are compiled into the binary: it works without a network. It
    // reads the document from its own route, so the page and the API never disagree.
    let docs = SwaggerUi::new("/api/docs")
        .config(SwaggerConfig::from(format!("{prefix}/api/v1/openapi.json")));
    let assets = state.ui.clone();
    let base: Arc<str> = format!("{prefix}/").into();
    let routes = routes.fallback(move |request| ui::serve(assets.clone(), base.clone(), request));
    // Layers run outside in: the last added sees the request first.
    let [frames, sniffing, referrer, csp] = browser::security_headers();
    routes
        .merge(docs)
        .route("/oauth2/authorize", get(auth::authorize))
        .route("/oauth2/callback", get(auth::callback))
        .route("/logout", post(auth::logout))
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
        .layer(middleware::from_fn(serve::head_within_limit))
        .with_state(state)
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

#[cfg(test)]
mod tests;
