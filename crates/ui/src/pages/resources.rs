//! `/resources`: the Flux objects the user may see. The filters live in the query string
//! (`/resources?namespace=apps&status=failed`), so a filtered view can be bookmarked and
//! shared; the list follows the live stream.

use flux_web_shared::objects::{FLUX_KINDS, ResourceList, State};
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::Failure;
use crate::api;
use crate::components::badge::Badge;
use crate::format::{age, encode};

const PAGE: usize = 50;
/// Changes come in bursts (a reconcile touches status several times): one refetch a burst.
const SETTLE_MS: u64 = 400;

const FILTERS: [&str; 4] = ["kind", "namespace", "status", "q"];

#[component]
pub fn ResourcesPage() -> impl IntoView {
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
    let list = LocalResource::new(move || {
        let q = api_query();
        async move { api::resources(&q).await }
    });
    // Live: any change to what could be on this page refetches it, once a burst settles.
    let pending = StoredValue::new(false);
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
            api::watch(&watch_query(), move |_| {
                if !pending.get_value() {
                    pending.set_value(true);
                    set_timeout(
                        move || {
                            pending.set_value(false);
                            list.refetch();
                        },
                        std::time::Duration::from_millis(SETTLE_MS),
                    );
                }
            })
        },
    );

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
    view! {
        <h1>"Resources"</h1>
        <form class="filters" role="search" on:submit=|ev| ev.prevent_default()>
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
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || list.get().map(|answer| match answer {
                Ok(list) => view! { <Table list=list.clone() offset=param("continue").parse().unwrap_or(0) page_to=page_to/> }.into_any(),
                Err(e) => view! { <Failure error=e/> }.into_any(),
            })}
        </Transition>
    }
}

/// The filters of the page as a query string, but for `skip`, followed by `extra`; empty
/// values are left out.
fn query(
    param: &impl Fn(&'static str) -> String,
    skip: Option<&str>,
    extra: &[(&str, &str)],
) -> String {
    let filters: Vec<(&str, String)> = FILTERS
        .iter()
        .filter(|k| Some(**k) != skip)
        .map(|k| (*k, param(k)))
        .collect();
    filters
        .iter()
        .map(|(k, v)| (*k, v.as_str()))
        .chain(extra.iter().copied())
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[component]
fn Table(
    list: ResourceList,
    offset: usize,
    page_to: impl Fn(usize) -> String + Copy + Send + Sync + 'static,
) -> impl IntoView {
    if list.items.is_empty() {
        return view! { <p class="notice">"Nothing here you may see."</p> }.into_any();
    }
    let shown = list.items.len();
    let rows = list
        .items
        .into_iter()
        .map(|item| {
            let href = format!("/{}", api::object_path(&item.target));
            view! {
                <tr>
                    <td>{item.target.kind.clone()}</td>
                    <td>{item.target.namespace.clone()}</td>
                    <td><A href=href>{item.target.name.clone()}</A></td>
                    <td><Badge state=item.summary.state/></td>
                    <td class="message">{item.summary.message.clone()}</td>
                    <td>{age(item.summary.last_handled_reconcile_at.as_deref())}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table>
                <caption class="visually-hidden">"Flux objects"</caption>
                <thead><tr>
                    <th scope="col">"Kind"</th><th scope="col">"Namespace"</th><th scope="col">"Name"</th>
                    <th scope="col">"Status"</th><th scope="col">"Message"</th><th scope="col">"Reconciled"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <nav class="pager" aria-label="Pages">
            <span>{format!("{}–{} of {}", offset + 1, offset + shown, list.total)}</span>
            {(offset > 0).then(|| view! { <A href=page_to(offset.saturating_sub(PAGE))>"Previous"</A> })}
            {list.continue_token.and_then(|c| c.parse::<usize>().ok()).map(|next| view! { <A href=page_to(next)>"Next"</A> })}
        </nav>
    }
    .into_any()
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
