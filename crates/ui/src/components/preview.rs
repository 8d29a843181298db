//! A preview's answer as people read it: how it compares with the controller's build, the
//! counts of what would change, and each object's fate with its diff folded under it. The
//! Preview tab shows all of it; a confirmation of a reconcile or resume shows its
//! [`Forecast`], what changes only.

use flux_web_shared::preview::{Preview, PreviewFate, PreviewObject};
use leptos::prelude::*;

use crate::api::{self, Address, ApiError};

/// Whether `object` has a preview: a Kustomization's build is what the server previews.
pub fn previewable(object: &Address) -> bool {
    object.group == "kustomize.toolkit.fluxcd.io"
        && ["kustomization", "kustomizations", "ks"]
            .iter()
            .any(|k| object.kind.eq_ignore_ascii_case(k))
}

/// The most changed objects a confirmation lists; the Preview tab has the rest.
const FORECAST_SHOWN: usize = 20;

/// In a confirmation: what the action would apply, built once when the dialog opens (a
/// build takes the server seconds, and the button does not wait for it).
#[component]
pub fn Forecast(object: Address) -> impl IntoView {
    let built: RwSignal<Option<Result<Preview, ApiError>>> = RwSignal::new(None);
    let tab = crate::base::url(&object.tab_href("preview"));
    leptos::task::spawn_local(async move {
        let answer = api::preview(&object).await;
        // The dialog may have closed meanwhile.
        let _ = built.try_set(Some(answer));
    });
    view! {
        <section class="forecast" aria-labelledby="forecast-title" aria-live="polite">
            <h3 id="forecast-title">"What it would apply"</h3>
            {move || match built.get() {
                None => view! { <p class="loading">"Building the preview…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="hint">{format!("No preview: {}", e.detail())}</p> }.into_any(),
                Some(Ok(preview)) => {
                    let changing: Vec<PreviewObject> = preview
                        .objects
                        .iter()
                        .filter(|o| o.fate != PreviewFate::Unchanged)
                        .cloned()
                        .collect();
                    let more = changing.len().saturating_sub(FORECAST_SHOWN);
                    let counts = match preview.objects.is_empty() {
                        true => "The build holds no object.".to_owned(),
                        false => format!("{} ({})", counts(&preview.objects), preview.revision),
                    };
                    let skew = (preview.matches == Some(false)).then(|| view! {
                        <p class="preview-fidelity differs">"The controller built this revision differently: what it applies may differ."</p>
                    });
                    let listed: Vec<PreviewObject> = changing.into_iter().take(FORECAST_SHOWN).collect();
                    view! {
                        <p class="preview-counts">{counts}</p>
                        {skew}
                        <ul class="preview-objects">{listed.into_iter().map(|o| view! { <Object object=o/> }).collect_view()}</ul>
                        {(more > 0).then(|| view! { <p class="hint"><a href=tab.clone()>{format!("{more} more in the Preview tab")}</a></p> })}
                    }
                    .into_any()
                }
            }}
        </section>
    }
}

#[component]
pub fn Built(preview: Preview) -> impl IntoView {
    let applier = applier(&preview);
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
        <p class="hint preview-applier">{applier}</p>
        <p class="preview-counts">{counts}</p>
        <Objects objects=preview.objects/>
    }
}

/// As whom the dry runs applied, and what a `forbidden` then says.
fn applier(preview: &Preview) -> String {
    match (&preview.service_account, preview.as_service_account) {
        (Some(account), true) => format!(
            "Dry-run as service account {account}, as the controller applies: a forbidden object would fail the reconcile."
        ),
        (Some(account), false) => format!(
            "The controller applies as service account {account}, which flux-web may not impersonate: the dry run applied as you, so forbidden speaks of your rights."
        ),
        (None, _) => "The dry run applied as you (the controller applies as itself), so forbidden speaks of your rights.".to_owned(),
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
fn counts(objects: &[PreviewObject]) -> String {
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
