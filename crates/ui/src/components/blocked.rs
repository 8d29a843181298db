//! What keeps a failed object from being ready, in one line with a link: the dependency or
//! source it waits for, or the applied objects found unhealthy. On an object's page and in
//! each row of the list.

use flux_web_shared::objects::{BlockedBy, Blocker};
use leptos::prelude::*;

use crate::components::object_link::ObjectLink;

#[component]
pub fn Blocked(blocked: BlockedBy) -> impl IntoView {
    let link = blocked
        .target
        .map(|t| view! { {t.kind.clone()}" "<ObjectLink target=t/> });
    let words = match blocked.cause {
        Blocker::Dependency => view! { "Waits for " {link.map_or_else(|| "a dependency".into_any(), IntoAny::into_any)} }.into_any(),
        Blocker::Source => view! { "Waits for its source " {link.map_or_else(|| "".into_any(), IntoAny::into_any)} }.into_any(),
        Blocker::Unhealthy => format!("Unhealthy: {}", blocked.objects.join(", ")).into_any(),
    };
    view! { <span class="blocked">{words}</span> }
}
