//! Where the object sits between what feeds it and what it runs, in one line of steps.

use crate::components::link::A;
use flux_web_shared::objects::{ObjectDetail, PodPhase};
use leptos::prelude::*;

use crate::api::Address;
use crate::components::badge::Badge;
use crate::components::object_link::ObjectLink;

/// Where the object sits between what feeds it and what it runs: its source, itself, its
/// workloads (a Flux object); or the Flux object that applied it, itself, its Pods (a
/// workload). Each step says its state in words and leads to it.
#[component]
pub fn Pipeline(detail: ObjectDetail) -> impl IntoView {
    let mut steps: Vec<AnyView> = Vec::new();
    let step = |role: &'static str, body: AnyView| {
        view! { <li><span class="step-role">{role}</span>{body}</li> }.into_any()
    };
    // A HelmRelease of `spec.chart` takes its chart from the HelmChart made for it.
    for (role, source) in [("Source", &detail.source), ("Chart", &detail.chart)] {
        let Some(source) = source else { continue };
        let target = source.target();
        let state = source
            .status
            .as_ref()
            .map(|s| view! { " " <Badge state=s.state retrying=s.retrying/> });
        steps.push(step(
            role,
            view! { {source.kind.clone()} " " <ObjectLink target=target/> {state} }.into_any(),
        ));
    }
    if let Some(owner) = detail.workload.as_ref().and_then(|w| w.managed_by.clone()) {
        steps.push(step(
            "Applied by",
            view! { {owner.kind.clone()} " " <ObjectLink target=owner/> }.into_any(),
        ));
    }
    let me = &detail.target;
    let address = Address::of(me);
    steps.push(
        view! {
            <li aria-current="page"><span class="step-role">"This"</span>{me.kind.clone()} " " {me.name.clone()} " " <Badge state=detail.summary.state retrying=detail.summary.retrying/></li>
        }
        .into_any(),
    );
    if !detail.workloads.is_empty() {
        let all = detail.workloads.len();
        let healthy = detail.workloads.iter().filter(|w| w.healthy).count();
        let class = if healthy == all {
            "badge badge-ready"
        } else {
            "badge badge-failed"
        };
        steps.push(step(
            "Workloads",
            view! { <A href=address.tab_href("inventory")>{format!("{all} workloads")}</A> " " <span class=class>{format!("{healthy} healthy")}</span> }.into_any(),
        ));
    }
    if let Some(workload) = &detail.workload {
        let pods = workload.pods.len() + workload.jobs.iter().map(|j| j.pods.len()).sum::<usize>();
        let running = workload
            .pods
            .iter()
            .chain(workload.jobs.iter().flat_map(|j| j.pods.iter()))
            .filter(|p| matches!(p.phase, PodPhase::Running | PodPhase::Succeeded))
            .count();
        steps.push(step(
            "Pods",
            view! { <A href=address.href()>{format!("{pods} pods")}</A> " " <span class="badge">{format!("{running} running or done")}</span> }.into_any(),
        ));
    }
    view! { <ol class="pipeline" aria-label="Pipeline">{steps}</ol> }
}
