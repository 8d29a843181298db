//! Proof that the test bed is a real cluster: real RBAC with custom verbs, impersonation that
//! needs explicit groups, and a controller manager that runs controllers.

use std::time::Duration;

use crate::support::{User, eventually, kustomization, kustomizations, status_of};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::authorization::v1::SubjectAccessReview;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, DynamicObject, ListParams, PostParams};
use serde_json::json;

const FLUX_KUSTOMIZE: &str = "kustomize.toolkit.fluxcd.io";
/// RBAC changes reach the authorizer through an informer: allowed-after-grant checks poll.
const RBAC_PROPAGATION: Duration = Duration::from_secs(10);

async fn create_kustomization(bed: &crate::support::Testbed, namespace: &str, name: &str) {
    Api::<DynamicObject>::namespaced_with(
        bed.client(User::Admin).await,
        namespace,
        &kustomizations(),
    )
    .create(&PostParams::default(), &kustomization(name))
    .await
    .unwrap();
}

async fn read_kustomization(
    client: kube::Client,
    namespace: &str,
    name: &str,
) -> Result<DynamicObject, kube::Error> {
    Api::<DynamicObject>::namespaced_with(client, namespace, &kustomizations())
        .get(name)
        .await
}

#[tokio::test]
async fn alice_reads_a_kustomization_made_by_admin_once_bound_to_a_role() {
    let bed = testbed!();
    let ns = bed.namespace("read").await;
    create_kustomization(&bed, &ns, "apps").await;
    assert_eq!(
        status_of(read_kustomization(bed.client(User::Alice).await, &ns, "apps").await),
        403
    );

    bed.grant(
        &ns,
        "ks-reader",
        FLUX_KUSTOMIZE,
        "kustomizations",
        &["get", "list"],
        ("User", "alice"),
    )
    .await;
    let alice = bed.client(User::Alice).await;
    let read = eventually("alice may read", RBAC_PROPAGATION, || async {
        read_kustomization(alice.clone(), &ns, "apps").await.ok()
    })
    .await;
    assert_eq!(read.metadata.name.as_deref(), Some("apps"));
    assert_eq!(read.data["spec"]["path"], "./apps");
}

#[tokio::test]
async fn mallory_gets_403_and_alice_gets_403_outside_her_namespace() {
    let bed = testbed!();
    let hers = bed.namespace("hers").await;
    let other = bed.namespace("other").await;
    for ns in [&hers, &other] {
        create_kustomization(&bed, ns, "apps").await;
    }
    bed.grant(
        &hers,
        "ks-reader",
        FLUX_KUSTOMIZE,
        "kustomizations",
        &["get"],
        ("Group", "devs"),
    )
    .await;

    let alice = bed.client(User::Alice).await;
    eventually(
        "alice may read in her namespace",
        RBAC_PROPAGATION,
        || async { read_kustomization(alice.clone(), &hers, "apps").await.ok() },
    )
    .await;
    assert_eq!(
        status_of(read_kustomization(bed.client(User::Alice).await, &other, "apps").await),
        403
    );
    assert_eq!(
        status_of(read_kustomization(bed.client(User::Mallory).await, &hers, "apps").await),
        403
    );
    assert_eq!(
        status_of(read_kustomization(bed.client(User::Bob).await, &hers, "apps").await),
        403
    );
}

/// What the flux-web server needs for these tests; deploy/ will ship the real ClusterRole.
async fn grant_server_impersonation_and_reviews(bed: &crate::support::Testbed) {
    bed.grant_server("testbed-flux-web-server", json!([
        {"apiGroups": [""], "resources": ["users", "groups"], "verbs": ["impersonate"]},
        {"apiGroups": ["authorization.k8s.io"], "resources": ["subjectaccessreviews"], "verbs": ["create"]},
    ])).await;
}

#[tokio::test]
async fn the_server_identity_impersonates_a_user_only_with_the_groups_it_sends() {
    let bed = testbed!();
    grant_server_impersonation_and_reviews(&bed).await;
    let ns = bed.namespace("impersonate").await;
    // A ConfigMap: no test ever grants the server itself access to one.
    let map: ConfigMap = serde_json::from_value(json!({"metadata": {"name": "settings"}})).unwrap();
    Api::<ConfigMap>::namespaced(bed.client(User::Admin).await, &ns)
        .create(&PostParams::default(), &map)
        .await
        .unwrap();
    bed.grant(
        &ns,
        "devs-read",
        "",
        "configmaps",
        &["get"],
        ("Group", "devs"),
    )
    .await;
    let read = |client: kube::Client| {
        let ns = ns.clone();
        async move {
            Api::<ConfigMap>::namespaced(client, &ns)
                .get("settings")
                .await
        }
    };

    // Without impersonation the server itself may not read it.
    assert_eq!(status_of(read(bed.client(User::Server).await).await), 403);
    let as_alice_in_devs = bed.impersonating(User::Server, "alice", &["devs"]).await;
    eventually(
        "the server may read as alice in devs",
        RBAC_PROPAGATION,
        || async { read(as_alice_in_devs.clone()).await.ok() },
    )
    .await;
    // Kubernetes does not look groups up for an impersonated user.
    let as_alice_alone = bed.impersonating(User::Server, "alice", &[]).await;
    assert_eq!(status_of(read(as_alice_alone).await), 403);
    // Impersonation is a permission of its own: mallory lacks it.
    let mallory_as_alice = bed.impersonating(User::Mallory, "alice", &["devs"]).await;
    assert_eq!(status_of(read(mallory_as_alice).await), 403);
}

async fn review(
    bed: &crate::support::Testbed,
    user: &str,
    groups: &[&str],
    verb: &str,
    ns: &str,
) -> bool {
    let mut all_groups: Vec<String> = groups.iter().map(|g| (*g).to_owned()).collect();
    all_groups.push("system:authenticated".to_owned());
    let review: SubjectAccessReview = serde_json::from_value(json!({
        "spec": {
            "user": user,
            "groups": all_groups,
            "resourceAttributes": {
                "group": FLUX_KUSTOMIZE, "resource": "kustomizations",
                "namespace": ns, "name": "apps", "verb": verb,
            },
        },
    }))
    .unwrap();
    let answer = Api::<SubjectAccessReview>::all(bed.client(User::Server).await)
        .create(&PostParams::default(), &review)
        .await
        .unwrap();
    answer.status.unwrap().allowed
}

#[tokio::test]
async fn a_subject_access_review_allows_reconcile_only_where_a_role_has_that_custom_verb() {
    let bed = testbed!();
    grant_server_impersonation_and_reviews(&bed).await;
    let ns = bed.namespace("sar").await;
    bed.grant(
        &ns,
        "devs-reconcile",
        FLUX_KUSTOMIZE,
        "kustomizations",
        &["get", "patch", "reconcile"],
        ("Group", "devs"),
    )
    .await;
    bed.grant(
        &ns,
        "ops-patch",
        FLUX_KUSTOMIZE,
        "kustomizations",
        &["get", "patch"],
        ("Group", "ops"),
    )
    .await;

    eventually("alice may reconcile", RBAC_PROPAGATION, || async {
        review(&bed, "alice", &["devs"], "reconcile", &ns)
            .await
            .then_some(())
    })
    .await;
    assert!(!review(&bed, "bob", &["ops"], "reconcile", &ns).await);
    eventually("bob may patch", RBAC_PROPAGATION, || async {
        review(&bed, "bob", &["ops"], "patch", &ns)
            .await
            .then_some(())
    })
    .await;
    // The verb is checked, not merely the resource: alice may not suspend.
    assert!(!review(&bed, "alice", &["devs"], "suspend", &ns).await);
    // Groups count only when sent: alice without devs is denied.
    assert!(!review(&bed, "alice", &[], "reconcile", &ns).await);

    // mallory may not ask the API server about others.
    let mallory = Api::<SubjectAccessReview>::all(bed.client(User::Mallory).await);
    let attempt: SubjectAccessReview = serde_json::from_value(json!({
        "spec": {"user": "alice", "resourceAttributes": {"verb": "get", "resource": "pods"}},
    }))
    .unwrap();
    assert_eq!(
        status_of(mallory.create(&PostParams::default(), &attempt).await),
        403
    );
}

#[tokio::test]
async fn kube_controller_manager_gives_a_deployment_its_replicaset() {
    let bed = testbed!();
    let ns = bed.namespace("kcm").await;
    let admin = bed.client(User::Admin).await;
    let deployment: Deployment = serde_json::from_value(json!({
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "registry.invalid/web:1"}]},
            },
        },
    }))
    .unwrap();
    let created = Api::<Deployment>::namespaced(admin.clone(), &ns)
        .create(&PostParams::default(), &deployment)
        .await
        .unwrap();
    let uid = created.metadata.uid.unwrap();

    let replica_sets = Api::<ReplicaSet>::namespaced(admin, &ns);
    let owned = eventually(
        "a ReplicaSet owned by the Deployment",
        Duration::from_secs(30),
        || async {
            let list = replica_sets
                .list(&ListParams::default().labels("app=web"))
                .await
                .ok()?;
            list.items.into_iter().find(|rs| {
                rs.metadata
                    .owner_references
                    .iter()
                    .flatten()
                    .any(|o| o.uid == uid && o.controller == Some(true))
            })
        },
    )
    .await;
    assert!(owned.metadata.name.unwrap().starts_with("web-"));
}
