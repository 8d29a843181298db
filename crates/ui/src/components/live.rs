//! The header's word on the live streams: whether what the page shows still moves by itself.
//! Live only while a stream is open; when it breaks, reconnecting, then offline since when.

use leptos::prelude::*;

use crate::api::live::{Live, LiveState};

#[component]
pub fn LiveIndicator() -> impl IntoView {
    let live = use_context::<LiveState>().map(|LiveState(live)| live);
    let state = move || live.map_or(Live::Connecting, |l| l.get());
    let shown = move || match state() {
        Live::Connecting => ("Connecting…".to_owned(), "live live-connecting"),
        Live::Connected => ("Live".to_owned(), "live live-connected"),
        Live::Reconnecting { .. } => ("Reconnecting…".to_owned(), "live live-reconnecting"),
        Live::Offline { since } => (
            format!("Offline since {}", crate::format::clock(since)),
            "live live-offline",
        ),
    };
    view! {
        <span class=move || shown().1 role="status" title="Live updates from the cluster">
            <span class="live-dot" aria-hidden="true"></span><span class="live-word">{move || shown().0}</span>
        </span>
    }
}
