//! A workload's own section: its readiness, who manages it (with that Flux object's own
//! actions: a workload is mostly fixed by reconciling or suspending what applies it), its last
//! restart, its Pods (a CronJob's by Job, with who triggered each), and a Delete for each Pod.

use flux_web_shared::actions::Target;
use flux_web_shared::actions::{Action, ActionPermission};
use flux_web_shared::objects::{PodSummary, State, WorkloadDetail};
use leptos::prelude::*;

use crate::api::{self, Address};
use crate::components::act::Acting;
use crate::components::action_bar::ActionBar;
use crate::components::badge::Badge;
use crate::components::object_link::ObjectLink;
use crate::format::{age, ago};

#[component]
pub fn Workload(
    workload: WorkloadDetail,
    namespace: String,
    delete_pods: Option<ActionPermission>,
    acting: Acting,
) -> impl IntoView {
    let allowed = delete_pods.as_ref().is_some_and(|p| p.allowed);
    // Said once under the pods, for every table's Delete buttons.
    let refusal = (!allowed).then(|| {
        delete_pods
            .and_then(|p| p.message)
            .unwrap_or_else(|| "deleting pods is not offered here".to_owned())
    });
    let pods = move |pods: Vec<PodSummary>| view! { <Pods pods=pods namespace=namespace.clone() allowed=allowed acting=acting/> };
    view! {
        <section aria-labelledby="workload-title">
            <h2 id="workload-title">"Workload"</h2>
            <dl>
                {workload.ready.clone().map(|r| view! { <dt>"Ready"</dt><dd>{r}</dd> })}
                {workload.managed_by.clone().map(|t| view! { <dt>"Managed by"</dt><dd>{t.kind.clone()} " " <ObjectLink target=t/></dd> })}
                {workload.restarted_at.clone().map(|r| view! { <dt>"Restarted"</dt><dd>{ago(Some(r))} " ago"</dd> })}
            </dl>
            {workload.managed_by.clone().map(|t| view! { <Manager target=t acting=acting/> })}
            {(!workload.pods.is_empty() || workload.jobs.is_empty()).then(|| pods.clone()(workload.pods.clone()))}
            {workload.jobs.into_iter().map(|job| {
                let by = job.created_by.clone().map(|b| format!(" — triggered by {b}")).unwrap_or_default();
                view! {
                    <article class="job">
                        <h3>{format!("Job {}", job.name)}</h3>
                        <p>{format!("{} active, {} succeeded, {} failed, {} old{by}", job.active, job.succeeded, job.failed, age(job.created_at.as_deref()))}</p>
                        {pods.clone()(job.pods)}
                    </article>
                }
            }).collect_view()}
            {refusal.map(|why| view! { <p class="refusals" id="why-delete-pods"><strong>"Delete"</strong>": "{why}</p> })}
        </section>
    }
}

/// The Flux object that applies the workload, its state and its actions, read once.
#[component]
fn Manager(target: Target, acting: Acting) -> impl IntoView {
    let object = Address::of(&target);
    let read = object.clone();
    let detail = LocalResource::new(move || {
        let read = read.clone();
        async move { api::detail(&read).await }
    });
    move || {
        let object = object.clone();
        detail.get().and_then(Result::ok).map(|d| {
            let suspended = d.summary.state == State::Suspended;
            view! {
                <div class="manager">
                    <p>{format!("{}: ", object.label())}<Badge state=d.summary.state retrying=d.summary.retrying/></p>
                    <ActionBar listing=d.actions object=object acting=acting suspended=suspended label="Actions of its manager"/>
                </div>
            }
        })
    }
}

#[component]
fn Pods(
    pods: Vec<PodSummary>,
    namespace: String,
    /// Whether the user may delete them; the reason why not is said under them.
    allowed: bool,
    acting: Acting,
) -> impl IntoView {
    if pods.is_empty() {
        return view! { <p class="notice">"No pods."</p> }.into_any();
    }
    view! {
        <div class="table-scroll"><table>
            <thead><tr>
                <th scope="col">"Pod"</th><th scope="col">"Phase"</th><th scope="col">"Ready"</th>
                <th scope="col">"Restarts"</th><th scope="col">"Age"</th><th scope="col">"Triggered by"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th>
            </tr></thead>
            <tbody>{pods.into_iter().map(|pod| {
                let object = Address::pod(&namespace, &pod.name);
                view! {
                    <tr>
                        <td class="mono">{pod.name.clone()}</td><td>{pod.phase.as_str()}</td><td>{pod.ready.clone()}</td>
                        <td>{pod.restarts}</td><td>{ago(pod.created_at.clone())}</td><td>{pod.created_by.clone().unwrap_or_default()}</td>
                        <td><button class="action small" data-action="delete"
                            aria-disabled=(!allowed).to_string() aria-describedby=(!allowed).then_some("why-delete-pods")
                            aria-label=format!("Delete pod {}", pod.name)
                            on:click=move |_| if allowed { acting.ask(object.clone(), Action::Delete) }>"Delete"</button></td>
                    </tr>
                }
            }).collect_view()}</tbody>
        </table></div>
    }
    .into_any()
}
