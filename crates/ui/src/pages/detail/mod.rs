//! `/{group}/{kind}/{namespace}/{name}`: one object with its actions. A Flux object shows its
//! state, conditions, source, artifact, dependencies, everything it applied and events (the
//! audit trail among them); a workload shows its Pods, or a CronJob's Jobs, and who triggered them, and
//! their logs.
//!
//! The page is drawn once per object; its parts follow the live data each by itself, so a
//! live update leaves an open tab, the log viewer and its filter as they are.
//!
//! - [`header`] — name, state, suspension, pipeline, actions.
//! - [`overview`] — the reconciler's facts, dependencies, conditions, source and who takes
//!   it, artifact, the workload.
//! - [`inventory`] — every applied object with its health.
//! - [`preview`] — a Kustomization's build, as the controller would apply it.
//! - [`release`] — a HelmRelease's releases, newest first, and its current attempt.
//! - [`values`] — a HelmRelease's values as helm-controller composes them, Secrets masked.
//! - [`manifest`] — spec and status as YAML.
//! - [`pipeline`] — source → this → workloads or Pods.
//! - [`workload`] — a workload's Pods and Jobs.
//! - [`timeline`] — the controller's work and people's actions.

mod header;
mod inventory;
mod manifest;
mod overview;
mod pipeline;
mod preview;
mod release;
mod timeline;
mod values;
mod workload;

use flux_web_shared::objects::{LAST_RUN, ObjectDetail, State, WORKLOAD_KINDS};
use flux_web_shared::timeline::Timeline;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::{Failure, set_title};
use crate::api::live::{LiveData, Stream, use_live};
use crate::api::query::Watch;
use crate::api::{self, Address, ApiError};
use crate::components::act::Acting;
use crate::components::confirm::Confirm;
use crate::components::logs::LogViewer;
use crate::components::tabs::{Tab, Tabs};
use header::Header;
use inventory::Inventory;
use manifest::Manifest;
use overview::Overview;
use preview::PreviewTab;
use release::ReleaseHistory;
use timeline::{Show, TimelineView, git_url};
use values::ValuesTab;

/// What the page reads: the object, and its timeline's newest page.
#[derive(Debug, Clone, PartialEq)]
struct Page {
    detail: ObjectDetail,
    timeline: Result<Timeline, ApiError>,
}

#[component]
pub fn DetailPage() -> impl IntoView {
    let params = use_params_map();
    let object = Memo::new(move |_| {
        params.with(|p| {
            let part = |key| p.get(key).unwrap_or_default();
            Address::from_parts(
                &part("group"),
                &part("kind"),
                &part("namespace"),
                &part("name"),
            )
        })
    });
    let live = use_live(
        move || object.with(changes_of),
        move || {
            let object = object.get();
            async move {
                let (detail, timeline) =
                    futures::join!(api::detail(&object), api::timeline(&object, None));
                detail.map(|mut detail| {
                    add_last_run(&mut detail, &timeline);
                    Page { detail, timeline }
                })
            }
        },
    );
    // Outside what a live update draws anew: an open confirmation and a running action last.
    let acting = Acting::new(Callback::new(move |()| live.reload()));
    // Loading, refused, or the object: drawn anew only when that changes.
    let shown = Memo::new(move |_| {
        live.with(|answer| match answer {
            None => None,
            Some(Err(e)) => Some(Err(e.clone())),
            Some(Ok(_)) => Some(Ok(object.get())),
        })
    });
    view! {
        {move || match shown.get() {
            None => view! { <p class="loading">"Loading…"</p> }.into_any(),
            Some(Err(e)) => view! { <Failure error=e/> }.into_any(),
            Some(Ok(object)) => view! { <Object live=live object=object acting=acting/> }.into_any(),
        }}
        <Confirm acting=acting/>
    }
}

/// How long the last run took, from the timeline when the object's status does not say (the
/// kinds without a `status.history`: their controllers' Events say it).
fn add_last_run(detail: &mut ObjectDetail, timeline: &Result<Timeline, ApiError>) {
    let said = detail.facts.iter().any(|f| f.label == LAST_RUN);
    // A workload has no facts: a reconciler's page only.
    if detail.facts.is_empty() || said {
        return;
    }
    if let Some(fact) = timeline.as_ref().ok().and_then(Timeline::last_run) {
        detail.facts.push(fact);
    }
}

/// The changes that may change the page: the object's; a workload's Pods too, which change
/// without the workload changing.
fn changes_of(object: &Address) -> Stream {
    let workload = WORKLOAD_KINDS
        .iter()
        .any(|w| *w != "Pod" && w.eq_ignore_ascii_case(&object.kind));
    Stream::Objects(match workload {
        true => Watch {
            kinds: vec![object.kind.clone(), "pods".to_owned()],
            namespace: object.namespace.clone(),
            name: String::new(),
        },
        false => Watch {
            kinds: vec![object.kind.clone()],
            namespace: object.namespace.clone(),
            name: object.name.clone(),
        },
    })
}

#[component]
fn Object(live: LiveData<Page>, object: Address, acting: Acting) -> impl IntoView {
    // The latest page read (a failed re-read leaves the last one shown).
    let Some(Ok(first)) = live.get_untracked() else {
        return ().into_any();
    };
    let page = Memo::new(move |last: Option<&Page>| match live.get() {
        Some(Ok(page)) => page,
        _ => last.cloned().unwrap_or_else(|| first.clone()),
    });
    let detail = Memo::new(move |_| page.with(|p| p.detail.clone()));
    let timeline = Memo::new(move |_| page.with(|p| p.timeline.clone()));
    set_title(&object.label());
    let git = move || detail.with(git_url);
    let show = RwSignal::new(Show::All);
    let held = Signal::derive(move || detail.with(|d| d.summary.state == State::Suspended));
    // Which tabs there are changes seldom: the tabs, and what they hold, are drawn anew then.
    // A Kustomization and a HelmRelease keep an inventory of all they applied, whatever
    // their workloads.
    let extra = Memo::new(move |_| {
        detail.with(|d| {
            let inventory = !d.workloads.is_empty()
                || matches!(d.target.kind.as_str(), "Kustomization" | "HelmRelease");
            (
                inventory,
                d.workload.is_some(),
                d.target.kind == "Kustomization",
                d.release.is_some(),
            )
        })
    });
    let tabs = {
        let object = object.clone();
        move || {
            let (inventory, logs, preview, release) = extra.get();
            let timeline_of = object.clone();
            let mut tabs = vec![
                Tab {
                    id: "overview",
                    label: "Overview",
                    panel: view! { {move || view! { <Overview detail=detail.get() acting=acting/> }} }.into_any(),
                },
                Tab {
                    id: "timeline",
                    label: "Timeline",
                    panel: view! {
                        <section aria-labelledby="timeline-title">
                            <h2 id="timeline-title">"Timeline"</h2>
                            {move || match timeline.get() {
                                Ok(first) => view! { <TimelineView first=first object=timeline_of.clone() git=git() show=show/> }.into_any(),
                                Err(e) => view! { <p class="notice">{format!("The timeline could not be read: {}", e.detail())}</p> }.into_any(),
                            }}
                        </section>
                    }
                    .into_any(),
                },
            ];
            if release {
                tabs.push(Tab {
                    id: "history",
                    label: "History",
                    panel: view! { {move || detail.with(|d| d.release.clone().map(|r| view! {
                        <ReleaseHistory release=r conditions=d.conditions.clone()/>
                    }))} }
                    .into_any(),
                });
                tabs.push(Tab {
                    id: "values",
                    label: "Values",
                    panel: view! { <ValuesTab object=object.clone()/> }.into_any(),
                });
            }
            if inventory {
                tabs.push(Tab {
                    id: "inventory",
                    label: "Inventory",
                    panel: view! { <Inventory object=object.clone()/> }.into_any(),
                });
            }
            if preview {
                tabs.push(Tab {
                    id: "preview",
                    label: "Preview",
                    panel: view! { <PreviewTab object=object.clone() held=held acting=acting/> }
                        .into_any(),
                });
            }
            if logs {
                tabs.push(Tab {
                    id: "logs",
                    label: "Logs",
                    panel: view! { <LogViewer object=object.clone()/> }.into_any(),
                });
            }
            tabs.push(Tab {
                id: "spec",
                label: "Spec",
                panel: view! { <Manifest yaml=Signal::derive(move || detail.with(|d| d.manifest.clone()))/> }.into_any(),
            });
            view! { <Tabs label="Sections" tabs=tabs/> }
        }
    };
    view! {
        <Header detail=detail object=object acting=acting/>
        {tabs}
    }
    .into_any()
}
