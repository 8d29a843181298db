//! A bulk action, in one dialog: the pre-flight as a table (what will change, what is refused
//! and why), a confirmation that names the count, each row's outcome as it arrives, and a
//! report with a retry of the failures. The commands that do the same are a click away.

mod parts;
mod run;
mod state;
mod words;

use flux_web_shared::actions::Action;
use flux_web_shared::bulk::{BulkRequest, Fate};
use leptos::prelude::*;

use super::confirm::{SuspendFields, written};
use super::dialog::Dialog;
use crate::api::Address;
use parts::{CopyCommands, Rows};
use run::{preflight, run};
pub use state::{Ask, BULK_ACTIONS};
use state::{Phase, Row, Said, View};
use words::{count, summary};

#[component]
pub fn BulkDialog(ask: RwSignal<Option<Ask>>, done: Callback<()>) -> impl IntoView {
    let phase = RwSignal::new(Phase::Checking);
    let rows = RwSignal::new(Vec::<Row>::new());
    let reason = RwSignal::new(String::new());
    let until = RwSignal::new(String::new());
    let open = Signal::derive(move || ask.with(Option::is_some));
    let running = Signal::derive(move || matches!(phase.get(), Phase::Running { .. }));
    // Each ask is a generation: a run still reporting after its dialog moved on to another
    // ask no longer writes to it.
    let generation = StoredValue::new(0u64);
    // Each new ask starts with its pre-flight.
    Effect::new(move |_| {
        if let Some(asked) = ask.get() {
            generation.update_value(|g| *g += 1);
            preflight(asked, phase, rows);
        }
    });
    let close = Callback::new(move |()| {
        ask.set(None);
        reason.set(String::new());
        until.set(String::new());
    });
    let title = move || {
        ask.with(|a| {
            a.as_ref()
                .map(|a| a.action.label().to_owned())
                .unwrap_or_default()
        })
    };
    let confirm = move |_| {
        let (Some(asked), Phase::Checked(preflight)) = (ask.get_untracked(), phase.get_untracked())
        else {
            return;
        };
        let said = Said {
            reason: written(reason),
            until: written(until),
        };
        let view = View {
            phase,
            rows,
            generation,
        };
        run(asked, preflight, said, view, done);
    };
    let retry = move |_| {
        let Some(asked) = ask.get_untracked() else {
            return;
        };
        let failed = rows.with_untracked(|rows| {
            rows.iter()
                .filter(|r| r.item.fate == Fate::Failed)
                .map(|r| Address::of(&r.item.target).to_string())
                .collect::<Vec<_>>()
        });
        ask.set(Some(Ask {
            action: asked.action,
            request: BulkRequest {
                targets: Some(failed),
                ..BulkRequest::default()
            },
        }));
    };
    view! {
        <Dialog open=open on_close=close locked=running title="Bulk action".to_owned()>
            <div class="bulk" data-testid="bulk">
                <p class="bulk-title">{move || format!("{} — {}", title(), summary(&phase.get(), &rows.get()))}</p>
                {move || (ask.with(|a| a.as_ref().map(|a| a.action)) == Some(Action::Suspend)
                    && matches!(phase.get(), Phase::Checked(_))).then(|| view! {
                    <SuspendFields id="bulk" reason=reason until=until/>
                })}
                {move || match phase.get() {
                    Phase::Refused(why) => view! { <p class="notice error" role="alert">{why}</p> }.into_any(),
                    Phase::Checking => view! { <p class="loading">"Checking each object…"</p> }.into_any(),
                    _ => view! { <Rows rows=rows/> }.into_any(),
                }}
                <CopyCommands ask=ask rows=rows/>
                <div class="dialog-buttons">
                    <button type="button" on:click=move |_| close.run(()) disabled=running>
                        {move || if matches!(phase.get(), Phase::Done { .. }) { "Close" } else { "Cancel" }}
                    </button>
                    {move || match phase.get() {
                        Phase::Checked(preflight) if preflight.tally.will_change > 0 => view! {
                            <button type="button" class="primary" on:click=confirm>
                                {format!("{} {}", title(), count(preflight.tally.will_change))}
                            </button>
                        }.into_any(),
                        Phase::Done { tally, .. } if tally.failed > 0 => view! {
                            <button type="button" class="primary" on:click=retry>
                                {format!("Retry the {} that failed", tally.failed)}
                            </button>
                        }.into_any(),
                        _ => ().into_any(),
                    }}
                </div>
            </div>
        </Dialog>
    }
}
