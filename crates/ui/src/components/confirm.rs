//! The confirmation of an action on one object: what it does, in words and as the server's own
//! dry run of the very request (every check made, the write sent with `dryRun=All`, nothing
//! written), the same change as commands to copy, and a button named after it that works only
//! once the dry run said yes. Suspend asks for its reason and end here; a new end is checked
//! again. What cannot be undone opens on Cancel, and an Enter typed before the dry run was
//! shown does nothing: two quick Enters never delete a Pod.

use flux_web_shared::actions::{Action, ActionRequest, Target};
use leptos::prelude::*;

use super::act::{Acting, Asked, Run, wait};
use super::copy_as::{CopyAs, bearer};
use super::dialog::Dialog;
use super::preview::{Forecast, previewable};
use crate::api::Address;
use crate::{api, command};

/// Whether a button's click asks first: the actions that stop a controller or touch running
/// workloads, and a resume of what has a preview (it applies all that waited meanwhile: the
/// confirmation shows what). The palette asks for every action: a typed command is easily the
/// wrong one.
pub fn asks(action: Action, object: &Address) -> bool {
    match action {
        // A reset lets remediation run again: a rollback, or an uninstall where it says so.
        Action::Suspend
        | Action::Stage
        | Action::Reset
        | Action::Restart
        | Action::RunJob
        | Action::Delete => true,
        Action::Resume => previewable(object),
        _ => false,
    }
}

/// Whether the confirmation of `action` shows what it would apply.
fn forecasts(action: Action, object: &Address) -> bool {
    matches!(action, Action::Reconcile | Action::Resume) && previewable(object)
}

/// What `action` does, beyond its name.
fn consequence(action: Action) -> &'static str {
    match action {
        Action::Reconcile => "Its controller is asked to reconcile it now.",
        Action::Reset => {
            "Its failure counts are cleared and its controller reconciles it now: remediation (retries, rollback) may run again."
        }
        Action::Pull => "Its sources fetch their artifacts again, then it is reconciled.",
        Action::Stage => {
            "It is suspended (reason: preview) and its source fetches the new revision, which its controller does not apply: its Preview tab shows what a resume would change."
        }
        Action::Suspend => {
            "Its controller stops reconciling it (drift is no longer corrected) until it is resumed, or until the end given here."
        }
        Action::Resume => "Its controller reconciles it again from now on.",
        Action::Restart => "Its Pods are replaced one by one, as a rollout does.",
        Action::RunJob => "A Job is created from its template now, outside its schedule.",
        Action::Delete => "The Pod is deleted; if a controller owns it, a new one takes its place.",
        Action::Download => "",
    }
}

/// What the dry run said of the request.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    Checking,
    /// The server's account of what the action would do.
    Would(String),
    /// Why the server would refuse it.
    Refused(String),
}

/// The reason and end of a suspension, for one object or many. `checked` runs when the end
/// is changed, for a dry run of it.
#[component]
pub fn SuspendFields(
    id: &'static str,
    reason: RwSignal<String>,
    until: RwSignal<String>,
    #[prop(optional)] checked: Option<Callback<()>>,
) -> impl IntoView {
    let (reason_id, until_id) = (format!("{id}-reason"), format!("{id}-until"));
    view! {
        <label for=reason_id.clone()>"Reason (optional, shown to others)"</label>
        <textarea id=reason_id prop:value=move || reason.get()
            on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
        <label for=until_id.clone()>"Until (optional): a duration such as 2h or 30m, or a time such as 2026-12-24T18:00:00Z"</label>
        <input id=until_id type="text" autocomplete="off" prop:value=move || until.get()
            on:input=move |ev| until.set(event_target_value(&ev))
            on:change=move |_| if let Some(checked) = checked { checked.run(()) }/>
    }
}

/// The text of an optional field: none when blank.
pub fn written(field: RwSignal<String>) -> Option<String> {
    field.with(|text| Some(text.trim().to_owned()).filter(|t| !t.is_empty()))
}

#[component]
pub fn Confirm(acting: Acting) -> impl IntoView {
    let asked = acting.asked;
    let reason = RwSignal::new(String::new());
    let until = RwSignal::new(String::new());
    let verdict = RwSignal::new(Verdict::Checking);
    let request = move || ActionRequest {
        reason: written(reason),
        until: written(until),
        ..ActionRequest::default()
    };
    // Confirmed while a dry run was still out (the end had just changed, and leaving its
    // field ran it again): carried out as soon as that dry run says yes, but only when an
    // earlier one was shown, since the person has then read what the change does.
    let pending = RwSignal::new(false);
    let shown = RwSignal::new(false);
    let close = Callback::new(move |()| {
        if asked.with_untracked(Option::is_some) {
            asked.set(None);
        }
        pending.set(false);
        shown.set(false);
        reason.set(String::new());
        until.set(String::new());
    });
    let go = move || {
        let Some(Asked { object, action }) = asked.get_untracked() else {
            return;
        };
        let request = untrack(request);
        close.run(());
        acting.run(Run {
            object,
            action,
            request,
        });
    };
    // Each dry run is numbered: the answer to an older one (the end changed since) is dropped.
    let latest = StoredValue::new(0u64);
    let owner = Owner::current().unwrap_or_default();
    let check = Callback::new(move |()| {
        let Some(Asked { object, action }) = asked.get_untracked() else {
            return;
        };
        latest.update_value(|n| *n += 1);
        let this = latest.get_value();
        verdict.set(Verdict::Checking);
        let request = untrack(request);
        let owner = owner.clone();
        leptos::task::spawn_local(async move {
            let answer = api::dry_run(&object, action, &request).await;
            if latest.try_get_value() != Some(this) {
                return;
            }
            let yes = answer.is_ok();
            if yes {
                let _ = shown.try_set(true);
            }
            let _ = verdict.try_set(match answer {
                Ok(response) => Verdict::Would(response.message),
                Err(e) => Verdict::Refused(e.detail()),
            });
            if pending.try_get_untracked() == Some(true) {
                pending.set(false);
                if yes {
                    // In the dialog's scope: the toasts and the focus are found from there.
                    owner.with(go);
                }
            }
        });
    });
    Effect::new(move |_| {
        let Some(action) = asked.with(|a| a.as_ref().map(|a| a.action)) else {
            return;
        };
        check.run(());
        // Once the dialog is open: the first field to fill; Cancel before what cannot be
        // undone; otherwise the button, for Enter once the dry run said yes.
        let first = match action {
            Action::Suspend => "#suspend-reason",
            Action::Restart | Action::RunJob | Action::Delete => "#confirm-cancel",
            _ => "#confirm-go",
        };
        request_animation_frame(move || super::focus::focus(first));
    });
    let action = move || asked.with(|a| a.as_ref().map(|a| a.action));
    let object = move || asked.with(|a| a.as_ref().map(|a| a.object.label()).unwrap_or_default());
    let label = move || {
        format!(
            "{} {}",
            action().map(Action::label).unwrap_or_default(),
            object()
        )
    };
    let ready = move || matches!(verdict.get(), Verdict::Would(_));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match verdict.get_untracked() {
            Verdict::Would(_) => go(),
            Verdict::Checking if shown.get_untracked() => pending.set(true),
            Verdict::Checking => {}
            Verdict::Refused(_) => {}
        }
    };
    let bearer = bearer();
    let origin = crate::base::origin();
    let commands = move |form: fn(Action, &Target) -> Option<String>| {
        Signal::derive(move || {
            asked
                .get()
                .and_then(|a| form(a.action, &a.object.target()))
                .unwrap_or_default()
        })
    };
    let curl = Signal::derive(move || {
        let Some(Asked { object, action }) = asked.get() else {
            return String::new();
        };
        // The block follows what is typed.
        let request = request();
        let endpoint = api::action_url(&object, action, wait(action));
        command::curl(&origin, &endpoint, &request, bearer())
    });
    let blocks = vec![
        ("flux", commands(command::flux)),
        ("kubectl", commands(|a, t| Some(command::kubectl(a, t)))),
        ("curl", curl),
    ];
    view! {
        <Dialog open=Signal::derive(move || asked.with(Option::is_some)) on_close=close title="Confirm".to_owned()>
            <form method="dialog" class="confirm" on:submit=submit>
                <p class="confirm-what"><strong>{label}</strong></p>
                <p>{move || action().map(consequence)}</p>
                {move || (action() == Some(Action::Suspend)).then(|| view! {
                    <SuspendFields id="suspend" reason=reason until=until checked=check/>
                })}
                {move || asked.get().filter(|a| forecasts(a.action, &a.object)).map(|a| view! {
                    <Forecast object=a.object/>
                })}
                <p class="dry-run" role="status" id="dry-run">{move || match verdict.get() {
                    Verdict::Checking => view! { <span class="loading">"Checking with the server (dry run)…"</span> }.into_any(),
                    Verdict::Would(message) => view! { <span class="would">{message}</span> }.into_any(),
                    Verdict::Refused(why) => view! { <span class="error">{format!("The server would refuse it: {why}")}</span> }.into_any(),
                }}</p>
                <CopyAs blocks=blocks/>
                <div class="dialog-buttons">
                    <button type="button" id="confirm-cancel" on:click=move |_| close.run(())>"Cancel"</button>
                    <button type="submit" id="confirm-go"
                        class=move || if matches!(action(), Some(Action::Delete | Action::Restart)) { "danger" } else { "primary" }
                        aria-disabled=move || (!ready()).to_string()
                        aria-describedby="dry-run" aria-busy=move || pending.get().to_string()>
                        {label}
                    </button>
                </div>
            </form>
        </Dialog>
    }
}
