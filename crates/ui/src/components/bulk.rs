//! A bulk action, in one dialog: the pre-flight as a table (what will change, what is refused
//! and why), a confirmation that names the count, each row's outcome as it arrives, and a
//! report with a retry of the failures. The commands that do the same are a click away.

use flux_web_shared::actions::Action;
use flux_web_shared::bulk::{BulkRequest, Fate, Item, Preflight, Progress, Tally};
use leptos::prelude::*;

use super::confirm::{SuspendFields, written};
use super::copy_as::{CopyAs, bearer};
use super::dialog::Dialog;
use crate::api;
use crate::command;

/// The actions offered on a selection of Flux objects.
pub const BULK_ACTIONS: [Action; 4] = [
    Action::Reconcile,
    Action::Pull,
    Action::Suspend,
    Action::Resume,
];

/// A bulk action the page asks for: which, and on what.
#[derive(Debug, Clone, PartialEq)]
pub struct Ask {
    pub action: Action,
    pub request: BulkRequest,
}

#[derive(Debug, Clone, PartialEq)]
enum Phase {
    Checking,
    Checked(Preflight),
    /// The run id is known once the server's first line arrives.
    Running {
        run: Option<String>,
    },
    Done {
        tally: Tally,
        run: String,
        /// Why the server stopped the run before every target, if it did.
        stopped: Option<String>,
    },
    Refused(String),
}

/// One row of the table: the pre-flight's item, then the run's.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    item: Item,
    /// Its position among the targets sent to the run, if it was sent.
    sent: Option<usize>,
}

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
                .map(|r| api::object_path(&r.item.target))
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

fn count(n: usize) -> String {
    match n {
        1 => "1 object".to_owned(),
        n => format!("{n} objects"),
    }
}

/// The line above the table: what the pre-flight found, how far the run is, how it ended.
fn summary(phase: &Phase, rows: &[Row]) -> String {
    match phase {
        Phase::Checking => "checking".to_owned(),
        Phase::Refused(_) => "refused".to_owned(),
        Phase::Checked(preflight) => words(&preflight.tally),
        Phase::Running { run } => {
            let run = run
                .as_deref()
                .map(|r| format!(" (run {r})"))
                .unwrap_or_default();
            // The rows sent to the run; those still `will_change` have no result yet.
            let mut tally = Tally::default();
            for row in rows.iter().filter(|r| r.sent.is_some()) {
                tally.add(row.item.fate);
            }
            let sent = rows.iter().filter(|r| r.sent.is_some()).count();
            let pending = std::mem::take(&mut tally.will_change);
            format!("{} of {sent} done: {}{run}", sent - pending, words(&tally))
        }
        Phase::Done {
            tally,
            run,
            stopped: None,
        } => format!("done: {} (run {run})", words(tally)),
        Phase::Done {
            tally,
            run,
            stopped: Some(why),
        } => format!("stopped, {why}: {} (run {run})", words(tally)),
    }
}

/// A tally in words, the empty fates left out.
pub fn words(tally: &Tally) -> String {
    let parts: Vec<String> = Fate::ALL
        .iter()
        .map(|fate| (fate, tally.get(*fate)))
        .filter(|(_, n)| *n > 0)
        .map(|(fate, n)| format!("{n} {}", fate.label()))
        .collect();
    if parts.is_empty() {
        "nothing to do".to_owned()
    } else {
        parts.join(", ")
    }
}

/// A fate as a CSS class and a test's handle: its label, hyphenated.
fn fate_class(fate: Fate) -> String {
    fate.label().replace(' ', "-")
}

#[component]
fn Rows(rows: RwSignal<Vec<Row>>) -> impl IntoView {
    view! {
        <div class="table-scroll bulk-rows">
            <table>
                <caption class="visually-hidden">"Each object's fate"</caption>
                <thead><tr>
                    <th scope="col">"Object"</th><th scope="col">"Fate"</th><th scope="col">"Why"</th>
                </tr></thead>
                <tbody>
                    <For each=move || rows.get().into_iter().enumerate() key=|(i, row)| (*i, row.item.fate) let:row>
                        <tr data-fate=fate_class(row.1.item.fate)>
                            <td class="mono">{format!("{}/{}/{}", row.1.item.target.kind, row.1.item.target.namespace, row.1.item.target.name)}</td>
                            <td><span class=format!("fate fate-{}", fate_class(row.1.item.fate))>{row.1.item.fate.label()}</span></td>
                            <td class="message">{row.1.item.message.clone()}</td>
                        </tr>
                    </For>
                </tbody>
            </table>
        </div>
    }
}

fn preflight(asked: Ask, phase: RwSignal<Phase>, rows: RwSignal<Vec<Row>>) {
    phase.set(Phase::Checking);
    rows.set(Vec::new());
    leptos::task::spawn_local(async move {
        match api::bulk_preflight(asked.action, &asked.request).await {
            Ok(preflight) => {
                rows.set(
                    preflight
                        .items
                        .iter()
                        .map(|item| Row {
                            item: item.clone(),
                            sent: None,
                        })
                        .collect(),
                );
                phase.set(Phase::Checked(preflight));
            }
            Err(e) => phase.set(Phase::Refused(e.detail())),
        }
    });
}

/// What a run reports to: the dialog's phase and rows, while its ask is still shown.
#[derive(Clone, Copy)]
struct View {
    phase: RwSignal<Phase>,
    rows: RwSignal<Vec<Row>>,
    generation: StoredValue<u64>,
}

/// What the user wrote for a suspend: why, and until when.
struct Said {
    reason: Option<String>,
    until: Option<String>,
}

/// Runs the approved targets with the pre-flight's token; each result updates its row.
fn run(asked: Ask, preflight: Preflight, said: Said, view: View, done: Callback<()>) {
    let View {
        phase,
        rows,
        generation,
    } = view;
    let mine = generation.get_value();
    // False too once the dialog's page is gone.
    let current = move || generation.try_get_value() == Some(mine);
    let mut targets = Vec::new();
    rows.update(|rows| {
        for row in rows.iter_mut() {
            if row.item.fate == Fate::WillChange {
                row.sent = Some(targets.len());
                targets.push(api::object_path(&row.item.target));
            }
        }
    });
    let suspend = asked.action == Action::Suspend;
    let request = BulkRequest {
        targets: Some(targets),
        reason: said.reason.filter(|_| suspend),
        until: said.until.filter(|_| suspend),
        token: Some(preflight.token),
        ..BulkRequest::default()
    };
    phase.set(Phase::Running { run: None });
    leptos::task::spawn_local(async move {
        let outcome = api::bulk_run(asked.action, &request, |progress| match progress {
            _ if !current() => {}
            Progress::Start { run, .. } => phase.set(Phase::Running { run: Some(run) }),
            Progress::Result { index, item } => rows.update(|rows| {
                if let Some(row) = rows.iter_mut().find(|r| r.sent == Some(index)) {
                    row.item = item;
                }
            }),
            Progress::End {
                tally,
                run,
                stopped,
            } => phase.set(Phase::Done {
                tally,
                run,
                stopped,
            }),
        })
        .await;
        if !current() {
        } else if let Err(e) = outcome {
            phase.set(Phase::Refused(e.detail()));
        } else if matches!(phase.get_untracked(), Phase::Running { .. }) {
            phase.set(Phase::Refused(
                "the run's progress broke off before its end; reload to see where it stands".into(),
            ));
        }
        done.run(());
    });
}

/// The same action as commands: the curl of the API, and a flux (or kubectl) command per
/// object that will change.
#[component]
fn CopyCommands(ask: RwSignal<Option<Ask>>, rows: RwSignal<Vec<Row>>) -> impl IntoView {
    let bearer = bearer();
    let origin = window().location().origin().unwrap_or_default();
    let curl = move || {
        ask.get()
            .map(|a| {
                let endpoint = format!("/api/v1/actions/{}", a.action);
                command::curl(&origin, &endpoint, &a.request, bearer())
            })
            .unwrap_or_default()
    };
    let flux = move || {
        let Some(action) = ask.with(|a| a.as_ref().map(|a| a.action)) else {
            return String::new();
        };
        rows.with(|rows| {
            rows.iter()
                .filter(|r| r.sent.is_some() || r.item.fate == Fate::WillChange)
                .map(|r| command::cli(action, &r.item.target))
                .collect::<Vec<_>>()
                .join("\n")
        })
    };
    view! { <CopyAs blocks=vec![("curl", Signal::derive(curl)), ("flux", Signal::derive(flux))]/> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tally_reads_as_words_without_the_empty_fates() {
        let tally = Tally {
            will_change: 200,
            refused: 100,
            ..Tally::default()
        };
        assert_eq!(words(&tally), "200 will change, 100 refused");
        assert_eq!(words(&Tally::default()), "nothing to do");
        assert_eq!(count(1), "1 object");
    }
}
