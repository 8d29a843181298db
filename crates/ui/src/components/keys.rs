//! The keyboard map of the whole app, and the sheet that lists it (`?`). Single keys act only
//! while the user is not typing in a field, so that they never eat a letter.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;
use wasm_bindgen::JsCast;

use super::dialog::Dialog;
use super::focus::focus;
use super::toast::{Toasts, toasts};

/// Every shortcut, as the sheet shows it: the keys, and what they do.
pub const SHORTCUTS: [(&str, &str); 13] = [
    ("/", "Search objects (kind:, ns:, status: qualify)"),
    (
        "Ctrl K  ⌘ K",
        "Command palette: actions of the page in view",
    ),
    ("g o", "Go to the overview"),
    ("g r", "Go to the resources"),
    ("g e", "Go to the events"),
    ("↓ ↑  j k", "Next and previous row of a list"),
    ("Shift click", "Select a range of rows"),
    ("f", "Favourite the object in view, or not"),
    ("1 … 9", "The object's first, second … tab"),
    ("l", "The object's logs (a workload's)"),
    ("y", "Copy the link to this page"),
    ("Esc", "Close a dialog or menu"),
    ("?", "This sheet"),
];

/// How long after `g` its second key may come.
const CHORD_MS: f64 = 1500.0;

/// Whether the key went to a field being typed in (or a dialog is open): no shortcut then.
pub fn typing(ev: &web_sys::KeyboardEvent) -> bool {
    let field = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
        .is_some_and(|e| {
            matches!(e.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                || e.is_content_editable()
        });
    let dialog = document()
        .query_selector("dialog[open]")
        .ok()
        .flatten()
        .is_some();
    field || dialog || ev.ctrl_key() || ev.meta_key() || ev.alt_key()
}

/// Where `g` followed by `key` goes.
pub fn chord(key: &str) -> Option<&'static str> {
    match key {
        "o" => Some("/"),
        "r" => Some("/resources"),
        "e" => Some("/events"),
        _ => None,
    }
}

/// Clicks the element `selector` finds, if any.
fn click(selector: &str) {
    if let Some(element) = document()
        .query_selector(selector)
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        element.click();
        let _ = element.focus();
    }
}

/// Puts the page's address on the clipboard, and says so.
fn copy_link(toasts: Toasts) {
    let href = window().location().href().unwrap_or_default();
    leptos::task::spawn_local(async move {
        if super::copy_as::copy_to_clipboard(&href).await {
            toasts.ok("Link copied");
        } else {
            toasts.failed("The browser would not let the link be copied");
        }
    });
}

/// Listens for the app's shortcuts while it lives, and holds the `?` sheet.
#[component]
pub fn Keys() -> impl IntoView {
    let navigate = use_navigate();
    let toasts = toasts();
    let sheet = RwSignal::new(false);
    // When `g` was pressed, for the chord's second key.
    let g_at = StoredValue::new(None::<f64>);
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        if typing(&ev) {
            return;
        }
        let key = ev.key();
        let now = js_sys::Date::now();
        let after_g = g_at.get_value().is_some_and(|at| now - at < CHORD_MS);
        g_at.set_value(None);
        if after_g && let Some(to) = chord(&key) {
            ev.prevent_default();
            navigate(to, NavigateOptions::default());
            return;
        }
        match key.as_str() {
            "/" => focus("#quick-search"),
            "l" => click("#tab-logs"),
            "y" => copy_link(toasts),
            digit if digit.len() == 1 && matches!(digit.as_bytes()[0], b'1'..=b'9') => {
                click(&format!("[role=\"tab\"]:nth-of-type({digit})"))
            }
            "?" => sheet.set(true),
            "g" => g_at.set_value(Some(now)),
            _ => return,
        }
        ev.prevent_default();
    });
    on_cleanup(move || handle.remove());
    view! {
        <button type="button" class="quiet keys-open" aria-keyshortcuts="?" aria-label="Keyboard shortcuts"
            on:click=move |_| sheet.set(true)>"?"</button>
        <Dialog open=sheet on_close=Callback::new(move |()| sheet.set(false)) title="Keyboard shortcuts".to_owned()>
            <dl class="keys">
                {SHORTCUTS.iter().map(|(keys, what)| view! {
                    <div><dt>{keys.split("  ").map(|k| view! { <kbd>{k.to_owned()}</kbd>" " }).collect_view()}</dt><dd>{*what}</dd></div>
                }).collect_view()}
            </dl>
            <form method="dialog"><button class="primary">"Close"</button></form>
        </Dialog>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g_goes_to_each_page_the_sheet_names() {
        for (key, to) in [("o", "/"), ("r", "/resources"), ("e", "/events")] {
            assert_eq!(chord(key), Some(to));
            assert!(
                SHORTCUTS
                    .iter()
                    .any(|(keys, _)| *keys == format!("g {key}"))
            );
        }
        assert_eq!(chord("x"), None);
    }

    #[test]
    fn the_design_doc_lists_every_shortcut_as_the_sheet_does() {
        let doc = include_str!("../../../../docs/ui.md");
        for (keys, what) in SHORTCUTS {
            assert!(doc.contains(&format!("| `{keys}` | {what} |")), "{keys}");
        }
    }
}
