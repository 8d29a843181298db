//! A modal dialog on the browser's own `<dialog>`: while open, the rest of the page is inert
//! (focus cannot leave it) and Escape closes it.

use leptos::html;
use leptos::prelude::*;

#[component]
pub fn Dialog(
    /// Whether the dialog is shown.
    #[prop(into)]
    open: Signal<bool>,
    /// Called when the dialog closes by itself (Escape, or a `method="dialog"` form).
    on_close: Callback<()>,
    /// While true, Escape does not close it (something is in flight that it reports on).
    #[prop(optional, into)]
    locked: Signal<bool>,
    title: String,
    children: Children,
) -> impl IntoView {
    let node = NodeRef::<html::Dialog>::new();
    Effect::new(move |_| {
        if let Some(dialog) = node.get() {
            if open.get() && !dialog.open() {
                let _ = dialog.show_modal();
            } else if !open.get() && dialog.open() {
                dialog.close();
            }
        }
    });
    let id = format!("dialog-{}", title.to_lowercase().replace(' ', "-"));
    view! {
        <dialog node_ref=node aria-labelledby=id.clone() on:close=move |_| on_close.run(())
            on:cancel=move |ev: leptos::ev::Event| if locked.get_untracked() { ev.prevent_default() }>
            <h2 id=id.clone()>{title}</h2>
            {children()}
        </dialog>
    }
}
