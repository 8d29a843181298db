//! `/login`: the provider button, and the error that brought the user here, if any.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    super::set_title("Log in");
    let query = use_query_map();
    let error = move || query.with(|q| q.get("error"));
    let back = move || {
        let path = query
            .with(|q| q.get("originalPath"))
            .unwrap_or_else(|| "/resources".into());
        crate::base::url(&format!(
            "/oauth2/authorize?originalPath={}",
            js_sys::encode_uri_component(&path)
        ))
    };
    view! {
        <section class="login">
            <h1>"Log in to flux-web"</h1>
            {move || error().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
            <a class="button primary" rel="external" href=back>"Log in with your identity provider"</a>
        </section>
    }
}
