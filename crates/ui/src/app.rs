//! The frame of every page: the header with the user menu, the routes, the toasts.

use flux_web_shared::user::{Provider, UserInfo};
use leptos::prelude::*;
use leptos_router::Lazy;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::hooks::use_location;
use leptos_router::path;
use wasm_bindgen::JsCast;

use crate::api::live::{Live, LiveState};
use crate::api::{self, ApiError};
use crate::base;
use crate::components::act::Refocus;
use crate::components::favourites::Favourites;
use crate::components::focus::focus;
use crate::components::keys::Keys;
use crate::components::link::A;
use crate::components::live::LiveIndicator;
use crate::components::palette::{Commands, Palette};
use crate::components::search::QuickSearch;
use crate::components::toast::{ToastList, Toasts};
use crate::format::Now;
use crate::pages::lazy::{ControllersRoute, DetailRoute, EventsRoute, GraphRoute, OverviewRoute};
use crate::pages::login::LoginPage;
use crate::pages::resources::ResourcesPage;

#[component]
pub fn App() -> impl IntoView {
    provide_context(Toasts::new());
    provide_context(Commands::new());
    provide_context(Now::ticking());
    provide_context(Refocus::following());
    provide_context(LiveState(RwSignal::new(Live::Connecting)));
    provide_context(Favourites::load());
    let user = LocalResource::new(api::userinfo);
    // Who the user is: for the menu, and for what pages offer (the "suspended by me" shortcut,
    // the bearer token of a copied curl).
    provide_context(user);
    view! {
        <Router base=base::path()>
            <FocusOnNavigation/>
            // The router would take "#main" for a route: the link moves focus itself.
            <a class="skip" href="#main" on:click=|ev| { ev.prevent_default(); focus("main"); }>"Skip to content"</a>
            <header class="top">
                <A href="/" attr:class="brand">"flux-web"</A>
                // Which cluster this is: the first thing to know before acting.
                <Transition fallback=|| ()>
                    {move || user.get().and_then(Result::ok).and_then(|u| u.cluster).map(|name| view! {
                        <span class="cluster"><span class="visually-hidden">"Cluster "</span>{name}</span>
                    })}
                </Transition>
                <nav class="pages" aria-label="Pages">
                    <A href="/" exact=true>"Overview"</A>
                    <A href="/resources">"Resources"</A>
                    <A href="/events">"Events"</A>
                    // Where the header has room for them (the overview links them everywhere).
                    <A href="/graph" attr:class="wide-only">"Graph"</A>
                    <A href="/controllers" attr:class="wide-only">"Controllers"</A>
                </nav>
                <QuickSearch/>
                <LiveIndicator/>
                <Palette/>
                <Keys/>
                <Transition fallback=|| ()>
                    {move || user.get().map(|answer| view! { <UserMenu answer=answer/> })}
                </Transition>
            </header>
            <main id="main" tabindex="-1">
                <Routes fallback=NoSuchPage>
                    <Route path=path!("/") view={Lazy::<OverviewRoute>::new()}/>
                    <Route path=path!("/resources") view=ResourcesPage/>
                    <Route path=path!("/events") view={Lazy::<EventsRoute>::new()}/>
                    <Route path=path!("/login") view=LoginPage/>
                    <Route path=path!("/controllers") view={Lazy::<ControllersRoute>::new()}/>
                    <Route path=path!("/graph") view={Lazy::<GraphRoute>::new()}/>
                    <Route path=path!("/:group/:kind/:namespace/:name") view={Lazy::<DetailRoute>::new()}/>
                </Routes>
            </main>
            <ToastList/>
        </Router>
    }
}

/// Logs out, then follows the server to the provider's logout page (or home).
fn log_out() {
    leptos::task::spawn_local(async {
        let next = api::logout().await.unwrap_or_else(|_| base::url("/"));
        let _ = window().location().set_href(&next);
    });
}

/// How long after a navigation the new page's heading may take to appear (its data loads
/// first) and still take the focus.
const HEADING_WAIT_MS: u64 = 3000;
const HEADING_POLL_MS: u64 = 100;

/// After each navigation, focus moves to the new page's heading (to its main region while the
/// heading loads), so keyboard and screen-reader users start where the page starts. A user
/// who moved the focus meanwhile keeps it.
#[component]
fn FocusOnNavigation() -> impl IntoView {
    let location = use_location();
    // Which navigation the user has moved the focus since, if any: from then on it is theirs,
    // even when what they focused goes away (a button disabled while its action runs).
    let navigation = StoredValue::new(0u64);
    let moved = StoredValue::new(None::<u64>);
    let listener = window_event_listener(leptos::ev::focusin, move |ev| {
        use wasm_bindgen::JsCast;
        let ours = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|e| e.id() == "main" || e.tag_name() == "H1");
        if !ours {
            moved.set_value(Some(navigation.get_value()));
        }
    });
    on_cleanup(move || listener.remove());
    Effect::watch(
        move || location.pathname.get(),
        move |_, _, _| {
            navigation.update_value(|n| *n += 1);
            let this = navigation.get_value();
            // The page left may still be drawn: its heading is not the one to wait for.
            let old = document().query_selector("main h1").ok().flatten();
            focus("main");
            let theirs = move || moved.get_value() == Some(this);
            focus_heading(old, HEADING_WAIT_MS / HEADING_POLL_MS, theirs);
        },
        false,
    );
}

/// Gives the new page's heading the focus, and gives it back while the page is still being
/// drawn (its first live update redraws the heading), until the user moves it (`theirs`).
fn focus_heading(old: Option<web_sys::Element>, tries: u64, theirs: impl Fn() -> bool + 'static) {
    if theirs() {
        return;
    }
    let heading = document()
        .query_selector("main h1")
        .ok()
        .flatten()
        .filter(|h| Some(h) != old.as_ref());
    let active = document().active_element();
    let untouched = active
        .as_ref()
        .is_none_or(|a| a.id() == "main" || a.tag_name() == "BODY");
    if let Some(heading) = heading
        && untouched
    {
        // A heading takes the focus only when told it may.
        let _ = heading.set_attribute("tabindex", "-1");
        focus("main h1");
    }
    if tries > 0 {
        set_timeout(
            move || focus_heading(old, tries - 1, theirs),
            std::time::Duration::from_millis(HEADING_POLL_MS),
        );
    }
}

/// Whom the server impersonates, and the way out; Escape and a click elsewhere close it.
#[component]
fn UserMenu(answer: Result<UserInfo, ApiError>) -> impl IntoView {
    let location = use_location();
    let user = match answer {
        Ok(user) => user,
        Err(ApiError::NotLoggedIn(_)) => {
            // Back to the page asked for after the login; the login page is its own way in.
            let href = move || {
                let path = location.pathname.get();
                let here = format!("{}{}", base::route(&path), location.search.get());
                base::url(&format!(
                    "/login?originalPath={}",
                    js_sys::encode_uri_component(&here)
                ))
            };
            return view! {
                <Show when=move || base::route(&location.pathname.get()) != "/login">
                    <a class="button" href=href>"Log in"</a>
                </Show>
            }
            .into_any();
        }
        Err(_) => return ().into_any(),
    };
    let Some(username) = user.username.clone() else {
        return view! { <span class="read-only" title="No authentication is configured: nothing can be changed">"Read-only"</span> }.into_any();
    };
    let open = RwSignal::new(false);
    let name = user
        .display_name
        .clone()
        .unwrap_or_else(|| username.clone());
    let groups = if user.groups.is_empty() {
        "none".to_owned()
    } else {
        user.groups.join(", ")
    };
    let oidc = user.provider == Provider::Oidc;
    let node = NodeRef::<leptos::html::Div>::new();
    let outside = window_event_listener(leptos::ev::click, move |ev| {
        let inside = node
            .get_untracked()
            .zip(ev.target())
            .is_some_and(|(menu, target)| {
                target
                    .dyn_into::<web_sys::Node>()
                    .is_ok_and(|target| menu.contains(Some(&target)))
            });
        if !inside {
            open.set(false);
        }
    });
    on_cleanup(move || outside.remove());
    // A disclosure, not an ARIA menu: it holds text as well as the one button.
    view! {
        <div class="user-menu" node_ref=node on:keydown=move |ev| if ev.key() == "Escape" { open.set(false) }>
            <button aria-controls="user-panel" aria-expanded=move || open.get().to_string() on:click=move |_| open.update(|o| *o = !*o)>
                {name}
            </button>
            <div class="menu" id="user-panel" hidden=move || !open.get()>
                <p>"Kubernetes sees you as"</p>
                <p class="mono" data-testid="impersonated-user">{username}</p>
                <p>{format!("Groups: {groups}")}</p>
                <p>{format!("Signed in with {}", user.provider)}</p>
                {oidc.then(|| view! {
                    <button type="button" on:click=move |_| log_out()>"Log out"</button>
                })}
            </div>
        </div>
    }
    .into_any()
}

/// An address that names no page: said as a page, with its heading and title, and the ways on.
#[component]
fn NoSuchPage() -> impl IntoView {
    crate::pages::set_title("No such page");
    view! {
        <section class="failure">
            <h1>"No such page"</h1>
            <p>"flux-web has no page at this address. An object's page is /group/kind/namespace/name."</p>
            <p><A href="/">"Overview"</A>" · "<A href="/resources">"Resources"</A>" · "<A href="/events">"Events"</A></p>
        </section>
    }
}
