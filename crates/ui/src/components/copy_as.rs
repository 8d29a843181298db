//! "Copy as": the command lines that do what a dialog is about to do (the `curl` of our API,
//! the `flux` and `kubectl` commands), each with a button that puts it on the clipboard.

use flux_web_shared::user::{Provider, UserInfo};
use leptos::prelude::*;

use crate::api::ApiError;

/// Whether a `curl` must send an ID token: the server logs people in with OIDC.
pub fn bearer() -> impl Fn() -> bool + Copy + Send + Sync + 'static {
    let user = use_context::<LocalResource<Result<UserInfo, ApiError>>>();
    move || {
        user.and_then(|u| u.get())
            .and_then(Result::ok)
            .is_some_and(|u| u.provider == Provider::Oidc)
    }
}

/// The blocks, as (label, text); a block without text is left out.
#[component]
pub fn CopyAs(blocks: Vec<(&'static str, Signal<String>)>) -> impl IntoView {
    let names: Vec<&str> = blocks.iter().map(|(label, _)| *label).collect();
    let names = match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => names.concat(),
    };
    view! {
        <details class="copy-as">
            <summary>{format!("Copy as {names}")}</summary>
            {blocks
                .into_iter()
                .map(|(label, text)| move || (!text.with(String::is_empty)).then(|| view! { <CopyBlock label=label text=text/> }))
                .collect_view()}
        </details>
    }
}

#[component]
fn CopyBlock(label: &'static str, text: Signal<String>) -> impl IntoView {
    let copied = RwSignal::new(false);
    let copy = move |_| {
        let value = text.get_untracked();
        leptos::task::spawn_local(async move {
            let _ = copied.try_set(copy_to_clipboard(&value).await);
        });
    };
    view! {
        <div class="copy-block">
            <div class="copy-head">
                <span>{label}</span>
                <button type="button" on:click=copy>{move || if copied.get() { "Copied" } else { "Copy" }}</button>
            </div>
            // Focusable: a long command scrolls, and the keyboard must reach what it hides.
            <pre data-testid=format!("copy-{label}") tabindex="0">{move || text.get()}</pre>
        </div>
    }
}

/// Puts `text` on the clipboard; false where the browser refuses (no secure context).
pub async fn copy_to_clipboard(text: &str) -> bool {
    use js_sys::{Function, Promise, Reflect};
    use wasm_bindgen::{JsCast, JsValue};
    let navigator = Reflect::get(&window(), &"navigator".into()).unwrap_or_default();
    let Ok(clipboard) = Reflect::get(&navigator, &"clipboard".into()) else {
        return false;
    };
    let write = Reflect::get(&clipboard, &"writeText".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok());
    let Some(promise) = write
        .and_then(|f| f.call1(&clipboard, &JsValue::from_str(text)).ok())
        .and_then(|p| p.dyn_into::<Promise>().ok())
    else {
        return false;
    };
    wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
}
