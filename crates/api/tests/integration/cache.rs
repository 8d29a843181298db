//! Lists from the server's watches (issue #35): once a kind's watch has listed, a list is
//! answered from memory, and shows exactly what a LIST as the caller would return; before,
//! it is read from Kubernetes as the caller, whole, and says so.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use axum::body::Body;
use http_body_util::BodyExt;
use kube::api::{Api, DeleteParams, DynamicObject, ListParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::support::app::{Settings, flux_web, grant_server_actions};
use crate::support::objects::create;
use crate::support::{Testbed, User, eventually, rbac};

/// A row of a list: kind, namespace and name.
type Row = (String, String, String);

fn kinds() -> [(ApiResource, Value); 3] {
    let resource = |group: &str, version: &str, kind: &str, plural: &str| {
        ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), plural)
    };
    [
        (
            resource(
                "kustomize.toolkit.fluxcd.io",
                "v1",
                "Kustomization",
                "kustomizations",
            ),
            json!({"interval": "10m", "prune": true, "sourceRef": {"kind": "GitRepository", "name": "repo"}}),
        ),
        (
            resource(
                "helm.toolkit.fluxcd.io",
                "v2",
                "HelmRelease",
                "helmreleases",
            ),
            json!({"interval": "10m", "chart": {"spec": {"chart": "web", "sourceRef": {"kind": "HelmRepository", "name": "charts"}}}}),
        ),
        (
            resource(
                "source.toolkit.fluxcd.io",
                "v1",
                "GitRepository",
                "gitrepositories",
            ),
            json!({"interval": "10m", "url": "https://git.example.com/x"}),
        ),
    ]
}

/// Every row of `GET /api/v1/resources?<query>` (every page) within `namespaces`, and the
/// `flux-web-read-from` of each page (one word when they agree).
async fn rows(app: &axum::Router, query: &str, namespaces: &[String]) -> (BTreeSet<Row>, String) {
    let (mut rows, mut from) = (BTreeSet::new(), BTreeSet::new());
    let mut next: Option<String> = None;
    for _ in 0..1000 {
        let token = next
            .as_ref()
            .map(|t| format!("&continue={t}"))
            .unwrap_or_default();
        let uri = format!("/api/v1/resources?limit=500&{query}{token}");
        let response = app
            .clone()
            .oneshot(http::Request::get(&uri).body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{uri}");
        from.insert(
            response.headers()["flux-web-read-from"]
                .to_str()
                .unwrap()
                .to_owned(),
        );
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let page: Value = serde_json::from_slice(&bytes).unwrap();
        for item in page["items"].as_array().unwrap() {
            let t = &item["target"];
            let namespace = t["namespace"].as_str().unwrap().to_owned();
            if namespaces.contains(&namespace) {
                rows.insert((
                    t["kind"].as_str().unwrap().to_owned(),
                    namespace,
                    t["name"].as_str().unwrap().to_owned(),
                ));
            }
        }
        next = page["continue"].as_str().map(str::to_owned);
        if next.is_none() {
            break;
        }
    }
    (rows, from.into_iter().collect::<Vec<_>>().join(","))
}

/// What LISTs as `user` in `groups` return in `namespaces`: one LIST per kind and namespace,
/// impersonated, a refused one returning nothing. The truth the cached list must equal.
async fn truth(bed: &Testbed, user: &str, groups: &[&str], namespaces: &[String]) -> BTreeSet<Row> {
    let client = bed.impersonating(User::Admin, user, groups).await;
    let mut rows = BTreeSet::new();
    for (resource, _) in kinds() {
        for ns in namespaces {
            let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns, &resource);
            match api.list(&ListParams::default()).await {
                Ok(list) => rows.extend(
                    list.items
                        .into_iter()
                        .map(|o| (resource.kind.clone(), ns.clone(), o.metadata.name.unwrap())),
                ),
                Err(kube::Error::Api(e)) if e.code == 403 => {}
                Err(e) => panic!("LIST {} in {ns} as {user}: {e}", resource.plural),
            }
        }
    }
    rows
}

/// The rows once the watches have listed: the list must then come from the cache.
async fn cached_rows(app: &axum::Router, query: &str, namespaces: &[String]) -> BTreeSet<Row> {
    eventually(
        "the list to come from the cache",
        Duration::from_secs(20),
        || async {
            let (rows, from) = rows(app, query, namespaces).await;
            (from == "cache").then_some(rows)
        },
    )
    .await
}

/// A small deterministic generator: the seed is printed, so a failing case can be replayed.
struct Random(u64);

impl Random {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[tokio::test]
async fn for_random_rbac_and_objects_the_cached_list_is_what_lists_as_each_user_return() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let seed = std::env::var("FLUX_WEB_PROPERTY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| u64::from(std::process::id()) * 2_654_435_761 + 1);
    eprintln!("property seed: FLUX_WEB_PROPERTY_SEED={seed}");
    let mut random = Random(seed | 1);
    let mut namespaces = Vec::new();
    for _ in 0..5 {
        namespaces.push(bed.namespace("cached").await);
    }
    let kinds = kinds();
    for ns in &namespaces {
        for (resource, spec) in &kinds {
            for i in 0..random.below(4) {
                create(&bed, ns, resource, &format!("o{i}"), spec.clone()).await;
            }
        }
    }
    let tag = &namespaces[0];
    for round in 0..4 {
        let user = format!("{tag}-u{round}");
        // Per namespace and kind: list, only get (which lists nothing), or nothing; and now
        // and then one kind listable cluster-wide.
        for ns in &namespaces {
            let mut rules = Vec::new();
            for (resource, _) in &kinds {
                let verbs = match random.below(3) {
                    0 => json!(["get", "list"]),
                    1 => json!(["get"]),
                    _ => continue,
                };
                rules.push(json!({"apiGroups": [resource.group], "resources": [resource.plural], "verbs": verbs}));
            }
            if !rules.is_empty() {
                bed.grant_rules(ns, &format!("list-{round}"), json!(rules), ("User", &user))
                    .await;
            }
        }
        if random.below(2) == 0 {
            let (resource, _) = &kinds[random.below(3) as usize];
            let role = format!("{user}-everywhere");
            bed.apply(&rbac("ClusterRole"), None, json!({
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                "metadata": {"name": role},
                "rules": [{"apiGroups": [resource.group], "resources": [resource.plural], "verbs": ["list"]}],
            })).await;
            bed.bind_cluster_role(&role, &role, ("User", &user)).await;
        }
        let groups = ["cached-nobody"];
        let app = flux_web(&bed, Settings::user(&user, &groups)).await;
        let expected = truth(&bed, &user, &groups, &namespaces).await;
        // Before the watches have listed, the answer is read from Kubernetes, whole.
        let (first, from) = rows(&app, "", &namespaces).await;
        assert!(
            from.contains("kubernetes"),
            "the first list of a new server came from {from}"
        );
        assert_eq!(first, expected, "seed {seed}, {user}: read from Kubernetes");
        let cached = cached_rows(&app, "", &namespaces).await;
        assert_eq!(cached, expected, "seed {seed}, {user}: from the cache");
        // One namespace asked for by name: the same rows, or none where the user may not list.
        let ns = &namespaces[random.below(5) as usize];
        let (one, _) = rows(&app, &format!("namespace={ns}"), &namespaces).await;
        let in_ns: BTreeSet<Row> = expected.iter().filter(|r| &r.1 == ns).cloned().collect();
        assert_eq!(one, in_ns, "seed {seed}, {user}: namespace={ns}");
    }
}

#[tokio::test]
async fn a_user_whose_right_to_list_is_revoked_stops_seeing_the_namespace_within_the_reviews_lifetime()
 {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("revoked").await;
    let (resource, spec) = kinds()[0].clone();
    create(&bed, &ns, &resource, "web", spec).await;
    let user = format!("{ns}-user");
    bed.grant_rules(
        &ns,
        "lists",
        json!([{"apiGroups": [resource.group], "resources": [resource.plural], "verbs": ["list"]}]),
        ("User", &user),
    )
    .await;
    let groups = ["revoked-team"];
    let app = flux_web(&bed, Settings::user(&user, &groups)).await;
    let namespaces = [ns.clone()];
    let seen = cached_rows(&app, "kind=ks", &namespaces).await;
    assert_eq!(seen.len(), 1, "{seen:?}");
    let bindings: Api<DynamicObject> =
        Api::namespaced_with(bed.client(User::Admin).await, &ns, &rbac("RoleBinding"));
    bindings
        .delete("lists", &DeleteParams::default())
        .await
        .unwrap();
    let revoked = Instant::now();
    // Kubernetes itself may take a moment to see the binding gone; flux-web adds at most
    // the lifetime of an allowed review, 5 seconds (docs/decisions.md, "Reads at scale").
    let gone = eventually(
        "the namespace to disappear from the list",
        Duration::from_secs(15),
        || async {
            let (rows, from) = rows(&app, "kind=ks", &namespaces).await;
            (rows.is_empty() && from == "cache").then(Instant::now)
        },
    )
    .await;
    let took = gone - revoked;
    assert!(
        took <= Duration::from_secs(7),
        "the revoked list showed for {took:?}"
    );
}
