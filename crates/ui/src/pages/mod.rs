//! The pages, one a route.
//!
//! - [`overview`] — `/`: counts by kind and state, failures, favourites, recent actions.
//! - [`resources`] — `/resources`: Flux objects, filtered by the query string.
//! - [`detail`] — `/{group}/{kind}/{namespace}/{name}`: an object or a workload.
//! - [`events`] — `/events`: the cluster's Events, filtered by the query string, live.
//! - [`login`] — `/login`: the way in when the server asks for a login.

pub mod detail;
pub mod events;
pub mod login;
pub mod overview;
pub mod resources;

use leptos::prelude::*;

use leptos_router::components::A;

use crate::api::ApiError;

/// How long a burst of live changes must be quiet before the page reads again.
const SETTLE_MS: u64 = 400;

/// Changes come in bursts (a reconcile touches status several times): the function answered
/// runs `read` once a burst settles, and never once the page that made it is gone (a timer
/// may outlive the page).
pub fn on_settled(read: impl Fn() + Copy + 'static) -> impl Fn() + Copy + 'static {
    let pending = StoredValue::new(false);
    move || {
        // None: the page is gone; true: a read is coming already.
        if pending.try_get_value() != Some(false) {
            return;
        }
        pending.set_value(true);
        set_timeout(
            move || {
                if pending.try_get_value().is_some() {
                    pending.set_value(false);
                    read();
                }
            },
            std::time::Duration::from_millis(SETTLE_MS),
        );
    }
}

/// Names the page in the browser's title bar, tab and history: "`what` · flux-web".
pub fn set_title(what: &str) {
    document().set_title(&format!("{what} · flux-web"));
}

/// A page's filters `keys`, read by `param`, as a query string, but for `skip`, followed by
/// `extra`; empty values are left out. Pages keep their filters in the URL with it.
pub fn filter_query(
    keys: &[&'static str],
    param: &impl Fn(&'static str) -> String,
    skip: Option<&str>,
    extra: &[(&str, &str)],
) -> String {
    let filters: Vec<(&str, String)> = keys
        .iter()
        .filter(|k| Some(**k) != skip)
        .map(|k| (*k, param(k)))
        .collect();
    filters
        .iter()
        .map(|(k, v)| (*k, v.as_str()))
        .chain(extra.iter().copied())
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", crate::format::encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// What a page shows instead of its content when the API said no: a heading that says what
/// happened, the server's sentence once, and the way on. Not logged in: the login page, which
/// brings the user back here.
#[component]
pub fn Failure(error: ApiError) -> impl IntoView {
    let (heading, detail) = match &error {
        ApiError::NotLoggedIn(_) => {
            let here = window().location().pathname().unwrap_or_default();
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
        other => ("Something went wrong", other.detail()),
    };
    set_title(heading);
    view! {
        <section class="failure" role="alert">
            <h1>{heading}</h1>
            <p>{detail}</p>
            <p><A href="/resources">"Back to the resources"</A></p>
        </section>
    }
    .into_any()
}
