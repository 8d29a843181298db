//! Browser safety (spec 4.2).
//!
//! - A request must name flux-web by its own name ([`own_host_only`]): the `baseURL`'s host
//!   when one is configured, else loopback or an IP address. A page of another site that
//!   rebinds its DNS name to flux-web's address sends its own name in `Host`, so it can
//!   neither read what the Anonymous or read-only identity sees nor act.
//! - A state-changing request may come from a browser on someone else's page (the session
//!   cookie, or Anonymous mode where no credential is needed at all): it is refused when the
//!   browser says it comes from another site, or when its `Origin` is not flux-web's own
//!   ([`same_origin_only`]). Only a request proven by a verified bearer token is exempt:
//!   browsers attach cookies and cached Basic or Negotiate credentials by themselves, never a
//!   bearer token.
//!
//! Every response carries headers that keep flux-web's pages out of frames and scripts to
//! its own origin.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use flux_web_shared::names::quoted;
use tower_http::set_header::SetResponseHeaderLayer;
use url::Url;

use super::auth::Resolved;
use crate::error::ApiError;

/// Probes are asked by address (the kubelet sends the Pod's IP), never by a browser.
const PROBES: [&str; 2] = ["/healthz", "/readyz"];

/// Refuses every request whose `Host` is not flux-web's own name.
pub async fn own_host_only(
    State(base): State<Option<Url>>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    if !PROBES.contains(&request.uri().path()) {
        let host = request
            .headers()
            .get(header::HOST)
            .map(|v| v.to_str().unwrap_or("\u{fffd}"));
        check_host(host, base.as_ref())?;
    }
    Ok(next.run(request).await)
}

/// `base` is the `baseURL`. A request without `Host` (HTTP/1.0, or in-process) is let
/// through: every browser sends one.
fn check_host(host: Option<&str>, base: Option<&Url>) -> Result<(), ApiError> {
    let Some(host) = host else { return Ok(()) };
    let (name, port) = split_host(host);
    let ours = match base {
        Some(base) => {
            let default = base.port_or_known_default();
            base.host_str()
                .is_some_and(|h| h.eq_ignore_ascii_case(name))
                && port.is_none_or(|p| Some(p) == default)
                && (port.is_some() || base.port().is_none())
        }
        None => {
            name.eq_ignore_ascii_case("localhost")
                || name.parse::<std::net::IpAddr>().is_ok()
                || name
                    .strip_prefix('[')
                    .and_then(|n| n.strip_suffix(']'))
                    .is_some_and(|n| n.parse::<std::net::Ipv6Addr>().is_ok())
        }
    };
    if ours {
        return Ok(());
    }
    Err(ApiError::MisdirectedHost(match base {
        Some(base) => format!(
            "refused: the request names host {}; flux-web answers as {}",
            quoted(host),
            base.origin().ascii_serialization()
        ),
        None => format!(
            "refused: the request names host {}; without spec.baseURL flux-web answers \
             only to localhost and IP addresses (set baseURL to serve it under a name)",
            quoted(host)
        ),
    }))
}

/// `name:port` into its parts; an IPv6 literal keeps its brackets.
fn split_host(host: &str) -> (&str, Option<u16>) {
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) if !port.contains(']') => (name, Some(port)),
        _ => (host, None),
    };
    match port.map(str::parse::<u16>) {
        Some(Ok(port)) => (name, Some(port)),
        // Not a port: the colon belongs to the name, which then matches nothing of ours.
        Some(Err(_)) => (host, None),
        None => (name, None),
    }
}

/// Refuses cross-site state-changing requests, unless a verified bearer token proves the
/// caller. Runs after the caller is resolved.
pub async fn same_origin_only(
    State(base): State<Option<Url>>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let bearer = matches!(
        request.extensions().get::<Resolved>(),
        Some(Resolved(Ok(caught))) if caught.bearer
    );
    if !safe && !bearer {
        let own = base.as_ref().map(|u| u.origin().ascii_serialization());
        check(request.headers(), own.as_deref())?;
    }
    Ok(next.run(request).await)
}

/// `own` is the origin of `baseURL`; without one, the request's `Host` (already checked by
/// [`own_host_only`]) stands for it.
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

/// A strict Content-Security-Policy that still lets the WASM SPA run. `base-uri 'self'`: the
/// page's `<base href>` names the path flux-web is served under, and may name nothing else.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
    frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";

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
    use flux_web_shared::problem::Code;

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

    #[test]
    fn a_rebinding_name_is_refused_and_only_our_own_host_answers() {
        let base = Url::parse("https://flux.example.com").unwrap();
        let with_port = Url::parse("http://127.0.0.1:9080").unwrap();
        let cases = [
            // Without baseURL: loopback and IP addresses only.
            (Some("127.0.0.1:9080"), None, true),
            (Some("localhost:9080"), None, true),
            (Some("LOCALHOST"), None, true),
            (Some("[::1]:9080"), None, true),
            (Some("10.1.2.3:9080"), None, true),
            (None, None, true),
            (Some("evil.example:9080"), None, false),
            (Some("localhost.evil.example"), None, false),
            (Some("127.0.0.1.nip.io:9080"), None, false),
            (Some("[::1]x:9080"), None, false),
            // With baseURL: its host and port only.
            (Some("flux.example.com"), Some(&base), true),
            (Some("FLUX.example.com:443"), Some(&base), true),
            (Some("flux.example.com:8443"), Some(&base), false),
            (Some("evil.example"), Some(&base), false),
            (Some("127.0.0.1"), Some(&base), false),
            (Some("127.0.0.1:9080"), Some(&with_port), true),
            (Some("127.0.0.1"), Some(&with_port), false),
            (Some("localhost:9080"), Some(&with_port), false),
        ];
        for (host, base, ok) in cases {
            let got = check_host(host, base);
            assert_eq!(got.is_ok(), ok, "{host:?} under {base:?}: {got:?}");
            if let Err(e) = got {
                assert_eq!(
                    (e.status().as_u16(), e.code()),
                    (421, Code::MisdirectedHost)
                );
            }
        }
    }
}
