//! Links to flux-web's own pages. The router's `base` (the path flux-web is served under)
//! applies to its routes and to navigation, but leptos_router's `A` leaves an absolute href
//! as it is: this `A` puts the path in front, so a link stays beneath it.

use leptos::prelude::*;

use crate::base;

/// A link to `href`, a path of the app (`/resources?kind=…`); `exact` marks it current only
/// on that very page.
#[component]
pub fn A(
    #[prop(into)] href: Signal<String>,
    #[prop(optional)] exact: bool,
    children: Children,
) -> impl IntoView {
    view! {
        <leptos_router::components::A href=move || base::url(&href.get()) exact=exact>
            {children()}
        </leptos_router::components::A>
    }
}
