//! The flux-web single-page app (Leptos, client-side rendered). It talks to the API server
//! only through the types of `flux-web-shared`; pages arrive with the read API.

use leptos::prelude::*;

fn main() {
    leptos::mount::mount_to_body(App);
}

#[component]
fn App() -> impl IntoView {
    view! {
        <main>
            <h1>"flux-web"</h1>
        </main>
    }
}
