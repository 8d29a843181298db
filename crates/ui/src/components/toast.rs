//! Messages that say how an action went: success in words, failure with the problem's
//! `detail`. A success is announced politely and goes away after a while; a failure is an
//! alert and stays until dismissed, since it may need reading twice.

use leptos::prelude::*;

const SHOWN_FOR_MS: u64 = 8000;

#[derive(Debug, Clone, PartialEq)]
pub struct Toast {
    id: u64,
    ok: bool,
    text: String,
}

/// The page's toasts; given to every component by context.
#[derive(Debug, Clone, Copy)]
pub struct Toasts {
    list: RwSignal<Vec<Toast>>,
    next: StoredValue<u64>,
}

impl Toasts {
    pub fn new() -> Self {
        Self {
            list: RwSignal::new(Vec::new()),
            next: StoredValue::new(0),
        }
    }

    pub fn ok(&self, text: impl Into<String>) {
        self.push(true, text.into());
    }

    pub fn failed(&self, text: impl Into<String>) {
        self.push(false, text.into());
    }

    fn push(&self, ok: bool, text: String) {
        let id = self.next.get_value();
        self.next.set_value(id + 1);
        self.list.update(|l| l.push(Toast { id, ok, text }));
        if !ok {
            return;
        }
        let list = self.list;
        set_timeout(
            move || list.update(|l| l.retain(|t| t.id != id)),
            std::time::Duration::from_millis(SHOWN_FOR_MS),
        );
    }
}

pub fn toasts() -> Toasts {
    use_context::<Toasts>().unwrap_or_else(Toasts::new)
}

#[component]
pub fn ToastList() -> impl IntoView {
    let toasts = toasts();
    view! {
        <div class="toasts">
            <For each=move || toasts.list.get() key=|t| t.id let:toast>
                <div class=if toast.ok { "toast toast-ok" } else { "toast toast-failed" }
                    role=if toast.ok { "status" } else { "alert" }>
                    <span>{toast.text.clone()}</span>
                    <button
                        class="icon"
                        aria-label="Dismiss"
                        on:click=move |_| toasts.list.update(|l| l.retain(|t| t.id != toast.id))
                    >
                        "×"
                    </button>
                </div>
            </For>
        </div>
    }
}
