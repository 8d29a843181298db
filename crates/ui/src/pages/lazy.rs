//! The pages whose code is fetched the first time one opens (crates/ui/build cuts it out of
//! the main module), so the first load carries the frame and the list only. A
//! fetch that fails (flux-web is not answering) is said as the page, never a crash of the app,
//! and the next visit fetches again.

use crate::components::link::A;
use leptos::prelude::*;
use leptos::wasm_split::{SplitLoaderError, wasm_split};
use leptos_router::LazyRoute;

use crate::api::UNREACHABLE;
use crate::pages::controllers::ControllersPage;
use crate::pages::detail::DetailPage;
use crate::pages::events::EventsPage;
use crate::pages::graph::GraphPage;
use crate::pages::overview::OverviewPage;

/// A lazy page's code could not be fetched.
pub struct Unfetched;

impl From<SplitLoaderError> for Unfetched {
    fn from(_: SplitLoaderError) -> Self {
        Self
    }
}

/// A route (`$route`, for `Lazy::<$route>`) whose page `$page` is split into the module
/// `$module`.
macro_rules! lazy_page {
    ($(#[$doc:meta])* $route:ident, $module:ident, $page:ident) => {
        $(#[$doc])*
        pub struct $route;

        #[wasm_split($module, wasm_split_path = ::leptos::wasm_split, fallible)]
        fn $module() -> Result<AnyView, Unfetched> {
            Ok($page().into_any())
        }

        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            async fn view(_: Self) -> AnyView {
                $module().await.unwrap_or_else(|Unfetched| Unfetchable().into_any())
            }
        }
    };
}

lazy_page!(
    /// The overview: what fails, what is suspended, what was done lately.
    OverviewRoute,
    overview,
    OverviewPage
);
lazy_page!(
    /// An object's page: its facts, timeline, YAML, logs and actions.
    DetailRoute,
    detail,
    DetailPage
);
lazy_page!(
    /// The cluster's Events.
    EventsRoute,
    events,
    EventsPage
);
lazy_page!(
    /// What feeds what.
    GraphRoute,
    graph,
    GraphPage
);
lazy_page!(
    /// The Flux controllers.
    ControllersRoute,
    controllers,
    ControllersPage
);

/// What shows when a page's code could not be fetched.
#[component]
fn Unfetchable() -> impl IntoView {
    super::set_title("flux-web is not answering");
    view! {
        <section class="failure" role="alert">
            <h1>"flux-web is not answering"</h1>
            <p>{format!("{UNREACHABLE}: this page could not be fetched. Open it again when it answers.")}</p>
            <p><A href="/resources">"Back to the resources"</A></p>
        </section>
    }
}
