//! Who refers to an object, among those the caller may list (cluster-wide, or else in the
//! object's namespace): a source's takers, the Kustomizations, HelmReleases and HelmCharts
//! whose source references name it; a Kustomization's or HelmRelease's dependants, the
//! objects of its kind whose `dependsOn` names it. What cannot be listed is left out, never
//! refused: the object's page is read all the same.

use flux_web_shared::actions::Target;
use serde::Deserialize;
use serde_json::Value;

use crate::auth::Caller;
use crate::cluster::ClusterError;
use crate::context::{Context, reader, wire_target};
use flux_web_core::address::ObjectRef;
use flux_web_core::kinds::{SOURCE as SOURCES, Sources, by_kind};
use kube::core::ApiResource;

/// The most takers a page lists.
const MOST: usize = 100;

/// The kinds that take sources, and where in their spec their references to one are.
const TAKERS: [(&str, &str, &[&str]); 3] = [
    (
        "kustomize.toolkit.fluxcd.io",
        "Kustomization",
        &["/sourceRef"],
    ),
    (
        "helm.toolkit.fluxcd.io",
        "HelmRelease",
        &["/chart/spec/sourceRef", "/chartRef"],
    ),
    (SOURCES, "HelmChart", &["/sourceRef"]),
];

/// How a referrer's field names the object.
#[derive(Debug, Clone, Copy)]
enum Naming {
    /// A reference with kind, name and namespace (its own by default).
    Reference,
    /// A list of `{name, namespace}` of the object's own kind (`dependsOn`).
    Dependencies,
}

/// Of a listed taker, what the match reads.
#[derive(Debug, Deserialize)]
struct Taker {
    metadata: Meta,
    #[serde(default)]
    spec: Value,
}

#[derive(Debug, Deserialize)]
struct Meta {
    name: Option<String>,
    namespace: Option<String>,
}

/// The objects that take `source`, by namespace, kind and name; none for an object that is
/// not a source.
pub async fn used_by(ctx: &Context<'_>, caller: &Caller, source: &ObjectRef) -> Vec<Target> {
    if source.kind.group != SOURCES {
        return Vec::new();
    }
    referrers(ctx, caller, source, &TAKERS, Naming::Reference).await
}

/// The objects of `target`'s kind whose `dependsOn` names it; none for a kind without
/// dependencies.
pub async fn required_by(ctx: &Context<'_>, caller: &Caller, target: &ObjectRef) -> Vec<Target> {
    if target.kind.sources == Sources::None {
        return Vec::new();
    }
    let dependants = [(target.kind.group, target.kind.kind, &["/dependsOn"][..])];
    referrers(ctx, caller, target, &dependants, Naming::Dependencies).await
}

/// The objects of the kinds of `table` whose fields (JSON pointers into their spec) name
/// `object` as `naming` says, sorted, at most [`MOST`].
async fn referrers(
    ctx: &Context<'_>,
    caller: &Caller,
    object: &ObjectRef,
    table: &[(&str, &str, &[&str])],
    naming: Naming,
) -> Vec<Target> {
    let mut found = Vec::new();
    for (group, kind, at) in table {
        let Some(kind) = by_kind(group, kind) else {
            continue;
        };
        let Ok(resource) = ctx.resource(kind).await else {
            continue;
        };
        for taker in takers(ctx, caller, &resource, &object.namespace).await {
            let namespace = taker.metadata.namespace.unwrap_or_default();
            let names = |field: &Value| match naming {
                Naming::Reference => takes(field, &namespace, object),
                Naming::Dependencies => field
                    .as_array()
                    .is_some_and(|list| list.iter().any(|d| depends(d, &namespace, object))),
            };
            if at.iter().filter_map(|p| taker.spec.pointer(p)).any(names) {
                let name = taker.metadata.name.unwrap_or_default();
                found.push(wire_target(&resource, &namespace, &name));
            }
        }
    }
    found.sort_by(|a, b| (&a.namespace, &a.kind, &a.name).cmp(&(&b.namespace, &b.kind, &b.name)));
    found.truncate(MOST);
    found
}

/// Whether a `dependsOn` entry, written in an object of `namespace`, names `object`.
fn depends(entry: &Value, namespace: &str, object: &ObjectRef) -> bool {
    entry["name"].as_str() == Some(object.name.as_str())
        && entry["namespace"].as_str().unwrap_or(namespace) == object.namespace
}

/// Whether `reference`, written in an object of `namespace`, names `source`.
fn takes(reference: &Value, namespace: &str, source: &ObjectRef) -> bool {
    let text = |key: &str| reference[key].as_str();
    text("kind") == Some(source.kind.kind)
        && text("name") == Some(source.name.as_str())
        && text("namespace").unwrap_or(namespace) == source.namespace
}

/// The objects of `resource` the caller may list: everywhere, or else in `namespace`.
async fn takers(
    ctx: &Context<'_>,
    caller: &Caller,
    resource: &ApiResource,
    namespace: &str,
) -> Vec<Taker> {
    let who = reader(caller);
    match ctx.cluster.list(who, resource, None, None).await {
        Ok(all) => all,
        Err(ClusterError::Forbidden(_)) => ctx
            .cluster
            .list(who, resource, Some(namespace), None)
            .await
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_reference_names_a_source_by_kind_name_and_namespace_its_own_by_default() {
        let source = ObjectRef::parse(
            "source.toolkit.fluxcd.io",
            "GitRepository",
            "flux-system",
            "repo",
        )
        .unwrap();
        let cases = [
            (
                json!({"kind": "GitRepository", "name": "repo"}),
                "flux-system",
                true,
            ),
            (
                json!({"kind": "GitRepository", "name": "repo"}),
                "apps",
                false,
            ),
            (
                json!({"kind": "GitRepository", "name": "repo", "namespace": "flux-system"}),
                "apps",
                true,
            ),
            (
                json!({"kind": "OCIRepository", "name": "repo"}),
                "flux-system",
                false,
            ),
            (
                json!({"kind": "GitRepository", "name": "other"}),
                "flux-system",
                false,
            ),
            (json!("repo"), "flux-system", false),
        ];
        for (reference, namespace, expected) in cases {
            assert_eq!(
                takes(&reference, namespace, &source),
                expected,
                "{reference} in {namespace}"
            );
        }
    }

    #[test]
    fn a_dependency_names_an_object_by_name_and_namespace_its_own_by_default() {
        let infra = ObjectRef::parse(
            "kustomize.toolkit.fluxcd.io",
            "Kustomization",
            "flux-system",
            "infra",
        )
        .unwrap();
        assert!(depends(&json!({"name": "infra"}), "flux-system", &infra));
        assert!(!depends(&json!({"name": "infra"}), "apps", &infra));
        assert!(depends(
            &json!({"name": "infra", "namespace": "flux-system"}),
            "apps",
            &infra
        ));
        assert!(!depends(&json!({"name": "other"}), "flux-system", &infra));
        assert!(!depends(&json!("infra"), "flux-system", &infra));
    }
}
