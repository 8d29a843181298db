//! An empty list, told apart: filters that match nothing, a namespace the user may not list
//! (or that does not exist), RBAC that lets them list nothing at all, or a page past the end
//! (a stale link: the list has shrunk since).

use crate::components::link::A;
use flux_web_shared::objects::{EmptyReason, ResourceList};
use leptos::prelude::*;

use super::PAGE_PATH;
use crate::api::query::Filters;

#[component]
pub fn Nothing(list: ResourceList, filters: Filters, offset: usize) -> impl IntoView {
    if offset > 0 && list.total > 0 {
        let objects = if list.total == 1 { "object" } else { "objects" };
        return view! {
            <div class="notice empty" role="status">
                <p class="empty-title">"This page is past the end of the list."</p>
                <p>{format!("It has {} {objects} now.", list.total)}</p>
                <p><A href=filters.href(PAGE_PATH, &[])>"Go to the first page"</A></p>
            </div>
        }
        .into_any();
    }
    let namespace = filters.get("namespace").to_owned();
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
        _ if !filters.is_empty() => (
            "No Flux object matches these filters.".to_owned(),
            String::new(),
        ),
        _ => ("There are no Flux objects yet.".to_owned(), String::new()),
    };
    let in_namespace = |ns: &str| {
        Filters::default()
            .with("namespace", ns)
            .href(PAGE_PATH, &[])
    };
    view! {
        <div class="notice empty" role="status">
            <p class="empty-title">{title}</p>
            {(!hint.is_empty()).then(|| view! { <p>{hint}</p> })}
            {(!elsewhere.is_empty()).then(|| view! {
                <ul class="namespaces">
                    {elsewhere.into_iter().map(|ns| view! { <li><A href=in_namespace(&ns)>{ns.clone()}</A></li> }).collect_view()}
                </ul>
            })}
            {(!filters.is_empty()).then(|| view! { <p><A href=PAGE_PATH>"Clear the filters"</A></p> })}
        </div>
    }
    .into_any()
}
