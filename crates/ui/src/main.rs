//! The flux-web single-page app (Leptos, client-side rendered, compiled to WASM). It talks to
//! the API server only through [`api`], with the types of `flux-web-shared`.
//!
//! - [`app`] — the frame: header, user menu, routes.
//! - [`pages`] — one module a page, a folder for a page of parts.
//! - [`components`] — what pages share: the action bar, bulk actions, dialogs, toasts, badges.
//! - [`api`] — every call to the server, typed by address and query, and the live data.
//! - [`format`] — times and sizes for people.
//! - [`command`] — the curl and flux command lines of an action.
//! - [`base`] — the path flux-web is served under, which routes and API calls are under.

mod api;
mod app;
mod base;
mod command;
mod components;
mod format;
mod pages;

fn main() {
    console_error_panic_hook::set_once();
    // index.html's static shell, shown while the WASM loads, gives way to the app.
    if let Some(shell) = leptos::prelude::document().get_element_by_id("shell") {
        shell.remove();
    }
    leptos::mount::mount_to_body(app::App);
}
