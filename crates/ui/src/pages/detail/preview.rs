//! The Preview tab of a Kustomization: its source's artifact built as kustomize-controller
//! builds it, on request (a build takes seconds of the server's time), and whether that build
//! is the controller's own for the revision — the objects it holds, by kind.

use flux_web_shared::preview::{Preview, PreviewFate, PreviewObject};
use leptos::prelude::*;

use crate::api::{self, Address, ApiError};
use crate::command;
use crate::components::copy_as::{CopyAs, bearer};

#[component]
pub fn PreviewTab(object: Address) -> impl IntoView {
    let built: RwSignal<Option<Result<Preview, ApiError>>> = RwSignal::new(None);
    let running = RwSignal::new(false);
    let origin = window().location().origin().unwrap_or_default();
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
    let build = move |_| {
        let object = object.clone();
        running.set(true);
        leptos::task::spawn_local(async move {
            built.set(Some(api::preview(&object).await));
            running.set(false);
        });
    };
    view! {
        <section aria-labelledby="preview-title">
            <h2 id="preview-title">"Preview"</h2>
            <p class="hint">"What a reconcile would apply: the source's current artifact, built with the controller's own code. Nothing in the cluster changes."</p>
            <button type="button" class="button" on:click=build disabled=move || running.get()>
                {move || if running.get() { "Building…" } else { "Build the preview" }}
            </button>
            {move || built.get().map(|answer| match answer {
                Ok(preview) => view! { <Built preview=preview/> }.into_any(),
                Err(e) => view! { <p class="notice" role="alert">{format!("No preview: {}", e.detail())}</p> }.into_any(),
            })}
            <CopyAs blocks=vec![("curl", curl), ("flux", flux)]/>
        </section>
    }
}

#[component]
fn Built(preview: Preview) -> impl IntoView {
    let (class, fidelity) = match preview.matches {
        Some(true) => (
            "preview-fidelity same",
            "This is the controller's own build of this revision: the digests are equal."
                .to_owned(),
        ),
        Some(false) => (
            "preview-fidelity differs",
            format!(
                "The controller built this revision differently ({}): another controller version, or decryption, which the preview does not do. What it applies may differ.",
                preview.applied_digest.unwrap_or_default()
            ),
        ),
        None => (
            "preview-fidelity",
            "The controller has not applied this revision yet: this is what it would build."
                .to_owned(),
        ),
    };
    let summary = format!(
        "{} at {} · {} objects · {}",
        preview.path,
        preview.revision,
        preview.objects.len(),
        preview.digest
    );
    let counts = match preview.objects.is_empty() {
        true => "The build holds no object.".to_owned(),
        false => counts(&preview.objects),
    };
    view! {
        <p class="mono preview-summary">{summary}</p>
        <p class=class>{fidelity}</p>
        <p class="preview-counts">{counts}</p>
        <Objects objects=preview.objects/>
    }
}

/// The objects, by kind in the build's order, each with its fate and, where it changes, its
/// diff folded under it.
#[component]
fn Objects(objects: Vec<PreviewObject>) -> impl IntoView {
    let mut groups: Vec<(String, Vec<PreviewObject>)> = Vec::new();
    for object in objects {
        match groups.last_mut().filter(|(kind, _)| *kind == object.kind) {
            Some((_, list)) => list.push(object),
            None => groups.push((object.kind.clone(), vec![object])),
        }
    }
    groups
        .into_iter()
        .map(|(kind, list)| {
            let heading = format!("{kind} ({})", list.len());
            view! {
                <h3>{heading}</h3>
                <ul class="preview-objects">{list.into_iter().map(|o| view! { <Object object=o/> }).collect_view()}</ul>
            }
        })
        .collect_view()
}

#[component]
fn Object(object: PreviewObject) -> impl IntoView {
    let name = match object.namespace.is_empty() {
        true => object.name,
        false => format!("{}/{}", object.namespace, object.name),
    };
    let word = fate_word(object.fate);
    let message =
        (!object.message.is_empty()).then(|| view! { <span class="hint">{object.message}</span> });
    let diff = object.diff.map(|diff| {
        let label = format!("Diff of {name}");
        view! {
            <details class="preview-diff">
                <summary aria-label=label>"Diff"</summary>
                <pre>{diff.lines().map(|line| {
                    let class = match line.chars().next() {
                        Some('+') => "added",
                        Some('-') => "removed",
                        _ => "context",
                    };
                    view! { <span class=class>{line.to_owned()}"\n"</span> }
                }).collect_view()}</pre>
            </details>
        }
    });
    view! {
        <li>
            <span class=format!("preview-fate preview-fate-{word}")>{word}</span>" "<span class="mono">{name}</span>" "{message}
            {diff}
        </li>
    }
}

/// A fate in a word, as the counts and the badges say it.
fn fate_word(fate: PreviewFate) -> &'static str {
    match fate {
        PreviewFate::Create => "create",
        PreviewFate::Update => "update",
        PreviewFate::Unchanged => "unchanged",
        PreviewFate::Delete => "delete",
        PreviewFate::Skipped => "skipped",
        PreviewFate::Forbidden => "forbidden",
        PreviewFate::Error => "error",
    }
}

/// "2 create · 1 update · 5 unchanged", in the fates' order, the absent ones left out.
pub fn counts(objects: &[PreviewObject]) -> String {
    let order = [
        PreviewFate::Create,
        PreviewFate::Update,
        PreviewFate::Delete,
        PreviewFate::Unchanged,
        PreviewFate::Skipped,
        PreviewFate::Forbidden,
        PreviewFate::Error,
    ];
    order
        .into_iter()
        .filter_map(|fate| {
            let n = objects.iter().filter(|o| o.fate == fate).count();
            (n > 0).then(|| format!("{n} {}", fate_word(fate)))
        })
        .collect::<Vec<_>>()
        .join(" · ")
}
