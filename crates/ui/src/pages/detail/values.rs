//! A HelmRelease's Values tab: the values helm-controller passes to the chart, composed by its
//! own code from `spec.valuesFrom` in order and `spec.values` — where each came from, a source
//! the user may not read named, a Secret's values masked until the user reveals them (which the
//! server audits), and whether they differ from the newest release's.

use flux_web_shared::values::{HelmValues, SourceState, ValuesSource};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::manifest::Manifest;
use crate::api::{self, Address, ApiError};
use crate::command;
use crate::components::copy_as::{CopyAs, bearer};

#[component]
pub fn ValuesTab(object: Address) -> impl IntoView {
    let answer: RwSignal<Option<Result<HelmValues, ApiError>>> = RwSignal::new(None);
    let revealing = RwSignal::new(None::<String>);
    let endpoint = format!("/api/v1/{object}/values");
    // Composed once the tab is first shown (every tab is drawn at once): composing takes the
    // server's engine, which most visits to the page never need.
    let query = use_query_map();
    let asked = RwSignal::new(false);
    // The values masked: on first showing, and again when the user masks a revealed Secret.
    let masked = Callback::new({
        let object = object.clone();
        move |()| {
            let object = object.clone();
            leptos::task::spawn_local(async move {
                let _ = answer.try_set(Some(api::values(&object).await));
            });
        }
    });
    Effect::new(move |_| {
        let shown = query.with(|q| q.get("tab").as_deref() == Some("values"));
        if shown && !asked.get_untracked() {
            asked.set(true);
            masked.run(());
        }
    });
    let reveal = Callback::new(move |secret: String| {
        let object = object.clone();
        revealing.set(Some(secret.clone()));
        leptos::task::spawn_local(async move {
            let _ = answer.try_set(Some(api::reveal(&object, &secret).await));
            let _ = revealing.try_set(None);
        });
    });
    let origin = crate::base::origin();
    let bearer = bearer();
    let curl = Signal::derive(move || command::curl_get(&origin, &endpoint, bearer()));
    view! {
        <section aria-labelledby="values-title">
            <h2 id="values-title">"Values"</h2>
            <p class="hint">"What helm-controller passes to the chart: each valuesFrom reference in order, then spec.values, composed by helm-controller's own code. Values from Secrets are masked until you reveal them; a reveal is audited."</p>
            {move || match answer.get() {
                None => view! { <p class="hint" role="status">"Composing the values… The server's first composition compiles its engine first: about ten seconds."</p> }.into_any(),
                Some(Err(e)) => view! { <p class="notice" role="alert">{format!("No values: {}", e.detail())}</p> }.into_any(),
                Some(Ok(values)) => view! { <Composed values=values reveal=reveal revealing=revealing mask=masked/> }.into_any(),
            }}
            <CopyAs blocks=vec![("curl", curl)]/>
        </section>
    }
}

#[component]
fn Composed(
    values: HelmValues,
    reveal: Callback<String>,
    revealing: RwSignal<Option<String>>,
    /// Shows the values masked again.
    mask: Callback<()>,
) -> impl IntoView {
    // Only where helm-controller's own digest says so: no badge rather than a guess.
    let badge = values.changed_since_release.map(|changed| match changed {
        true => ("badge badge-progressing", "Changed since the last release"),
        false => ("badge badge-ready", "The last release's values"),
    });
    let names: Vec<String> = values.sources.iter().map(source_name).collect();
    let keys = values.keys.clone();
    let yaml = values.yaml.clone();
    view! {
        {badge.map(|(class, text)| view! { <p><span class=class>{text}</span></p> })}
        {(!values.complete).then(|| view! {
            <p class="notice">"Some references are not yours to read: these values leave them out, so they are not all the chart gets."</p>
        })}
        {values.revealed.clone().map(|secret| view! {
            <p class="notice values-revealed">
                {format!("Showing the values of Secret {secret}: your reveal is in the audit trail. ")}
                <button type="button" class="button" on:click=move |_| mask.run(())>"Mask again"</button>
            </p>
        })}
        {values.error.clone().map(|error| view! {
            <p class="notice" role="alert">{format!("helm-controller cannot compose them: {error}")}</p>
        })}
        <h3>"Sources, in the order applied"</h3>
        <div class="table-scroll"><table class="values-sources">
            <thead><tr><th scope="col">"Source"</th><th scope="col">"Key"</th><th scope="col">"Set at"</th><th scope="col">"State"</th></tr></thead>
            <tbody>{values.sources.into_iter().map(|s| view! { <Source source=s reveal=reveal revealing=revealing/> }).collect_view()}</tbody>
        </table></div>
        {(!keys.is_empty()).then(|| view! {
            <h3>"Where each key comes from"</h3>
            <dl class="pairs values-keys">{keys.into_iter().map(|k| {
                let from: Vec<String> = k.from.iter().filter_map(|i| names.get(*i).cloned()).collect();
                view! { <dt>{k.key}</dt><dd>{if from.is_empty() { "—".to_owned() } else { from.join(", ") }}</dd> }
            }).collect_view()}</dl>
        })}
        {(!yaml.is_empty()).then(|| view! {
            <Manifest yaml=Signal::derive(move || yaml.clone()) id="values-yaml" title="Composed values"/>
        })}
    }
}

#[component]
fn Source(
    source: ValuesSource,
    reveal: Callback<String>,
    revealing: RwSignal<Option<String>>,
) -> impl IntoView {
    let name = source_name(&source);
    let inline = source.kind == "HelmRelease";
    let state = match source.state {
        SourceState::Read => "read",
        SourceState::Masked => "masked",
        SourceState::Revealed => "revealed",
        SourceState::Missing if source.optional => "missing — optional, skipped",
        SourceState::Missing => "missing",
        SourceState::Forbidden => "not yours to read",
    };
    let class = match source.state {
        SourceState::Missing if !source.optional => "values-state bad",
        SourceState::Forbidden | SourceState::Missing => "values-state warn",
        _ => "values-state",
    };
    let secret = source.name.clone();
    let label = format!("Reveal the values of Secret {}", source.name);
    let button = (source.state == SourceState::Masked).then(move || {
        let asked = secret.clone();
        view! {
            <button type="button" class="button" aria-label=label
                disabled=move || revealing.with(|r| r.is_some())
                on:click=move |_| reveal.run(asked.clone())>
                {move || match revealing.with(|r| r.as_deref() == Some(secret.as_str())) {
                    true => "Revealing…",
                    false => "Reveal",
                }}
            </button>
        }
    });
    view! {
        <tr>
            <td>{name}</td>
            <td>{if inline { "—".to_owned() } else { source.values_key.clone() }}</td>
            <td>{match (source.target_path.is_empty(), source.literal) {
                (true, _) => "merged whole".to_owned(),
                (false, true) => format!("{} (literal)", source.target_path),
                (false, false) => source.target_path.clone(),
            }}</td>
            <td><span class=class>{state}</span>" "{button}</td>
        </tr>
    }
}

fn source_name(source: &ValuesSource) -> String {
    match source.kind.as_str() {
        "HelmRelease" => "spec.values".to_owned(),
        kind => format!("{kind} {}", source.name),
    }
}
