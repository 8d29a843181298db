//! The Preview tab of a Kustomization: its source's artifact built as kustomize-controller
//! builds it, on request (a build takes seconds of the server's time), and whether that build
//! is the controller's own for the revision — the objects it holds, by kind.

use flux_web_shared::preview::Preview;
use leptos::prelude::*;

use crate::api::{self, Address, ApiError};
use crate::command;
use crate::components::act::Acting;
use crate::components::copy_as::{CopyAs, bearer};
use crate::components::preview::Built;
use flux_web_shared::actions::Action;
use leptos_router::hooks::use_query_map;

#[component]
pub fn PreviewTab(
    object: Address,
    /// Whether the Kustomization is suspended: then the preview is what a resume applies.
    held: Signal<bool>,
    acting: Acting,
) -> impl IntoView {
    let built: RwSignal<Option<Result<Preview, ApiError>>> = RwSignal::new(None);
    let running = RwSignal::new(false);
    let origin = crate::base::origin();
    let endpoint = format!("/api/v1/{object}/preview");
    let bearer = bearer();
    let curl = Signal::derive(move || command::curl_get(&origin, &endpoint, bearer()));
    let (namespace, name) = (object.namespace.clone(), object.name.clone());
    let flux = Signal::derive(move || {
        built.with(|b| match b {
            Some(Ok(preview)) => command::flux_diff(&namespace, &name, &preview.path),
            _ => String::new(),
        })
    });
    let build = {
        let object = object.clone();
        move || {
            let object = object.clone();
            running.set(true);
            leptos::task::spawn_local(async move {
                let answer = api::preview(&object).await;
                let _ = built.try_set(Some(answer));
                let _ = running.try_set(false);
            });
        }
    };
    // `?build=` (a staged pull's end leads here with it): built at once, and again when it
    // changes.
    let query = use_query_map();
    Effect::new({
        let build = build.clone();
        move |last: Option<Option<String>>| {
            let asked = query.with(|q| q.get("build"));
            if asked.is_some() && last.as_ref() != Some(&asked) {
                build();
            }
            asked
        }
    });
    let resume = move |_| acting.ask(object.clone(), Action::Resume);
    view! {
        <section aria-labelledby="preview-title">
            <h2 id="preview-title">"Preview"</h2>
            <p class="hint">"What a reconcile would apply: the source's current artifact, built with the controller's own code. Nothing in the cluster changes."</p>
            <button type="button" class="button" on:click=move |_| build() disabled=move || running.get()>
                {move || if running.get() { "Building…" } else { "Build the preview" }}
            </button>
            {move || (held.get() && matches!(built.get(), Some(Ok(_)))).then(|| view! {
                <p class="notice preview-held">
                    "Suspended: its controller applies nothing until it is resumed, and then applies this. "
                    <button type="button" class="button" data-action="resume" on:click=resume.clone()>"Resume to apply"</button>
                </p>
            })}
            {move || built.get().map(|answer| match answer {
                Ok(preview) => view! { <Built preview=preview/> }.into_any(),
                Err(e) => view! { <p class="notice" role="alert">{format!("No preview: {}", e.detail())}</p> }.into_any(),
            })}
            <CopyAs blocks=vec![("curl", curl), ("flux", flux)]/>
        </section>
    }
}
