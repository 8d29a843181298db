//! The HTTP server: hyper's own, for its header-read timeout (axum::serve sets none), with
//! a limit on request heads, each request told the address it came from, and a graceful
//! shutdown that lets requests in flight finish.

use std::future::Future;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower::ServiceExt;

use crate::error::ApiError;
use crate::limits::Peer;

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

/// Refuses a request whose line and headers are larger than [`MAX_HEAD`] (hyper's own limit
/// bounds its buffer, not a head that arrives in one read).
pub async fn head_within_limit(
    request: axum::extract::Request,
    next: axum::middleware::Next,
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

/// Serves each request with the newest router `routers` holds: a reloaded configuration
/// applies from the next request on, on connections already open too.
pub fn reloadable(routers: tokio::sync::watch::Receiver<Router>) -> Router {
    Router::new().fallback_service(tower::service_fn(move |request: axum::extract::Request| {
        let router = routers.borrow().clone();
        async move { router.oneshot(request).await }
    }))
}
