//! The header's quick search: `/` focuses it from anywhere; as you type it suggests the
//! objects that match, each with its state (arrows choose one, Enter opens it); Enter without
//! a choice opens the resource list filtered by what was typed. Words name an object;
//! `kind:`, `ns:` (or `namespace:`) and `status:` qualify them: `kind:ks ns:apps web` finds
//! the Kustomizations of namespace apps whose name holds "web".

use flux_web_shared::objects::FLUX_KINDS;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;

use crate::api::query::{self, Filters};
use crate::api::{self as server, Address};
use crate::components::badge::Badge;

/// How many objects the search suggests.
const SUGGESTED: usize = 8;
/// How long typing must pause before the search asks the server.
const PAUSE_MS: u64 = 150;

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
    let found = RwSignal::new(Vec::<flux_web_shared::objects::ResourceSummary>::new());
    let active = RwSignal::new(None::<usize>);
    // Each question is numbered: an answer to an older one (typing went on) is dropped.
    let asked = StoredValue::new(0u64);
    let ask = move || {
        asked.update_value(|n| *n += 1);
        let this = asked.get_value();
        set_timeout(
            move || {
                if asked.try_get_value() != Some(this) {
                    return;
                }
                let typed = text.get_untracked();
                if typed.trim().is_empty() {
                    found.set(Vec::new());
                    return;
                }
                let page = query::Resources {
                    filters: query(&typed),
                    offset: 0,
                    limit: SUGGESTED,
                };
                leptos::task::spawn_local(async move {
                    let answer = server::resources(&page).await;
                    if asked.try_get_value() == Some(this) {
                        let _ = found.try_set(answer.map(|list| list.items).unwrap_or_default());
                        let _ = active.try_set(None);
                    }
                });
            },
            std::time::Duration::from_millis(PAUSE_MS),
        );
    };
    let go = move |to: String| {
        navigate(&to, NavigateOptions::default());
        text.set(String::new());
        found.set(Vec::new());
        active.set(None);
    };
    let submit = {
        let go = go.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let chosen = active.get_untracked().and_then(|i| {
                found.with_untracked(|f| f.get(i).map(|o| Address::of(&o.target).href()))
            });
            go(chosen.unwrap_or_else(|| query(&text.get_untracked()).href("/resources", &[])));
        }
    };
    let keys = move |ev: leptos::ev::KeyboardEvent| {
        let count = found.with_untracked(Vec::len);
        let next = match (ev.key().as_str(), active.get_untracked()) {
            (_, _) if count == 0 => return,
            ("ArrowDown", None) => Some(0),
            ("ArrowDown", Some(i)) => Some((i + 1) % count),
            ("ArrowUp", None) => Some(count - 1),
            ("ArrowUp", Some(i)) => Some((i + count - 1) % count),
            ("Escape", _) => {
                found.set(Vec::new());
                None
            }
            _ => return,
        };
        ev.prevent_default();
        active.set(next);
    };
    let open = move || found.with(|f| !f.is_empty());
    view! {
        <form class="quick-search" role="search" aria-label="Quick search" on:submit=submit>
            <label for="quick-search" class="visually-hidden">"Search objects (kind:, ns:, status:)"</label>
            <input id="quick-search" type="search" placeholder="Search  kind: ns: status:" autocomplete="off"
                role="combobox" aria-autocomplete="list" aria-controls="quick-search-list"
                aria-expanded=move || open().to_string()
                aria-activedescendant=move || active.get().map(|i| format!("quick-search-{i}"))
                aria-keyshortcuts="/" prop:value=move || text.get()
                on:input=move |ev| { text.set(event_target_value(&ev)); ask(); }
                on:keydown=keys
                on:blur=move |_| set_timeout(move || { let _ = found.try_set(Vec::new()); }, std::time::Duration::from_millis(200))/>
            <kbd aria-hidden="true">"/"</kbd>
            <ul id="quick-search-list" class="suggestions" role="listbox" aria-label="Objects found" hidden=move || !open()>
                {move || found.get().into_iter().enumerate().map(|(index, object)| {
                    let href = Address::of(&object.target).href();
                    let go = go.clone();
                    view! {
                        <li id=format!("quick-search-{index}") role="option"
                            aria-selected=move || (active.get() == Some(index)).to_string()
                            on:mousedown=move |ev| { ev.prevent_default(); go(href.clone()); }>
                            <span class="kind">{object.target.kind.clone()}</span>" "
                            {format!("{}/{}", object.target.namespace, object.target.name)}" "
                            <Badge state=object.summary.state retrying=object.summary.retrying/>
                        </li>
                    }
                }).collect_view()}
            </ul>
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
