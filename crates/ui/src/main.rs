//! The flux-web single-page app (Leptos, client-side rendered, compiled to WASM). It talks to
//! the API server only through [`api`], with the types of `flux-web-shared`.
//!
//! - [`app`] — the frame: header, user menu, routes.
//! - [`pages`] — one module a page.
//! - [`components`] — what pages share: the action bar, dialogs, toasts, badges.
//! - [`api`] — every call to the server.
//! - [`format`] — times and sizes for people.

mod api;
mod app;
mod components;
mod format;
mod pages;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
