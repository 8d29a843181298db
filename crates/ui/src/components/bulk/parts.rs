//! A bulk dialog's parts: the table of fates, and the same action as commands.

use flux_web_shared::bulk::Fate;
use leptos::prelude::*;

use super::state::{Ask, Row};
use super::words::fate_class;
use crate::api;
use crate::command;
use crate::components::copy_as::{CopyAs, bearer};

#[component]
pub fn Rows(rows: RwSignal<Vec<Row>>) -> impl IntoView {
    view! {
        // Focusable: the rows scroll, and the keyboard must reach those they hide.
        <div class="table-scroll bulk-rows" tabindex="0" role="region" aria-label="Each object's fate">
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

/// The same action as commands: the curl of the API, and a flux (or kubectl) command per
/// object that will change.
#[component]
pub fn CopyCommands(ask: RwSignal<Option<Ask>>, rows: RwSignal<Vec<Row>>) -> impl IntoView {
    let bearer = bearer();
    let origin = crate::base::origin();
    let curl = move || {
        ask.get()
            .map(|a| {
                let endpoint = api::bulk_url(a.action);
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
