//! `/resources`: the Flux objects the user may see. The filters live in the query string
//! (`/resources?namespace=apps&status=failed`), so a filtered view can be bookmarked and
//! shared; the list follows the live stream.

use std::collections::BTreeSet;

use flux_web_shared::actions::Action;
use flux_web_shared::bulk::{BulkRequest, Selector};
use flux_web_shared::objects::{EmptyReason, FLUX_KINDS, ResourceList, Sort, SortKey, State};
use flux_web_shared::user::UserInfo;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::Failure;
use crate::api::{self, ApiError};
use crate::components::badge::Badge;
use crate::components::bulk::{Ask, BULK_ACTIONS, BulkDialog};
use crate::components::palette::{Command, Commands};
use crate::components::toast::toasts;
use crate::format::{ago, encode};

const PAGE: usize = 50;
/// How long the list waits for the live stream's first event before it is read anyway.
const STREAM_WAIT_MS: u64 = 1500;

const FILTERS: [&str; 5] = ["kind", "namespace", "status", "q", "sort"];

/// The shortcuts' names, on their buttons and in the palette.
const RECONCILE_FAILED: &str = "Reconcile all failed in view";
const RESUME_MINE: &str = "Resume all suspended by me";

#[component]
pub fn ResourcesPage() -> impl IntoView {
    super::set_title("Resources");
    let url_query = use_query_map();
    let navigate = use_navigate();
    let param = move |key: &'static str| url_query.with(|q| q.get(key)).unwrap_or_default();
    // The page's own query, sent to the API as it is, with the page size.
    let api_query = move || {
        let offset = param("continue");
        query(
            &param,
            None,
            &[("continue", &offset), ("limit", &PAGE.to_string())],
        )
    };
    // The list is read once the live stream says a read can miss no change (its first event,
    // a resync), so that the stream's start costs no second read; or after a moment without
    // one, should the stream not come up. Until then it is `None`: not read yet.
    let ready = RwSignal::new(false);
    let list = LocalResource::new(move || {
        let (q, go) = (api_query(), ready.get());
        async move {
            match go {
                true => Some(api::resources(&q).await),
                false => None,
            }
        }
    });
    // A timer that fires after the page is gone finds no signal, and does nothing.
    let ready_anyway = move || {
        if ready.try_get_untracked() == Some(false) {
            ready.set(true);
        }
    };
    // Live: any change to what could be on this page refetches it, once a burst settles.
    let refetch = super::on_settled(move || list.refetch());
    let watch_query = move || {
        let mut parts = Vec::new();
        let (kind, ns) = (param("kind"), param("namespace"));
        if !kind.is_empty() {
            parts.push(format!("kind={kind}"));
        }
        if !ns.is_empty() {
            parts.push(format!("namespace={ns}"));
        }
        parts.join("&")
    };
    Effect::new(
        move |previous: Option<Option<gloo_net::eventsource::futures::EventSource>>| {
            drop(previous);
            let query = watch_query();
            ready.set(false);
            set_timeout(
                ready_anyway,
                std::time::Duration::from_millis(STREAM_WAIT_MS),
            );
            api::watch(&query, move || match ready.try_get_untracked() {
                Some(false) => ready.set(true),
                Some(true) => refetch(),
                None => {}
            })
        },
    );

    // The selection: object paths, or everything the filters match. A new filter starts a
    // new selection, so that nothing out of view stays selected.
    let selection = Selection::new();
    let filters = Memo::new(move |_| query(&param, None, &[]));
    Effect::new(move |_| {
        filters.track();
        selection.clear();
    });
    let ask = RwSignal::new(None::<Ask>);
    let selector = move |status: Option<State>| Selector {
        kind: Some(param("kind")).filter(|k| !k.is_empty()),
        namespace: Some(param("namespace")).filter(|n| !n.is_empty()),
        status: status.or_else(|| State::parse(&param("status"))),
        q: Some(param("q")).filter(|q| !q.is_empty()),
    };
    let selected_request = move || {
        if selection.everything.get() {
            BulkRequest {
                selector: Some(selector(None)),
                ..BulkRequest::default()
            }
        } else {
            BulkRequest {
                targets: Some(selection.paths.get().into_iter().collect()),
                ..BulkRequest::default()
            }
        }
    };
    let reconcile_failed = move |()| {
        ask.set(Some(Ask {
            action: Action::Reconcile,
            request: BulkRequest {
                selector: Some(selector(Some(State::Failed))),
                ..BulkRequest::default()
            },
        }));
    };
    let resume_mine = move |()| resume_suspended_by_me(ask);
    // The palette's commands: the two shortcuts, and each bulk action on the selection.
    Commands::offer(move || {
        let mut commands = vec![
            Command {
                label: RECONCILE_FAILED.to_owned(),
                run: Callback::new(move |()| reconcile_failed(())),
            },
            Command {
                label: RESUME_MINE.to_owned(),
                run: Callback::new(move |()| resume_mine(())),
            },
        ];
        if !selection.is_empty() {
            let what = if selection.everything.get() {
                "all matching the filters".to_owned()
            } else {
                format!("the {} selected", selection.paths.with(BTreeSet::len))
            };
            commands.extend(BULK_ACTIONS.iter().map(|action| {
                let action = *action;
                Command {
                    label: format!("{} {what}", action.label()),
                    run: Callback::new(move |()| {
                        ask.set(Some(Ask {
                            action,
                            request: selected_request(),
                        }))
                    }),
                }
            }));
        }
        commands
    });
    let done = Callback::new(move |()| {
        selection.clear();
        list.refetch();
    });

    let set = {
        let navigate = navigate.clone();
        move |key: &'static str, value: String| {
            let to = query(&param, Some(key), &[(key, &value)]);
            navigate(&format!("/resources?{to}"), NavigateOptions::default());
        }
    };
    let set_kind = set.clone();
    let set_status = set.clone();
    let set_ns = set.clone();
    let set_q = set.clone();
    let page_to = move |offset: usize| {
        let offset = if offset > 0 {
            offset.to_string()
        } else {
            String::new()
        };
        format!(
            "/resources?{}",
            query(&param, None, &[("continue", &offset)])
        )
    };
    // A column's link sorts by it (again: the reverse), from the first page (the page's
    // offset is not a filter: links built by `query` leave it out).
    let sort_to = move |key: SortKey| {
        let next = Sort::parse(&param("sort")).unwrap_or_default().toggled(key);
        format!(
            "/resources?{}",
            query(&param, Some("sort"), &[("sort", &next.param())])
        )
    };
    let status_to = move |state: Option<State>| {
        let state = state.map(State::name).unwrap_or_default();
        format!(
            "/resources?{}",
            query(&param, Some("status"), &[("status", state)])
        )
    };
    view! {
        <h1>"Resources"</h1>
        <form class="filters" role="search" aria-label="Filters" on:submit=|ev| ev.prevent_default()>
            <label>
                "Kind"
                <select on:change=move |ev| set_kind("kind", event_target_value(&ev)) prop:value=move || param("kind")>
                    <option value="">"All kinds"</option>
                    {FLUX_KINDS.iter().map(|k| view! { <option value=*k>{*k}</option> }).collect_view()}
                </select>
            </label>
            <label>
                "Namespace"
                <input type="text" placeholder="all" prop:value=move || param("namespace")
                    on:change=move |ev| set_ns("namespace", event_target_value(&ev))/>
            </label>
            <label>
                "Status"
                <select on:change=move |ev| set_status("status", event_target_value(&ev)) prop:value=move || param("status")>
                    <option value="">"Any"</option>
                    {State::ALL.iter().map(|s| view! { <option value=s.name()>{s.name()}</option> }).collect_view()}
                </select>
            </label>
            <label>
                "Search"
                <input type="search" placeholder="name" prop:value=move || param("q")
                    on:change=move |ev| set_q("q", event_target_value(&ev))/>
            </label>
        </form>
        <div class="shortcuts" role="group" aria-label="Shortcuts">
            <button type="button" on:click=move |_| reconcile_failed(())>{RECONCILE_FAILED}</button>
            <button type="button" on:click=move |_| resume_mine(())>{RESUME_MINE}</button>
        </div>
        {move || (!selection.is_empty()).then(|| view! {
            <div class="bulk-bar" role="toolbar" aria-label="Bulk actions">
                <span class="bulk-count">{move || selection.describe(list.get().flatten().and_then(Result::ok).map_or(0, |l| l.total))}</span>
                {BULK_ACTIONS.iter().map(|action| {
                    let action = *action;
                    view! {
                        <button type="button" data-bulk=action.name()
                            on:click=move |_| ask.set(Some(Ask { action, request: selected_request() }))>
                            {action.label()}
                        </button>
                    }
                }).collect_view()}
                <button type="button" class="quiet" on:click=move |_| selection.clear()>"Clear selection"</button>
            </div>
        })}
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || list.get().map(|answer| match answer {
                None => view! { <p class="loading">"Loading…"</p> }.into_any(),
                Some(Ok(list)) if list.items.is_empty() => view! {
                    <Nothing list=list namespace=param("namespace") filtered=!filters.get().is_empty()/>
                }.into_any(),
                Some(Ok(list)) => view! {
                    <Counts list=list.clone() status=param("status") status_to=status_to/>
                    <Table list=list.clone() offset=param("continue").parse().unwrap_or(0) page_to=page_to
                        sort=Sort::parse(&param("sort")).unwrap_or_default() sort_to=sort_to selection=selection/>
                }.into_any(),
                Some(Err(e)) => view! { <Failure error=e/> }.into_any(),
            })}
        </Transition>
        <BulkDialog ask=ask done=done/>
    }
}

/// The filters of the page as a query string, but for `skip`, followed by `extra`.
fn query(
    param: &impl Fn(&'static str) -> String,
    skip: Option<&str>,
    extra: &[(&str, &str)],
) -> String {
    super::filter_query(&FILTERS, param, skip, extra)
}

/// What the user selected on the page: object paths, or all that the filters match.
#[derive(Debug, Clone, Copy)]
struct Selection {
    paths: RwSignal<BTreeSet<String>>,
    everything: RwSignal<bool>,
    /// The row a shift-click extends from.
    anchor: StoredValue<Option<usize>>,
}

impl Selection {
    fn new() -> Self {
        Self {
            paths: RwSignal::new(BTreeSet::new()),
            everything: RwSignal::new(false),
            anchor: StoredValue::new(None),
        }
    }

    fn clear(&self) {
        self.paths.set(BTreeSet::new());
        self.everything.set(false);
        self.anchor.set_value(None);
    }

    fn is_empty(&self) -> bool {
        !self.everything.get() && self.paths.with(BTreeSet::is_empty)
    }

    fn describe(&self, total: usize) -> String {
        if self.everything.get() {
            format!("All {total} matching the filters")
        } else {
            format!("{} selected", self.paths.with(BTreeSet::len))
        }
    }

    fn contains(&self, path: &str) -> bool {
        self.everything.get() || self.paths.with(|p| p.contains(path))
    }

    /// A click on row `index` of `page`: toggles it, or with shift sets the rows from the
    /// last clicked one to it as this one becomes.
    fn click(&self, page: &[String], index: usize, shift: bool) {
        if self.everything.get_untracked() {
            // Leaving "everything": what is on this page stays selected.
            self.everything.set(false);
            self.paths.set(page.iter().cloned().collect());
        }
        let on = !self.paths.with_untracked(|p| p.contains(&page[index]));
        let from = match self.anchor.get_value() {
            Some(anchor) if shift && anchor < page.len() => anchor,
            _ => index,
        };
        let range = from.min(index)..=from.max(index);
        self.paths.update(|paths| {
            for path in &page[range] {
                if on {
                    paths.insert(path.clone());
                } else {
                    paths.remove(path);
                }
            }
        });
        self.anchor.set_value(Some(index));
    }

    /// The header's box: the whole page, or none of it.
    fn toggle_page(&self, page: &[String]) {
        let all = page.iter().all(|p| self.contains(p));
        self.everything.set(false);
        self.paths.update(|paths| {
            for path in page {
                if all {
                    paths.remove(path);
                } else {
                    paths.insert(path.clone());
                }
            }
        });
    }
}

/// Finds what the user suspended (as far as they may see) and asks to resume it.
fn resume_suspended_by_me(ask: RwSignal<Option<Ask>>) {
    let user = use_context::<LocalResource<Result<UserInfo, ApiError>>>();
    let toasts = toasts();
    leptos::task::spawn_local(async move {
        // By username: display names are for people, and two of them may be the same.
        let me = user
            .and_then(|u| u.get_untracked())
            .and_then(Result::ok)
            .and_then(|u| u.username);
        let Some(me) = me else {
            return toasts.failed("Log in first: nothing is suspended by nobody");
        };
        let mut mine = Vec::new();
        let mut next = Some(String::new());
        // Page by page; a bulk action takes 500 at most, which bounds the pages worth reading.
        while let Some(offset) = next.take().filter(|_| mine.len() < 500) {
            let query = match offset.as_str() {
                "" => "status=suspended&limit=500".to_owned(),
                offset => format!("status=suspended&limit=500&continue={offset}"),
            };
            let list = match api::resources(&query).await {
                Ok(list) => list,
                Err(e) => return toasts.failed(format!("Could not list: {}", e.detail())),
            };
            mine.extend(
                list.items
                    .iter()
                    .filter(|item| item.summary.suspended_by_user.as_deref() == Some(me.as_str()))
                    .map(|item| api::object_path(&item.target)),
            );
            next = list.continue_token;
        }
        if mine.is_empty() {
            return toasts.ok(format!("Nothing you may see is suspended by {me}"));
        }
        ask.set(Some(Ask {
            action: Action::Resume,
            request: BulkRequest {
                targets: Some(mine),
                ..BulkRequest::default()
            },
        }));
    });
}

/// An empty list, told apart: filters that match nothing, a namespace the user may not list
/// (or that does not exist), or RBAC that lets them list nothing at all.
#[component]
fn Nothing(list: ResourceList, namespace: String, filtered: bool) -> impl IntoView {
    let reason = list.empty.as_ref().map(|e| e.reason);
    let elsewhere = list.empty.map(|e| e.namespaces).unwrap_or_default();
    let (title, hint) = match (reason, namespace.is_empty()) {
        (Some(EmptyReason::NoAccess), false) => (
            format!(
                "You may not list Flux objects in namespace “{namespace}”, or it does not exist."
            ),
            if elsewhere.is_empty() {
                "Check the name, or ask an admin for a role there.".to_owned()
            } else {
                "Namespaces where you may:".to_owned()
            },
        ),
        (Some(EmptyReason::NoAccess), true) => (
            "Your RBAC lets you list no Flux objects.".to_owned(),
            "Ask an admin to bind you the flux-web-user role (read-only) where you work."
                .to_owned(),
        ),
        _ if filtered => (
            "No Flux object matches these filters.".to_owned(),
            String::new(),
        ),
        _ => ("There are no Flux objects yet.".to_owned(), String::new()),
    };
    view! {
        <div class="notice empty" role="status">
            <p class="empty-title">{title}</p>
            {(!hint.is_empty()).then(|| view! { <p>{hint}</p> })}
            {(!elsewhere.is_empty()).then(|| view! {
                <ul class="namespaces">
                    {elsewhere.into_iter().map(|ns| view! { <li><A href=format!("/resources?namespace={}", encode(&ns))>{ns.clone()}</A></li> }).collect_view()}
                </ul>
            })}
            {filtered.then(|| view! { <p><A href="/resources">"Clear the filters"</A></p> })}
        </div>
    }
}

#[component]
fn Table(
    list: ResourceList,
    offset: usize,
    page_to: impl Fn(usize) -> String + Copy + Send + Sync + 'static,
    sort: Sort,
    sort_to: impl Fn(SortKey) -> String + Copy + Send + Sync + 'static,
    selection: Selection,
) -> impl IntoView {
    let shown = list.items.len();
    let total = list.total;
    let page: Vec<String> = list
        .items
        .iter()
        .map(|item| api::object_path(&item.target))
        .collect();
    let page = StoredValue::new(page);
    let whole_page = move || page.with_value(|p| p.iter().all(|path| selection.contains(path)));
    let rows = list
        .items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            let href = format!("/{}", api::object_path(&item.target));
            let path = api::object_path(&item.target);
            let label = format!(
                "Select {} {}/{}",
                item.target.kind, item.target.namespace, item.target.name
            );
            view! {
                <tr class:selected=move || selection.contains(&path)>
                    <td class="select">
                        <input type="checkbox" aria-label=label
                            prop:checked={
                                let path = api::object_path(&item.target);
                                move || selection.contains(&path)
                            }
                            on:click=move |ev| page.with_value(|p| selection.click(p, index, ev.shift_key()))/>
                    </td>
                    <td>{item.target.kind.clone()}</td>
                    <td>{item.target.namespace.clone()}</td>
                    <td><A href=href>{item.target.name.clone()}</A></td>
                    <td><Badge state=item.summary.state retrying=item.summary.retrying/></td>
                    <td class="message">{item.summary.message.clone()}</td>
                    <td>{item.summary.updated().map(|at| view! { <time datetime=at.to_owned()>{ago(Some(at.to_owned()))}</time> })}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        {move || (whole_page() && total > shown).then(|| view! {
            <p class="select-all" role="status">
                {move || if selection.everything.get() {
                    format!("All {total} objects matching the filters are selected. ")
                } else {
                    format!("All {shown} on this page are selected. ")
                }}
                {move || (!selection.everything.get()).then(|| view! {
                    <button type="button" class="link" on:click=move |_| selection.everything.set(true)>
                        {format!("Select all {total} matching the filters")}
                    </button>
                })}
            </p>
        })}
        <div class="table-scroll">
            <table class="objects">
                <caption class="visually-hidden">"Flux objects"</caption>
                <thead><tr>
                    <th scope="col" class="select">
                        <input type="checkbox" aria-label="Select every object on this page"
                            prop:checked=whole_page
                            on:click=move |_| page.with_value(|p| selection.toggle_page(p))/>
                    </th>
                    <Column label="Kind" key=SortKey::Kind sort=sort sort_to=sort_to/>
                    <Column label="Namespace" key=SortKey::Namespace sort=sort sort_to=sort_to/>
                    <Column label="Name" key=SortKey::Name sort=sort sort_to=sort_to/>
                    <Column label="Status" key=SortKey::Status sort=sort sort_to=sort_to/>
                    <th scope="col" class="message">"Message"</th>
                    <Column label="Updated" key=SortKey::Updated sort=sort sort_to=sort_to/>
                </tr></thead>
                <tbody on:keydown=rows_by_keyboard>{rows}</tbody>
            </table>
        </div>
        <nav class="pager" aria-label="Pages of the list">
            <span>{format!("{}–{} of {}", offset + 1, offset + shown, list.total)}</span>
            {(offset > 0).then(|| view! { <A href=page_to(offset.saturating_sub(PAGE))>"Previous"</A> })}
            {list.continue_token.and_then(|c| c.parse::<usize>().ok()).map(|next| view! { <A href=page_to(next)>"Next"</A> })}
        </nav>
    }
    .into_any()
}

/// A column's header: a link that sorts by it, `aria-sort` on the column sorted by.
#[component]
fn Column(
    label: &'static str,
    key: SortKey,
    sort: Sort,
    sort_to: impl Fn(SortKey) -> String + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let sorted = (sort.key == key).then_some(if sort.descending {
        "descending"
    } else {
        "ascending"
    });
    let arrow = match sorted {
        Some("descending") => "↓",
        Some(_) => "↑",
        None => "",
    };
    view! {
        <th scope="col" aria-sort=sorted>
            <A href=sort_to(key) attr:class="sort">{label}<span aria-hidden="true" class="arrow">{arrow}</span></A>
        </th>
    }
}

/// Up and down arrows (and `j`, `k`) move from a row's link to the next row's.
fn rows_by_keyboard(ev: leptos::ev::KeyboardEvent) {
    use wasm_bindgen::JsCast;
    let down = match ev.key().as_str() {
        "ArrowDown" | "j" => true,
        "ArrowUp" | "k" => false,
        _ => return,
    };
    let row = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|e| e.closest("tr").ok().flatten());
    let next = row.and_then(|row| match down {
        true => row.next_element_sibling(),
        false => row.previous_element_sibling(),
    });
    let link = next.and_then(|row| row.query_selector("a").ok().flatten());
    if let Some(link) = link.and_then(|l| l.dyn_into::<web_sys::HtmlElement>().ok()) {
        ev.prevent_default();
        let _ = link.focus();
    }
}

/// How many objects the filters match in each state (the status filter aside), each a link
/// that filters by it: what needs a look is counted before it is searched for.
#[component]
fn Counts(
    list: ResourceList,
    status: String,
    status_to: impl Fn(Option<State>) -> String + Copy + Send + Sync + 'static,
) -> impl IntoView {
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
    let current = State::parse(&status);
    let chip = move |state: Option<State>, n: usize| {
        let (label, class) = match state {
            Some(s) => (s.label(), format!("chip badge-{}", s.name())),
            None => ("all", "chip".to_owned()),
        };
        let here = (current == state).then_some("true");
        view! {
            <li><A href=status_to(state) attr:class=class attr:aria-current=here>
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_query_carries_the_filters_set_and_skips_the_empty_and_the_skipped() {
        let param = |key: &'static str| match key {
            "kind" => "Kustomization".to_owned(),
            "q" => "pod info".to_owned(),
            _ => String::new(),
        };
        assert_eq!(
            query(&param, None, &[("limit", "50")]),
            "kind=Kustomization&q=pod%20info&limit=50"
        );
        assert_eq!(query(&param, Some("kind"), &[]), "q=pod%20info");
        assert_eq!(query(&|_| String::new(), None, &[("continue", "")]), "");
    }

    #[test]
    fn every_state_is_offered_by_its_wire_name() {
        let names: Vec<_> = State::ALL.iter().map(|s| s.name()).collect();
        assert_eq!(
            names,
            ["ready", "failed", "progressing", "suspended", "unknown"]
        );
    }
}
