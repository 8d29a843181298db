//! An object's state as a coloured word; the word is there for those who cannot see colour.

use flux_web_shared::objects::State;
use leptos::prelude::*;

#[component]
pub fn Badge(state: State) -> impl IntoView {
    view! { <span class=format!("badge badge-{}", state.name())>{state.label()}</span> }
}
