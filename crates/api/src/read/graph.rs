//! The graph of the caller's Flux objects (`GET /api/v1/graph?namespace=`): the sources,
//! Kustomizations and HelmReleases they may list, and their ties — a source to what takes
//! it (a HelmRelease through its HelmChart, the chart through its repository), a dependency
//! to what lists it in `dependsOn`. An end of a tie the caller may not list is left unnamed.

use std::collections::HashSet;
use std::sync::Arc;

use flux_web_shared::actions::Target;
use flux_web_shared::objects::{Graph, GraphEdge, Via};
use futures::future::join_all;
use serde::Deserialize;

use crate::auth::Caller;
use crate::context::{Cached, Context};
use crate::error::ApiError;
use crate::read::resources::views_of;
use flux_web_core::address::ObjectRef;
use flux_web_core::kinds::{Kind, SOURCE as SOURCES, Sources, flux_kinds};

/// `?namespace=` of the graph: all the caller may list without it.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct GraphQuery {
    /// One namespace (an RFC 1123 label).
    #[param(pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", max_length = 63)]
    pub namespace: Option<String>,
}

/// The kinds of the graph: the sources, and what takes them.
fn kinds() -> impl Iterator<Item = &'static Kind> {
    flux_kinds().filter(|k| k.group == SOURCES || k.sources != Sources::None)
}

pub async fn graph(
    ctx: &Context<'_>,
    caller: &Caller,
    query: &GraphQuery,
) -> Result<Graph, ApiError> {
    let namespace = query.namespace.as_deref();
    let lists = join_all(kinds().map(|kind| views_of(ctx, caller, kind, namespace))).await;
    let mut found: Vec<Arc<Cached>> = Vec::new();
    for list in lists {
        found.extend(list?.objects);
    }
    found.sort_by_key(|cached| place(&cached.row.target));
    let seen: HashSet<(String, String, String)> = found
        .iter()
        .map(|cached| place(&cached.row.target))
        .collect();
    let named = |object: &ObjectRef| {
        let key = (
            object.namespace.clone(),
            object.kind.kind.to_owned(),
            object.name.clone(),
        );
        seen.contains(&key).then(|| object.target())
    };
    let mut edges = Vec::new();
    for cached in &found {
        let (to, view) = (&cached.row.target, &cached.view);
        // A HelmRelease's sources are its HelmChart, then the chart's own source; the chain
        // stops at an object the caller may not see, which no edge names.
        let mut upstream = to.clone();
        for source in view.sources.iter().flatten() {
            let from = named(source);
            edges.push(GraphEdge {
                from: from.clone(),
                to: upstream,
                via: Via::Source,
            });
            match from {
                Some(from) => upstream = from,
                None => break,
            }
        }
        for dependency in &view.depends_on {
            edges.push(GraphEdge {
                from: named(dependency),
                to: to.clone(),
                via: Via::DependsOn,
            });
        }
    }
    // A chart's tie to its repository is found from the HelmRelease and from the chart.
    let mut unique = HashSet::new();
    edges.retain(|e| unique.insert((e.from.as_ref().map(place), place(&e.to), e.via)));
    Ok(Graph {
        nodes: found.iter().map(|cached| cached.row.clone()).collect(),
        edges,
    })
}

fn place(target: &Target) -> (String, String, String) {
    (
        target.namespace.clone(),
        target.kind.clone(),
        target.name.clone(),
    )
}
