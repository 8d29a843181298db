//! The list itself: a row an object with its box to select it, columns that sort, the arrow
//! keys between rows, and the pager.

use crate::components::link::A;
use flux_web_shared::objects::{ResourceList, Sort, SortKey};
use leptos::prelude::*;

use super::selection::Selection;
use super::{PAGE, PAGE_PATH};
use crate::api::Address;
use crate::api::query::Filters;
use crate::components::badge::Badge;
use crate::components::blocked::Blocked;
use crate::format::ago;

#[component]
pub fn Table(
    list: ResourceList,
    filters: Filters,
    offset: usize,
    selection: Selection,
) -> impl IntoView {
    let shown = list.items.len();
    let total = list.total;
    let page: Vec<Address> = list
        .items
        .iter()
        .map(|item| Address::of(&item.target))
        .collect();
    let page = StoredValue::new(page);
    let whole_page = move || page.with_value(|p| p.iter().all(|o| selection.contains(o)));
    let rows = list
        .items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            let object = Address::of(&item.target);
            let label = format!("Select {}", object.label());
            let (row, boxed) = (object.clone(), object.clone());
            let (name, title) = (item.target.name.clone(), item.target.name.clone());
            view! {
                <tr class:selected=move || selection.contains(&row)>
                    <td class="select">
                        <input type="checkbox" aria-label=label
                            prop:checked=move || selection.contains(&boxed)
                            on:click=move |ev| page.with_value(|p| selection.click(p, index, ev.shift_key()))/>
                    </td>
                    <td class="kind">{item.target.kind.clone()}</td>
                    <td class="namespace" title=item.target.namespace.clone()>{item.target.namespace.clone()}</td>
                    <td class="name"><A href=object.href() attr:title=title>{name}</A></td>
                    <td class="state"><Badge state=item.summary.state retrying=item.summary.retrying/></td>
                    // What blocks a failed object says more than its message, which the
                    // object's page keeps.
                    <td class="message">{match item.summary.blocked_by.clone() {
                        Some(blocked) => view! { <Blocked blocked=*blocked/> }.into_any(),
                        None => (!item.summary.message.is_empty()).then(|| view! { <Clamped text=item.summary.message.clone()/> }).into_any(),
                    }}</td>
                    <td class="updated">{item.summary.updated().map(|at| view! { <time datetime=at.to_owned()>{ago(Some(at.to_owned()))}</time> })}</td>
                </tr>
            }
        })
        .collect_view();
    let sort = Sort::parse(filters.get("sort")).unwrap_or(super::FIRST_SORT);
    // A column's link sorts by it (again: the reverse), from the first page.
    let sort_to = {
        let filters = filters.clone();
        move |key: SortKey| {
            filters
                .with("sort", &sort.toggled(key).param())
                .href(PAGE_PATH, &[])
        }
    };
    let column = move |label: &'static str, key: SortKey| {
        view! { <Column label=label key=key sort=sort href=sort_to(key)/> }
    };
    let page_to = move |offset: usize| {
        let offset = (offset > 0).then(|| offset.to_string());
        filters.href(
            PAGE_PATH,
            &[("continue", offset.as_deref().unwrap_or_default())],
        )
    };
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
                    {column("Kind", SortKey::Kind)}
                    {column("Namespace", SortKey::Namespace)}
                    {column("Name", SortKey::Name)}
                    {column("Status", SortKey::Status)}
                    <th scope="col" class="message">"Message"</th>
                    {column("Updated", SortKey::Updated)}
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

/// A message on one line, whole on a click (or Enter): rows stay one line high, so a screen
/// holds twenty of them, and a long message is still there to read.
#[component]
fn Clamped(text: String) -> impl IntoView {
    let open = RwSignal::new(false);
    view! {
        <button type="button" class="clamp" aria-expanded=move || open.get().to_string()
            on:click=move |_| open.update(|o| *o = !*o)>
            {text}
        </button>
    }
}

/// A column's header: a link that sorts by it, `aria-sort` on the column sorted by.
#[component]
fn Column(label: &'static str, key: SortKey, sort: Sort, href: String) -> impl IntoView {
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
            <A href=href attr:class="sort">{label}<span aria-hidden="true" class="arrow">{arrow}</span></A>
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
