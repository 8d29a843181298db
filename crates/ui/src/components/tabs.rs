//! Tabs whose choice lives in the URL (`?tab=`): a link opens the same tab, a live update that
//! draws the page anew keeps it, and Back returns to the one before. The keyboard of the ARIA
//! tabs pattern: ← → Home End move between tabs and show the one reached; Tab goes into the
//! panel. Every panel is drawn and the others hidden, so what a tab holds keeps its state.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};

/// A tab: its name in the URL, its label, and what it shows.
pub struct Tab {
    pub id: &'static str,
    pub label: &'static str,
    pub panel: AnyView,
}

/// The tab `key` leads to from `current` among `ids`, with wrap-around; none for other keys.
pub fn moved(ids: &[&'static str], current: &str, key: &str) -> Option<&'static str> {
    let at = ids.iter().position(|id| *id == current).unwrap_or(0);
    let last = ids.len().checked_sub(1)?;
    let to = match key {
        "ArrowRight" => (at + 1) % ids.len(),
        "ArrowLeft" => at.checked_sub(1).unwrap_or(last),
        "Home" => 0,
        "End" => last,
        _ => return None,
    };
    ids.get(to).copied()
}

#[component]
pub fn Tabs(
    /// What the tab list is, for screen readers.
    label: &'static str,
    tabs: Vec<Tab>,
) -> impl IntoView {
    let ids: Vec<&'static str> = tabs.iter().map(|t| t.id).collect();
    let first = ids.first().copied().unwrap_or_default();
    let query = use_query_map();
    let known = ids.clone();
    // An unknown or absent `tab` shows the first.
    let current = Memo::new(move |_| {
        query
            .with(|q| q.get("tab"))
            .and_then(|tab| known.iter().copied().find(|id| *id == tab))
            .unwrap_or(first)
    });
    let navigate = use_navigate();
    let location = use_location();
    let show = move |id: &'static str| {
        let path = crate::base::route(&location.pathname.get_untracked()).to_owned();
        let to = if id == first {
            path
        } else {
            format!("{path}?tab={id}")
        };
        navigate(
            &to,
            NavigateOptions {
                scroll: false,
                ..NavigateOptions::default()
            },
        );
    };
    let keys = {
        let show = show.clone();
        move |ev: leptos::ev::KeyboardEvent| {
            if let Some(to) = moved(&ids, current.get_untracked(), &ev.key()) {
                ev.prevent_default();
                show(to);
                super::focus::focus(&format!("#tab-{to}"));
            }
        }
    };
    let (buttons, panels): (Vec<_>, Vec<_>) = tabs
        .into_iter()
        .map(|Tab { id, label, panel }| {
            let on = move || current.get() == id;
            let show = show.clone();
            let button = view! {
                <button type="button" role="tab" id=format!("tab-{id}") aria-controls=format!("panel-{id}")
                    aria-selected=move || on().to_string() tabindex=move || if on() { "0" } else { "-1" }
                    on:click=move |_| show(id)>{label}</button>
            };
            let panel = view! {
                <div role="tabpanel" id=format!("panel-{id}") aria-labelledby=format!("tab-{id}") hidden=move || !on()>{panel}</div>
            };
            (button, panel)
        })
        .unzip();
    view! {
        <div class="tabs" role="tablist" aria-label=label on:keydown=keys>{buttons}</div>
        {panels}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrows_wrap_around_and_home_and_end_go_to_the_ends() {
        let ids = ["overview", "timeline", "spec"];
        assert_eq!(moved(&ids, "overview", "ArrowRight"), Some("timeline"));
        assert_eq!(moved(&ids, "spec", "ArrowRight"), Some("overview"));
        assert_eq!(moved(&ids, "overview", "ArrowLeft"), Some("spec"));
        assert_eq!(moved(&ids, "timeline", "Home"), Some("overview"));
        assert_eq!(moved(&ids, "timeline", "End"), Some("spec"));
        assert_eq!(moved(&ids, "timeline", "Enter"), None);
        assert_eq!(moved(&[], "x", "End"), None);
    }
}
