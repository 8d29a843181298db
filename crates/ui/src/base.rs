//! Where flux-web is served: at the root of its host, or under the path of its `baseURL`
//! (`https://example.com/flux/`). The server writes that path into the page's `<base href>`;
//! the router's routes, every URL of the API and a login's way back are under it.

use std::sync::OnceLock;

/// The path without its final slash: `""` at the root, else `/flux`.
pub fn path() -> &'static str {
    static PATH: OnceLock<String> = OnceLock::new();
    PATH.get_or_init(|| {
        let base = leptos::prelude::document()
            .base_uri()
            .ok()
            .flatten()
            .and_then(|uri| web_sys::Url::new(&uri).ok())
            .map(|url| url.pathname())
            .unwrap_or_default();
        prefix(&base).to_owned()
    })
}

/// `to`, a path from flux-web's root (`/api/v1/…`), as the browser asks for it.
pub fn url(to: &str) -> String {
    format!("{}{to}", path())
}

/// Where API calls go, as a copied command line names it: the page's origin and the path.
pub fn origin() -> String {
    let origin = leptos::prelude::window()
        .location()
        .origin()
        .unwrap_or_default();
    format!("{origin}{}", path())
}

/// The part of the browser's path `browser` that flux-web's routes name (`/resources`).
pub fn route(browser: &str) -> &str {
    within(browser, path())
}

fn prefix(base: &str) -> &str {
    base.trim_end_matches('/')
}

fn within<'a>(browser: &'a str, base: &str) -> &'a str {
    match browser.strip_prefix(base) {
        Some("") => "/",
        Some(rest) if rest.starts_with('/') => rest,
        _ => browser,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_path_has_no_final_slash_and_the_root_is_empty() {
        assert_eq!(prefix("/"), "");
        assert_eq!(prefix("/flux/"), "/flux");
        assert_eq!(prefix("/a/b/"), "/a/b");
    }

    #[test]
    fn a_route_is_the_browser_path_after_the_base() {
        assert_eq!(within("/flux/resources", "/flux"), "/resources");
        assert_eq!(within("/flux", "/flux"), "/");
        assert_eq!(within("/flux/", "/flux"), "/");
        assert_eq!(within("/resources", ""), "/resources");
        // Not under the base: a path that only starts with its letters.
        assert_eq!(within("/fluxes/x", "/flux"), "/fluxes/x");
    }
}
