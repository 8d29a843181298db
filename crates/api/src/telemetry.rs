//! Logging. Everything goes to stderr through `tracing`; `RUST_LOG` refines the level. Each
//! request runs in a span carrying its id (the client's or proxy's `X-Request-Id` when it is
//! a sane token, else a new one, and sent back in the response), the caller once known, and
//! the action when it is one; every line logged while serving it carries them.

use std::io::IsTerminal;

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Span;
use tracing::field::Empty;
use tracing_subscriber::EnvFilter;

/// How log lines are written: text for people, JSON for log collectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

pub const REQUEST_ID: &str = "x-request-id";

pub fn init(format: LogFormat) {
    // Info by default: a line for what happened (start, actions refused, bulk runs, audit
    // trouble), none per request; `RUST_LOG=info,tower_http=debug` adds every request.
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colours for a person at a terminal; a file or a collector gets no escape codes.
        .with_ansi(std::io::stderr().is_terminal());
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
}

/// Gives the request its id, before anything else sees it, and the response the same id.
pub async fn request_id(mut request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| is_sane_id(v))
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
    let value = HeaderValue::from_str(&id).unwrap_or(HeaderValue::from_static("invalid"));
    request.headers_mut().insert(REQUEST_ID, value.clone());
    let mut response = next.run(request).await;
    response.headers_mut().insert(REQUEST_ID, value);
    response
}

/// An id from outside is kept only when it cannot forge log lines or bloat them.
fn is_sane_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// The span a request is served in; `user` and `action` are filled in by who learns them.
pub fn request_span(request: &Request) -> Span {
    let id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    tracing::info_span!(
        "request",
        id,
        method = %request.method(),
        path = request.uri().path(),
        user = Empty,
        action = Empty,
    )
}

/// Names the caller in the current request's span.
pub fn record_user(username: &str) {
    Span::current().record("user", username);
}

/// Names the action in the current request's span: as asked, so cut short (a path segment
/// is the client's to make long, and it would be on every line the request logs).
pub fn record_action(action: &str) {
    let action = flux_web_shared::names::shortened(action, flux_web_shared::names::QUOTED_MAX);
    Span::current().record("action", action.as_str());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_plain_ids_from_outside_are_kept() {
        assert!(is_sane_id("0b6f1c1e-2a8e-4e8e-9d57-3c1f0f6e8a11"));
        assert!(is_sane_id("nginx.abc_123"));
        assert!(!is_sane_id(""));
        assert!(!is_sane_id("a b"));
        assert!(!is_sane_id("id\"} forged"));
        assert!(!is_sane_id(&"x".repeat(65)));
    }
}
