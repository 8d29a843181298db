//! Who refers to an object, among the objects the caller may list (as the list page shows
//! them, from the server's watches once they have listed): a source's takers, the
//! Kustomizations, HelmReleases and HelmCharts whose source references name it; a
//! Kustomization's or HelmRelease's dependants, the objects of its kind whose `dependsOn`
//! names it. What cannot be listed is left out, never refused: the object's page is read all
//! the same.

use flux_web_shared::actions::Target;

use crate::auth::Caller;
use crate::context::{Cached, Context};
use crate::read::resources::matching_views;
use flux_web_core::address::ObjectRef;
use flux_web_core::kinds::{SOURCE as SOURCES, Sources, by_kind};

/// The most takers a page lists.
const MOST: usize = 100;

/// The kinds that take sources.
const TAKERS: [(&str, &str); 3] = [
    ("kustomize.toolkit.fluxcd.io", "Kustomization"),
    ("helm.toolkit.fluxcd.io", "HelmRelease"),
    (SOURCES, "HelmChart"),
];

/// The objects that take `source`, by namespace, kind and name; none for an object that is
/// not a source.
pub async fn used_by(ctx: &Context<'_>, caller: &Caller, source: &ObjectRef) -> Vec<Target> {
    if source.kind.group != SOURCES {
        return Vec::new();
    }
    referrers(ctx, caller, &TAKERS, |cached| {
        cached.view.references.iter().any(|r| r.names(source))
    })
    .await
}

/// The objects of `target`'s kind whose `dependsOn` names it; none for a kind without
/// dependencies.
pub async fn required_by(ctx: &Context<'_>, caller: &Caller, target: &ObjectRef) -> Vec<Target> {
    if target.kind.sources == Sources::None {
        return Vec::new();
    }
    let dependants = [(target.kind.group, target.kind.kind)];
    referrers(ctx, caller, &dependants, |cached| {
        cached.view.depends_on.contains(target)
    })
    .await
}

/// The objects of the kinds of `table` the caller may list that `refers`, sorted, at most
/// [`MOST`].
async fn referrers(
    ctx: &Context<'_>,
    caller: &Caller,
    table: &[(&str, &str)],
    refers: impl Fn(&Cached) -> bool,
) -> Vec<Target> {
    let mut found = Vec::new();
    for (group, kind) in table {
        let Some(kind) = by_kind(group, kind) else {
            continue;
        };
        let Ok(referring) = matching_views(ctx, caller, kind, &refers).await else {
            continue;
        };
        found.extend(referring.iter().map(|cached| cached.row.target.clone()));
    }
    found.sort_by(|a, b| (&a.namespace, &a.kind, &a.name).cmp(&(&b.namespace, &b.kind, &b.name)));
    found.truncate(MOST);
    found
}
