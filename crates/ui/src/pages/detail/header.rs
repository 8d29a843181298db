//! The top of an object's page: its kind and namespace, its name with its state, the star,
//! what blocks it, the Ready message, who suspended it (why, until when), the last handled reconcile, the
//! pipeline, and the action bar. Each part follows the live data by itself.

use flux_web_shared::objects::{ObjectDetail, State};
use flux_web_shared::user::UserInfo;
use leptos::prelude::*;

use super::pipeline::Pipeline;
use crate::api::{Address, ApiError};
use crate::components::act::Acting;
use crate::components::action_bar::ActionBar;
use crate::components::badge::Badge;
use crate::components::blocked::Blocked;
use crate::components::favourites::Favourites;
use crate::format::ago;

#[component]
pub fn Header(detail: Memo<ObjectDetail>, object: Address, acting: Acting) -> impl IntoView {
    // Parts drawn anew with each change of the object: cheap, and kept apart from the tabs.
    let summary = move || detail.with(|d| d.summary.clone());
    let suspended = move || {
        let summary = summary();
        summary.suspended_by.clone().map(|by| {
            let reason = summary
                .suspended_reason
                .clone()
                .map(|r| format!(": {r}"))
                .unwrap_or_default();
            let until = summary
                .suspended_until
                .clone()
                .map(|until| view! { <Until until=until/> });
            view! { <p class="suspended">{format!("Suspended by {by}{reason}")}{until}</p> }
        })
    };
    let handled = move || {
        summary().last_handled_reconcile_at.map(|at| {
            let datetime = at.clone();
            view! { <p class="handled">"Last reconcile request handled " <time datetime=datetime>{ago(Some(at))}</time>" ago"</p> }
        })
    };
    let bar = {
        let object = object.clone();
        move || {
            let (listing, suspended) =
                detail.with(|d| (d.actions.clone(), d.summary.state == State::Suspended));
            view! { <ActionBar listing=listing object=object.clone() acting=acting suspended=suspended/> }
        }
    };
    view! {
        <header class="object-header">
            <p class="kind">{move || detail.with(|d| format!("{} in {}", d.target.kind, d.target.namespace))}</p>
            <div class="title-row">
                <h1>{move || detail.with(|d| d.target.name.clone())} " " {move || detail.with(|d| view! { <Badge state=d.summary.state retrying=d.summary.retrying/> })}</h1>
                <Star object=object/>
            </div>
            {move || detail.with(|d| d.summary.blocked_by.clone().map(|b| view! { <p class="blocked-by"><Blocked blocked=*b/></p> }))}
            {move || detail.with(|d| (!d.summary.message.is_empty()).then(|| view! { <p class="message">{d.summary.message.clone()}</p> }))}
            {suspended}
            {handled}
            {move || view! { <Pipeline detail=detail.get()/> }}
            {bar}
        </header>
    }
}

/// The end of a suspension, counted down; said plainly when no replica would lift it: then
/// it is up to a person.
#[component]
fn Until(until: String) -> impl IntoView {
    let left = crate::format::countdown(until.clone());
    let user = use_context::<LocalResource<Result<UserInfo, ApiError>>>();
    let alone = move || {
        let resumer = user
            .and_then(|u| u.get())
            .and_then(Result::ok)
            .is_some_and(|u| u.resumer);
        (!resumer).then_some(" No resumer is running now: resume it yourself when the time comes.")
    };
    view! { " until " <time datetime=until.clone()>{until.clone()}</time> " (" {left} ")." {alone} }
}

/// Stars the object in this browser, or unstars it; `f` does the same.
#[component]
fn Star(object: Address) -> impl IntoView {
    let Some(favourites) = use_context::<Favourites>() else {
        return ().into_any();
    };
    let path = object.to_string();
    let on = Signal::derive({
        let path = path.clone();
        move || favourites.has(&path)
    });
    let toggle = StoredValue::new(move || favourites.toggle(&path));
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "f" && !crate::components::keys::typing(&ev) {
            ev.prevent_default();
            toggle.with_value(|t| t());
        }
    });
    on_cleanup(move || keys.remove());
    view! {
        <button type="button" class="star" aria-keyshortcuts="f" aria-pressed=move || on.get().to_string()
            on:click=move |_| toggle.with_value(|t| t())>
            <span aria-hidden="true">{move || if on.get() { "★" } else { "☆" }}</span>" Favourite"
        </button>
    }
    .into_any()
}
