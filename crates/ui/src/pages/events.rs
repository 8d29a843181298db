//! `/events`: the cluster's Events about Flux objects and workloads, in every namespace the
//! user may list Events in, newest first. The filters live in the query string
//! (`/events?severity=Warning&namespace=apps`) so a view can be shared; new Events arrive
//! live at the top, and older pages load on demand.

use crate::components::link::A;
use flux_web_shared::events::{ClusterEvent, EventPage, Severity};
use flux_web_shared::objects::{FLUX_KINDS, WORKLOAD_KINDS};
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::Failure;
use crate::api::live::{Change, Stream, follow};
use crate::api::query::{self, EVENT_FILTERS, Filters};
use crate::api::{self, Address, ApiError};
use crate::format::ago;

/// The page's own address.
const PAGE_PATH: &str = "/events";
/// Events kept on the page: live ones push the oldest out.
const KEPT: usize = 1000;

/// What the page holds: the pages read so far, with the live Events at their top.
#[derive(Debug, Clone, Default, PartialEq)]
struct Shown {
    events: Vec<ClusterEvent>,
    next: Option<String>,
    namespaces: Option<Vec<String>>,
}

impl Shown {
    /// A new Event on top, or an update (same id) of one shown, moved to the top.
    fn arrive(&mut self, event: ClusterEvent) {
        self.events.retain(|e| e.id != event.id);
        self.events.insert(0, event);
        self.events.truncate(KEPT);
    }

    /// The next, older page below the rest.
    fn extend(&mut self, page: EventPage) {
        let known: std::collections::HashSet<String> =
            self.events.iter().map(|e| e.id.clone()).collect();
        self.events
            .extend(page.events.into_iter().filter(|e| !known.contains(&e.id)));
        self.next = page.next;
    }
}

#[component]
pub fn EventsPage() -> impl IntoView {
    super::set_title("Events");
    let url = use_query_map();
    let filters = Memo::new(move |_| url.with(|q| Filters::read(&EVENT_FILTERS, |k| q.get(k))));
    let param = move |key: &'static str| filters.with(|f| f.get(key).to_owned());
    let shown = RwSignal::new(None::<Result<Shown, ApiError>>);
    let loading_older = RwSignal::new(false);
    // Each read of the first page is a generation: an answer for older filters is dropped.
    let generation = StoredValue::new(0u64);
    let first_page = move || {
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        let page = query::Events {
            filters: filters.get_untracked(),
            before: None,
            limit: None,
        };
        leptos::task::spawn_local(async move {
            let answer = api::events(&page).await.map(|page| Shown {
                events: page.events,
                next: page.next,
                namespaces: page.namespaces,
            });
            // A page left meanwhile has no generation any more: its answer goes nowhere.
            if generation.try_get_value() == Some(mine) {
                shown.set(Some(answer));
            }
        });
    };
    let older = move || {
        let Some(Ok(Shown {
            next: Some(before), ..
        })) = shown.get_untracked()
        else {
            return;
        };
        let page = query::Events {
            filters: filters.get_untracked(),
            before: Some(before),
            limit: None,
        };
        let mine = generation.get_value();
        loading_older.set(true);
        leptos::task::spawn_local(async move {
            let answer = api::events(&page).await;
            if generation.try_get_value() != Some(mine) {
                return;
            }
            loading_older.set(false);
            match answer {
                Ok(page) => shown.update(|s| {
                    if let Some(Ok(s)) = s {
                        s.extend(page);
                    }
                }),
                Err(e) => crate::components::toast::toasts().failed(e.detail()),
            }
        });
    };
    // A new filter: the first page again, and a live stream with the same filters.
    Effect::new(move |_| {
        filters.track();
        first_page();
    });
    follow(
        move || Stream::Events(filters.get()),
        move |change| match change {
            Change::Event(event) => shown.update(|s| {
                if let Some(Ok(s)) = s {
                    s.arrive(*event);
                }
            }),
            Change::Resync | Change::Changed => first_page(),
        },
    );

    let navigate = use_navigate();
    let set = move |key: &'static str, value: String| {
        let to = filters.with_untracked(|f| f.with(key, &value).href(PAGE_PATH, &[]));
        navigate(&to, NavigateOptions::default());
    };
    let (set_kind, set_ns, set_severity, set_reason, set_q) =
        (set.clone(), set.clone(), set.clone(), set.clone(), set);
    view! {
        <h1>"Events"</h1>
        <form class="filters" role="search" aria-label="Filters" on:submit=|ev| ev.prevent_default()>
            <label>
                "Kind"
                <select on:change=move |ev| set_kind("kind", event_target_value(&ev)) prop:value=move || param("kind")>
                    <option value="">"All kinds"</option>
                    {FLUX_KINDS.iter().chain(WORKLOAD_KINDS.iter()).map(|k| view! { <option value=*k>{*k}</option> }).collect_view()}
                </select>
            </label>
            <label>
                "Namespace"
                <input type="text" placeholder="all" prop:value=move || param("namespace")
                    on:change=move |ev| set_ns("namespace", event_target_value(&ev))/>
            </label>
            <label>
                "Severity"
                <select on:change=move |ev| set_severity("severity", event_target_value(&ev)) prop:value=move || param("severity")>
                    <option value="">"Any"</option>
                    <option value="Warning">"Warning"</option>
                    <option value="Normal">"Normal"</option>
                </select>
            </label>
            <label>
                "Reason"
                <input type="text" placeholder="any" prop:value=move || param("reason")
                    on:change=move |ev| set_reason("reason", event_target_value(&ev))/>
            </label>
            <label>
                "Search"
                <input type="search" placeholder="message, object, who" prop:value=move || param("q")
                    on:change=move |ev| set_q("q", event_target_value(&ev))/>
            </label>
        </form>
        <p class="live-note">"Live: new Events appear at the top as they are written."</p>
        {move || match shown.get() {
            None => view! { <p class="loading">"Loading…"</p> }.into_any(),
            Some(Err(e)) => view! { <Failure error=e/> }.into_any(),
            Some(Ok(s)) => view! {
                {s.namespaces.clone().map(|namespaces| view! {
                    <p class="notice">{if namespaces.is_empty() {
                        "You may not list Events in any namespace.".to_owned()
                    } else {
                        format!("Showing the namespaces where you may list Events: {}.", namespaces.join(", "))
                    }}</p>
                })}
                <EventTable events=s.events.clone()/>
                {s.next.is_some().then(|| view! {
                    <div class="pager">
                        <button type="button" disabled=move || loading_older.get() on:click=move |_| older()>"Older"</button>
                    </div>
                })}
            }.into_any(),
        }}
    }
}

#[component]
fn EventTable(events: Vec<ClusterEvent>) -> impl IntoView {
    if events.is_empty() {
        return view! { <p class="notice">"No Events match."</p> }.into_any();
    }
    view! {
        <div class="table-scroll"><table class="events">
            <thead><tr>
                <th scope="col">"When"</th><th scope="col">"Severity"</th><th scope="col">"Object"</th>
                <th scope="col">"Reason"</th><th scope="col">"Message"</th><th scope="col">"Who"</th>
            </tr></thead>
            <tbody>{events.into_iter().map(|e| {
                let href = Address::of(&e.object).href();
                let (word, class) = match e.severity {
                    Severity::Warning => ("Warning", "severity severity-warning"),
                    Severity::Normal => ("Normal", "severity"),
                };
                let times = (e.count > 1).then(|| format!(" ×{}", e.count));
                view! {
                    <tr data-id=e.id.clone()>
                        <td><time datetime=e.entry.time.clone()>{ago(Some(e.entry.time.clone()))}</time>{times}</td>
                        <td><span class=class>{word}</span></td>
                        <td>{format!("{} ", e.object.kind)}<A href=href>{format!("{}/{}", e.object.namespace, e.object.name)}</A></td>
                        <td>{e.reason.clone()}</td>
                        <td class="message">{e.entry.message.clone()}</td>
                        <td>{e.entry.who.clone().unwrap_or_default()}</td>
                    </tr>
                }
            }).collect_view()}</tbody>
        </table></div>
    }
    .into_any()
}
