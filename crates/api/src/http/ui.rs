//! Serving the built SPA ([`crate::ui::Assets`]). Files whose names carry their content hash
//! are cached by browsers for a year (`immutable`); everything else, `index.html` above all, is
//! revalidated each time, so a new release shows at the next load. A path that is no file is
//! a page of the SPA and gets `index.html` (API and login routes are matched before this
//! fallback); a hashed name that is no file (an asset of an older release), or any other
//! file name with an extension (`/favicon.ico`, `/robots.txt`), is a 404, never an
//! `index.html` cached for a year or taken for an icon. Each file is sent brotli- or
//! gzip-compressed when the build wrote that variant and the client accepts it. Under a
//! `baseURL` with a path, `index.html` is sent as it is with that path in its `<base href>`,
//! which every other URL of the UI is relative to.

use std::borrow::Cow;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use flux_web_shared::names::{QUOTED_MAX, shortened};

use crate::error::ApiError;
use crate::ui::Assets;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// What the UI build writes into `index.html`, and what a path replaces.
const ROOT_BASE: &str = "<base href=\"/\">";

/// Serves the file or page `request` asks for; `base` is the path flux-web is served under
/// (`/` or `/flux/`).
pub async fn serve(assets: Assets, base: Arc<str>, request: Request) -> Response {
    let path = request.uri().path();
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return ApiError::MethodNotAllowed {
            method: shortened(request.method().as_str(), QUOTED_MAX),
            path: shortened(path, super::ECHOED_PATH),
        }
        .into_response();
    }
    if matches!(assets, Assets::None) {
        return ApiError::NoUi.into_response();
    }
    let name = path.trim_start_matches('/');
    let accepted = accepted_encodings(request.headers());
    let rebased = &*base != "/";
    // Under a path the index is changed as it is sent: from its plain variant.
    let index_codings = if rebased { &[][..] } else { &accepted[..] };
    // The page itself, asked for by its name, is a page like any other.
    let name = if name == "index.html" { "" } else { name };
    let file = match is_file_name(name) {
        true => variant(&assets, name, &accepted).await,
        false => None,
    };
    let (name, policy, found) = match file {
        Some(found) if is_hashed(path) => (name, IMMUTABLE, Some(found)),
        Some(found) => (name, REVALIDATE, Some(found)),
        None if is_hashed(path) || asks_for_a_file(name) => {
            return ApiError::NoRoute(shortened(path, super::ECHOED_PATH)).into_response();
        }
        None => (
            "index.html",
            REVALIDATE,
            variant(&assets, "index.html", index_codings).await,
        ),
    };
    let Some((mut bytes, encoding)) = found else {
        return ApiError::NoRoute(shortened(path, super::ECHOED_PATH)).into_response();
    };
    if rebased && name == "index.html" {
        let page = String::from_utf8_lossy(&bytes).replacen(
            ROOT_BASE,
            &format!("<base href=\"{base}\">"),
            1,
        );
        bytes = Cow::Owned(page.into_bytes());
    }
    let mut response = (StatusCode::OK, Body::from(bytes)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, content_type(name));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Some(encoding) = encoding {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    response
}

/// The best variant of `name` the client takes: brotli, then gzip, then the file itself,
/// with its coding; one read each until one is there.
async fn variant(
    assets: &Assets,
    name: &str,
    accepted: &[&'static str],
) -> Option<(Cow<'static, [u8]>, Option<&'static str>)> {
    for (coding, suffix) in [(Some("br"), ".br"), (Some("gzip"), ".gz"), (None, "")] {
        if coding.is_some_and(|c| !accepted.contains(&c)) {
            continue;
        }
        if let Some(bytes) = assets.get(&format!("{name}{suffix}")).await {
            return Some((bytes, coding));
        }
    }
    None
}

/// A name the UI build can have written: one path segment, no dot files, no traversal.
fn is_file_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// The codings the client takes, of the two the build writes; `q=0` refuses one.
fn accepted_encodings(headers: &HeaderMap) -> Vec<&'static str> {
    let mut accepted = Vec::new();
    for value in headers.get_all(header::ACCEPT_ENCODING) {
        for item in value.to_str().unwrap_or_default().split(',') {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or_default();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            for known in ["br", "gzip"] {
                if coding.eq_ignore_ascii_case(known) && !refused {
                    accepted.push(known);
                }
            }
        }
    }
    accepted
}

fn content_type(name: &str) -> HeaderValue {
    let extension = name.rsplit('.').next().unwrap_or_default();
    HeaderValue::from_static(match extension {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "svg" => "image/svg+xml",
        "json" => "application/json",
        _ => "application/octet-stream",
    })
}

/// Whether a one-segment path names a file (it has an extension): no page of the SPA does.
fn asks_for_a_file(name: &str) -> bool {
    is_file_name(name) && name.contains('.')
}

/// Whether a path names a file with a content hash (`/ui-0123456789ab.wasm`), as the UI
/// build writes them.
pub fn is_hashed(path: &str) -> bool {
    path.rsplit('/').next().is_some_and(|name| {
        name.split(['-', '.'])
            .any(|part| part.len() == 12 && part.bytes().all(|b| b.is_ascii_hexdigit()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_content_hashed_names_are_immutable() {
        assert!(is_hashed("/ui-0123456789ab.wasm"));
        assert!(is_hashed("/style-abcdef012345.css"));
        assert!(!is_hashed("/index.html"));
        assert!(!is_hashed("/resources"));
        assert!(!is_hashed(
            "/kustomize.toolkit.fluxcd.io/Kustomization/apps/web"
        ));
    }

    #[test]
    fn a_name_with_an_extension_asks_for_a_file_and_pages_have_none() {
        assert!(asks_for_a_file("favicon.ico"));
        assert!(asks_for_a_file("robots.txt"));
        for page in ["resources", "events", "login", "", ".env"] {
            assert!(!asks_for_a_file(page), "{page}");
        }
    }

    #[test]
    fn only_flat_names_are_looked_up() {
        assert!(is_file_name("ui-0123456789ab.wasm"));
        assert!(!is_file_name("../Cargo.toml"));
        assert!(!is_file_name("a/b.js"));
        assert!(!is_file_name(".git"));
        assert!(!is_file_name(""));
        assert!(!is_file_name("a%2fb"));
    }

    #[test]
    fn codings_are_taken_unless_refused() {
        let headers = |value: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(value));
            h
        };
        assert_eq!(
            accepted_encodings(&headers("gzip, deflate, br, zstd")),
            ["gzip", "br"]
        );
        assert_eq!(accepted_encodings(&headers("br;q=0, gzip;q=0.5")), ["gzip"]);
        assert_eq!(accepted_encodings(&headers("BR;q=1.0")), ["br"]);
        assert!(accepted_encodings(&HeaderMap::new()).is_empty());
    }
}
