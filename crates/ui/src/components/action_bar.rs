//! The actions of an object, from its listing: allowed ones as buttons; the others as buttons
//! marked `aria-disabled`, which stay focusable and are described by the reason (the missing
//! RBAC rule, or the state that forbids it), shown in words under the bar, so keyboard and
//! screen reader users reach it too. A running action shows a spinner and cannot be started
//! twice; its outcome becomes a toast.

use flux_web_shared::actions::{
    Action, ActionListing, ActionPermission, ActionRequest, ActionResponse,
};
use leptos::prelude::*;

use super::dialog::Dialog;
use super::palette::{Command, Commands};
use super::toast::toasts;
use crate::api;

/// How long the page waits for a controller to handle a reconcile, pull or resume before it
/// says it has not yet.
const WAIT_S: u32 = 30;

/// The actions a Flux controller answers: the page waits for its answer, and shows it.
fn waits(action: Action) -> bool {
    matches!(action, Action::Reconcile | Action::Pull | Action::Resume)
}

/// What the toast says of an answer: what was done and, after a wait, what the controller
/// made of it.
fn outcome(response: &ActionResponse) -> String {
    let ready = response.ready.as_ref().map(|c| {
        let message = Some(c.message.as_str()).filter(|m| !m.is_empty());
        format!(
            " Ready: {}{}",
            c.status,
            message.map(|m| format!(", {m}")).unwrap_or_default()
        )
    });
    match response.handled {
        Some(true) => format!(
            "{} The controller handled it.{}",
            response.message,
            ready.unwrap_or_default()
        ),
        Some(false) => format!(
            "{} The controller has not handled it yet ({WAIT_S} s).",
            response.message
        ),
        None => response.message.clone(),
    }
}

/// The action button that holds the keyboard focus, as far as the user is concerned: a live
/// update draws the bar anew (and a running action disables its button), which drops the
/// focus on the page's body; the bar drawn next, or the end of the action, gives it back. The
/// user focusing anything else ends it.
#[derive(Debug, Clone, Copy)]
pub struct Refocus(RwSignal<Option<Action>>);

impl Refocus {
    /// Follows the focus for the life of the app.
    pub fn following() -> Self {
        let held = RwSignal::new(None);
        let follow = move |target: Option<web_sys::EventTarget>| {
            use wasm_bindgen::JsCast;
            let action = target
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|e| e.closest("[data-action]").ok().flatten())
                .and_then(|e| e.get_attribute("data-action"))
                .and_then(|name| Action::parse(&name));
            if held.get_untracked() != action {
                held.set(action);
            }
        };
        // The app lives as long as the page: its listeners need no handle to stop them. A
        // click on text moves no focus, but says the user is elsewhere.
        let _ = window_event_listener(leptos::ev::focusin, move |ev| follow(ev.target()));
        let _ = window_event_listener(leptos::ev::pointerdown, move |ev| follow(ev.target()));
        Self(held)
    }
}

fn refocus() -> Option<Refocus> {
    use_context::<Refocus>()
}

/// Runs `action` on `path` once at a time; toasts the outcome and calls `done` after it.
pub fn run(
    path: String,
    action: Action,
    request: ActionRequest,
    busy: RwSignal<Option<Action>>,
    done: Callback<()>,
) {
    if busy.get_untracked().is_some() {
        return;
    }
    busy.set(Some(action));
    let toasts = toasts();
    // Taken here: the task below runs outside the component that called.
    let refocus = refocus();
    leptos::task::spawn_local(async move {
        let wait = waits(action).then_some(WAIT_S);
        match api::act(&path, action, &request, wait).await {
            Ok(response) => {
                // The answer's message names what was done (the Job a run-job created).
                toasts.ok(outcome(&response));
                // Done but not yet in the audit trail: the user must know.
                if let Some(why) = response.audit_error {
                    toasts.failed(format!("{} done, not audited yet: {why}", action.label()));
                }
            }
            Err(e) => toasts.failed(format!("{} failed: {}", action.label(), e.detail())),
        }
        // The bar that started it may have been drawn anew meanwhile (a live update), or the
        // user may have left the page: then only what still exists is told.
        let _ = busy.try_set(None);
        // Its button is enabled again: the focus may go back to it.
        if let Some(Refocus(held)) = refocus {
            held.update(|_| {});
        }
        let _ = done.try_run(());
    });
}

#[component]
pub fn ActionBar(listing: ActionListing, path: String, done: Callback<()>) -> impl IntoView {
    let busy = RwSignal::new(None::<Action>);
    if let Some(Refocus(held)) = refocus() {
        Effect::new(move |_| {
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
    let suspending = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let until = RwSignal::new(String::new());
    // What a button does, for the palette too.
    let start = {
        let path = path.clone();
        move |action: Action| {
            if action == Action::Suspend {
                suspending.set(true);
            } else {
                run(path.clone(), action, ActionRequest::default(), busy, done);
            }
        }
    };
    // The palette offers the allowed actions by name: "Reconcile Kustomization flux-system/apps".
    let object = path
        .split_once('/')
        .map_or_else(|| path.clone(), |(_, rest)| rest.replacen('/', " ", 1));
    let offered: Vec<Action> = listing
        .actions
        .iter()
        .filter(|p| p.allowed && p.action != Action::Download)
        .map(|p| p.action)
        .collect();
    let offer = start.clone();
    Commands::offer(move || {
        offered
            .iter()
            .map(|action| {
                let (action, offer) = (*action, offer.clone());
                Command {
                    label: format!("{} {object}", action.label()),
                    run: Callback::new(move |()| offer(action)),
                }
            })
            .collect()
    });
    let buttons = listing
        .actions
        .iter()
        .map(|permission| {
            let path = path.clone();
            if permission.action == Action::Download {
                return view! { <Download permission=permission.clone() path=path artifacts=listing.artifacts.iter().map(|a| a.name.clone()).collect()/> }.into_any();
            }
            let action = permission.action;
            let allowed = permission.allowed;
            let running = move || busy.get() == Some(action);
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
                    disabled=move || allowed && busy.get().is_some()
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
    let submit_suspend = {
        let path = path.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let text = reason.get_untracked();
            let end = until.get_untracked();
            let request = ActionRequest {
                reason: (!text.trim().is_empty()).then(|| text.trim().to_owned()),
                until: (!end.trim().is_empty()).then(|| end.trim().to_owned()),
                ..Default::default()
            };
            suspending.set(false);
            reason.set(String::new());
            until.set(String::new());
            run(path.clone(), Action::Suspend, request, busy, done);
        }
    };
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
        <div class="action-bar" role="toolbar" aria-label="Actions">{buttons}</div>
        <p class="progress" role="status">
            {move || busy.get().filter(|a| waits(*a)).map(|a| format!("{}: waiting for the controller to handle it…", a.label()))}
        </p>
        {refusals}
        <Dialog open=suspending on_close=Callback::new(move |()| suspending.set(false)) title="Suspend".to_owned()>
            <form method="dialog" on:submit=submit_suspend>
                <label for="suspend-reason">"Reason (optional, shown to others)"</label>
                <textarea
                    id="suspend-reason"
                    prop:value=move || reason.get()
                    on:input=move |ev| reason.set(event_target_value(&ev))
                ></textarea>
                <label for="suspend-until">"Until (optional): a duration such as 2h or 30m, or a time such as 2026-12-24T18:00:00Z"</label>
                <input
                    id="suspend-until"
                    type="text"
                    autocomplete="off"
                    prop:value=move || until.get()
                    on:input=move |ev| until.set(event_target_value(&ev))
                />
                <div class="dialog-buttons">
                    <button type="button" on:click=move |_| suspending.set(false)>"Cancel"</button>
                    <button type="submit" class="primary">"Suspend"</button>
                </div>
            </form>
        </Dialog>
    }
}

/// The id of the words that say why `action` is not allowed.
fn why_id(action: Action) -> String {
    format!("why-{}", action.name())
}

/// Download of the artifact: a link, so the browser streams it to disk under the server's
/// filename with its own progress; an ArtifactGenerator offers its ExternalArtifacts.
#[component]
fn Download(permission: ActionPermission, path: String, artifacts: Vec<String>) -> impl IntoView {
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
            <a class="action button" data-action="download" href=api::download_url(&path, None) download="">"Download"</a>
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
            <a class="action button" data-action="download" href=move || api::download_url(&path, Some(&chosen.get())) download="">"Download"</a>
        </span>
    }
    .into_any()
}
