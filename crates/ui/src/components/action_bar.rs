//! The actions of an object, from its listing: allowed ones as buttons; the others as buttons
//! marked `aria-disabled`, which stay focusable and are described by the reason (the missing
//! RBAC rule, or the state that forbids it), shown in words under the bar, so keyboard and
//! screen reader users reach it too. A running action shows a spinner and cannot be started
//! twice; its outcome becomes a toast. Those that stop a controller or touch running workloads
//! ask first, with a dry run. Suspend and Resume are one button: the one the object's state
//! calls for.

use flux_web_shared::actions::{Action, ActionListing, ActionPermission, ActionRequest};
use leptos::prelude::*;

use super::act::{Acting, Refocus, Run, refocus, waits};
use super::confirm::asks;
use super::palette::{Command, Commands};
use crate::api::{self, Address};

#[component]
pub fn ActionBar(
    mut listing: ActionListing,
    object: Address,
    acting: Acting,
    suspended: bool,
    /// The toolbar's name: "Actions", or whose they are when a page has two.
    #[prop(default = "Actions")]
    label: &'static str,
) -> impl IntoView {
    let other = if suspended {
        Action::Suspend
    } else {
        Action::Resume
    };
    listing.actions.retain(|p| p.action != other);
    let busy = move || acting.busy();
    if let Some(Refocus(held)) = refocus() {
        // Also when the action ends: its button, disabled while it ran, takes the focus back.
        Effect::new(move |_| {
            let _ = busy();
            let lost = document()
                .active_element()
                .is_none_or(|e| e.tag_name() == "BODY");
            if let Some(action) = held.get()
                && lost
            {
                super::focus::focus(&format!("[data-action=\"{}\"]", action.name()));
            }
        });
    }
    // What a button does: some actions ask first.
    let start = {
        let object = object.clone();
        move |action: Action| {
            if asks(action, &object) {
                acting.ask(object.clone(), action);
            } else {
                acting.run(Run {
                    object: object.clone(),
                    action,
                    request: ActionRequest::default(),
                });
            }
        }
    };
    // The palette offers the allowed actions by name: "Reconcile Kustomization flux-system/apps".
    let named = object.label();
    let offered: Vec<Action> = listing
        .actions
        .iter()
        .filter(|p| p.allowed && p.action != Action::Download)
        .map(|p| p.action)
        .collect();
    // A command chosen in the palette always asks: typed, it is easily the wrong one.
    let from_palette = object.clone();
    Commands::offer(move || {
        offered
            .iter()
            .map(|action| {
                let (action, object) = (*action, from_palette.clone());
                Command {
                    label: format!("{} {named}", action.label()),
                    run: Callback::new(move |()| acting.ask(object.clone(), action)),
                }
            })
            .collect()
    });
    let buttons = listing
        .actions
        .iter()
        .map(|permission| {
            if permission.action == Action::Download {
                return view! { <Download permission=permission.clone() object=object.clone() artifacts=listing.artifacts.iter().map(|a| a.name.clone()).collect()/> }.into_any();
            }
            let action = permission.action;
            let allowed = permission.allowed;
            let running = move || busy() == Some(action);
            let start = start.clone();
            let click = move |_| {
                // A refused action does nothing: its reason is what it says.
                if allowed {
                    start(action);
                }
            };
            view! {
                <button
                    class="action"
                    data-action=action.name()
                    disabled=move || allowed && busy().is_some()
                    aria-disabled=(!allowed).to_string()
                    aria-describedby=(!allowed).then(|| why_id(action))
                    aria-busy=move || running().to_string()
                    on:click=click
                >
                    {move || running().then(|| view! { <span class="spinner" aria-hidden="true"></span> })}
                    {action.label()}
                </button>
            }
            .into_any()
        })
        .collect_view();
    let refusals = listing
        .actions
        .iter()
        .filter(|p| !p.allowed)
        .map(|p| {
            view! {
                <li id=why_id(p.action)>
                    <strong>{p.action.label()}</strong>": "{p.message.clone().unwrap_or_default()}
                </li>
            }
        })
        .collect::<Vec<_>>();
    let refusals = (!refusals.is_empty()).then(|| view! { <ul class="refusals">{refusals}</ul> });
    view! {
        <div class="action-bar" role="toolbar" aria-label=label>{buttons}</div>
        <p class="progress" role="status">
            {move || busy().filter(|a| waits(*a)).map(|a| format!("{}: waiting for the controller to handle it…", a.label()))}
        </p>
        {refusals}
    }
}

/// The id of the words that say why `action` is not allowed.
fn why_id(action: Action) -> String {
    format!("why-{}", action.name())
}

/// Download of the artifact: a link, so the browser streams it to disk under the server's
/// filename with its own progress; an ArtifactGenerator offers its ExternalArtifacts.
#[component]
fn Download(
    permission: ActionPermission,
    object: Address,
    artifacts: Vec<String>,
) -> impl IntoView {
    if !permission.allowed {
        return view! {
            <button class="action" data-action="download" aria-disabled="true" aria-describedby=why_id(Action::Download)>
                "Download"
            </button>
        }
        .into_any();
    }
    if artifacts.is_empty() {
        return view! {
            <a class="action button" data-action="download" href=api::download_url(&object, None) download="">"Download"</a>
        }
        .into_any();
    }
    let chosen = RwSignal::new(artifacts.first().cloned().unwrap_or_default());
    view! {
        <span class="download-choice">
            <label for="artifact-choice" class="visually-hidden">"Artifact"</label>
            <select id="artifact-choice" on:change=move |ev| chosen.set(event_target_value(&ev))>
                {artifacts.into_iter().map(|a| view! { <option value=a.clone()>{a.clone()}</option> }).collect_view()}
            </select>
            <a class="action button" data-action="download" href=move || api::download_url(&object, Some(&chosen.get())) download="">"Download"</a>
        </span>
    }
    .into_any()
}
