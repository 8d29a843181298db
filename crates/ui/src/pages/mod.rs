//! The pages, one a route.
//!
//! - [`overview`] — `/`: counts by kind and state, failures, favourites, recent actions.
//! - [`resources`] — `/resources`: Flux objects, filtered by the query string.
//! - [`detail`] — `/{group}/{kind}/{namespace}/{name}`: an object or a workload.
//! - [`events`] — `/events`: the cluster's Events, filtered by the query string, live.
//! - [`controllers`] — `/controllers`: the Flux controllers the cluster runs.
//! - [`graph`] — `/graph`: what feeds what, the paths to failures open.
//! - [`login`] — `/login`: the way in when the server asks for a login.
//! - [`lazy`] — the routes whose pages are fetched when they first open.

pub mod controllers;
pub mod detail;
pub mod events;
pub mod graph;
pub mod lazy;
pub mod login;
pub mod overview;
pub mod resources;

use leptos::prelude::*;

use crate::components::link::A;

use crate::api::{ApiError, UNREACHABLE};

/// Names the page in the browser's title bar, tab and history: "`what` · flux-web".
pub fn set_title(what: &str) {
    document().set_title(&format!("{what} · flux-web"));
}

/// What a page shows instead of its content when the API said no: a heading that says what
/// happened, the server's sentence once, and the way on. Not logged in: the login page, which
/// brings the user back here.
#[component]
pub fn Failure(error: ApiError) -> impl IntoView {
    let (heading, detail) = match &error {
        ApiError::NotLoggedIn(_) => {
            // A path of the app: the server puts the path it is served under in front.
            let path = window().location().pathname().unwrap_or_default();
            let here = crate::base::route(&path);
            let search = window().location().search().unwrap_or_default();
            let back = js_sys::encode_uri_component(&format!("{here}{search}"));
            let navigate = leptos_router::hooks::use_navigate();
            navigate(
                &format!("/login?originalPath={back}"),
                leptos_router::NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
            return ().into_any();
        }
        ApiError::Problem(problem) if problem.status == 404 => {
            ("Not found", problem.detail.clone())
        }
        ApiError::Problem(problem) if problem.status == 403 => {
            ("Not allowed", problem.detail.clone())
        }
        ApiError::Problem(problem) if problem.status == 400 => (
            "This address asks for what flux-web cannot read",
            problem.detail.clone(),
        ),
        ApiError::Unreachable => (
            "flux-web is not answering",
            format!("{UNREACHABLE}. This page reads again as soon as it answers."),
        ),
        ApiError::Problem(problem) => ("flux-web could not answer", problem.detail.clone()),
        ApiError::Network(detail) => ("flux-web's answer broke off", detail.clone()),
    };
    set_title(heading);
    // A bad filter or page in the address: the same page without its query is the way on.
    let path = window().location().pathname().unwrap_or_default();
    let here = crate::base::route(&path).to_owned();
    let cleared = (matches!(&error, ApiError::Problem(p) if p.status == 400)
        && !window().location().search().unwrap_or_default().is_empty())
    .then(|| view! { <p><A href=here>"Clear the filters"</A></p> });
    view! {
        <section class="failure" role="alert">
            <h1>{heading}</h1>
            <p>{detail}</p>
            {cleared}
            <p><A href="/resources">"Back to the resources"</A></p>
        </section>
    }
    .into_any()
}
