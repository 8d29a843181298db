//! The actions of an object, from its listing: allowed ones as buttons; the others as buttons
//! marked `aria-disabled`, which stay focusable and are described by the reason (the missing
//! RBAC rule, or the state that forbids it), shown in words under the bar, so keyboard and
//! screen reader users reach it too. A running action shows a spinner and cannot be started
//! twice; its outcome becomes a toast.

use flux_web_shared::actions::{Action, ActionListing, ActionPermission, ActionRequest};
use leptos::prelude::*;

use super::dialog::Dialog;
use super::toast::toasts;
use crate::api;

/// How long after an action its button takes the focus back once the page redraws.
const REFOCUS_MS: f64 = 3000.0;

/// The action that last ended and when: the bar drawn after it gives its button the focus
/// back, so a keyboard user stays where they were.
#[derive(Debug, Clone, Copy)]
pub struct Refocus(RwSignal<Option<(Action, f64)>>);

impl Refocus {
    pub fn new() -> Self {
        Self(RwSignal::new(None))
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
        match api::act(&path, action, &request).await {
            Ok(response) => {
                // The answer's message names what was done (the Job a run-job created).
                toasts.ok(response.message);
                // Done but not yet in the audit trail: the user must know.
                if let Some(why) = response.audit_error {
                    toasts.failed(format!("{} done, not audited yet: {why}", action.label()));
                }
            }
            Err(e) => toasts.failed(format!("{} failed: {}", action.label(), e.detail())),
        }
        busy.set(None);
        if let Some(Refocus(last)) = refocus {
            last.set(Some((action, js_sys::Date::now())));
        }
        done.run(());
    });
}

#[component]
pub fn ActionBar(listing: ActionListing, path: String, done: Callback<()>) -> impl IntoView {
    let busy = RwSignal::new(None::<Action>);
    if let Some(Refocus(last)) = refocus() {
        Effect::new(move |_| {
            if let Some((action, when)) = last.get()
                && js_sys::Date::now() - when < REFOCUS_MS
            {
                super::focus::focus(&format!("[data-action=\"{}\"]", action.name()));
            }
        });
    }
    let suspending = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let until = RwSignal::new(String::new());
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
            let click = move |_| {
                if !allowed {
                    return; // its reason is what it says
                }
                if action == Action::Suspend {
                    suspending.set(true);
                } else {
                    run(path.clone(), action, ActionRequest::default(), busy, done);
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
