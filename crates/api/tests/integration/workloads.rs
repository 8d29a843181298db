//! Workload actions against the test bed, with kube-controller-manager running so that
//! Deployments, StatefulSets, CronJobs and Pods behave as in a cluster.

use std::time::Duration;

use crate::support::app::{Settings, call, flux_web, grant_server_actions};
use crate::support::objects::{create_object, listing, path, read, until_allowed, web_events};
use crate::support::{Testbed, User, eventually};
use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DynamicObject, ListParams, Patch, PatchParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::{Value, json};

fn resource(group: &str, kind: &str, plural: &str) -> ApiResource {
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, "v1", kind), plural)
}

fn deployments() -> ApiResource {
    resource("apps", "Deployment", "deployments")
}

fn pod_template(app: &str) -> Value {
    json!({
        "metadata": {"labels": {"app": app}},
        "spec": {"containers": [{"name": app, "image": "registry.invalid/app:1"}]},
    })
}

fn deployment(name: &str, labels: Value) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}}, "template": pod_template(name)},
    })
}

fn kustomize_labels(ns: &str) -> Value {
    json!({"kustomize.toolkit.fluxcd.io/name": "apps", "kustomize.toolkit.fluxcd.io/namespace": ns})
}

/// alice (in devs) may take the workload actions in `ns`.
async fn grant_alice_workloads(bed: &Testbed, ns: &str) {
    bed.grant_rules(ns, "devs-workloads", json!([
        {"apiGroups": ["apps"], "resources": ["deployments", "statefulsets", "daemonsets"], "verbs": ["get", "patch", "restart"]},
        {"apiGroups": ["batch"], "resources": ["cronjobs"], "verbs": ["get", "restart"]},
        {"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["create"]},
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "delete"]},
    ]), ("Group", "devs")).await;
}

async fn replica_sets_of(bed: &Testbed, ns: &str, app: &str) -> Vec<ReplicaSet> {
    Api::<ReplicaSet>::namespaced(bed.client(User::Admin).await, ns)
        .list(&ListParams::default().labels(&format!("app={app}")))
        .await
        .unwrap()
        .items
}

#[tokio::test]
async fn restart_rolls_a_deployment_owns_its_annotation_and_audits_on_the_kustomization() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("restart").await;
    grant_alice_workloads(&bed, &ns).await;
    let deployments = deployments();
    create_object(
        &bed,
        &ns,
        &deployments,
        deployment("web", kustomize_labels(&ns)),
    )
    .await;
    eventually("the first ReplicaSet", Duration::from_secs(30), || async {
        (replica_sets_of(&bed, &ns, "web").await.len() == 1).then_some(())
    })
    .await;
    let app = flux_web(&bed, Settings::default()).await;
    until_allowed(&app, &listing(&deployments, &ns, "web")).await;

    let (status, body) = call(
        &app,
        "POST",
        &path(&deployments, &ns, "web", "restart"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let restarted = read(&bed, &ns, &deployments, "web").await;
    let at = restarted.data["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"].clone();
    assert_eq!(at, body["requestedAt"]);
    eventually(
        "a new ReplicaSet for the restarted template",
        Duration::from_secs(30),
        || async { (replica_sets_of(&bed, &ns, "web").await.len() == 2).then_some(()) },
    )
    .await;

    let owner = restarted
        .metadata
        .managed_fields
        .iter()
        .flatten()
        .find(|f| f.manager.as_deref() == Some("flux-web"))
        .unwrap();
    assert_eq!(owner.operation.as_deref(), Some("Apply"));
    assert!(
        serde_json::to_string(&owner.fields_v1)
            .unwrap()
            .contains("f:kubectl.kubernetes.io/restartedAt")
    );

    // Another manager's apply that leaves the annotation out does not take it away.
    let other = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": 2}});
    Api::<DynamicObject>::namespaced_with(bed.client(User::Admin).await, &ns, &deployments)
        .patch(
            "web",
            &PatchParams::apply("someone-else").force(),
            &Patch::Apply(&other),
        )
        .await
        .unwrap();
    let after = read(&bed, &ns, &deployments, "web").await;
    assert_eq!(after.data["spec"]["replicas"], 2);
    assert_eq!(
        after.data["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"],
        at
    );

    let events = web_events(&bed, &ns).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(
        events[0].involved_object.kind.as_deref(),
        Some("Kustomization")
    );
    assert_eq!(events[0].involved_object.name.as_deref(), Some("apps"));
    let annotations = events[0].metadata.annotations.as_ref().unwrap();
    assert_eq!(
        annotations["event.toolkit.fluxcd.io/subject"],
        format!("Deployment/{ns}/web")
    );
    assert_eq!(annotations["event.toolkit.fluxcd.io/action"], "restart");
}

#[tokio::test]
async fn restart_of_a_missing_workload_is_a_404_and_creates_nothing() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("restart-missing").await;
    grant_alice_workloads(&bed, &ns).await;
    let app = flux_web(&bed, Settings::default()).await;
    let deployments = deployments();
    let (status, body) = eventually(
        "alice's grant to count",
        Duration::from_secs(10),
        || async {
            let (status, body) = call(
                &app,
                "POST",
                &path(&deployments, &ns, "ghost", "restart"),
                None,
            )
            .await;
            (status != 403).then_some((status, body))
        },
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("not_found")),
        "{body}"
    );
    let api =
        Api::<DynamicObject>::namespaced_with(bed.client(User::Admin).await, &ns, &deployments);
    assert!(api.get_opt("ghost").await.unwrap().is_none());
}

/// A namespace of its own with a Deployment `name` no Flux object manages, and flux-web as
/// alice once her grant counts.
async fn alices_unmanaged_deployment(
    bed: &Testbed,
    prefix: &str,
    name: &str,
) -> (String, ApiResource, axum::Router) {
    grant_server_actions(bed).await;
    let ns = bed.namespace(prefix).await;
    grant_alice_workloads(bed, &ns).await;
    let deployments = deployments();
    create_object(bed, &ns, &deployments, deployment(name, json!({}))).await;
    let app = flux_web(bed, Settings::default()).await;
    until_allowed(&app, &listing(&deployments, &ns, name)).await;
    (ns, deployments, app)
}

#[tokio::test]
async fn an_unmanaged_deployment_is_its_own_audit_subject() {
    let bed = testbed!();
    let (ns, deployments, app) = alices_unmanaged_deployment(&bed, "unmanaged", "solo").await;
    let (status, body) = call(
        &app,
        "POST",
        &path(&deployments, &ns, "solo", "restart"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let events = web_events(&bed, &ns).await;
    assert_eq!(
        events[0].involved_object.kind.as_deref(),
        Some("Deployment")
    );
    assert_eq!(events[0].involved_object.name.as_deref(), Some("solo"));
}

fn cronjob(name: &str) -> Value {
    json!({
        "apiVersion": "batch/v1", "kind": "CronJob",
        "metadata": {"name": name},
        "spec": {"schedule": "0 0 1 1 *", "jobTemplate": {
            "metadata": {"labels": {"team": "data"}, "annotations": {"purpose": "backup"}},
            "spec": {"template": {"spec": {"restartPolicy": "Never",
                "containers": [{"name": "backup", "image": "registry.invalid/backup:1"}]}}},
        }},
    })
}

#[tokio::test]
async fn run_job_creates_an_owned_job_per_click_marked_with_who_asked() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("runjob").await;
    grant_alice_workloads(&bed, &ns).await;
    let cronjobs = resource("batch", "CronJob", "cronjobs");
    let created = create_object(&bed, &ns, &cronjobs, cronjob("backup")).await;
    let app = flux_web(&bed, Settings::default()).await;
    until_allowed(&app, &listing(&cronjobs, &ns, "backup")).await;
    let jobs = Api::<Job>::namespaced(bed.client(User::Admin).await, &ns);

    // The dry run names no Job: the name the API server makes up for it is not the one a
    // run gets. And it creates none.
    let dry = format!("{}?dryRun=true", path(&cronjobs, &ns, "backup", "run-job"));
    let (status, body) = call(&app, "POST", &dry, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["job"], Value::Null, "{body}");
    assert_eq!(
        body["message"],
        "dry run: a Job created from CronJob backup"
    );
    assert!(
        jobs.list(&ListParams::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );

    let mut names = Vec::new();
    for _ in 0..2 {
        let (status, body) = call(
            &app,
            "POST",
            &path(&cronjobs, &ns, "backup", "run-job"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        names.push(body["job"].as_str().unwrap().to_owned());
    }
    assert_ne!(names[0], names[1], "two clicks, two Jobs");
    for name in &names {
        let job = jobs.get(name).await.unwrap();
        assert!(name.starts_with("backup-") && name.len() <= 63);
        let annotations = job.metadata.annotations.clone().unwrap();
        assert_eq!(annotations["cronjob.kubernetes.io/instantiate"], "manual");
        assert_eq!(annotations["fluxcd.controlplane.io/createdBy"], "alice");
        assert_eq!(annotations["purpose"], "backup");
        assert_eq!(job.metadata.labels.clone().unwrap()["team"], "data");
        let template_annotations = job
            .spec
            .as_ref()
            .unwrap()
            .template
            .metadata
            .as_ref()
            .unwrap()
            .annotations
            .clone()
            .unwrap();
        assert_eq!(
            template_annotations["fluxcd.controlplane.io/createdBy"],
            "alice"
        );
        let owner = &job.metadata.owner_references.clone().unwrap()[0];
        assert_eq!(
            (owner.kind.as_str(), owner.name.as_str(), owner.controller),
            ("CronJob", "backup", Some(true))
        );
        assert_eq!(Some(&owner.uid), created.metadata.uid.as_ref());
    }
    // The job controller runs them: each gets its Pod.
    let pods = Api::<Pod>::namespaced(bed.client(User::Admin).await, &ns);
    eventually("a Pod for each Job", Duration::from_secs(30), || async {
        let list = pods.list(&ListParams::default()).await.ok()?;
        let owners: Vec<&str> = list
            .items
            .iter()
            .flat_map(|p| p.metadata.owner_references.iter().flatten())
            .map(|o| o.name.as_str())
            .collect();
        names
            .iter()
            .all(|n| owners.contains(&n.as_str()))
            .then_some(())
    })
    .await;

    // Without `create jobs` the CronJob's restart verb is not enough.
    let bob = flux_web(&bed, Settings::user("bob", &["ops"])).await;
    bed.grant_rules(
        &ns,
        "ops-cronjobs",
        json!([
            {"apiGroups": ["batch"], "resources": ["cronjobs"], "verbs": ["get", "restart"]},
        ]),
        ("Group", "ops"),
    )
    .await;
    let (status, body) = eventually("bob's grant to count", Duration::from_secs(10), || async {
        let (status, body) = call(
            &bob,
            "POST",
            &path(&cronjobs, &ns, "backup", "run-job"),
            None,
        )
        .await;
        (body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("'create' on 'jobs'")))
        .then_some((status, body))
    })
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("forbidden")),
        "{body}"
    );
    assert_eq!(
        jobs.list(&ListParams::default()).await.unwrap().items.len(),
        2
    );
}

#[tokio::test]
async fn delete_removes_a_pod_and_audits_on_the_helm_release_of_its_statefulset() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("delete").await;
    grant_alice_workloads(&bed, &ns).await;
    let statefulsets = resource("apps", "StatefulSet", "statefulsets");
    create_object(&bed, &ns, &statefulsets, json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "db", "labels": {
            "helm.toolkit.fluxcd.io/name": "database", "helm.toolkit.fluxcd.io/namespace": ns,
        }},
        "spec": {"replicas": 1, "serviceName": "db", "selector": {"matchLabels": {"app": "db"}}, "template": pod_template("db")},
    })).await;
    let pods_api = Api::<Pod>::namespaced(bed.client(User::Admin).await, &ns);
    // The statefulset controller makes db-0 once the namespace's service account exists.
    eventually("the StatefulSet's Pod", Duration::from_secs(60), || async {
        pods_api.get_opt("db-0").await.ok().flatten()
    })
    .await;
    let pods = resource("", "Pod", "pods");
    let app = flux_web(&bed, Settings::default()).await;
    until_allowed(&app, &listing(&pods, &ns, "db-0")).await;

    // bob may not delete: the Pod stays.
    let bob = flux_web(&bed, Settings::user("bob", &["ops"])).await;
    let (status, body) = call(&bob, "POST", &path(&pods, &ns, "db-0", "delete"), None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("forbidden")),
        "{body}"
    );
    let before = pods_api.get("db-0").await.unwrap();

    let (status, body) = call(
        &app,
        "POST",
        &path(&pods, &ns, "db-0", "delete"),
        Some(json!({"gracePeriodSeconds": 0})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    eventually(
        "the Pod to be gone or replaced",
        Duration::from_secs(30),
        || async {
            let now = pods_api.get_opt("db-0").await.ok()?;
            (now.map(|p| p.metadata.uid) != Some(before.metadata.uid.clone())).then_some(())
        },
    )
    .await;

    let events = web_events(&bed, &ns).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(
        events[0].involved_object.kind.as_deref(),
        Some("HelmRelease")
    );
    assert_eq!(events[0].involved_object.name.as_deref(), Some("database"));
    assert_eq!(
        events[0].metadata.annotations.as_ref().unwrap()["event.toolkit.fluxcd.io/subject"],
        format!("Pod/{ns}/db-0")
    );
    assert_eq!(
        events[0].metadata.annotations.as_ref().unwrap()["event.toolkit.fluxcd.io/action"],
        "delete"
    );
}

#[tokio::test]
async fn a_workloads_listing_says_whether_its_pods_may_be_deleted() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("wl-listing").await;
    grant_alice_workloads(&bed, &ns).await;
    bed.grant_rules(
        &ns,
        "ops-read",
        json!([
            {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get"]},
        ]),
        ("Group", "ops"),
    )
    .await;
    let deployments = deployments();
    create_object(&bed, &ns, &deployments, deployment("web", json!({}))).await;
    let alice = flux_web(&bed, Settings::default()).await;
    until_allowed(&alice, &listing(&deployments, &ns, "web")).await;
    let (status, body) = call(&alice, "GET", &listing(&deployments, &ns, "web"), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["actions"],
        json!([{"action": "restart", "verb": "restart", "allowed": true}])
    );
    assert_eq!(body["deletePods"]["allowed"], true);

    let bob = flux_web(&bed, Settings::user("bob", &["ops"])).await;
    let (status, body) = eventually("bob's grant to count", Duration::from_secs(10), || async {
        let (status, body) = call(&bob, "GET", &listing(&deployments, &ns, "web"), None).await;
        (status == 200).then_some((status, body))
    })
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["actions"][0]["reason"], "forbidden");
    assert!(
        body["actions"][0]["message"]
            .as_str()
            .unwrap()
            .contains("verb 'restart' on 'deployments' in API group 'apps'")
    );
    assert_eq!(body["deletePods"]["allowed"], false);
    assert!(
        body["deletePods"]["message"]
            .as_str()
            .unwrap()
            .contains("verb 'delete' on 'pods' in API group 'core'")
    );
}

/// Found by the attack run: a Pod that is its own audit subject got the annotation key
/// `/token` (the core group has no name), which the API server refuses, and the action still
/// answered as if audited.
#[tokio::test]
async fn deleting_a_pod_that_is_its_own_audit_subject_leaves_its_event() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("pod-audit").await;
    grant_alice_workloads(&bed, &ns).await;
    let pods = resource("", "Pod", "pods");
    create_object(
        &bed,
        &ns,
        &pods,
        json!({
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "debug"},
            "spec": {"containers": [{"name": "debug", "image": "registry.invalid/debug:1"}]},
        }),
    )
    .await;
    let app = flux_web(&bed, Settings::default()).await;
    until_allowed(&app, &listing(&pods, &ns, "debug")).await;
    let (status, body) = call(
        &app,
        "POST",
        &path(&pods, &ns, "debug", "delete"),
        Some(json!({"gracePeriodSeconds": 0})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("auditError").is_none(), "{body}");
    let events = web_events(&bed, &ns).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].involved_object.kind.as_deref(), Some("Pod"));
    let annotations = events[0].metadata.annotations.as_ref().unwrap();
    assert!(
        annotations.contains_key("event.toolkit.fluxcd.io/token"),
        "{annotations:?}"
    );
}

/// An audited action whose Event cannot be written is not reported as audited: its answer
/// says why, and the Event is written by a retry once the API server takes it.
#[tokio::test]
async fn an_action_whose_audit_event_is_refused_says_so_and_the_event_lands_on_a_retry() {
    let bed = testbed!();
    let (ns, deployments, app) = alices_unmanaged_deployment(&bed, "audit-down", "web").await;
    let bindings = crate::support::objects::refuse_events(&bed, &ns).await;

    let (status, body) = call(
        &app,
        "POST",
        &path(&deployments, &ns, "web", "restart"),
        None,
    )
    .await;
    assert_eq!(status, 200, "the restart was made: {body}");
    let why = body["auditError"].as_str().unwrap_or_default();
    assert!(
        why.contains("could not be written") && why.contains("retried"),
        "{body}"
    );
    assert!(web_events(&bed, &ns).await.is_empty());

    Api::<DynamicObject>::all_with(bed.client(User::Admin).await, &bindings)
        .delete(&format!("no-events-{ns}"), &Default::default())
        .await
        .unwrap();
    let events = eventually("the retried Event", Duration::from_secs(40), || async {
        let events = web_events(&bed, &ns).await;
        (!events.is_empty()).then_some(events)
    })
    .await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].involved_object.name.as_deref(), Some("web"));
}
