//! A HelmRelease's History tab: where its current attempt stands (its action, revision and
//! failure counts, with the conditions a Helm user reads), then each release helm-controller
//! recorded, newest first, with what it changed from the one before it and its tests.

use flux_web_shared::actions::Condition;
use flux_web_shared::release::{Release, ReleaseSnapshot};
use leptos::prelude::*;

use crate::format::ago;

/// The conditions of a HelmRelease that speak of its releases.
const RELEASE_CONDITIONS: [&str; 4] = ["Ready", "Released", "TestSuccess", "Remediated"];

#[component]
pub fn ReleaseHistory(release: Release, conditions: Vec<Condition>) -> impl IntoView {
    let attempt = attempt(&release);
    let conditions: Vec<Condition> = RELEASE_CONDITIONS
        .iter()
        .filter_map(|kind| conditions.iter().find(|c| c.kind == *kind).cloned())
        .collect();
    let empty = release.history.is_empty();
    view! {
        <section aria-labelledby="history-title">
            <h2 id="history-title">"History"</h2>
            <p class="release-attempt">{attempt}</p>
            {(!conditions.is_empty()).then(|| view! {
                <dl class="pairs release-conditions">{conditions.into_iter().map(|c| view! {
                    <dt>{c.kind.clone()}</dt>
                    <dd class=format!("release-condition {}", if c.status == "True" { "ok" } else { "bad" })>
                        {format!("{} — {}", c.reason, c.message)}
                    </dd>
                }).collect_view()}</dl>
            })}
            {match empty {
                true => view! { <p class="hint">"helm-controller has recorded no release of it yet."</p> }.into_any(),
                false => view! {
                    <ol class="releases" aria-label="Releases, newest first">
                        {release.history.into_iter().map(|s| view! { <Snapshot snapshot=s/> }).collect_view()}
                    </ol>
                }.into_any(),
            }}
        </section>
    }
}

/// The last attempt and its failures, in one sentence.
fn attempt(release: &Release) -> String {
    let mut said = match (
        release.last_attempted_action.as_str(),
        release.last_attempted_revision.as_str(),
    ) {
        ("", "") => "No release attempted yet.".to_owned(),
        (action, revision) => format!(
            "Last attempt: {} of chart {}.",
            if action.is_empty() { "release" } else { action },
            if revision.is_empty() { "?" } else { revision }
        ),
    };
    let counts = [
        (release.failures, "failure"),
        (release.install_failures, "install failure"),
        (release.upgrade_failures, "upgrade failure"),
    ];
    let failed: Vec<String> = counts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}{}", if *n == 1 { "" } else { "s" }))
        .collect();
    if !failed.is_empty() {
        said.push_str(&format!(
            " {} since the last success: a reset clears them so remediation may run again.",
            failed.join(", ")
        ));
    }
    match release.values_changed {
        Some(true) => said.push_str(" Its values differ from the newest release's."),
        Some(false) => said.push_str(" Its values are the newest release's."),
        None => {}
    }
    said
}

#[component]
fn Snapshot(snapshot: ReleaseSnapshot) -> impl IntoView {
    let status = snapshot.status.clone();
    let class = format!("release release-{}", status.to_lowercase());
    let title = format!(
        "v{} · {} · {} {}",
        snapshot.version,
        if snapshot.action.is_empty() {
            "release"
        } else {
            &snapshot.action
        },
        snapshot.chart_name,
        snapshot.chart_version
    );
    let (done, at) = match snapshot.deleted.is_empty() {
        true => ("deployed ", snapshot.last_deployed.clone()),
        false => ("deleted ", snapshot.deleted.clone()),
    };
    view! {
        <li class=class>
            <p class="release-title"><strong>{title}</strong>" "<span class="release-status">{status}</span>" "<span class="hint">{done}<time datetime=at.clone()>{ago(Some(at.clone()))}</time>" ago"</span></p>
            <p class="release-changes">{snapshot.changes.join(" · ")}</p>
            {(!snapshot.tests.is_empty()).then(|| view! {
                <ul class="release-tests" aria-label="Tests">{snapshot.tests.into_iter().map(|t| view! {
                    <li><span class="mono">{t.name}</span>" "{if t.phase.is_empty() { "not run".to_owned() } else { t.phase }}</li>
                }).collect_view()}</ul>
            })}
            <details class="release-digests">
                <summary>"Digests"</summary>
                <dl class="pairs">
                    <dt>"Values"</dt><dd class="mono">{snapshot.config_digest}</dd>
                    <dt>"Release"</dt><dd class="mono">{snapshot.digest}</dd>
                    {(!snapshot.oci_digest.is_empty()).then(|| view! { <dt>"OCI artifact"</dt><dd class="mono">{snapshot.oci_digest}</dd> })}
                    <dt>"First deployed"</dt><dd>{snapshot.first_deployed}</dd>
                </dl>
            </details>
        </li>
    }
}
