//! Serving the built SPA: files whose names carry their content hash are cached by browsers
//! for a year (`immutable`); everything else, `index.html` above all, is revalidated each
//! time, so a new release shows at the next load. A path that is no file is a page of the
//! SPA and gets `index.html` (API and login routes are matched before this fallback).

use std::path::Path;

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

pub type Files = ServeDir<ServeFile>;

pub fn files(dir: &Path) -> Files {
    ServeDir::new(dir)
        .precompressed_gzip()
        .fallback(ServeFile::new(dir.join("index.html")))
}

pub async fn serve(files: Files, request: Request) -> Response {
    let hashed = is_hashed(request.uri().path());
    let Ok(response) = files.oneshot(request).await;
    let mut response = response.into_response();
    let policy = if hashed && response.status().is_success() {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    response
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
}
