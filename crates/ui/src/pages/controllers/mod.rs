//! `/controllers`: the Flux controllers the cluster runs, as the user may see their
//! Deployments: each with its state (down when nothing runs), replicas, versions and
//! restarts, its page (Pods and logs) a link away; and the Flux Operator's FluxInstances and
//! FluxReports.
//! It follows the Deployments of `flux-system` live.

use crate::components::link::A;
use flux_web_shared::controllers::{ControllerList, ControllerSummary};
use leptos::prelude::*;

mod report;

use report::Report;

use super::{Failure, set_title};
use crate::api::live::{Stream, use_live};
use crate::api::query::Watch;
use crate::api::{self, Address};
use crate::components::badge::Badge;
use crate::components::object_link::ObjectLink;

/// Where Flux runs unless installed elsewhere: the namespace the page follows live.
const FLUX_NAMESPACE: &str = "flux-system";

#[component]
pub fn ControllersPage() -> impl IntoView {
    set_title("Controllers");
    let live = use_live(
        || {
            Stream::Objects(Watch {
                kinds: vec!["Deployment".to_owned()],
                namespace: FLUX_NAMESPACE.to_owned(),
                name: String::new(),
            })
        },
        api::controllers,
    );
    view! {
        <h1>"Controllers"</h1>
        {move || match live.get() {
            None => view! { <p class="loading">"Loading…"</p> }.into_any(),
            Some(Ok(list)) => view! { <Controllers list=list/> }.into_any(),
            Some(Err(e)) => view! { <Failure error=e/> }.into_any(),
        }}
    }
}

#[component]
fn Controllers(list: ControllerList) -> impl IntoView {
    let with_components = list.controllers.is_empty();
    let table = match (list.refused, list.controllers.is_empty()) {
        (Some(refused), _) => view! { <p class="notice">{refused}</p> }.into_any(),
        (None, true) => view! {
            <p class="notice">"No Deployment labelled app.kubernetes.io/part-of=flux: Flux is not installed, or not as its installers label it."</p>
        }.into_any(),
        (None, false) => view! {
            <h2>"Deployments"</h2>
            <div class="table-scroll"><table class="controllers">
                <thead><tr>
                    <th scope="col">"Controller"</th><th scope="col">"State"</th><th scope="col">"Ready"</th>
                    <th scope="col">"Version"</th><th scope="col">"Flux"</th><th scope="col">"Restarts"</th><th scope="col">"Logs"</th>
                </tr></thead>
                <tbody>{list.controllers.into_iter().map(|c| view! { <Row controller=c/> }).collect_view()}</tbody>
            </table></div>
        }.into_any(),
    };
    let instances = (!list.instances.is_empty()).then(|| view! {
        <section aria-labelledby="instances-title">
            <h2 id="instances-title">"Flux instances"</h2>
            <ul class="used-by">{list.instances.into_iter().map(|i| view! {
                <li><ObjectLink target=i.target/>" "<Badge state=i.summary.state retrying=i.summary.retrying/>" "<span class="hint">{i.summary.message}</span></li>
            }).collect_view()}</ul>
        </section>
    });
    let reports = list
        .reports
        .into_iter()
        .map(|r| view! { <Report report=r with_components/> })
        .collect_view();
    view! { {reports} {table} {instances} }
}

#[component]
fn Row(controller: ControllerSummary) -> impl IntoView {
    let page = Address::of(&controller.target).href();
    let logs = format!("{page}?tab=logs");
    let logs_label = format!("Logs of {}", controller.component);
    let dash = || "–".to_owned();
    view! {
        <tr>
            <td><A href=page>{controller.component}</A><span class="hint">{format!(" {}", controller.target.namespace)}</span></td>
            <td><Badge state=controller.state retrying=false/>" "<span class="hint">{controller.message}</span></td>
            <td>{controller.ready.unwrap_or_else(dash)}</td>
            <td class="mono" title=controller.image.unwrap_or_default()>{controller.version.unwrap_or_else(dash)}</td>
            <td class="mono">{controller.flux_version.unwrap_or_else(dash)}</td>
            <td>{controller.restarts.map_or_else(dash, |n| n.to_string())}</td>
            <td><A href=logs attr:aria-label=logs_label>"Logs"</A></td>
        </tr>
    }
}
