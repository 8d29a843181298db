//! The list's filters, kept in the page's URL: the form (its namespace field offers the
//! namespaces the user may list), and the count of objects in each state, each a link that
//! filters by it.

use crate::components::link::A;
use flux_web_shared::objects::{FLUX_KINDS, ResourceList, State};
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;

use super::PAGE_PATH;
use crate::api;
use crate::api::query::Filters;

#[component]
pub fn FilterForm(filters: Memo<Filters>) -> impl IntoView {
    let navigate = use_navigate();
    let set = move |key: &'static str, value: String| {
        let to = filters.with_untracked(|f| f.with(key, &value).href(PAGE_PATH, &[]));
        navigate(&to, NavigateOptions::default());
    };
    let value = move |key: &'static str| filters.with(|f| f.get(key).to_owned());
    // Read once a page: where the user may list, for the namespace field to offer.
    let namespaces = LocalResource::new(api::namespaces);
    let on = move |key: &'static str| {
        let set = set.clone();
        move |ev: leptos::ev::Event| set(key, event_target_value(&ev))
    };
    view! {
        <form class="filters" role="search" aria-label="Filters" on:submit=|ev| ev.prevent_default()>
            <label>
                "Kind"
                <select on:change=on("kind") prop:value=move || value("kind")>
                    <option value="">"All kinds"</option>
                    {FLUX_KINDS.iter().map(|k| view! { <option value=*k>{*k}</option> }).collect_view()}
                </select>
            </label>
            <label>
                "Namespace"
                <input type="text" placeholder="all" list="namespaces" autocomplete="off"
                    prop:value=move || value("namespace") on:change=on("namespace")/>
                <datalist id="namespaces">
                    {move || namespaces.get().and_then(Result::ok).map(|list| list.namespaces.into_iter()
                        .map(|ns| view! { <option value=ns></option> }).collect_view())}
                </datalist>
            </label>
            <label>
                "Status"
                <select on:change=on("status") prop:value=move || value("status")>
                    <option value="">"Any"</option>
                    {State::ALL.iter().map(|s| view! { <option value=s.name()>{s.name()}</option> }).collect_view()}
                </select>
            </label>
            <label>
                "Search"
                <input type="search" placeholder="name" prop:value=move || value("q") on:change=on("q")/>
            </label>
        </form>
    }
}

/// How many objects the filters match in each state (the status filter aside), each a link
/// that filters by it: what needs a look is counted before it is searched for.
#[component]
pub fn Counts(list: ResourceList, filters: Filters) -> impl IntoView {
    let count = |state: State| {
        list.counts
            .iter()
            .filter(|t| t.state == state)
            .map(|t| t.count)
            .sum::<usize>()
    };
    let all: usize = list.counts.iter().map(|t| t.count).sum();
    let mut states: Vec<(State, usize)> = State::ALL.iter().map(|s| (*s, count(*s))).collect();
    states.sort_by_key(|(s, _)| s.urgency());
    let current = State::parse(filters.get("status"));
    let chip = move |state: Option<State>, n: usize| {
        let (label, class) = match state {
            Some(s) => (s.label(), format!("chip badge-{}", s.name())),
            None => ("all", "chip".to_owned()),
        };
        let here = (current == state).then_some("true");
        let href = filters
            .with("status", state.map(State::name).unwrap_or_default())
            .href(PAGE_PATH, &[]);
        view! {
            <li><A href=href attr:class=class attr:aria-current=here>
                <span class="chip-count">{n}</span>" "{label}
            </A></li>
        }
    };
    view! {
        <ul class="chips" aria-label="Objects by status">
            {chip(None, all)}
            {states.into_iter().filter(|(_, n)| *n > 0).map(|(s, n)| chip(Some(s), n)).collect_view()}
        </ul>
    }
}
