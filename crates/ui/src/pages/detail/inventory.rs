//! The Inventory tab of a Kustomization or a HelmRelease: every object it applied, grouped by kind,
//! searchable, each with its health as the user may read it (a workload's replicas among
//! it), and its YAML on request (a Secret's values masked). The
//! whole inventory is read the first time the tab opens, not with the page: it is one read
//! per object.

use flux_web_shared::objects::{InventoryItem, InventoryList, State, WORKLOAD_KINDS};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::{self, Address, ApiError};
use crate::components::badge::Badge;
use crate::components::object_link::ObjectLink;

#[component]
pub fn Inventory(object: Address) -> impl IntoView {
    let query = use_query_map();
    let owner = object.clone();
    // Latched: once opened, the tab keeps what it read.
    let opened = Memo::new(move |was: Option<&bool>| {
        was.copied().unwrap_or(false)
            || query.with(|q| q.get("tab").as_deref() == Some("inventory"))
    });
    let all = LocalResource::new(move || {
        let (object, open) = (owner.clone(), opened.get());
        async move {
            match open {
                true => Some(api::inventory(&object).await),
                false => None,
            }
        }
    });
    view! {
        <section aria-labelledby="applied-title">
            <h2 id="applied-title">"Applied objects"</h2>
            {move || match all.get().flatten() {
                None => view! { <p class="loading">"Loading…"</p> }.into_any(),
                Some(answer) => view! { <Applied answer=answer owner=object.clone()/> }.into_any(),
            }}
        </section>
    }
}

/// Every applied object by kind, narrowed by what is typed.
#[component]
fn Applied(answer: Result<InventoryList, ApiError>, owner: Address) -> impl IntoView {
    let list = match answer {
        Ok(list) => list,
        Err(e) => return view! { <p class="notice">{format!("The inventory could not be read: {}", e.detail())}</p> }.into_any(),
    };
    if list.items.is_empty() {
        return view! { <p class="notice">"Its status lists no applied object."</p> }.into_any();
    }
    let unhealthy = list
        .items
        .iter()
        .filter(|i| {
            matches!(
                i.state,
                Some(State::Failed | State::Progressing | State::Unknown)
            )
        })
        .count();
    let summary = format!("{} objects · {unhealthy} not healthy", list.items.len());
    let partial = list.partial.then(|| view! { <p class="hint">"Health was read for the first objects only: the inventory is larger than one answer reads."</p> });
    let typed = RwSignal::new(String::new());
    let items = StoredValue::new(list.items);
    let groups = move || {
        let wanted = typed.get().to_lowercase();
        let mut groups: Vec<(String, Vec<InventoryItem>)> = Vec::new();
        items.with_value(|items| {
            for item in items
                .iter()
                .filter(|i| wanted.is_empty() || matches(i, &wanted))
            {
                match groups.last_mut() {
                    Some((kind, list)) if *kind == item.target.kind => list.push(item.clone()),
                    _ => groups.push((item.target.kind.clone(), vec![item.clone()])),
                }
            }
        });
        groups
    };
    view! {
        <p class="inventory-summary">{summary}</p>
        {partial}
        <label class="inventory-search">"Search "
            <input type="search" placeholder="kind or name" prop:value=move || typed.get()
                on:input=move |ev| typed.set(event_target_value(&ev))/>
        </label>
        {move || groups().into_iter().map(|(kind, items)| view! {
            <h3>{format!("{kind} ({})", items.len())}</h3>
            <div class="table-scroll"><table class="applied">
                <thead><tr><th scope="col">"Name"</th><th scope="col">"Health"</th><th scope="col">"YAML"</th></tr></thead>
                <tbody>{items.into_iter().map(|item| view! { <Row item=item owner=owner.clone()/> }).collect_view()}</tbody>
            </table></div>
        }).collect_view()}
    }
    .into_any()
}

fn matches(item: &InventoryItem, wanted: &str) -> bool {
    [&item.target.kind, &item.target.namespace, &item.target.name]
        .iter()
        .any(|part| part.to_lowercase().contains(wanted))
}

#[component]
fn Row(item: InventoryItem, owner: Address) -> impl IntoView {
    // A workload has a page of its own; other kinds are named.
    let name = match WORKLOAD_KINDS.contains(&item.target.kind.as_str()) {
        true => view! { <ObjectLink target=item.target.clone()/> }.into_any(),
        false => match item.target.namespace.is_empty() {
            true => item.target.name.clone().into_any(),
            false => format!("{}/{}", item.target.namespace, item.target.name).into_any(),
        },
    };
    let health = match item.state {
        Some(state) => {
            view! { <Badge state=state retrying=false/>" "<span class="hint">{item.message}</span> }
                .into_any()
        }
        None => view! { <span class="hint">"not yours to read"</span> }.into_any(),
    };
    // Its YAML is read when asked for, and once.
    let open = RwSignal::new(false);
    let id = item.id.clone();
    let yaml = LocalResource::new(move || {
        let (owner, id, asked) = (owner.clone(), id.clone(), open.get());
        async move {
            match asked {
                true => Some(api::inventory_object(&owner, &id).await),
                false => None,
            }
        }
    });
    let label = format!("YAML of {} {}", item.target.kind, item.target.name);
    let region = StoredValue::new(label.clone());
    view! {
        <tr>
            <td>{name}</td><td>{health}</td>
            <td><button type="button" class="quiet" aria-label=label aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)>"YAML"</button></td>
        </tr>
        <Show when=move || open.get()>
            <tr class="yaml-row"><td colspan="3">{move || match yaml.get().flatten() {
                None => view! { <p class="loading">"Loading…"</p> }.into_any(),
                Some(Ok(object)) => view! { <pre class="spec yaml" tabindex="0" role="region" aria-label=region.get_value()>{object.yaml}</pre> }.into_any(),
                Some(Err(e)) => view! { <p class="hint">{e.detail()}</p> }.into_any(),
            }}</td></tr>
        </Show>
    }
}
