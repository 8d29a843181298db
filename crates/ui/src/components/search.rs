//! The header's quick search: `/` focuses it from anywhere, Enter opens the resource list
//! filtered by what was typed. Words name an object; `kind:`, `ns:` (or `namespace:`) and
//! `status:` qualify them: `kind:ks ns:apps web` finds the Kustomizations of namespace apps
//! whose name holds "web".

use flux_web_shared::objects::FLUX_KINDS;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;

use crate::format::encode;

/// The resource list's query string for `typed`: its qualifiers, and its other words as the
/// name filter. A kind is spelt as the list offers it when it is one of its names (any case,
/// singular or plural); otherwise as typed, for the server to resolve (`ks`, `hr`) or refuse.
pub fn query(typed: &str) -> String {
    let mut filters: Vec<(&str, String)> = Vec::new();
    let mut words = Vec::new();
    for word in typed.split_whitespace() {
        let qualified = word.split_once(':').map(|(k, v)| (k.to_lowercase(), v));
        match qualified.as_ref().map(|(k, v)| (k.as_str(), *v)) {
            Some(("kind", kind)) if !kind.is_empty() => filters.push(("kind", kind_name(kind))),
            Some(("ns" | "namespace", ns)) if !ns.is_empty() => {
                filters.push(("namespace", ns.to_owned()));
            }
            Some(("status", status)) if !status.is_empty() => {
                filters.push(("status", status.to_lowercase()));
            }
            _ => words.push(word),
        }
    }
    if !words.is_empty() {
        filters.push(("q", words.join(" ")));
    }
    filters
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
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
            &format!("/resources?{}", query(&text.get_untracked())),
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
    use super::query;

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
