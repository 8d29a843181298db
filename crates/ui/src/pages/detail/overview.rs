//! The object's Overview tab: the reconciler's facts, its dependencies both ways, its
//! conditions, its source, who takes it (a source's), its artifact, a workload's Pods.

use flux_web_shared::actions::Target;
use flux_web_shared::objects::{Dependency, ObjectDetail};
use leptos::prelude::*;

use super::workload::Workload;
use crate::components::act::Acting;
use crate::components::badge::Badge;
use crate::components::object_link::ObjectLink;
use crate::format::{ago, size};

#[component]
pub fn Overview(detail: ObjectDetail, acting: Acting) -> impl IntoView {
    let mut sections: Vec<AnyView> = Vec::new();
    if !detail.facts.is_empty() {
        sections.push(
            view! {
                <section aria-labelledby="facts-title">
                    <h2 id="facts-title">"Reconciler"</h2>
                    <dl class="facts">{detail.facts.into_iter().map(|f| view! {
                        <dt>{f.label}</dt><dd>{f.value}</dd>
                    }).collect_view()}</dl>
                </section>
            }
            .into_any(),
        );
    }
    if !detail.used_by.is_empty() {
        sections.push(
            view! {
                <section aria-labelledby="used-by-title">
                    <h2 id="used-by-title">"Used by"</h2>
                    <ul class="used-by">{detail.used_by.into_iter().map(|t| view! {
                        <li>{t.kind.clone()}" "<ObjectLink target=t/></li>
                    }).collect_view()}</ul>
                </section>
            }
            .into_any(),
        );
    }
    if !detail.depends_on.is_empty() || !detail.required_by.is_empty() {
        sections.push(
            view! { <Dependencies depends_on=detail.depends_on required_by=detail.required_by/> }
                .into_any(),
        );
    }
    if !detail.conditions.is_empty() {
        sections.push(view! {
            <section aria-labelledby="conditions-title">
                <h2 id="conditions-title">"Conditions"</h2>
                <div class="table-scroll"><table>
                    <thead><tr><th scope="col">"Type"</th><th scope="col">"Status"</th><th scope="col">"Reason"</th><th scope="col">"Message"</th></tr></thead>
                    <tbody>{detail.conditions.into_iter().map(|c| view! {
                        <tr><td>{c.kind.clone()}</td><td>{c.status.clone()}</td><td>{c.reason.clone()}</td><td class="message">{c.message.clone()}</td></tr>
                    }).collect_view()}</tbody>
                </table></div>
            </section>
        }.into_any());
    }
    if let Some(source) = detail.source {
        let target = source.target();
        sections.push(view! {
            <section aria-labelledby="source-title">
                <h2 id="source-title">"Source"</h2>
                <dl>
                    <dt>{source.kind.clone()}</dt><dd><ObjectLink target=target/> {source.status.map(|s| view! { " " <Badge state=s.state retrying=s.retrying/> })}</dd>
                    {source.url.map(|u| view! { <dt>"URL"</dt><dd class="mono">{u}</dd> })}
                </dl>
            </section>
        }.into_any());
    }
    if let Some(artifact) = detail.artifact {
        sections.push(
            view! {
                <section aria-labelledby="artifact-title">
                    <h2 id="artifact-title">"Artifact"</h2>
                    <dl>
                        <dt>"Revision"</dt><dd class="mono">{artifact.revision}</dd>
                        <dt>"Digest"</dt><dd class="mono">{artifact.digest}</dd>
                        <dt>"Size"</dt><dd>{size(artifact.size)}</dd>
                        <dt>"Updated"</dt><dd>{ago(artifact.last_update_time.clone())} " ago"</dd>
                    </dl>
                </section>
            }
            .into_any(),
        );
    }
    if let Some(workload) = detail.workload {
        sections.push(view! {
            <Workload workload=workload namespace=detail.target.namespace.clone() delete_pods=detail.actions.delete_pods acting=acting/>
        }.into_any());
    }
    if sections.is_empty() {
        sections.push(view! { <p class="notice">"Nothing more to show: its controller reports no conditions."</p> }.into_any());
    }
    sections
}

/// What the object waits for (its `dependsOn`, each with its state, or said unreadable) and
/// what waits for it.
#[component]
fn Dependencies(depends_on: Vec<Dependency>, required_by: Vec<Target>) -> impl IntoView {
    let kind = |t: &Target| t.kind.clone();
    view! {
        <section aria-labelledby="dependencies-title">
            <h2 id="dependencies-title">"Dependencies"</h2>
            <dl class="dependencies">
                {(!depends_on.is_empty()).then(|| view! {
                    <dt>"Depends on"</dt>
                    {depends_on.into_iter().map(|d| view! {
                        <dd>{kind(&d.target)}" "<ObjectLink target=d.target/>" "
                            {match d.summary {
                                Some(s) => view! { <Badge state=s.state retrying=s.retrying/> }.into_any(),
                                None => view! { <span class="hint">"not found, or not yours to read"</span> }.into_any(),
                            }}
                        </dd>
                    }).collect_view()}
                })}
                {(!required_by.is_empty()).then(|| view! {
                    <dt>"Required by"</dt>
                    {required_by.into_iter().map(|t| view! { <dd>{kind(&t)}" "<ObjectLink target=t/></dd> }).collect_view()}
                })}
            </dl>
        </section>
    }
}
