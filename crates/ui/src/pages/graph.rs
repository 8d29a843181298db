//! `/graph`: the user's sources, Kustomizations and HelmReleases as a tree of what feeds
//! what — a source above what takes it, a dependency above what waits for it — so that
//! "why is it not ready?" is one look down a path. Paths that lead to a failure are open and
//! marked; healthy ones are folded. An end of a tie the user may not see is never named.
//! `?namespace=` narrows it; it follows the objects live.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use flux_web_shared::actions::Target;
use flux_web_shared::objects::{Graph, ResourceSummary, State, Via};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::{Failure, set_title};
use crate::api::live::{Stream, use_live};
use crate::api::query::Watch;
use crate::api::{self};
use crate::components::badge::Badge;
use crate::components::object_link::ObjectLink;

type Key = (String, String, String);

fn key(target: &Target) -> Key {
    (
        target.namespace.clone(),
        target.kind.clone(),
        target.name.clone(),
    )
}

#[component]
pub fn GraphPage() -> impl IntoView {
    set_title("Graph");
    let query = use_query_map();
    let namespace = Memo::new(move |_| query.with(|q| q.get("namespace")).unwrap_or_default());
    let live = use_live(
        move || {
            Stream::Objects(Watch {
                namespace: namespace.get(),
                ..Watch::default()
            })
        },
        move || {
            let namespace = namespace.get();
            async move { api::graph(&namespace).await }
        },
    );
    view! {
        <h1>"Graph"</h1>
        <p class="hint">"What feeds what: each source above what takes it, each dependency above what waits for it. Paths to a failure are open."</p>
        {move || match live.get() {
            None => view! { <p class="loading">"Loading…"</p> }.into_any(),
            Some(Ok(graph)) => view! { <Tree graph=graph/> }.into_any(),
            Some(Err(e)) => view! { <Failure error=e/> }.into_any(),
        }}
    }
}

/// The graph as nested lists, its roots being what nothing visible feeds.
#[component]
fn Tree(graph: Graph) -> impl IntoView {
    let nodes: HashMap<Key, ResourceSummary> = graph
        .nodes
        .iter()
        .map(|n| (key(&n.target), n.clone()))
        .collect();
    let mut below: BTreeMap<Key, Vec<(Key, Via)>> = BTreeMap::new();
    let mut fed: HashSet<Key> = HashSet::new();
    let mut unseen: HashSet<Key> = HashSet::new();
    for edge in &graph.edges {
        let to = key(&edge.to);
        match &edge.from {
            Some(from) if nodes.contains_key(&key(from)) => {
                below
                    .entry(key(from))
                    .or_default()
                    .push((to.clone(), edge.via));
                fed.insert(to);
            }
            _ => {
                unseen.insert(to);
            }
        }
    }
    let failing = graph
        .nodes
        .iter()
        .filter(|n| n.summary.state == State::Failed)
        .count();
    let summary = format!(
        "{} objects · {} ties · {failing} failing",
        graph.nodes.len(),
        graph.edges.len()
    );
    let mut roots: Vec<Key> = graph
        .nodes
        .iter()
        .filter(|n| !fed.contains(&key(&n.target)))
        .map(|n| key(&n.target))
        .collect();
    let shape = Arc::new(Shape {
        nodes,
        below,
        unseen,
    });
    roots.sort_by_key(|k| {
        (
            shape.nodes.get(k).map(|n| n.summary.state.urgency()),
            k.clone(),
        )
    });
    let items: Vec<AnyView> = roots
        .iter()
        .map(|root| item(&shape, root, None, &[]))
        .collect();
    view! {
        <p class="graph-summary">{summary}</p>
        <ul class="graph">{items}</ul>
    }
}

struct Shape {
    nodes: HashMap<Key, ResourceSummary>,
    below: BTreeMap<Key, Vec<(Key, Via)>>,
    /// Objects fed by something missing or that the user may not see.
    unseen: HashSet<Key>,
}

impl Shape {
    /// Whether `node`, or anything it feeds, fails.
    fn leads_to_failure(&self, node: &Key, path: &mut Vec<Key>) -> bool {
        if path.contains(node) {
            return false;
        }
        let failed = self
            .nodes
            .get(node)
            .is_some_and(|n| n.summary.state == State::Failed);
        path.push(node.clone());
        let mut below = self.below.get(node).into_iter().flatten();
        let found = failed || below.any(|(child, _)| self.leads_to_failure(child, path));
        path.pop();
        found
    }
}

/// One object and, once it is open, what it feeds: a healthy path is drawn when opened, so a
/// large graph draws only what is looked at. `path` holds its ancestors, so a cycle ends.
fn item(shape: &Arc<Shape>, node: &Key, via: Option<Via>, path: &[Key]) -> AnyView {
    let Some(object) = shape.nodes.get(node) else {
        return ().into_any();
    };
    let line = line(object, via, shape.unseen.contains(node));
    let count = shape.below.get(node).map_or(0, Vec::len);
    if count == 0 {
        return view! { <li>{line}</li> }.into_any();
    }
    if path.contains(node) {
        return view! { <li>{line}<span class="hint">" (again: a cycle)"</span></li> }.into_any();
    }
    let bad = shape.leads_to_failure(node, &mut Vec::new());
    let open = RwSignal::new(bad);
    let (shape, node) = (shape.clone(), node.clone());
    let mut inner = path.to_vec();
    inner.push(node.clone());
    let children = move || {
        open.get().then(|| {
            let items: Vec<AnyView> = shape
                .below
                .get(&node)
                .into_iter()
                .flatten()
                .map(|(child, via)| item(&shape, child, Some(*via), &inner))
                .collect();
            view! { <ul>{items}</ul> }
        })
    };
    // The object's line stays outside the summary: a link may not sit in a toggle.
    view! {
        <li class:failing-path=bad>
            <div class="node">{line}</div>
            <details open=bad on:toggle=move |ev| open.set(event_target::<web_sys::HtmlDetailsElement>(&ev).open())>
                <summary>{format!("feeds {count}")}</summary>
                {children}
            </details>
        </li>
    }
    .into_any()
}

fn line(object: &ResourceSummary, via: Option<Via>, unseen: bool) -> AnyView {
    let tie = match via {
        Some(Via::DependsOn) => Some(view! { <span class="tie">"waits for it · "</span> }),
        _ => None,
    };
    let unseen = unseen.then(|| view! { <span class="hint">" · fed by an object that is missing or not yours to see"</span> });
    view! {
        {tie}
        <span class="kind">{object.target.kind.clone()}</span>" "
        <ObjectLink target=object.target.clone()/>" "
        <Badge state=object.summary.state retrying=object.summary.retrying/>
        {unseen}
    }
    .into_any()
}
