//! An object's state as a coloured word; the word is there for those who cannot see colour.

use flux_web_shared::objects::State;
use leptos::prelude::*;

/// `retrying`: a failure the controller tries again by itself, said beside the word.
#[component]
pub fn Badge(state: State, #[prop(optional)] retrying: bool) -> impl IntoView {
    let word = match retrying {
        true => format!("{} · retrying", state.label()),
        false => state.label().to_owned(),
    };
    view! { <span class=format!("badge badge-{}", state.name())>{word}</span> }
}
