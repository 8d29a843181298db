//! The Flux Operator's FluxReport on the controllers page: the installed Flux version, who
//! manages it, the cluster sync, the components as the operator found them, and how many
//! objects of each kind run, fail or are suspended by its count.

use flux_web_shared::controllers::{FluxComponent, FluxReport, ReconcilerStats};
use flux_web_shared::objects::State;
use leptos::prelude::*;

use crate::components::badge::Badge;

/// `with_components`: the operator's view of the components, for a user who may not list the
/// Deployments (the table above says the same otherwise).
#[component]
pub fn Report(report: FluxReport, with_components: bool) -> impl IntoView {
    let title_id = format!("report-{}-{}", report.target.namespace, report.target.name);
    let dash = || "–".to_owned();
    let fact = |term: &'static str, value: String| view! { <dt>{term}</dt><dd>{value}</dd> };
    let sync = report.sync.map(|sync| {
        let state = if sync.ready {
            State::Ready
        } else {
            State::Failed
        };
        let from = [sync.source, sync.path]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" · ");
        view! {
            <dt>"Cluster sync"</dt>
            <dd><Badge state=state/>" "{from}" "<span class="hint">{sync.status}</span></dd>
        }
    });
    view! {
        <section class="flux-report" aria-labelledby=title_id.clone()>
            <h2 id=title_id.clone()>{format!("Flux in {}, as the Flux Operator reports it", report.target.namespace)}</h2>
            // The report is no object flux-web pages: it is named, not linked.
            <p><span class="mono">{format!("FluxReport {}/{}", report.target.namespace, report.target.name)}</span>" "
                <Badge state=report.state/>" "<span class="hint">{report.message}</span></p>
            <dl class="facts">
                {fact("Flux version", report.flux_version.unwrap_or_else(dash))}
                {fact("Distribution", report.distribution)}
                {fact("Managed by", report.managed_by.unwrap_or_else(dash))}
                {fact("Operator", report.operator_version.unwrap_or_else(dash))}
                {(!report.cluster.is_empty()).then(|| fact("Cluster", report.cluster))}
                {sync}
            </dl>
            {with_components.then(|| view! { <Components components=report.components/> })}
            <Reconcilers reconcilers=report.reconcilers/>
        </section>
    }
}

#[component]
fn Components(components: Vec<FluxComponent>) -> impl IntoView {
    (!components.is_empty()).then(|| {
        view! {
            <h3>"Components"</h3>
            <ul class="used-by">{components.into_iter().map(|c| {
                let state = if c.ready { State::Ready } else { State::Failed };
                view! {
                    <li><span class="mono">{c.name}</span>" "<Badge state=state/>" "
                        <span class="hint" title=c.image.clone()>{c.status}</span></li>
                }
            }).collect_view()}</ul>
        }
    })
}

#[component]
fn Reconcilers(reconcilers: Vec<ReconcilerStats>) -> impl IntoView {
    (!reconcilers.is_empty()).then(|| view! {
        <div class="table-scroll"><table class="reconcilers">
            <caption>"Objects by kind"</caption>
            <thead><tr>
                <th scope="col">"Kind"</th><th scope="col">"Running"</th><th scope="col">"Failing"</th>
                <th scope="col">"Suspended"</th><th scope="col">"Storage"</th>
            </tr></thead>
            <tbody>{reconcilers.into_iter().map(|r| view! {
                <tr>
                    <th scope="row">{r.kind}</th><td>{r.running}</td>
                    <td class:bad-count={r.failing > 0}>{r.failing}</td><td>{r.suspended}</td>
                    <td>{r.total_size.unwrap_or_else(|| "–".to_owned())}</td>
                </tr>
            }).collect_view()}</tbody>
        </table></div>
    })
}
