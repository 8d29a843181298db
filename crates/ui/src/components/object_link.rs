//! A link to an object's page, named `namespace/name` (its kind is said beside it).

use crate::components::link::A;
use flux_web_shared::actions::Target;
use leptos::prelude::*;

use crate::api::Address;

#[component]
pub fn ObjectLink(target: Target) -> impl IntoView {
    let href = Address::of(&target).href();
    view! { <A href=href>{format!("{}/{}", target.namespace, target.name)}</A> }
}
