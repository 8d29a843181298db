//! The header's quick search: `/` focuses it from anywhere, Enter opens the resource list
//! filtered by what was typed. Words name an object; `kind:`, `ns:` (or `namespace:`) and
//! `status:` qualify them: `kind:ks ns:apps web` finds the Kustomizations of namespace apps
//! whose name holds "web".

use flux_web_shared::objects::FLUX_KINDS;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;

use crate::api::query::Filters;

/// The resource list's filters for `typed`: its qualifiers, and its other words as the name
/// filter. A kind is spelt as the list offers it when it is one of its names (any case,
/// singular or plural); otherwise as typed, for the server to resolve (`ks`, `hr`) or refuse.
pub fn query(typed: &str) -> Filters {
    let mut filters = Filters::default();
    let mut words = Vec::new();
    for word in typed.split_whitespace() {
        let qualified = word.split_once(':').map(|(k, v)| (k.to_lowercase(), v));
        filters = match qualified.as_ref().map(|(k, v)| (k.as_str(), *v)) {
            Some(("kind", kind)) if !kind.is_empty() => filters.with("kind", &kind_name(kind)),
            Some(("ns" | "namespace", ns)) if !ns.is_empty() => filters.with("namespace", ns),
            Some(("status", status)) if !status.is_empty() => {
                filters.with("status", &status.to_lowercase())
            }
            _ => {
                words.push(word);
                filters
            }
        };
    }
    filters.with("q", &words.join(" "))
}

fn kind_name(typed: &str) -> String {
    let lower = typed.to_lowercase();
    FLUX_KINDS
        .iter()
        .find(|k| {
            let k = k.to_lowercase();
            k == lower || format!("{k}s") == lower
        })
        .map_or_else(|| typed.to_owned(), |k| (*k).to_owned())
}

#[component]
pub fn QuickSearch() -> impl IntoView {
    let navigate = use_navigate();
    let text = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        navigate(
            &query(&text.get_untracked()).href("/resources", &[]),
            NavigateOptions::default(),
        );
        text.set(String::new());
    };
    view! {
        <form class="quick-search" role="search" aria-label="Quick search" on:submit=submit>
            <label for="quick-search" class="visually-hidden">"Search objects (kind:, ns:, status:)"</label>
            <input id="quick-search" type="search" placeholder="Search  kind: ns: status:" autocomplete="off"
                aria-keyshortcuts="/" prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))/>
            <kbd aria-hidden="true">"/"</kbd>
        </form>
    }
}

#[cfg(test)]
mod tests {
    fn query(typed: &str) -> String {
        super::query(typed).encode(&[])
    }

    #[test]
    fn qualifiers_become_filters_and_the_other_words_the_name() {
        assert_eq!(query("kind:ks ns:apps web"), "kind=ks&namespace=apps&q=web");
        assert_eq!(
            query("KIND:kustomizations  status:Failed"),
            "kind=Kustomization&status=failed"
        );
        assert_eq!(
            query("kind:kustomizations namespace:flux-system"),
            "kind=Kustomization&namespace=flux-system"
        );
        assert_eq!(query("kind:HelmRelease"), "kind=HelmRelease");
        assert_eq!(query("podinfo"), "q=podinfo");
        assert_eq!(query("ns: web"), "q=ns%3A%20web");
        assert_eq!(query("   "), "");
    }
}
