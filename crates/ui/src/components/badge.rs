//! An object's state as a coloured word; the word is there for those who cannot see colour.

use flux_web_shared::objects::State;
use leptos::prelude::*;

pub fn state_name(state: State) -> &'static str {
    match state {
        State::Ready => "ready",
        State::Failed => "failed",
        State::Progressing => "progressing",
        State::Suspended => "suspended",
        State::Unknown => "unknown",
    }
}

#[component]
pub fn Badge(state: State) -> impl IntoView {
    let name = state_name(state);
    view! { <span class=format!("badge badge-{name}")>{name}</span> }
}
