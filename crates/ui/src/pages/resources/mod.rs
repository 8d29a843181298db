//! `/resources`: the Flux objects the user may see. The filters live in the query string
//! (`/resources?namespace=apps&status=failed`), so a filtered view can be bookmarked and
//! shared; the list follows the live stream.
//!
//! - [`filters`] — the filter form and the counts by state.
//! - [`selection`] — what is selected, and the bulk bar.
//! - [`table`] — the rows, the sorting columns, the pager.
//! - [`empty`] — why a list is empty.

mod empty;
mod filters;
mod selection;
mod table;

use flux_web_shared::actions::Action;
use flux_web_shared::bulk::{BulkRequest, Selector};
use flux_web_shared::objects::{Sort, SortKey, State};
use flux_web_shared::user::UserInfo;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::Failure;
use crate::api::live::{Stream, use_live};
use crate::api::query::{self, Filters, RESOURCE_FILTERS, Watch};
use crate::api::{self, Address, ApiError};
use crate::components::bulk::{Ask, BULK_ACTIONS, BulkDialog};
use crate::components::palette::{Command, Commands};
use crate::components::toast::toasts;
use empty::Nothing;
use filters::{Counts, FilterForm};
use selection::{BulkBar, Selection};
use table::Table;

/// The page's own address.
const PAGE_PATH: &str = "/resources";
/// The order without `?sort=`: failures first, since a list is read to find what is wrong.
pub const FIRST_SORT: Sort = Sort {
    key: SortKey::Status,
    descending: false,
};

/// Objects a page of the list shows.
const PAGE: usize = 50;

/// The shortcuts' names, on their buttons and in the palette.
const RECONCILE_FAILED: &str = "Reconcile all failed in view";
const RESUME_MINE: &str = "Resume all suspended by me";

#[component]
pub fn ResourcesPage() -> impl IntoView {
    super::set_title("Resources");
    let url = use_query_map();
    let filters = Memo::new(move |_| url.with(|q| Filters::read(&RESOURCE_FILTERS, |k| q.get(k))));
    let offset = Memo::new(move |_| {
        url.with(|q| q.get("continue"))
            .and_then(|c| c.parse().ok())
            .unwrap_or(0)
    });
    // Any change to what could be on this page: the kinds and namespace filtered by.
    let stream = move || {
        filters.with(|f| {
            Stream::Objects(Watch {
                kinds: Some(f.get("kind").to_owned())
                    .filter(|k| !k.is_empty())
                    .into_iter()
                    .collect(),
                namespace: f.get("namespace").to_owned(),
                name: String::new(),
            })
        })
    };
    let list = use_live(stream, move || {
        let filters = filters.get();
        let page = query::Resources {
            filters: match filters.get("sort") {
                "" => filters.with("sort", &FIRST_SORT.param()),
                _ => filters,
            },
            offset: offset.get(),
            limit: PAGE,
        };
        async move { api::resources(&page).await }
    });

    // A new filter starts a new selection, so that nothing out of view stays selected.
    let selection = Selection::new();
    Effect::new(move |_| {
        filters.track();
        selection.clear();
    });
    let ask = RwSignal::new(None::<Ask>);
    let selector = move |status: Option<State>| {
        filters.with_untracked(|f| {
            let some = |key| Some(f.get(key).to_owned()).filter(|v| !v.is_empty());
            Selector {
                kind: some("kind"),
                namespace: some("namespace"),
                status: status.or_else(|| State::parse(f.get("status"))),
                q: some("q"),
            }
        })
    };
    let selected = Callback::new(move |()| {
        if selection.everything.get_untracked() {
            BulkRequest {
                selector: Some(selector(None)),
                ..BulkRequest::default()
            }
        } else {
            let objects = selection.objects.get_untracked();
            BulkRequest {
                targets: Some(objects.iter().map(Address::to_string).collect()),
                ..BulkRequest::default()
            }
        }
    });
    let reconcile_failed = move || {
        ask.set(Some(Ask {
            action: Action::Reconcile,
            request: BulkRequest {
                selector: Some(selector(Some(State::Failed))),
                ..BulkRequest::default()
            },
        }));
    };
    let resume_mine = move || resume_suspended_by_me(ask);
    // The palette's commands: the two shortcuts, and each bulk action on the selection.
    Commands::offer(move || {
        let mut commands = vec![
            Command {
                label: RECONCILE_FAILED.to_owned(),
                run: Callback::new(move |()| reconcile_failed()),
            },
            Command {
                label: RESUME_MINE.to_owned(),
                run: Callback::new(move |()| resume_mine()),
            },
        ];
        if !selection.is_empty() {
            let which = selection.which();
            commands.extend(BULK_ACTIONS.iter().map(|action| {
                let action = *action;
                Command {
                    label: format!("{} {which}", action.label()),
                    run: Callback::new(move |()| {
                        ask.set(Some(Ask {
                            action,
                            request: selected.run(()),
                        }))
                    }),
                }
            }));
        }
        commands
    });
    let done = Callback::new(move |()| {
        selection.clear();
        list.reload();
    });
    let total = Signal::derive(move || {
        list.with(|l| {
            l.as_ref()
                .and_then(|l| l.as_ref().ok())
                .map_or(0, |l| l.total)
        })
    });
    // A phone folds the filters and shortcuts behind one button, which says how many filters
    // are set; wider screens always show them and never the button.
    let folded = RwSignal::new(true);
    let set = move || {
        filters.with(|f| {
            let set = |k: &&&str| **k != "sort" && !f.get(k).is_empty();
            RESOURCE_FILTERS.iter().filter(set).count()
        })
    };
    view! {
        <h1>"Resources"</h1>
        <button type="button" class="tools-toggle" aria-controls="list-tools"
            aria-expanded=move || (!folded.get()).to_string() on:click=move |_| folded.update(|f| *f = !*f)>
            {move || match set() { 0 => "Filters".to_owned(), n => format!("Filters ({n})") }}
        </button>
        <div id="list-tools" class="list-tools" class:folded=move || folded.get()>
            <FilterForm filters=filters/>
            <div class="shortcuts" role="group" aria-label="Shortcuts">
                <button type="button" on:click=move |_| reconcile_failed()>{RECONCILE_FAILED}</button>
                <button type="button" on:click=move |_| resume_mine()>{RESUME_MINE}</button>
            </div>
        </div>
        <BulkBar selection=selection total=total ask=ask request=selected/>
        {move || match list.get() {
            None => view! { <p class="loading">"Loading…"</p> }.into_any(),
            Some(Ok(list)) if list.items.is_empty() => view! {
                <Nothing list=list filters=filters.get() offset=offset.get()/>
            }.into_any(),
            Some(Ok(list)) => view! {
                <Counts list=list.clone() filters=filters.get()/>
                <Table list=list filters=filters.get() offset=offset.get() selection=selection/>
            }.into_any(),
            Some(Err(e)) => view! { <Failure error=e/> }.into_any(),
        }}
        <BulkDialog ask=ask done=done/>
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
        let mut page = query::Resources {
            filters: Filters::default().with("status", State::Suspended.name()),
            offset: 0,
            limit: 500,
        };
        // Page by page; a bulk action takes 500 at most, which bounds the pages worth reading.
        loop {
            let list = match api::resources(&page).await {
                Ok(list) => list,
                Err(e) => return toasts.failed(format!("Could not list: {}", e.detail())),
            };
            mine.extend(
                list.items
                    .iter()
                    .filter(|item| item.summary.suspended_by_user.as_deref() == Some(me.as_str()))
                    .map(|item| Address::of(&item.target).to_string()),
            );
            match list.continue_token.and_then(|c| c.parse().ok()) {
                Some(next) if mine.len() < 500 => page.offset = next,
                _ => break,
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_is_offered_by_its_wire_name() {
        let names: Vec<_> = State::ALL.iter().map(|s| s.name()).collect();
        assert_eq!(
            names,
            ["ready", "failed", "progressing", "suspended", "unknown"]
        );
    }
}
