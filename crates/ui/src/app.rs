//! The frame of every page: the header with the user menu, the routes, the toasts.

use flux_web_shared::user::{Provider, UserInfo};
use leptos::prelude::*;
use leptos_router::components::{A, Redirect, Route, Router, Routes};
use leptos_router::path;

use crate::api::{self, ApiError};
use crate::components::palette::{Commands, Palette};
use crate::components::toast::{ToastList, Toasts};
use crate::pages::detail::DetailPage;
use crate::pages::login::LoginPage;
use crate::pages::resources::ResourcesPage;

#[component]
pub fn App() -> impl IntoView {
    provide_context(Toasts::new());
    provide_context(Commands::new());
    let user = LocalResource::new(api::userinfo);
    // Who the user is: for the menu, and for what pages offer (the "suspended by me" shortcut,
    // the bearer token of a copied curl).
    provide_context(user);
    view! {
        <Router>
            <a class="skip" href="#main">"Skip to content"</a>
            <header class="top">
                <A href="/resources" attr:class="brand">"flux-web"</A>
                <Palette/>
                <Transition fallback=|| ()>
                    {move || user.get().map(|answer| view! { <UserMenu answer=answer/> })}
                </Transition>
            </header>
            <main id="main" tabindex="-1">
                <Routes fallback=|| view! { <p class="notice">"No such page."</p> }>
                    <Route path=path!("/") view=|| view! { <Redirect path="/resources"/> }/>
                    <Route path=path!("/resources") view=ResourcesPage/>
                    <Route path=path!("/login") view=LoginPage/>
                    <Route path=path!("/:group/:kind/:namespace/:name") view=DetailPage/>
                </Routes>
            </main>
            <ToastList/>
        </Router>
    }
}

/// Logs out, then follows the server to the provider's logout page (or home).
fn log_out() {
    leptos::task::spawn_local(async {
        let next = api::logout().await.unwrap_or_else(|_| "/".into());
        let _ = window().location().set_href(&next);
    });
}

/// Whom the server impersonates, and the way out; Escape closes it.
#[component]
fn UserMenu(answer: Result<UserInfo, ApiError>) -> impl IntoView {
    let user = match answer {
        Ok(user) => user,
        Err(ApiError::NotLoggedIn(_)) => {
            return view! { <a class="button" href="/login">"Log in"</a> }.into_any();
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
    view! {
        <div class="user-menu" on:keydown=move |ev| if ev.key() == "Escape" { open.set(false) }>
            <button aria-haspopup="true" aria-expanded=move || open.get().to_string() on:click=move |_| open.update(|o| *o = !*o)>
                {name}
            </button>
            <div class="menu" role="menu" hidden=move || !open.get()>
                <p>"Kubernetes sees you as"</p>
                <p class="mono" data-testid="impersonated-user">{username}</p>
                <p>{format!("Groups: {groups}")}</p>
                <p>{format!("Signed in with {}", user.provider)}</p>
                {oidc.then(|| view! {
                    <button type="button" role="menuitem" on:click=move |_| log_out()>"Log out"</button>
                })}
            </div>
        </div>
    }
    .into_any()
}
