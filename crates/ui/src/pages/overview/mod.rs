//! `/`: the landing page. How many objects of each kind are in each state, what is failing
//! (the newest failures first), whether the Flux controllers run, the objects the user
//! starred, and the latest actions taken through flux-web (its audit trail); the counts,
//! failures and actions follow the live streams.

use crate::components::link::A;
use flux_web_shared::objects::{KindCount, ResourceList, State};
use leptos::prelude::*;

mod controllers;
mod recent;

use controllers::ControllersLine;
use recent::Actions;

use super::{Failure, set_title};
use crate::api::live::{Stream, use_live};
use crate::api::query::{self, Filters, Watch};
use crate::api::{self, Address};
use crate::components::badge::Badge;
use crate::components::favourites::Favourites;
use crate::format::ago;

/// Failing objects shown; the rest are one link away.
const FAILING: usize = 10;
const ACTIONS: usize = 8;

/// The newest failures first, on this page and behind its "All failing" link.
fn failing() -> Filters {
    Filters::default()
        .with("status", State::Failed.name())
        .with("sort", "-updated")
}

/// The audit trail: the Events of flux-web's actions.
fn audit() -> Filters {
    Filters::default().with("reason", "WebAction")
}

#[component]
pub fn OverviewPage() -> impl IntoView {
    set_title("Overview");
    let list = use_live(
        || Stream::Objects(Watch::default()),
        || async {
            let page = query::Resources {
                filters: failing(),
                offset: 0,
                limit: FAILING,
            };
            api::resources(&page).await
        },
    );
    let actions = use_live(
        || Stream::Events(audit()),
        || async {
            let page = query::Events {
                filters: audit(),
                before: None,
                limit: Some(ACTIONS),
            };
            api::events(&page).await
        },
    );
    view! {
        <h1>"Overview"</h1>
        {move || list.get().map(|answer| match answer {
            Ok(list) => view! { <Kinds counts=list.counts.clone()/><Failing list=list/> }.into_any(),
            Err(e) => view! { <Failure error=e/> }.into_any(),
        }).unwrap_or_else(|| view! { <p class="loading">"Loading…"</p> }.into_any())}
        <ControllersLine/>
        <p class="views"><A href="/graph">"Graph: what feeds what"</A>" · "<A href="/controllers">"Controllers"</A></p>
        <div class="columns">
            <Starred/>
            <section class="panel" aria-labelledby="actions-title">
                <h2 id="actions-title">"Recent actions"</h2>
                {move || match actions.get() {
                    Some(answer) => view! { <Actions answer=answer/> }.into_any(),
                    None => view! { <p class="loading">"Loading…"</p> }.into_any(),
                }}
                <p><A href=audit().href("/events", &[])>"The whole audit trail"</A></p>
            </section>
        </div>
    }
}

/// A card a kind: its objects in all, and how many are in each state, worst first.
#[component]
fn Kinds(counts: Vec<KindCount>) -> impl IntoView {
    let mut kinds: Vec<(String, Vec<(State, usize)>)> = Vec::new();
    for tally in counts {
        match kinds.iter_mut().find(|(k, _)| *k == tally.kind) {
            Some((_, states)) => states.push((tally.state, tally.count)),
            None => kinds.push((tally.kind.clone(), vec![(tally.state, tally.count)])),
        }
    }
    // The kinds with trouble first, then the busiest.
    let worst = |states: &[(State, usize)]| states.iter().map(|(s, _)| s.urgency()).min();
    kinds.sort_by_key(|(kind, states)| {
        let all: usize = states.iter().map(|(_, n)| n).sum();
        (worst(states), std::cmp::Reverse(all), kind.clone())
    });
    if kinds.is_empty() {
        return view! { <p class="notice">"There are no Flux objects you may see yet."</p> }
            .into_any();
    }
    // One line for everything: how many, how many fail, how many are suspended.
    let count = |wanted: Option<State>| -> usize {
        kinds
            .iter()
            .flat_map(|(_, states)| states)
            .filter(|(s, _)| wanted.is_none_or(|w| *s == w))
            .map(|(_, n)| n)
            .sum()
    };
    let summary = format!(
        "{} objects · {} failing · {} suspended",
        count(None),
        count(Some(State::Failed)),
        count(Some(State::Suspended))
    );
    // Kinds whose objects are all ready fold into one line: the cards are for trouble.
    let (healthy, troubled): (Vec<_>, Vec<_>) = kinds
        .into_iter()
        .partition(|(_, states)| states.iter().all(|(s, _)| *s == State::Ready));
    let healthy = (!healthy.is_empty()).then(|| {
        view! {
            <p class="healthy"><span class="badge badge-ready">"all ready"</span>" "
                {healthy.into_iter().map(|(kind, states)| {
                    let all: usize = states.iter().map(|(_, n)| n).sum();
                    let href = Filters::default().with("kind", &kind).href("/resources", &[]);
                    view! { <A href=href>{format!("{all} {kind}")}</A>" " }
                }).collect_view()}
            </p>
        }
    });
    view! {
        <p class="summary" role="status">{summary}</p>
        <ul class="cards" aria-label="Objects by kind">
            {troubled.into_iter().map(|(kind, mut states)| {
                states.sort_by_key(|(s, _)| s.urgency());
                let all: usize = states.iter().map(|(_, n)| n).sum();
                let of_kind = Filters::default().with("kind", &kind);
                let href = of_kind.href("/resources", &[]);
                let title = kind.clone();
                view! {
                    <li class="card">
                        <A href=href attr:class="card-title">
                            <span class="card-count">{all}</span>" "{title}
                        </A>
                        <ul class="card-states">
                            {states.into_iter().map(|(state, n)| {
                                let href = of_kind.with("status", state.name()).href("/resources", &[]);
                                view! { <li><A href=href attr:class=format!("badge badge-{}", state.name())>{format!("{n} {}", state.label())}</A></li> }
                            }).collect_view()}
                        </ul>
                    </li>
                }
            }).collect_view()}
        </ul>
        {healthy}
    }
    .into_any()
}

/// The newest failures, each with its message.
#[component]
fn Failing(list: ResourceList) -> impl IntoView {
    let total = list.total;
    view! {
        <section class="panel" aria-labelledby="failing-title">
            <h2 id="failing-title">"Failing"</h2>
            {if list.items.is_empty() {
                view! { <p class="all-well">"Nothing you may see is failing."</p> }.into_any()
            } else {
                view! {
                    <ul class="failing">
                        {list.items.into_iter().map(|item| {
                            let t = &item.target;
                            let href = Address::of(t).href();
                            let when = item.summary.updated().map(str::to_owned);
                            let datetime = when.clone().unwrap_or_default();
                            view! {
                                <li>
                                    <Badge state=item.summary.state retrying=item.summary.retrying/>" "
                                    <span class="kind">{t.kind.clone()}</span>" "
                                    <A href=href>{format!("{}/{}", t.namespace, t.name)}</A>
                                    " "<time datetime=datetime>{ago(when)}</time>
                                    <p class="message">{item.summary.message.clone()}</p>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    {(total > FAILING).then(|| view! {
                        <p><A href=failing().href("/resources", &[])>{format!("All {total} failing")}</A></p>
                    })}
                }.into_any()
            }}
        </section>
    }
}

/// The objects the user starred in this browser.
#[component]
fn Starred() -> impl IntoView {
    let favourites = use_context::<Favourites>().map(|Favourites(f)| f);
    let all = move || favourites.map(|f| f.get()).unwrap_or_default();
    view! {
        <section class="panel" aria-labelledby="starred-title">
            <h2 id="starred-title">"Favourites"</h2>
            {move || {
                let all = all();
                if all.is_empty() {
                    view! { <p class="hint">"Star an object on its page (or press f there) to keep it here."</p> }.into_any()
                } else {
                    view! {
                        <ul class="starred">
                            {all.iter().filter_map(|path| Address::parse(path)).map(|object| {
                                view! { <li><A href=object.href()>{object.label()}</A></li> }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }
            }}
        </section>
    }
}
