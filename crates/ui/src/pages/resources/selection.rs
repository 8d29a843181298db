//! What the user selected on the list: object addresses, or all that the filters match; and
//! the bar of bulk actions on it.

use std::collections::BTreeSet;

use leptos::prelude::*;

use crate::api::Address;
use crate::components::bulk::{Ask, BULK_ACTIONS};

#[derive(Debug, Clone, Copy)]
pub struct Selection {
    pub objects: RwSignal<BTreeSet<Address>>,
    pub everything: RwSignal<bool>,
    /// The row a shift-click extends from.
    anchor: StoredValue<Option<usize>>,
}

impl Selection {
    pub fn new() -> Self {
        Self {
            objects: RwSignal::new(BTreeSet::new()),
            everything: RwSignal::new(false),
            anchor: StoredValue::new(None),
        }
    }

    pub fn clear(&self) {
        self.objects.set(BTreeSet::new());
        self.everything.set(false);
        self.anchor.set_value(None);
    }

    pub fn is_empty(&self) -> bool {
        !self.everything.get() && self.objects.with(BTreeSet::is_empty)
    }

    pub fn describe(&self, total: usize) -> String {
        if self.everything.get() {
            format!("All {total} matching the filters")
        } else {
            format!("{} selected", self.objects.with(BTreeSet::len))
        }
    }

    /// Which the palette's commands name: "all matching the filters", "the 3 selected".
    pub fn which(&self) -> String {
        if self.everything.get() {
            "all matching the filters".to_owned()
        } else {
            format!("the {} selected", self.objects.with(BTreeSet::len))
        }
    }

    pub fn contains(&self, object: &Address) -> bool {
        self.everything.get() || self.objects.with(|o| o.contains(object))
    }

    /// A click on row `index` of `page`: toggles it, or with shift sets the rows from the
    /// last clicked one to it as this one becomes.
    pub fn click(&self, page: &[Address], index: usize, shift: bool) {
        if self.everything.get_untracked() {
            // Leaving "everything": what is on this page stays selected.
            self.everything.set(false);
            self.objects.set(page.iter().cloned().collect());
        }
        let on = !self.objects.with_untracked(|o| o.contains(&page[index]));
        let from = match self.anchor.get_value() {
            Some(anchor) if shift && anchor < page.len() => anchor,
            _ => index,
        };
        let range = from.min(index)..=from.max(index);
        self.objects.update(|objects| {
            for object in &page[range] {
                if on {
                    objects.insert(object.clone());
                } else {
                    objects.remove(object);
                }
            }
        });
        self.anchor.set_value(Some(index));
    }

    /// The header's box: the whole page, or none of it.
    pub fn toggle_page(&self, page: &[Address]) {
        let all = page.iter().all(|o| self.contains(o));
        self.everything.set(false);
        self.objects.update(|objects| {
            for object in page {
                if all {
                    objects.remove(object);
                } else {
                    objects.insert(object.clone());
                }
            }
        });
    }
}

/// The bulk actions on the selection, once there is one.
#[component]
pub fn BulkBar(
    selection: Selection,
    /// How many the filters match, for "All 120 matching the filters".
    total: Signal<usize>,
    ask: RwSignal<Option<Ask>>,
    /// The request of an action on the selection.
    request: Callback<(), flux_web_shared::bulk::BulkRequest>,
) -> impl IntoView {
    move || {
        (!selection.is_empty()).then(|| {
            view! {
                <div class="bulk-bar" role="toolbar" aria-label="Bulk actions">
                    <span class="bulk-count">{move || selection.describe(total.get())}</span>
                    {BULK_ACTIONS.iter().map(|action| {
                        let action = *action;
                        view! {
                            <button type="button" data-bulk=action.name()
                                on:click=move |_| ask.set(Some(Ask { action, request: request.run(()) }))>
                                {action.label()}
                            </button>
                        }
                    }).collect_view()}
                    <button type="button" class="quiet" on:click=move |_| selection.clear()>"Clear selection"</button>
                </div>
            }
        })
    }
}
