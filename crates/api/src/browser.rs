//! Browser safety (spec 4.2). A state-changing request that carries no `Authorization`
//! header may come from a browser on someone else's page (the session cookie, or Anonymous
//! mode where no credential is needed at all): it is refused when the browser says it comes
//! from another site, or when its `Origin` is not flux-web's own. Every response carries
//! headers that keep flux-web's pages out of frames and scripts to its own origin.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::error::ApiError;
use crate::server::AppState;

/// Refuses cross-site state-changing requests made without an `Authorization` header.
pub async fn same_origin_only(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe && !request.headers().contains_key(header::AUTHORIZATION) {
        let own = state
            .config
            .base_url
            .as_ref()
            .map(|u| u.origin().ascii_serialization());
        check(request.headers(), own.as_deref())?;
    }
    Ok(next.run(request).await)
}

/// `own` is the origin of `baseURL`; without one, the request's `Host` stands for it.
fn check(headers: &HeaderMap, own: Option<&str>) -> Result<(), ApiError> {
    let text = |name: HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site @ ("cross-site" | "same-site")) =
        text(HeaderName::from_static("sec-fetch-site"))
    {
        return Err(ApiError::CrossSite(format!(
            "refused: the browser marked this request {site}; state-changing requests must come from flux-web's own pages"
        )));
    }
    if let Some(origin) = text(header::ORIGIN) {
        let matches = match own {
            Some(own) => origin == own,
            None => text(header::HOST).is_some_and(|host| {
                origin == format!("http://{host}") || origin == format!("https://{host}")
            }),
        };
        if !matches {
            return Err(ApiError::CrossSite(format!(
                "refused: the request comes from {origin}, not from flux-web's own origin"
            )));
        }
    }
    Ok(())
}

/// A strict Content-Security-Policy that still lets the WASM SPA run.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
    frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

/// The security headers of every response, set unless a handler set them.
pub fn security_headers() -> [SetResponseHeaderLayer<HeaderValue>; 4] {
    let header = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    [
        header(header::X_FRAME_OPTIONS, "DENY"),
        header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        header(header::REFERRER_POLICY, "no-referrer"),
        header(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (HeaderName::from_static(k), HeaderValue::from_static(v)))
            .collect()
    }

    #[test]
    fn cross_site_requests_and_foreign_origins_are_refused() {
        let own = Some("https://flux.example.com");
        let cases = [
            (vec![], own, true),
            (vec![("sec-fetch-site", "same-origin")], own, true),
            (vec![("sec-fetch-site", "none")], own, true),
            (vec![("sec-fetch-site", "cross-site")], own, false),
            (vec![("sec-fetch-site", "same-site")], own, false),
            (vec![("origin", "https://flux.example.com")], own, true),
            (vec![("origin", "https://evil.example.com")], own, false),
            (vec![("origin", "null")], own, false),
            (
                vec![
                    ("origin", "http://127.0.0.1:9080"),
                    ("host", "127.0.0.1:9080"),
                ],
                None,
                true,
            ),
            (
                vec![("origin", "http://evil.test"), ("host", "127.0.0.1:9080")],
                None,
                false,
            ),
        ];
        for (pairs, own, ok) in cases {
            assert_eq!(check(&headers(&pairs), own).is_ok(), ok, "{pairs:?}");
        }
    }
}
