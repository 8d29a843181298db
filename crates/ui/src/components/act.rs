//! Taking an action on one object: once at a time (a Leptos `Action`, whose pending input
//! says which is running), waiting for the controller where one answers it, the outcome told
//! in a toast, the page read again, and the keyboard focus given back to the button that
//! started it.

use flux_web_shared::actions::{Action, ActionRequest, ActionResponse};
use leptos::prelude::*;

use super::toast::toasts;
use crate::api::{self, Address};

/// How long the page waits for a controller to handle a reconcile, pull or resume before it
/// says it has not yet.
pub const WAIT_S: u32 = 30;

/// The actions a Flux controller answers: the page waits for its answer, and shows it. A
/// staged pull waits for its source, whose new artifact the preview then builds.
pub fn waits(action: Action) -> bool {
    matches!(
        action,
        Action::Reconcile | Action::Reset | Action::Pull | Action::Stage | Action::Resume
    )
}

/// How long the page asks the server to wait for the controller after `action`, if at all.
pub fn wait(action: Action) -> Option<u32> {
    waits(action).then_some(WAIT_S)
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
pub struct Refocus(pub RwSignal<Option<Action>>);

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

pub fn refocus() -> Option<Refocus> {
    use_context::<Refocus>()
}

/// An action on one object that waits for the user's word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked {
    pub object: Address,
    pub action: Action,
}

/// An action to take on one object, as asked.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub object: Address,
    pub action: Action,
    pub request: ActionRequest,
}

/// What a page's actions share: the one waiting for the user's word and the one running.
/// The page keeps it, so that a redraw of its parts (a live update) neither closes an open
/// confirmation nor forgets the action in flight.
#[derive(Clone, Copy)]
pub struct Acting {
    pub asked: RwSignal<Option<Asked>>,
    running: leptos::prelude::Action<Run, ()>,
}

impl Acting {
    /// Actions whose outcomes are toasted, after which `done` runs (the page reads again).
    pub fn new(done: Callback<()>) -> Self {
        let toasts = toasts();
        let navigate = leptos_router::hooks::use_navigate();
        let running = leptos::prelude::Action::new_unsync(move |run: &Run| {
            let Run {
                object,
                action,
                request,
            } = run.clone();
            let navigate = navigate.clone();
            async move {
                match api::act(&object, action, &request, wait(action)).await {
                    Ok(response) => {
                        // The answer's message names what was done (the Job a run-job created).
                        toasts.ok(outcome(&response));
                        // A staged pull is done to be looked at: its preview, built anew
                        // for the revision just fetched.
                        if action == Action::Stage {
                            let at = response.requested_at.clone().unwrap_or_default();
                            let to = format!(
                                "{}&build={}",
                                object.tab_href("preview"),
                                crate::format::encode(&at)
                            );
                            navigate(&to, Default::default());
                        }
                        // Done but not yet in the audit trail: the user must know.
                        if let Some(why) = response.audit_error {
                            toasts
                                .failed(format!("{} done, not audited yet: {why}", action.label()));
                        }
                    }
                    Err(e) => toasts.failed(format!("{} failed: {}", action.label(), e.detail())),
                }
                // The user may have left the page meanwhile: then only the toast is told.
                let _ = done.try_run(());
            }
        });
        Self {
            asked: RwSignal::new(None),
            running,
        }
    }

    /// Asks for the user's word on `action` on `object`.
    pub fn ask(self, object: Address, action: Action) {
        self.asked.set(Some(Asked { object, action }));
    }

    /// Takes `run`, unless an action is running already.
    pub fn run(self, run: Run) {
        if !self.running.pending().get_untracked() {
            self.running.dispatch(run);
        }
    }

    /// The action running, tracked.
    pub fn busy(self) -> Option<Action> {
        self.running
            .input()
            .with(|run| run.as_ref().map(|r| r.action))
    }
}
