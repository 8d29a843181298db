//! The pages, one a route.
//!
//! - [`resources`] — `/resources`: Flux objects, filtered by the query string.
//! - [`detail`] — `/{group}/{kind}/{namespace}/{name}`: an object or a workload.
//! - [`login`] — `/login`: the way in when the server asks for a login.

pub mod detail;
pub mod login;
pub mod resources;

use leptos::prelude::*;

use crate::api::ApiError;

/// What a page shows instead of its content when the API said no.
#[component]
pub fn Failure(error: ApiError) -> impl IntoView {
    match error {
        // rel=external: the login is the server's route, not a page of this app.
        ApiError::NotLoggedIn(detail) => {
            let here = window().location().pathname().unwrap_or_default();
            let search = window().location().search().unwrap_or_default();
            let back = js_sys::encode_uri_component(&format!("{here}{search}"));
            view! {
                <div class="notice" role="alert">
                    <p>{detail}</p>
                    <a class="button primary" rel="external" href=format!("/oauth2/authorize?originalPath={back}")>"Log in"</a>
                </div>
            }
            .into_any()
        }
        other => view! { <p class="notice error" role="alert">{other.detail()}</p> }.into_any(),
    }
}
