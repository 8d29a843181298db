//! `/{group}/{kind}/{namespace}/{name}`: one object with its actions. A Flux object shows its
//! state, conditions, source, artifact, inventory workloads and events (the audit trail
//! among them); a workload shows its Pods, or a CronJob's Jobs, and who triggered them, and
//! their logs.

use flux_web_shared::actions::{Action, ActionPermission, Target};
use flux_web_shared::objects::{ObjectDetail, PodPhase, PodSummary, SourceSummary, WorkloadDetail};
use flux_web_shared::timeline::{EntryKind, Timeline};
use flux_web_shared::user::UserInfo;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use super::{Failure, set_title};
use crate::api;
use crate::components::action_bar::ActionBar;
use crate::components::badge::Badge;
use crate::components::confirm::{Acting, Confirm};
use crate::components::favourites::Favourites;
use crate::components::logs::LogViewer;
use crate::components::tabs::{Tab, Tabs};
use crate::format::{age, ago, size};

#[component]
pub fn DetailPage() -> impl IntoView {
    let params = use_params_map();
    let path = move || {
        params.with(|p| {
            ["group", "kind", "namespace", "name"]
                .map(|k| p.get(k).unwrap_or_default())
                .join("/")
        })
    };
    let detail = LocalResource::new(move || {
        let path = path();
        async move { api::detail(&path).await }
    });
    let events = LocalResource::new(move || {
        let path = path();
        async move { api::timeline(&path, None).await }
    });
    let refresh = Callback::new(move |()| {
        detail.refetch();
        events.refetch();
    });
    // Outside what a live update draws anew: an open confirmation and a running action last.
    let acting = Acting::new();
    Effect::new(
        move |previous: Option<Option<gloo_net::eventsource::futures::EventSource>>| {
            drop(previous);
            let (kind, namespace, name) = params.with(|p| {
                (
                    p.get("kind").unwrap_or_default(),
                    p.get("namespace").unwrap_or_default(),
                    p.get("name").unwrap_or_default(),
                )
            });
            let workload = ["Deployment", "StatefulSet", "DaemonSet", "CronJob"]
                .iter()
                .any(|w| w.eq_ignore_ascii_case(&kind));
            // A workload's page shows its Pods, which change without the workload changing.
            let query = if workload {
                format!("kind={kind}&kind=pods&namespace={namespace}")
            } else {
                format!("kind={kind}&namespace={namespace}&name={name}")
            };
            api::watch(&query, move || refresh.run(()))
        },
    );
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || detail.get().map(|answer| match answer {
                Ok(detail) => {
                    let t = &detail.target;
                    set_title(&format!("{} {}/{}", t.kind, t.namespace, t.name));
                    let git = git_url(&detail);
                    let timeline = view! {
                        <section aria-labelledby="timeline-title">
                            <h2 id="timeline-title">"Timeline"</h2>
                            {move || events.get().map(|answer| match answer {
                                Ok(timeline) => view! { <TimelineView first=timeline path=path() git=git.clone()/> }.into_any(),
                                Err(e) => view! { <p class="notice">{format!("The timeline could not be read: {}", e.detail())}</p> }.into_any(),
                            })}
                        </section>
                    }
                    .into_any();
                    view! { <Object detail=detail path=path() acting=acting refresh=refresh timeline=timeline/> }.into_any()
                }
                // One failure for the page: its events add nothing to it.
                Err(e) => view! { <Failure error=e/> }.into_any(),
            })}
        </Transition>
        <Confirm acting=acting done=refresh/>
    }
}

/// The URL of the Git repository the object's revisions come from: its own (a
/// GitRepository) or its source's.
fn git_url(detail: &ObjectDetail) -> Option<String> {
    match &detail.source {
        Some(source) if source.kind == "GitRepository" => source.url.clone(),
        Some(_) => None,
        None if detail.target.kind == "GitRepository" => {
            detail.spec["url"].as_str().map(str::to_owned)
        }
        None => None,
    }
}

/// Where a Git host shows the commit of `revision` (`main@sha1:<hash>`): `<url>/commit/<hash>`,
/// as GitHub, GitLab, Gitea and Forgejo serve it; none for other revisions or non-web URLs.
fn commit_url(git: &str, revision: &str) -> Option<String> {
    let hash = revision.rsplit_once("sha1:")?.1;
    let web = git.starts_with("https://") || git.starts_with("http://");
    let hex = !hash.is_empty() && hash.chars().all(|c| c.is_ascii_hexdigit());
    (web && hex).then(|| {
        let base = git.trim_end_matches('/').trim_end_matches(".git");
        format!("{base}/commit/{hash}")
    })
}

/// The object a source summary names (every source kind is in Flux's source group).
fn source_target(source: &SourceSummary) -> Target {
    Target {
        group: "source.toolkit.fluxcd.io".into(),
        version: String::new(),
        kind: source.kind.clone(),
        namespace: source.namespace.clone(),
        name: source.name.clone(),
    }
}

fn link(target: &Target) -> impl IntoView + use<> {
    let href = format!("/{}", api::object_path(target));
    view! { <A href=href>{format!("{}/{}", target.namespace, target.name)}</A> }
}

#[component]
fn Object(
    detail: ObjectDetail,
    path: String,
    acting: Acting,
    refresh: Callback<()>,
    timeline: AnyView,
) -> impl IntoView {
    let summary = detail.summary.clone();
    let suspended = summary.suspended_by.clone().map(|by| {
        let reason = summary
            .suspended_reason
            .clone()
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
        let until = summary.suspended_until.clone().map(|until| {
            let left = crate::format::countdown(until.clone());
            // Said plainly when no replica would lift it: then it is up to a person.
            let user = use_context::<LocalResource<Result<UserInfo, api::ApiError>>>();
            let alone = move || {
                let resumer = user.and_then(|u| u.get()).and_then(Result::ok).is_some_and(|u| u.resumer);
                (!resumer).then_some(" No resumer is running now: resume it yourself when the time comes.")
            };
            view! { " until " <time datetime=until.clone()>{until.clone()}</time> " (" {left} ")." {alone} }
        });
        view! { <p class="suspended">{format!("Suspended by {by}{reason}")}{until}</p> }
    });
    let delete_pods = detail.actions.delete_pods.clone();
    let conditions = detail.conditions.clone();
    let workloads = detail.workloads.clone();
    let handled = summary.last_handled_reconcile_at.clone().map(|at| {
        let datetime = at.clone();
        view! { <p class="handled">"Last reconcile request handled " <time datetime=datetime>{ago(Some(at))}</time>" ago"</p> }
    });
    let spec = serde_json::to_string_pretty(&detail.spec).unwrap_or_default();
    let mut overview: Vec<AnyView> = Vec::new();
    if !conditions.is_empty() {
        overview.push(view! {
            <section aria-labelledby="conditions-title">
                <h2 id="conditions-title">"Conditions"</h2>
                <div class="table-scroll"><table>
                    <thead><tr><th scope="col">"Type"</th><th scope="col">"Status"</th><th scope="col">"Reason"</th><th scope="col">"Message"</th></tr></thead>
                    <tbody>{conditions.into_iter().map(|c| view! {
                        <tr><td>{c.kind.clone()}</td><td>{c.status.clone()}</td><td>{c.reason.clone()}</td><td class="message">{c.message.clone()}</td></tr>
                    }).collect_view()}</tbody>
                </table></div>
            </section>
        }.into_any());
    }
    if let Some(source) = detail.source.clone() {
        let target = source_target(&source);
        overview.push(view! {
            <section aria-labelledby="source-title">
                <h2 id="source-title">"Source"</h2>
                <dl>
                    <dt>{source.kind.clone()}</dt><dd>{link(&target)} {source.status.map(|s| view! { " " <Badge state=s.state retrying=s.retrying/> })}</dd>
                    {source.url.map(|u| view! { <dt>"URL"</dt><dd class="mono">{u}</dd> })}
                </dl>
            </section>
        }.into_any());
    }
    if let Some(artifact) = detail.artifact.clone() {
        overview.push(
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
    if let Some(workload) = detail.workload.clone() {
        overview.push(view! {
            <Workload workload=workload namespace=detail.target.namespace.clone() delete_pods=delete_pods acting=acting/>
        }.into_any());
    }
    if overview.is_empty() {
        overview.push(view! { <p class="notice">"Nothing more to show: its controller reports no conditions."</p> }.into_any());
    }
    let mut tabs = vec![
        Tab {
            id: "overview",
            label: "Overview",
            panel: overview.into_any(),
        },
        Tab {
            id: "timeline",
            label: "Timeline",
            panel: timeline,
        },
    ];
    if !workloads.is_empty() {
        tabs.push(Tab { id: "inventory", label: "Inventory", panel: view! {
            <section aria-labelledby="workloads-title">
                <h2 id="workloads-title">"Workloads"</h2>
                <div class="table-scroll"><table>
                    <thead><tr><th scope="col">"Kind"</th><th scope="col">"Name"</th><th scope="col">"Ready"</th></tr></thead>
                    <tbody>{workloads.into_iter().map(|w| view! {
                        <tr class=if w.healthy { "" } else { "unhealthy" }>
                            <td>{w.target.kind.clone()}</td><td>{link(&w.target)}</td><td>{w.ready.clone().unwrap_or_default()}</td>
                        </tr>
                    }).collect_view()}</tbody>
                </table></div>
            </section>
        }.into_any() });
    }
    if detail.workload.is_some() {
        tabs.push(Tab {
            id: "logs",
            label: "Logs",
            panel: view! { <LogViewer path=path.clone()/> }.into_any(),
        });
    }
    tabs.push(Tab {
        id: "spec",
        label: "Spec",
        panel: view! {
            <section aria-labelledby="spec-title">
                <h2 id="spec-title">"Spec, as stored"</h2>
                <pre class="spec" tabindex="0" role="region" aria-label="Spec">{spec}</pre>
            </section>
        }
        .into_any(),
    });
    view! {
        <header class="object-header">
            <p class="kind">{format!("{} in {}", detail.target.kind, detail.target.namespace)}</p>
            <div class="title-row">
                <h1>{detail.target.name.clone()} " " <Badge state=summary.state retrying=summary.retrying/></h1>
                <Star path=path.clone()/>
            </div>
            {(!summary.message.is_empty()).then(|| view! { <p class="message">{summary.message.clone()}</p> })}
            {suspended}
            {handled}
            <Pipeline detail=detail.clone()/>
            <ActionBar listing=detail.actions.clone() path=path.clone() acting=acting done=refresh/>
        </header>
        <Tabs label="Sections" tabs=tabs/>
    }
}

/// Stars the object in this browser, or unstars it; `f` does the same.
#[component]
fn Star(path: String) -> impl IntoView {
    let Some(favourites) = use_context::<Favourites>() else {
        return ().into_any();
    };
    let on = Signal::derive({
        let path = path.clone();
        move || favourites.has(&path)
    });
    let toggle = StoredValue::new(move || favourites.toggle(&path));
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "f" && !crate::components::keys::typing(&ev) {
            ev.prevent_default();
            toggle.with_value(|t| t());
        }
    });
    on_cleanup(move || keys.remove());
    view! {
        <button type="button" class="star" aria-keyshortcuts="f" aria-pressed=move || on.get().to_string()
            on:click=move |_| toggle.with_value(|t| t())>
            <span aria-hidden="true">{move || if on.get() { "★" } else { "☆" }}</span>" Favourite"
        </button>
    }
    .into_any()
}

/// Where the object sits between what feeds it and what it runs: its source, itself, its
/// workloads (a Flux object); or the Flux object that applied it, itself, its Pods (a
/// workload). Each step says its state in words and leads to it.
#[component]
fn Pipeline(detail: ObjectDetail) -> impl IntoView {
    let mut steps: Vec<AnyView> = Vec::new();
    let step = |role: &'static str, body: AnyView| {
        view! { <li><span class="step-role">{role}</span>{body}</li> }.into_any()
    };
    if let Some(source) = &detail.source {
        let target = source_target(source);
        let state = source
            .status
            .as_ref()
            .map(|s| view! { " " <Badge state=s.state retrying=s.retrying/> });
        steps.push(step(
            "Source",
            view! { {source.kind.clone()} " " {link(&target)} {state} }.into_any(),
        ));
    }
    if let Some(owner) = detail.workload.as_ref().and_then(|w| w.managed_by.clone()) {
        steps.push(step(
            "Applied by",
            view! { {owner.kind.clone()} " " {link(&owner)} }.into_any(),
        ));
    }
    let me = &detail.target;
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
            view! { <A href=format!("/{}?tab=inventory", api::object_path(me))>{format!("{all} workloads")}</A> " " <span class=class>{format!("{healthy} healthy")}</span> }.into_any(),
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
            view! { <A href=format!("/{}", api::object_path(me))>{format!("{pods} pods")}</A> " " <span class="badge">{format!("{running} running or done")}</span> }.into_any(),
        ));
    }
    view! { <ol class="pipeline" aria-label="Pipeline">{steps}</ol> }
}

#[component]
fn Workload(
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
                {workload.managed_by.clone().map(|t| view! { <dt>"Managed by"</dt><dd>{t.kind.clone()} " " {link(&t)}</dd> })}
                {workload.restarted_at.clone().map(|r| view! { <dt>"Restarted"</dt><dd>{ago(Some(r))} " ago"</dd> })}
            </dl>
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
                let path = format!("core/Pod/{namespace}/{}", pod.name);
                view! {
                    <tr>
                        <td class="mono">{pod.name.clone()}</td><td>{pod.phase.as_str()}</td><td>{pod.ready.clone()}</td>
                        <td>{pod.restarts}</td><td>{ago(pod.created_at.clone())}</td><td>{pod.created_by.clone().unwrap_or_default()}</td>
                        <td><button class="action small" data-action="delete"
                            aria-disabled=(!allowed).to_string() aria-describedby=(!allowed).then_some("why-delete-pods")
                            aria-label=format!("Delete pod {}", pod.name)
                            on:click=move |_| if allowed { acting.ask(path.clone(), Action::Delete) }>"Delete"</button></td>
                    </tr>
                }
            }).collect_view()}</tbody>
        </table></div>
    }
    .into_any()
}

/// Which entries of the timeline show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Show {
    All,
    People,
    Controller,
    Failures,
}

impl Show {
    fn keeps(self, kind: EntryKind) -> bool {
        match self {
            Show::All => true,
            Show::People => matches!(kind, EntryKind::Action | EntryKind::Refusal),
            Show::Controller => matches!(kind, EntryKind::Reconcile | EntryKind::Warning),
            Show::Failures => matches!(kind, EntryKind::Refusal | EntryKind::Warning),
        }
    }
}

/// The controller's work and people's actions, newest first, with filters; older pages on
/// demand, and revisions linked to their commits when the Git host is known.
#[component]
fn TimelineView(first: Timeline, path: String, git: Option<String>) -> impl IntoView {
    if first.entries.is_empty() {
        return view! { <p class="notice">"Nothing recorded yet."</p> }.into_any();
    }
    let entries = RwSignal::new(first.entries);
    let next = RwSignal::new(first.next);
    let loading = RwSignal::new(false);
    let older = move |_| {
        let Some(before) = next.get_untracked() else {
            return;
        };
        let path = path.clone();
        loading.set(true);
        leptos::task::spawn_local(async move {
            match api::timeline(&path, Some(&before)).await {
                Ok(page) => {
                    entries.update(|e| e.extend(page.entries));
                    next.set(page.next);
                }
                Err(e) => crate::components::toast::toasts().failed(e.detail()),
            }
            loading.set(false);
        });
    };
    let show = RwSignal::new(Show::All);
    let filters = [
        (Show::All, "All"),
        (Show::People, "People"),
        (Show::Controller, "Controller"),
        (Show::Failures, "Failures"),
    ]
    .map(|(which, label)| {
        view! {
            <button type="button" class="filter" aria-pressed=move || (show.get() == which).to_string()
                on:click=move |_| show.set(which)>{label}</button>
        }
    });
    let rows = move || {
        entries
            .get()
            .into_iter()
            .filter(|e| show.get().keeps(e.kind))
            .map(|e| {
                let (word, class) = match e.kind {
                    EntryKind::Reconcile => ("reconcile", ""),
                    EntryKind::Action => ("action", "person"),
                    EntryKind::Refusal => ("refused", "warning"),
                    EntryKind::Warning => ("warning", "warning"),
                };
                let who = match (&e.who, &e.action) {
                    (Some(who), Some(action)) => format!("{who}: {action}"),
                    (Some(who), None) => who.clone(),
                    _ => String::new(),
                };
                let revision = e.revision.clone().map(|revision| {
                    match git.as_deref().and_then(|g| commit_url(g, &revision)) {
                        Some(href) => {
                            view! { <a href=href rel="noreferrer" target="_blank">{revision}</a> }
                                .into_any()
                        }
                        None => revision.into_any(),
                    }
                });
                view! {
                    <tr class=class>
                        <td><time datetime=e.time.clone()>{ago(Some(e.time.clone()))}</time></td>
                        <td>{word}</td><td>{who}</td><td class="message">{e.message.clone()}</td>
                        <td class="mono">{revision}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    view! {
        <div class="filters" role="group" aria-label="Show">{filters}</div>
        <div class="table-scroll"><table>
            <thead><tr><th scope="col">"When"</th><th scope="col">"What"</th><th scope="col">"Who"</th><th scope="col">"Message"</th><th scope="col">"Revision"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table></div>
        {move || next.get().is_some().then(|| view! {
            <div class="pager">
                <button type="button" disabled=move || loading.get() on:click=older.clone()>"Older"</button>
            </div>
        })}
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::commit_url;

    #[test]
    fn a_git_revision_links_to_its_commit_on_a_web_host_only() {
        assert_eq!(
            commit_url("https://github.com/org/app.git", "main@sha1:0a1b2c").as_deref(),
            Some("https://github.com/org/app/commit/0a1b2c")
        );
        assert_eq!(
            commit_url("https://git.example.com/org/app/", "v1.2.0@sha1:ff").as_deref(),
            Some("https://git.example.com/org/app/commit/ff")
        );
        assert_eq!(
            commit_url("ssh://git@github.com/org/app", "main@sha1:0a1b"),
            None
        );
        assert_eq!(
            commit_url("https://github.com/org/app", "latest@sha256:0a1b"),
            None
        );
        assert_eq!(
            commit_url("https://github.com/org/app", "main@sha1:<script>"),
            None
        );
    }
}
