//! Moving the keyboard focus, for the frame (after a navigation) and for the pieces that give
//! it back (after an action).

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Focuses the first element `selector` finds, if any.
pub fn focus(selector: &str) {
    let found = document().query_selector(selector).ok().flatten();
    if let Some(element) = found.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = element.focus();
    }
}
