//! The read API against the test bed: objects and their events as the caller sees them.

use std::time::Duration;

use crate::support::app::{Settings, call, flux_web, grant_server_actions};
use crate::support::objects::{create, create_object, listing, path, set_status, until_allowed};
use crate::support::{FLUX_GROUPS, Testbed, eventually};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::json;

fn resource(group: &str, kind: &str, plural: &str) -> ApiResource {
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, "v1", kind), plural)
}

fn kustomizations() -> ApiResource {
    resource(
        "kustomize.toolkit.fluxcd.io",
        "Kustomization",
        "kustomizations",
    )
}

fn object_path(resource: &ApiResource, ns: &str, name: &str) -> String {
    listing(resource, ns, name)
        .trim_end_matches("/actions")
        .to_owned()
}

/// A GitRepository with an artifact and a failing Kustomization that reads from it.
async fn world(bed: &Testbed, ns: &str) -> (ApiResource, ApiResource) {
    let ks = kustomizations();
    let repo = resource(
        "source.toolkit.fluxcd.io",
        "GitRepository",
        "gitrepositories",
    );
    create(
        bed,
        ns,
        &repo,
        "repo",
        json!({"interval": "10m", "url": "https://git.example.com/podinfo"}),
    )
    .await;
    set_status(bed, ns, &repo, "repo", json!({
        "artifact": {"url": "http://source-controller.flux-system.svc/x.tar.gz", "digest": "sha256:ab",
            "revision": "main@sha1:0123456789", "size": 1024, "path": "x", "lastUpdateTime": "2026-11-23T21:00:00Z"},
        "conditions": [{"type": "Ready", "status": "True", "reason": "Succeeded", "message": "stored artifact",
            "lastTransitionTime": "2026-11-23T21:00:00Z"}],
    }))
    .await;
    create(bed, ns, &ks, "apps", json!({"interval": "10m", "prune": true, "sourceRef": {"kind": "GitRepository", "name": "repo"}})).await;
    set_status(bed, ns, &ks, "apps", json!({
        "lastHandledReconcileAt": "2026-11-23T21:30:00Z",
        "conditions": [{"type": "Ready", "status": "False", "reason": "BuildFailed", "message": "kustomize build failed",
            "lastTransitionTime": "2026-11-23T21:30:00Z"}],
    }))
    .await;
    (ks, repo)
}

async fn grant_alice_reads(bed: &Testbed, ns: &str) {
    bed.grant_rules(ns, "devs-read", json!([
        {"apiGroups": FLUX_GROUPS, "resources": ["*"], "verbs": ["get", "list", "patch", "reconcile"]},
        {"apiGroups": [""], "resources": ["events"], "verbs": ["get", "list"]},
    ]), ("Group", "devs")).await;
}

#[tokio::test]
async fn a_helm_releases_page_has_its_releases_newest_first_with_what_each_changed() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("releases").await;
    grant_alice_reads(&bed, &ns).await;
    let releases = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("helm.toolkit.fluxcd.io", "v2", "HelmRelease"),
        "helmreleases",
    );
    create(
        &bed,
        &ns,
        &releases,
        "podinfo",
        json!({"interval": "10m", "chart": {"spec": {
        "chart": "podinfo", "sourceRef": {"kind": "HelmRepository", "name": "charts"}}}}),
    )
    .await;
    // Shaped as helm-controller v1.6's snapshots: install; a chart bump whose test passed; a
    // values change; a failed upgrade whose test failed; the remediation's rollback.
    let snapshot = |version: i64,
                    action: &str,
                    status: &str,
                    chart: &str,
                    values: char,
                    tests: serde_json::Value| {
        json!({
            "apiVersion": "v2", "name": "podinfo", "namespace": ns, "version": version,
            "action": action, "status": status, "chartName": "podinfo", "chartVersion": chart,
            "appVersion": chart, "configDigest": format!("sha256:{}", values.to_string().repeat(64)),
            "digest": format!("sha256:{}", version.to_string().repeat(64)),
            "firstDeployed": "2026-12-01T09:00:00Z", "lastDeployed": format!("2026-12-0{version}T09:00:00Z"),
            "testHooks": tests,
        })
    };
    let passed = json!({"podinfo-test": {"phase": "Succeeded", "lastStarted": "2026-12-02T09:00:01Z", "lastCompleted": "2026-12-02T09:00:09Z"}});
    set_status(&bed, &ns, &releases, "podinfo", json!({
        "history": [
            snapshot(5, "rollback", "deployed", "1.1.0", 'b', json!({})),
            snapshot(4, "upgrade", "failed", "1.2.0", 'c', json!({"podinfo-test": {"phase": "Failed"}})),
            snapshot(3, "upgrade", "superseded", "1.1.0", 'b', passed.clone()),
            snapshot(2, "upgrade", "superseded", "1.1.0", 'a', passed),
            snapshot(1, "install", "superseded", "1.0.0", 'a', json!({})),
        ],
        "lastAttemptedReleaseAction": "upgrade", "lastAttemptedRevision": "1.2.0",
        "lastAttemptedConfigDigest": format!("sha256:{}", "c".repeat(64)),
        "failures": 2, "upgradeFailures": 1,
        "conditions": [{"type": "Ready", "status": "False", "reason": "UpgradeFailed", "message": "upgrade retries exhausted",
                        "lastTransitionTime": "2026-12-05T09:00:00Z"}],
    }))
    .await;
    let charts = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("source.toolkit.fluxcd.io", "v1", "HelmChart"),
        "helmcharts",
    );
    let chart = format!("{ns}-podinfo");
    create(
        &bed,
        &ns,
        &charts,
        &chart,
        json!({"interval": "10m", "chart": "podinfo",
        "sourceRef": {"kind": "HelmRepository", "name": "charts"}}),
    )
    .await;
    set_status(&bed, &ns, &charts, &chart, json!({"conditions": [{"type": "Ready", "status": "True",
        "reason": "ChartPullSucceeded", "message": "pulled 'podinfo' chart", "lastTransitionTime": "2026-12-05T09:00:00Z"}]}))
    .await;
    let app = flux_web(&bed, Settings::default()).await;
    until_allowed(&app, &listing(&releases, &ns, "podinfo")).await;

    let (status, detail) = call(&app, "GET", &object_path(&releases, &ns, "podinfo"), None).await;
    assert_eq!(status, 200, "{detail}");
    let release = &detail["release"];
    let rows: Vec<(i64, String, String, Vec<String>)> = release["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let text = |k: &str| s[k].as_str().unwrap_or_default().to_owned();
            let changes = serde_json::from_value(s["changes"].clone()).unwrap_or_default();
            (
                s["version"].as_i64().unwrap_or(0),
                text("action"),
                text("status"),
                changes,
            )
        })
        .collect();
    let words = |w: &[&str]| w.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        rows,
        vec![
            (
                5,
                "rollback".into(),
                "deployed".into(),
                words(&[
                    "chart 1.2.0 → 1.1.0",
                    "app 1.2.0 → 1.1.0",
                    "values changed",
                    "tests not run"
                ])
            ),
            (
                4,
                "upgrade".into(),
                "failed".into(),
                words(&[
                    "chart 1.1.0 → 1.2.0",
                    "app 1.1.0 → 1.2.0",
                    "values changed",
                    "tests failed: podinfo-test"
                ])
            ),
            (
                3,
                "upgrade".into(),
                "superseded".into(),
                words(&["values changed", "tests passed (1)"])
            ),
            (
                2,
                "upgrade".into(),
                "superseded".into(),
                words(&[
                    "chart 1.0.0 → 1.1.0",
                    "app 1.0.0 → 1.1.0",
                    "values unchanged",
                    "tests passed (1)"
                ])
            ),
            (
                1,
                "install".into(),
                "superseded".into(),
                words(&["podinfo 1.0.0 (app 1.0.0)", "tests not run"])
            ),
        ],
        "{release}"
    );
    let newest = &release["history"][0];
    assert_eq!(newest["digest"], format!("sha256:{}", "5".repeat(64)));
    assert_eq!(newest["firstDeployed"], "2026-12-01T09:00:00Z");
    assert_eq!(newest["lastDeployed"], "2026-12-05T09:00:00Z");
    assert_eq!(
        release["history"][3]["tests"][0]["lastCompleted"],
        "2026-12-02T09:00:09Z"
    );
    assert_eq!(
        (
            &release["lastAttemptedAction"],
            &release["lastAttemptedRevision"],
            &release["valuesChanged"]
        ),
        (&json!("upgrade"), &json!("1.2.0"), &json!(true))
    );
    assert_eq!(
        (
            &release["failures"],
            &release["installFailures"],
            &release["upgradeFailures"]
        ),
        (&json!(2), &json!(0), &json!(1))
    );
    // The chain: the HelmChart made for spec.chart, then that chart's HelmRepository.
    assert_eq!(
        (
            &detail["chart"]["kind"],
            &detail["chart"]["name"],
            &detail["chart"]["status"]["state"]
        ),
        (
            &json!("HelmChart"),
            &json!(format!("{ns}-podinfo")),
            &json!("ready")
        ),
        "{detail}"
    );
    assert_eq!(
        (&detail["source"]["kind"], &detail["source"]["name"]),
        (&json!("HelmRepository"), &json!("charts"))
    );
    // A Kustomization has no releases.
    let (ks, _) = world(&bed, &ns).await;
    let (_, detail) = call(&app, "GET", &object_path(&ks, &ns, "apps"), None).await;
    assert_eq!(detail.get("release"), None, "{detail}");
}

#[tokio::test]
async fn the_detail_of_a_kustomization_has_its_state_source_and_actions_in_one_call() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("detail").await;
    grant_alice_reads(&bed, &ns).await;
    let (ks, repo) = world(&bed, &ns).await;
    let app = flux_web(&bed, Settings::default()).await;
    until_allowed(&app, &listing(&ks, &ns, "apps")).await;

    let (status, detail) = call(&app, "GET", &object_path(&ks, &ns, "apps"), None).await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["target"]["kind"], "Kustomization");
    assert_eq!(detail["summary"]["state"], "failed");
    assert_eq!(detail["summary"]["message"], "kustomize build failed");
    assert_eq!(
        detail["summary"]["lastHandledReconcileAt"],
        "2026-11-23T21:30:00Z"
    );
    assert_eq!(detail["conditions"][0]["reason"], "BuildFailed");
    assert_eq!(detail["source"]["kind"], "GitRepository");
    assert_eq!(detail["source"]["name"], "repo");
    assert_eq!(detail["source"]["url"], "https://git.example.com/podinfo");
    assert_eq!(detail["source"]["status"]["state"], "ready");
    assert_eq!(detail["spec"]["sourceRef"]["name"], "repo");
    let reconcile = detail["actions"]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["action"] == "reconcile")
        .unwrap()
        .clone();
    assert_eq!(reconcile["allowed"], true);

    let (status, source) = call(&app, "GET", &object_path(&repo, &ns, "repo"), None).await;
    assert_eq!(status, 200, "{source}");
    assert_eq!(
        source["artifact"],
        json!({"revision": "main@sha1:0123456789", "digest": "sha256:ab", "size": 1024,
        "lastUpdateTime": "2026-11-23T21:00:00Z"})
    );
}

#[tokio::test]
async fn a_page_has_the_reconcilers_facts_its_yaml_and_a_sources_takers_as_the_caller_may_list() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let (ns, other) = (
        bed.namespace("usedby").await,
        bed.namespace("usedby-other").await,
    );
    grant_alice_reads(&bed, &ns).await;
    let (ks, repo) = world(&bed, &ns).await;
    let charts = resource("source.toolkit.fluxcd.io", "HelmChart", "helmcharts");
    create(
        &bed,
        &ns,
        &charts,
        "chart",
        json!({"interval": "10m", "chart": "./charts/web",
        "sourceRef": {"kind": "GitRepository", "name": "repo"}}),
    )
    .await;
    // Another namespace's Kustomization takes the same repository: only who may list there
    // learns of it.
    create(
        &bed,
        &other,
        &ks,
        "elsewhere",
        json!({"interval": "10m", "prune": false,
        "sourceRef": {"kind": "GitRepository", "name": "repo", "namespace": ns}}),
    )
    .await;
    // A same-named repository of the other namespace is another source.
    create(
        &bed,
        &other,
        &ks,
        "decoy",
        json!({"interval": "10m", "prune": false,
        "sourceRef": {"kind": "GitRepository", "name": "repo"}}),
    )
    .await;
    // source-controller has no history in its status: how long its last run took is in its
    // Event, aggregated by the API server's correlator.
    let event: k8s_openapi::api::core::v1::Event = serde_json::from_value(json!({
        "metadata": {"name": "repo.finished"},
        "involvedObject": {"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository", "name": "repo", "namespace": ns},
        "reason": "GitOperationSucceeded", "type": "Normal",
        "message": "(combined from similar events): Reconciliation finished in 812.3456ms, next run in 10m0s",
        "lastTimestamp": "2026-11-30T11:00:00Z", "firstTimestamp": "2026-11-30T10:00:00Z",
        "source": {"component": "source-controller"},
    }))
    .unwrap();
    kube::Api::<k8s_openapi::api::core::v1::Event>::namespaced(
        bed.client(crate::support::User::Admin).await,
        &ns,
    )
    .create(&kube::api::PostParams::default(), &event)
    .await
    .unwrap();
    let alice = flux_web(&bed, Settings::default()).await;
    let root = flux_web(&bed, Settings::user("root", &["system:masters"])).await;
    until_allowed(&alice, &listing(&ks, &ns, "apps")).await;
    // As a set: the order is by namespace, and the bed's names end in a random suffix.
    let takers = |detail: &serde_json::Value| -> Vec<String> {
        let mut all: Vec<String> = detail["usedBy"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| format!("{}/{}/{}", t["kind"], t["namespace"], t["name"]).replace('"', ""))
            .collect();
        all.sort();
        all
    };
    let (status, detail) = call(&alice, "GET", &object_path(&repo, &ns, "repo"), None).await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(
        takers(&detail),
        [
            format!("HelmChart/{ns}/chart"),
            format!("Kustomization/{ns}/apps")
        ]
    );
    let (_, detail) = call(&root, "GET", &object_path(&repo, &ns, "repo"), None).await;
    // The page does not list the object's Events a second time for it: its timeline, read
    // beside it, has the run, and the page shows its length from there.
    let labels: Vec<&serde_json::Value> = detail["facts"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| &f["label"])
        .collect();
    assert!(labels.contains(&&json!("Interval")), "{detail}");
    assert!(!labels.contains(&&json!("Last run took")), "{detail}");
    let (_, timeline) = call(
        &root,
        "GET",
        &format!("{}/timeline", object_path(&repo, &ns, "repo")),
        None,
    )
    .await;
    let finished: Vec<_> = timeline["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| Some((e["duration"].as_str()?, e["time"].as_str()?)))
        .collect();
    assert_eq!(
        finished,
        [("812.34ms", "2026-11-30T11:00:00Z")],
        "{timeline}"
    );
    assert_eq!(takers(&detail), {
        let mut all = [
            format!("HelmChart/{ns}/chart"),
            format!("Kustomization/{ns}/apps"),
            format!("Kustomization/{other}/elsewhere"),
        ];
        all.sort();
        all
    });

    let (status, detail) = call(&alice, "GET", &object_path(&ks, &ns, "apps"), None).await;
    assert_eq!(status, 200, "{detail}");
    let fact = |label: &str| {
        detail["facts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["label"] == label)
            .map(|f| f["value"].clone())
    };
    assert_eq!(fact("Controller"), Some(json!("kustomize-controller")));
    assert_eq!(fact("Source"), Some(json!("GitRepository/repo")));
    assert_eq!(fact("Prune"), Some(json!("yes")));
    assert_eq!(
        fact("Last request handled"),
        Some(json!("2026-11-23T21:30:00Z"))
    );
    assert_eq!(
        detail["usedBy"],
        serde_json::Value::Null,
        "a Kustomization is no source"
    );
    assert_eq!(detail["status"]["conditions"][0]["reason"], "BuildFailed");
    let manifest = detail["manifest"].as_str().unwrap();
    assert!(manifest.starts_with("spec:\n"), "{manifest}");
    assert!(
        manifest.contains("\nstatus:\n") && manifest.contains("  prune: true\n"),
        "{manifest}"
    );
}

#[tokio::test]
async fn a_dependency_not_ready_blocks_and_each_page_names_the_other_as_the_caller_may_see() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let (ns, other) = (
        bed.namespace("deps").await,
        bed.namespace("deps-other").await,
    );
    grant_alice_reads(&bed, &ns).await;
    // apps fails by itself (BuildFailed); after waits for it, and for one alice may not read.
    let (ks, _) = world(&bed, &ns).await;
    let source = json!({"kind": "GitRepository", "name": "repo", "namespace": ns});
    create(
        &bed,
        &ns,
        &ks,
        "after",
        json!({"interval": "10m", "prune": true, "sourceRef": source,
        "dependsOn": [{"name": "apps"}, {"name": "hidden", "namespace": other}]}),
    )
    .await;
    set_status(
        &bed,
        &ns,
        &ks,
        "after",
        json!({"conditions": [{"type": "Ready", "status": "False",
        "reason": "DependencyNotReady", "message": format!("dependency '{ns}/apps' is not ready"),
        "lastTransitionTime": "2026-11-23T21:30:00Z"}]}),
    )
    .await;
    create(
        &bed,
        &other,
        &ks,
        "hidden",
        json!({"interval": "10m", "prune": true, "sourceRef": source}),
    )
    .await;
    create(
        &bed,
        &other,
        &ks,
        "elsewhere",
        json!({"interval": "10m", "prune": true, "sourceRef": source,
        "dependsOn": [{"name": "apps", "namespace": ns}]}),
    )
    .await;
    let alice = flux_web(&bed, Settings::default()).await;
    let root = flux_web(&bed, Settings::user("root", &["system:masters"])).await;
    until_allowed(&alice, &listing(&ks, &ns, "after")).await;

    let blocked = json!({"cause": "dependency", "target": {"group": "kustomize.toolkit.fluxcd.io",
        "version": "v1", "kind": "Kustomization", "namespace": ns, "name": "apps"}});
    let (status, after) = call(&alice, "GET", &object_path(&ks, &ns, "after"), None).await;
    assert_eq!(status, 200, "{after}");
    assert_eq!(after["summary"]["blockedBy"], blocked, "{after}");
    let dependencies = after["dependsOn"].as_array().unwrap();
    assert_eq!(dependencies.len(), 2, "{after}");
    assert_eq!(dependencies[0]["target"]["name"], "apps");
    assert_eq!(dependencies[0]["summary"]["state"], "failed");
    // Named, as the object's own spec names it, with no state: alice may not read it.
    assert_eq!(dependencies[1]["target"]["namespace"], other.as_str());
    assert_eq!(dependencies[1]["summary"], serde_json::Value::Null);
    // The list row says it too, with nothing else read.
    let (_, list) = call(
        &alice,
        "GET",
        &format!("/api/v1/resources?namespace={ns}&q=after"),
        None,
    )
    .await;
    assert_eq!(list["items"][0]["summary"]["blockedBy"], blocked, "{list}");

    let required = |detail: &serde_json::Value| -> Vec<String> {
        detail["requiredBy"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| {
                format!(
                    "{}/{}",
                    t["namespace"].as_str().unwrap(),
                    t["name"].as_str().unwrap()
                )
            })
            .collect()
    };
    let (_, apps) = call(&alice, "GET", &object_path(&ks, &ns, "apps"), None).await;
    assert_eq!(required(&apps), [format!("{ns}/after")], "{apps}");
    assert_eq!(
        apps["summary"]["blockedBy"],
        serde_json::Value::Null,
        "a build failure is its own"
    );
    let (_, apps) = call(&root, "GET", &object_path(&ks, &ns, "apps"), None).await;
    let mut expected = [format!("{ns}/after"), format!("{other}/elsewhere")];
    expected.sort();
    assert_eq!(required(&apps), expected);
}

#[tokio::test]
async fn the_controllers_are_the_deployments_labelled_flux_as_the_caller_may_list_them() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("controllers").await;
    let deployments = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("apps", "v1", "Deployment"),
        "deployments",
    );
    let labels = json!({"app.kubernetes.io/part-of": "flux", "app.kubernetes.io/component": "helm-controller",
        "app.kubernetes.io/version": "v2.9.4"});
    let body: kube::api::DynamicObject = serde_json::from_value(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "helm-controller", "namespace": ns, "labels": labels},
        "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "helm-controller"}},
            "template": {"metadata": {"labels": {"app": "helm-controller"}},
                "spec": {"containers": [{"name": "manager", "image": "ghcr.io/fluxcd/helm-controller:v1.6.3"}]}}},
    }))
    .unwrap();
    kube::Api::<kube::api::DynamicObject>::namespaced_with(
        bed.client(crate::support::User::Admin).await,
        &ns,
        &deployments,
    )
    .create(&kube::api::PostParams::default(), &body)
    .await
    .unwrap();
    // The Flux Operator's report of an install, as the operator writes it.
    let reports = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("fluxcd.controlplane.io", "v1", "FluxReport"),
        "fluxreports",
    );
    create_object(&bed, &ns, &reports, json!({
        "apiVersion": "fluxcd.controlplane.io/v1", "kind": "FluxReport", "metadata": {"name": "flux"},
        "spec": {"distribution": {"version": "v2.9.4", "status": "Installed", "managedBy": "flux-operator",
            "entitlement": "Unknown"},
            "components": [{"name": "helm-controller", "ready": false, "image": "ghcr.io/fluxcd/helm-controller:v1.6.3",
                "status": "Deployment has no replicas"}]},
    }))
    .await;
    set_status(&bed, &ns, &reports, "flux", json!({"conditions": [{"type": "Ready", "status": "True",
        "reason": "ReconciliationSucceeded", "message": "Reporting finished", "lastTransitionTime": "2026-12-07T00:00:00Z"}]}))
    .await;
    let root = flux_web(&bed, Settings::user("root", &["system:masters"])).await;
    let (status, list) = call(&root, "GET", "/api/v1/controllers", None).await;
    assert_eq!(status, 200, "{list}");
    let report = list["reports"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["target"]["namespace"] == ns.as_str()))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (
            &report["fluxVersion"],
            &report["managedBy"],
            &report["state"]
        ),
        (&json!("v2.9.4"), &json!("flux-operator"), &json!("ready")),
        "{list}"
    );
    assert_eq!(report["components"][0]["ready"], false, "{report}");
    let ours = list["controllers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["target"]["namespace"] == ns.as_str())
        .cloned()
        .unwrap_or_default();
    assert_eq!(ours["component"], "helm-controller", "{list}");
    assert_eq!(ours["version"], "v1.6.3");
    assert_eq!(ours["fluxVersion"], "v2.9.4");
    assert_eq!(
        (ours["state"].as_str(), ours["message"].as_str()),
        (Some("failed"), Some("scaled to zero: not running"))
    );
    assert_eq!(ours["restarts"], 0, "no Pods, none restarted");

    // Who may list Deployments neither cluster-wide nor in flux-system is told so.
    let mallory = flux_web(&bed, Settings::user("mallory", &[])).await;
    let (status, list) = call(&mallory, "GET", "/api/v1/controllers", None).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["controllers"], json!([]));
    assert_eq!(list.get("reports"), None, "no report they may not list");
    assert!(
        list["refused"]
            .as_str()
            .is_some_and(|r| r.contains("flux-system")),
        "{list}"
    );
}

#[tokio::test]
async fn the_whole_inventory_has_each_applied_objects_health_as_the_caller_may_read_it() {
    use k8s_openapi::api::core::v1::ConfigMap;
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let (ns, other) = (
        bed.namespace("inventory").await,
        bed.namespace("inventory-other").await,
    );
    grant_alice_reads(&bed, &ns).await;
    bed.grant(
        &ns,
        "devs-configmaps",
        "",
        "configmaps",
        &["get"],
        ("Group", "devs"),
    )
    .await;
    let admin = bed.client(crate::support::User::Admin).await;
    for namespace in [&ns, &other] {
        let map: ConfigMap =
            serde_json::from_value(json!({"metadata": {"name": "settings"}, "data": {"a": "b"}}))
                .unwrap();
        kube::Api::<ConfigMap>::namespaced(admin.clone(), namespace)
            .create(&kube::api::PostParams::default(), &map)
            .await
            .unwrap();
    }
    let secret: k8s_openapi::api::core::v1::Secret = serde_json::from_value(
        json!({"metadata": {"name": "creds"}, "stringData": {"password": "hunter2"}}),
    )
    .unwrap();
    kube::Api::<k8s_openapi::api::core::v1::Secret>::namespaced(admin.clone(), &ns)
        .create(&kube::api::PostParams::default(), &secret)
        .await
        .unwrap();
    let (ks, _) = world(&bed, &ns).await;
    set_status(
        &bed,
        &ns,
        &ks,
        "apps",
        json!({"inventory": {"entries": [
            {"id": format!("{ns}_creds__Secret"), "v": "v1"},
            {"id": format!("{ns}_settings__ConfigMap"), "v": "v1"},
            {"id": format!("{other}_settings__ConfigMap"), "v": "v1"},
            {"id": format!("{ns}_gone__Service"), "v": "v1"},
            {"id": format!("_{ns}__Namespace"), "v": "v1"},
        ]}}),
    )
    .await;
    let alice = flux_web(&bed, Settings::default()).await;
    let root = flux_web(&bed, Settings::user("root", &["system:masters"])).await;
    until_allowed(&alice, &listing(&ks, &ns, "apps")).await;
    let inventory = format!("{}/inventory", object_path(&ks, &ns, "apps"));
    let states = |list: &serde_json::Value| -> Vec<(String, serde_json::Value)> {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    format!(
                        "{}/{}/{}",
                        i["target"]["kind"].as_str().unwrap(),
                        i["target"]["namespace"].as_str().unwrap(),
                        i["target"]["name"].as_str().unwrap()
                    ),
                    i["state"].clone(),
                )
            })
            .collect()
    };
    let (status, list) = call(&alice, "GET", &inventory, None).await;
    assert_eq!(status, 200, "{list}");
    let mut expected = vec![
        (format!("ConfigMap/{ns}/settings"), json!("ready")),
        (format!("Secret/{ns}/creds"), serde_json::Value::Null),
        (
            format!("ConfigMap/{other}/settings"),
            serde_json::Value::Null,
        ),
        (format!("Namespace//{ns}"), serde_json::Value::Null),
        // Kubernetes refuses before it looks: alice may not get Services, gone or not.
        (format!("Service/{ns}/gone"), serde_json::Value::Null),
    ];
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(states(&list), expected, "{list}");
    let (_, list) = call(&root, "GET", &inventory, None).await;
    let root_states = states(&list);
    assert!(
        root_states.iter().all(|(_, s)| !s.is_null()),
        "root reads all: {list}"
    );
    assert!(
        root_states.contains(&(format!("Service/{ns}/gone"), json!("unknown"))),
        "{list}"
    );

    // One object's YAML: a Secret's keys, never its values; only ids of the inventory.
    let object = |id: &str| format!("{inventory}/object?id={id}");
    let (status, shown) = call(&root, "GET", &object(&format!("{ns}_creds__Secret")), None).await;
    assert_eq!(status, 200, "{shown}");
    let yaml = shown["yaml"].as_str().unwrap();
    assert!(
        yaml.contains("password: ••••••")
            && !yaml.contains("aHVudGVyMg")
            && !yaml.contains("hunter2"),
        "{yaml}"
    );
    assert!(!yaml.contains("managedFields"), "{yaml}");
    let (status, shown) = call(
        &alice,
        "GET",
        &object(&format!("{ns}_settings__ConfigMap")),
        None,
    )
    .await;
    assert_eq!(status, 200, "{shown}");
    assert!(shown["yaml"].as_str().unwrap().contains("a: b"), "{shown}");
    for (id, code) in [
        (format!("{ns}_creds__Secret"), 403), // alice may not get Secrets
        (format!("{other}_other__ConfigMap"), 404), // not in the inventory
        ("x".repeat(601), 400),
    ] {
        let (status, body) = call(&alice, "GET", &object(&id), None).await;
        assert_eq!(status, code, "{id}: {body}");
        assert!(body["yaml"].is_null(), "{body}");
    }

    // Who may not read the Kustomization may not read what it applied.
    let mallory = flux_web(&bed, Settings::user("mallory", &[])).await;
    let (status, body) = call(&mallory, "GET", &inventory, None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("forbidden")),
        "{body}"
    );
}

#[tokio::test]
async fn health_check_expressions_judge_the_kinds_they_name_instead_of_kstatus() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("exprs").await;
    let (ks, repo) = world(&bed, &ns).await;
    // Backwards on purpose, so that only the expressions can say it: a Ready repository
    // fails, one that is not Ready is current.
    create(
        &bed,
        &ns,
        &ks,
        "checked",
        json!({"interval": "10m", "prune": true, "wait": true,
        "sourceRef": {"kind": "GitRepository", "name": "repo"},
        "healthCheckExprs": [{"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
            "failed": "status.conditions.exists(e, e.type == 'Ready' && e.status == 'True')",
            "current": "status.conditions.exists(e, e.type == 'Ready' && e.status == 'False')"}]}),
    )
    .await;
    // As source-controller leaves it: its generation observed.
    set_status(&bed, &ns, &repo, "repo", json!({"observedGeneration": 1})).await;
    set_status(
        &bed,
        &ns,
        &ks,
        "checked",
        json!({"inventory": {"entries": [
        {"id": format!("{ns}_repo_source.toolkit.fluxcd.io_GitRepository"), "v": "v1"}]}}),
    )
    .await;
    let root = flux_web(&bed, Settings::user("root", &["system:masters"])).await;
    let inventory = format!("{}/inventory", object_path(&ks, &ns, "checked"));
    let (status, list) = call(&root, "GET", &inventory, None).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["items"][0]["state"], "failed", "{list}");
    assert_eq!(list["items"][0]["message"], "by healthCheckExprs");
    set_status(&bed, &ns, &repo, "repo", json!({"conditions": [{"type": "Ready", "status": "False",
        "reason": "GitOperationFailed", "message": "no", "lastTransitionTime": "2026-11-23T21:00:00Z"}]})).await;
    let (_, list) = call(&root, "GET", &inventory, None).await;
    assert_eq!(list["items"][0]["state"], "ready", "{list}");
}

#[tokio::test]
async fn the_graph_ties_sources_and_dependencies_and_never_names_what_the_caller_may_not_see() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let (ns, other) = (
        bed.namespace("graph").await,
        bed.namespace("graph-other").await,
    );
    grant_alice_reads(&bed, &ns).await;
    let (ks, repo) = world(&bed, &ns).await;
    create(
        &bed,
        &ns,
        &ks,
        "after",
        json!({"interval": "10m", "prune": true,
        "sourceRef": {"kind": "GitRepository", "name": "repo"}, "dependsOn": [{"name": "apps"}]}),
    )
    .await;
    create(
        &bed,
        &other,
        &repo,
        "secret-repo",
        json!({"interval": "10m", "url": "https://git.example.com/x"}),
    )
    .await;
    create(
        &bed,
        &ns,
        &ks,
        "elsewhere",
        json!({"interval": "10m", "prune": true,
        "sourceRef": {"kind": "GitRepository", "name": "secret-repo", "namespace": other}}),
    )
    .await;
    let alice = flux_web(&bed, Settings::default()).await;
    until_allowed(&alice, &listing(&ks, &ns, "after")).await;
    let (status, graph) = call(
        &alice,
        "GET",
        &format!("/api/v1/graph?namespace={ns}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{graph}");
    let name = |t: &serde_json::Value| {
        format!(
            "{}/{}",
            t["kind"].as_str().unwrap_or("?"),
            t["name"].as_str().unwrap_or("?")
        )
    };
    let mut nodes: Vec<String> = graph["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| name(&n["target"]))
        .collect();
    nodes.sort();
    assert_eq!(
        nodes,
        [
            "GitRepository/repo",
            "Kustomization/after",
            "Kustomization/apps",
            "Kustomization/elsewhere"
        ]
    );
    let mut edges: Vec<String> = graph["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} -{}-> {}",
                if e["from"].is_null() {
                    "hidden".to_owned()
                } else {
                    name(&e["from"])
                },
                e["via"].as_str().unwrap(),
                name(&e["to"])
            )
        })
        .collect();
    edges.sort();
    assert_eq!(
        edges,
        [
            "GitRepository/repo -source-> Kustomization/after",
            "GitRepository/repo -source-> Kustomization/apps",
            "Kustomization/apps -dependsOn-> Kustomization/after",
            "hidden -source-> Kustomization/elsewhere",
        ]
    );
    assert!(
        !graph.to_string().contains("secret-repo"),
        "a source alice may not list is never named: {graph}"
    );
    let (status, body) = call(&alice, "GET", "/api/v1/graph?namespace=Bad_NS", None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_query")),
        "{body}"
    );
}

#[tokio::test]
async fn nobody_reads_what_their_rbac_hides() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("hidden").await;
    let (ks, _) = world(&bed, &ns).await;
    let mallory = flux_web(&bed, Settings::user("mallory", &[])).await;
    for path in [
        object_path(&ks, &ns, "apps"),
        format!("{}/events", object_path(&ks, &ns, "apps")),
    ] {
        let (status, body) = call(&mallory, "GET", &path, None).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (403, Some("forbidden")),
            "{path}: {body}"
        );
    }
    let (status, body) = call(
        &mallory,
        "GET",
        "/api/v1/kustomize.toolkit.fluxcd.io/ks/Bad_NS/apps",
        None,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_name")),
        "{body}"
    );
}

/// Found by the attack run: FineGrained mode read as the server, so a user with no RBAC saw
/// every object, its events, its actions, lists and the live stream.
#[tokio::test]
async fn in_fine_grained_mode_a_user_without_rbac_reads_nothing_at_all() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("fine-reads").await;
    let (ks, _) = world(&bed, &ns).await;
    let deployments = resource("apps", "Deployment", "deployments");
    create_object(
        &bed,
        &ns,
        &deployments,
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "registry.invalid/web:1"}]}}},
        }),
    )
    .await;
    let fine_grained = |username, groups| Settings {
        access: "FineGrained",
        ..Settings::user(username, groups)
    };
    let mallory = flux_web(&bed, fine_grained("mallory", &[])).await;
    for path in [
        object_path(&ks, &ns, "apps"),
        format!("{}/events", object_path(&ks, &ns, "apps")),
        listing(&ks, &ns, "apps"),
        object_path(&deployments, &ns, "web"),
        listing(&deployments, &ns, "web"),
    ] {
        let (status, body) = call(&mallory, "GET", &path, None).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (403, Some("forbidden")),
            "{path}: {body}"
        );
    }
    for query in [
        format!("/api/v1/resources?namespace={ns}"),
        format!("/api/v1/kustomize.toolkit.fluxcd.io/kustomizations?namespace={ns}"),
        "/api/v1/resources?kind=ks&limit=500".to_owned(),
    ] {
        let (status, body) = call(&mallory, "GET", &query, None).await;
        assert_eq!(status, 200, "{query}: {body}");
        let seen: Vec<_> = body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["target"]["namespace"] == ns.as_str())
            .collect();
        assert!(seen.is_empty(), "{query}: {seen:?}");
    }
    let path = format!("/api/v1/watch?kind=ks&namespace={ns}");
    let mut stream = crate::support::sse::Events::open(&mallory, &path).await;
    let (name, _) = stream
        .next(Duration::from_secs(15))
        .await
        .expect("a resync once listed");
    assert_eq!(name, "resync");
    set_status(
        &bed,
        &ns,
        &ks,
        "apps",
        json!({"lastHandledReconcileAt": "changed"}),
    )
    .await;
    assert!(
        stream
            .until(Duration::from_secs(3), |e, _| e != "resync")
            .await
            .is_none(),
        "mallory heard a change of an object she may not read"
    );

    // The same mode with read rights reads, and so shows the difference is RBAC alone.
    grant_alice_reads(&bed, &ns).await;
    let alice = flux_web(&bed, fine_grained("alice", &["devs"])).await;
    until_allowed(&alice, &listing(&ks, &ns, "apps")).await;
    let (status, body) = call(&alice, "GET", &object_path(&ks, &ns, "apps"), None).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn events_come_newest_first_with_the_audit_trail_and_who_acted() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("events").await;
    grant_alice_reads(&bed, &ns).await;
    let (ks, _) = world(&bed, &ns).await;
    let events = resource("", "Event", "events");
    create_object(&bed, &ns, &events, json!({
        "apiVersion": "v1", "kind": "Event", "metadata": {"name": "apps.old"},
        "involvedObject": {"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization", "name": "apps", "namespace": ns},
        "reason": "ReconciliationSucceeded", "message": "applied", "type": "Normal",
        "firstTimestamp": "2026-01-01T00:00:00Z", "lastTimestamp": "2026-01-01T00:00:00Z", "count": 3,
        "source": {"component": "kustomize-controller"},
    }))
    .await;
    let app = flux_web(&bed, Settings::default()).await;
    until_allowed(&app, &listing(&ks, &ns, "apps")).await;
    let (status, _) = call(&app, "POST", &path(&ks, &ns, "apps", "reconcile"), None).await;
    assert_eq!(status, 200);

    let list = eventually("both events", Duration::from_secs(10), || async {
        let (status, body) = call(
            &app,
            "GET",
            &format!("{}/events", object_path(&ks, &ns, "apps")),
            None,
        )
        .await;
        (status == 200 && body.as_array().unwrap().len() == 2).then_some(body)
    })
    .await;
    assert_eq!(list[0]["reason"], "WebAction");
    assert_eq!(list[0]["username"], "alice");
    assert!(
        list[0]["message"]
            .as_str()
            .unwrap()
            .ends_with("on the web UI")
    );
    assert_eq!(list[1]["reason"], "ReconciliationSucceeded");
    assert_eq!(list[1]["count"], 3);
    assert_eq!(list[1]["time"], "2026-01-01T00:00:00Z");
    assert!(list[1].get("username").is_none());
}

async fn list_page(app: &axum::Router, query: &str) -> serde_json::Value {
    let (status, body) = call(app, "GET", &format!("/api/v1/resources?{query}"), None).await;
    assert_eq!(status, 200, "{query}: {body}");
    body
}

fn names(page: &serde_json::Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            format!(
                "{}/{}",
                i["target"]["namespace"].as_str().unwrap(),
                i["target"]["name"].as_str().unwrap()
            )
        })
        .collect()
}

#[tokio::test]
async fn each_caller_lists_only_what_their_rbac_shows() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ks = kustomizations();
    let (mine, theirs) = (bed.namespace("list-a").await, bed.namespace("list-b").await);
    let tag = mine.trim_start_matches("list-a-").to_owned();
    for ns in [&mine, &theirs] {
        create(&bed, ns, &ks, &format!("app-{tag}"), json!({"interval": "10m", "prune": true, "sourceRef": {"kind": "GitRepository", "name": "repo"}})).await;
    }
    let rule = json!([{"apiGroups": FLUX_GROUPS, "resources": ["*"], "verbs": ["get", "list"]}]);
    bed.grant_rules(&mine, "team-a", rule.clone(), ("Group", "team-a"))
        .await;
    bed.grant_rules(&theirs, "team-b", rule, ("Group", "team-b"))
        .await;
    let a = flux_web(&bed, Settings::user("ann", &["team-a"])).await;
    let mallory = flux_web(&bed, Settings::user("mallory", &[])).await;
    let query = format!("kind=ks&q={tag}");
    let page = eventually("ann's grant to count", Duration::from_secs(10), || async {
        let page = list_page(&a, &query).await;
        (page["total"] == 1).then_some(page)
    })
    .await;
    assert_eq!(names(&page), [format!("{mine}/app-{tag}")]);
    assert_eq!(page["items"][0]["summary"]["state"], "unknown");
    let nothing = list_page(&mallory, &query).await;
    assert_eq!(nothing["total"], 0);
    assert_eq!(
        nothing["empty"],
        json!({"reason": "no_access"}),
        "mallory may list nothing anywhere"
    );
    // The spec's address for one kind lists the same.
    let (status, by_kind) = call(
        &a,
        "GET",
        &format!("/api/v1/kustomize.toolkit.fluxcd.io/kustomizations?q={tag}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{by_kind}");
    assert_eq!(names(&by_kind), names(&page));
    let (status, problem) = call(&a, "GET", "/api/v1/apps/deployments", None).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (400, Some("invalid_path"))
    );
    // A namespace she may not list is empty for her, not an error, and says where she may.
    let elsewhere = list_page(&a, &format!("{query}&namespace={theirs}")).await;
    assert_eq!(elsewhere["total"], 0);
    assert_eq!(elsewhere["empty"]["reason"], "no_access");
    let offered = elsewhere["empty"]["namespaces"].as_array().unwrap();
    assert!(offered.contains(&json!(mine)), "{elsewhere}");
    assert!(!offered.contains(&json!(theirs)), "{elsewhere}");
    // A filter that matches nothing where she may list is another kind of empty.
    let none = list_page(&a, &format!("namespace={mine}&q=no-such-name")).await;
    assert_eq!(none["empty"], json!({"reason": "no_match"}));
    assert!(
        page.get("empty").is_none(),
        "a list with items has no `empty`"
    );
}

/// What the overview and the list's status chips are made of: counts of each kind in each
/// state among what the caller may list (an attacker's hidden namespace counts nothing), the
/// status filter aside; and every column's order, reversed by a `-`.
#[tokio::test]
async fn the_list_counts_each_kind_by_state_as_the_caller_may_see_and_sorts_by_each_column() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ks = kustomizations();
    let hr = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("helm.toolkit.fluxcd.io", "v2", "HelmRelease"),
        "helmreleases",
    );
    let (seen, hidden) = (
        bed.namespace("sort").await,
        bed.namespace("sort-hidden").await,
    );
    let tag = seen.trim_start_matches("sort-").to_owned();
    let ready = |at: &str| {
        json!({"conditions": [{"type": "Ready", "status": "True", "reason": "Succeeded",
        "message": "ok", "lastTransitionTime": at}]})
    };
    let failed = |at: &str| {
        json!({"conditions": [{"type": "Ready", "status": "False", "reason": "BuildFailed",
        "message": "broken", "lastTransitionTime": at}]})
    };
    let spec = json!({"interval": "10m", "prune": true, "sourceRef": {"kind": "GitRepository", "name": "repo"}});
    for (name, status) in [
        (format!("b-{tag}"), failed("2026-12-01T10:00:00Z")),
        (format!("c-{tag}"), ready("2026-12-01T12:00:00Z")),
        (format!("a-{tag}"), ready("2026-12-01T11:00:00Z")),
    ] {
        create(&bed, &seen, &ks, &name, spec.clone()).await;
        set_status(&bed, &seen, &ks, &name, status).await;
    }
    create(&bed, &seen, &hr, &format!("d-{tag}"), json!({"interval": "10m", "chart": {"spec": {"chart": "x", "sourceRef": {"kind": "HelmRepository", "name": "r"}}}})).await;
    set_status(
        &bed,
        &seen,
        &hr,
        &format!("d-{tag}"),
        ready("2026-12-01T09:00:00Z"),
    )
    .await;
    create(&bed, &hidden, &ks, &format!("e-{tag}"), spec).await;
    set_status(
        &bed,
        &hidden,
        &ks,
        &format!("e-{tag}"),
        failed("2026-12-01T13:00:00Z"),
    )
    .await;
    bed.grant_rules(
        &seen,
        "sorters",
        json!([{"apiGroups": FLUX_GROUPS, "resources": ["*"], "verbs": ["get", "list"]}]),
        ("Group", "sorters"),
    )
    .await;
    let app = flux_web(&bed, Settings::user("sid", &["sorters"])).await;
    let query = format!("q={tag}");
    let page = eventually("sid's grant to count", Duration::from_secs(10), || async {
        let page = list_page(&app, &query).await;
        (page["total"] == 4).then_some(page)
    })
    .await;
    let counts = json!([
        {"kind": "HelmRelease", "state": "ready", "count": 1},
        {"kind": "Kustomization", "state": "failed", "count": 1},
        {"kind": "Kustomization", "state": "ready", "count": 2},
    ]);
    assert_eq!(
        page["counts"], counts,
        "the hidden namespace's failure is not counted"
    );
    // The status filter narrows the items, not the counts.
    let only_failed = list_page(&app, &format!("{query}&status=failed")).await;
    assert_eq!(names(&only_failed), [format!("{seen}/b-{tag}")]);
    assert_eq!(only_failed["counts"], counts);
    let order = |page: &serde_json::Value| {
        names(page)
            .iter()
            .map(|n| n.rsplit('/').next().unwrap()[..1].to_owned())
            .collect::<String>()
    };
    for (sort, expected) in [
        ("", "dabc"),
        ("name", "abcd"),
        ("-name", "dcba"),
        ("kind", "dabc"),
        ("status", "bdac"),
        ("updated", "dbac"),
        ("-updated", "cabd"),
    ] {
        let sorted = match sort {
            "" => query.clone(),
            sort => format!("{query}&sort={sort}"),
        };
        let page = list_page(&app, &sorted).await;
        assert_eq!(order(&page), expected, "sort={sort}");
    }
    // Pages follow the order: the second of two is what comes after the first.
    let first = list_page(&app, &format!("{query}&sort=-name&limit=2")).await;
    let second = list_page(&app, &format!("{query}&sort=-name&limit=2&continue=2")).await;
    assert_eq!(
        (order(&first), order(&second)),
        ("dc".to_owned(), "ba".to_owned())
    );
    let (status, problem) = call(&app, "GET", "/api/v1/resources?sort=size", None).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (400, Some("invalid_query")),
        "{problem}"
    );
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("sort: one of namespace, kind, name, status, updated"),
        "{problem}"
    );
}

#[tokio::test]
async fn two_thousand_kustomizations_in_twenty_namespaces_come_back_in_pages() {
    use futures::StreamExt;
    let bed = testbed!();
    grant_server_actions(&bed).await;
    bed.apply_deploy("base/user-roles.yaml").await;
    bed.bind_cluster_role("testbed-auditors", "flux-web-user", ("Group", "auditors"))
        .await;
    let ks = kustomizations();
    let mut namespaces = Vec::new();
    for _ in 0..20 {
        namespaces.push(bed.namespace("bulk").await);
    }
    let tag = namespaces[0].trim_start_matches("bulk-").to_owned();
    let creations = (0..2000).map(|i| {
        let (bed, ks, ns) = (&bed, &ks, &namespaces[i % 20]);
        let name = format!("b{tag}-{i:04}");
        async move { create(bed, ns, ks, &name, json!({"interval": "10m", "prune": true, "sourceRef": {"kind": "GitRepository", "name": "r"}})).await }
    });
    futures::stream::iter(creations)
        .buffer_unordered(16)
        .collect::<Vec<_>>()
        .await;

    let auditor = flux_web(&bed, Settings::user("audrey", &["auditors"])).await;
    let mut seen = Vec::new();
    let mut query = format!("kind=kustomizations&q=b{tag}&limit=500");
    let first = eventually(
        "the auditors' binding to count",
        Duration::from_secs(10),
        || async {
            let page = list_page(&auditor, &query).await;
            (page["total"] == 2000).then_some(page)
        },
    )
    .await;
    let mut page = first;
    let mut pages = 1;
    loop {
        assert_eq!(page["total"], 2000);
        seen.extend(names(&page));
        let Some(next) = page["continue"].as_str().map(str::to_owned) else {
            break;
        };
        query = format!("kind=kustomizations&q=b{tag}&limit=500&continue={next}");
        page = list_page(&auditor, &query).await;
        pages += 1;
    }
    assert_eq!(pages, 4);
    assert_eq!(seen.len(), 2000);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 2000, "no object twice");
    assert_eq!(seen, unique, "sorted by namespace, then name");
}

#[tokio::test]
async fn inventory_leads_to_workloads_and_workloads_to_pods_jobs_and_their_manager() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("workload-read").await;
    bed.grant_rules(&ns, "devs-all", json!([
        {"apiGroups": FLUX_GROUPS, "resources": ["*"], "verbs": ["get", "list"]},
        {"apiGroups": ["apps"], "resources": ["deployments", "replicasets"], "verbs": ["get", "list", "patch", "restart"]},
        {"apiGroups": ["batch"], "resources": ["cronjobs"], "verbs": ["get", "list", "restart"]},
        {"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["get", "list", "create"]},
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]},
    ]), ("Group", "devs")).await;
    let ks = kustomizations();
    let deployments = resource("apps", "Deployment", "deployments");
    let cronjobs = resource("batch", "CronJob", "cronjobs");
    create(&bed, &ns, &ks, "apps", json!({"interval": "10m", "prune": true, "sourceRef": {"kind": "GitRepository", "name": "repo"}})).await;
    set_status(
        &bed,
        &ns,
        &ks,
        "apps",
        json!({"inventory": {"entries": [
            {"id": format!("{ns}_web_apps_Deployment"), "v": "v1"},
            {"id": format!("{ns}_backup_batch_CronJob"), "v": "v1"},
            {"id": format!("{ns}_web__Service"), "v": "v1"},
        ]}}),
    )
    .await;
    let labels = json!({"kustomize.toolkit.fluxcd.io/name": "apps", "kustomize.toolkit.fluxcd.io/namespace": ns});
    create_object(&bed, &ns, &deployments, json!({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "labels": labels},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": {"metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "registry.invalid/web:1"}]}}},
    }))
    .await;
    create_object(&bed, &ns, &cronjobs, json!({
        "apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "backup", "labels": labels},
        "spec": {"schedule": "0 0 1 1 *", "jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": "Never",
            "containers": [{"name": "b", "image": "registry.invalid/b:1"}]}}}}},
    }))
    .await;
    let app = flux_web(&bed, Settings::default()).await;
    until_allowed(&app, &listing(&deployments, &ns, "web")).await;

    let (_, detail) = call(&app, "GET", &object_path(&ks, &ns, "apps"), None).await;
    let workloads: Vec<_> = detail["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["target"]["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(workloads, ["Deployment", "CronJob"], "{detail}");
    // The bed's kwok Node makes the Pods Ready.
    eventually("both Pods ready", Duration::from_secs(30), || async {
        let (_, detail) = call(&app, "GET", &object_path(&ks, &ns, "apps"), None).await;
        (detail["workloads"][0]["ready"] == "2/2").then_some(())
    })
    .await;

    let (status, _) = call(
        &app,
        "POST",
        &path(&deployments, &ns, "web", "restart"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let web = eventually(
        "the Deployment's two Pods",
        Duration::from_secs(30),
        || async {
            let (_, body) = call(&app, "GET", &object_path(&deployments, &ns, "web"), None).await;
            (body["workload"]["restartedAt"].is_string()
                && body["workload"]["pods"]
                    .as_array()
                    .is_some_and(|p| p.len() >= 2))
            .then_some(body)
        },
    )
    .await;
    assert_eq!(web["workload"]["managedBy"]["kind"], "Kustomization");
    assert_eq!(web["workload"]["managedBy"]["name"], "apps");
    let phases = ["Pending", "Running"];
    assert!(
        phases.contains(&web["workload"]["pods"][0]["phase"].as_str().unwrap()),
        "{web}"
    );

    let (status, run) = call(
        &app,
        "POST",
        &path(&cronjobs, &ns, "backup", "run-job"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{run}");
    let backup = eventually("the Job and its Pod", Duration::from_secs(30), || async {
        let (_, body) = call(&app, "GET", &object_path(&cronjobs, &ns, "backup"), None).await;
        (body["workload"]["jobs"][0]["pods"]
            .as_array()
            .is_some_and(|p| !p.is_empty()))
        .then_some(body)
    })
    .await;
    let job = &backup["workload"]["jobs"][0];
    assert_eq!(job["name"], run["job"]);
    assert_eq!(job["createdBy"], "alice");
    assert_eq!(job["pods"][0]["createdBy"], "alice");
}

#[tokio::test]
async fn the_timeline_merges_history_controller_events_and_actions_newest_first_as_the_caller_may_read()
 {
    use k8s_openapi::api::core::v1::Event;
    use kube::api::PostParams;
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("timeline").await;
    let ks = kustomizations();
    crate::support::objects::add_kustomization(&bed, &ns, "apps").await;
    set_status(&bed, &ns, &ks, "apps", json!({"history": [{
        "digest": "sha256:1", "firstReconciled": "2026-11-30T09:00:00Z", "lastReconciled": "2026-11-30T10:00:00Z",
        "lastReconciledDuration": "1.5s", "lastReconciledStatus": "ReconciliationSucceeded",
        "metadata": {"revision": "main@sha1:0123"}, "totalReconciliations": 2,
    }]}))
    .await;
    // The controller's Event, an hour later.
    let event: Event = serde_json::from_value(json!({
        "metadata": {"name": "apps.controller", "annotations": {"kustomize.toolkit.fluxcd.io/revision": "main@sha1:4567"}},
        "involvedObject": {"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization", "name": "apps", "namespace": ns},
        "reason": "ReconciliationSucceeded", "type": "Normal", "message": "Reconciliation finished",
        "lastTimestamp": "2026-11-30T11:00:00Z", "firstTimestamp": "2026-11-30T11:00:00Z",
        "source": {"component": "kustomize-controller"},
    }))
    .unwrap();
    kube::Api::<Event>::namespaced(bed.client(crate::support::User::Admin).await, &ns)
        .create(&PostParams::default(), &event)
        .await
        .unwrap();
    bed.grant_rules(
        &ns,
        "devs-flux",
        json!([{"apiGroups": FLUX_GROUPS, "resources": ["*"],
        "verbs": ["get", "list", "patch", "reconcile"]}]),
        ("Group", "devs"),
    )
    .await;
    let alice = flux_web(&bed, Settings::default()).await;
    until_allowed(&alice, &listing(&ks, &ns, "apps")).await;
    let (status, _) = call(&alice, "POST", &path(&ks, &ns, "apps", "reconcile"), None).await;
    assert_eq!(status, 200);
    let timeline = format!("{}/timeline", object_path(&ks, &ns, "apps"));

    // alice may read the object but not its Events: its history alone.
    let (status, page) = call(&alice, "GET", &timeline, None).await;
    assert_eq!(status, 200, "{page}");
    let kinds = |page: &serde_json::Value| {
        page["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(kinds(&page), ["reconcile"], "{page}");
    assert_eq!(page["entries"][0]["revision"], "main@sha1:0123");

    // With the Events hers to read: her action first, then the controller's Event, then history.
    bed.grant(
        &ns,
        "devs-events",
        "",
        "events",
        &["list"],
        ("Group", "devs"),
    )
    .await;
    let page = eventually(
        "the Events in the timeline",
        Duration::from_secs(10),
        || async {
            let (_, page) = call(&alice, "GET", &timeline, None).await;
            (kinds(&page).len() == 3).then_some(page)
        },
    )
    .await;
    assert_eq!(kinds(&page), ["action", "reconcile", "reconcile"], "{page}");
    assert_eq!(page["entries"][0]["who"], "alice");
    assert_eq!(page["entries"][0]["action"], "reconcile");
    assert_eq!(page["entries"][1]["revision"], "main@sha1:4567");
    // A page of one, then the next.
    let (_, first) = call(&alice, "GET", &format!("{timeline}?limit=1"), None).await;
    assert_eq!(kinds(&first), ["action"]);
    let next = first["next"].as_str().unwrap();
    let (_, second) = call(
        &alice,
        "GET",
        &format!("{timeline}?limit=1&before={next}"),
        None,
    )
    .await;
    assert_eq!(
        second["entries"][0]["revision"], "main@sha1:4567",
        "{second}"
    );
    // Bad queries are 400s; who may not read the object is refused as for the object itself.
    for bad in ["?limit=0", "?limit=201", "?before=yesterday", "?kind=x"] {
        let (status, problem) = call(&alice, "GET", &format!("{timeline}{bad}"), None).await;
        assert_eq!(status, 400, "{bad}: {problem}");
    }
    let bob = flux_web(&bed, Settings::user("bob", &["ops"])).await;
    let (status, problem) = call(&bob, "GET", &timeline, None).await;
    let (object_status, _) = call(&bob, "GET", &object_path(&ks, &ns, "apps"), None).await;
    assert_eq!((status, object_status), (403, 403), "{problem}");
    assert!(problem.get("entries").is_none());
}

#[tokio::test]
async fn the_namespace_picker_offers_where_the_caller_may_list_and_nothing_to_who_may_not() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let (ns, other) = (
        bed.namespace("picker").await,
        bed.namespace("picker-hidden").await,
    );
    grant_alice_reads(&bed, &ns).await;
    let alice = flux_web(&bed, Settings::default()).await;
    let mallory = flux_web(&bed, Settings::user("mallory", &[])).await;
    let offered = |body: &serde_json::Value| -> Vec<String> {
        body["namespaces"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap().to_owned())
            .collect()
    };
    let body = eventually(
        "alice's grant to count",
        Duration::from_secs(10),
        || async {
            let (status, body) = call(&alice, "GET", "/api/v1/namespaces", None).await;
            (status == 200 && offered(&body).contains(&ns)).then_some(body)
        },
    )
    .await;
    let names = offered(&body);
    assert!(!names.contains(&other), "{other} is not alice's: {names:?}");
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    let (status, body) = call(&mallory, "GET", "/api/v1/namespaces", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["namespaces"], json!([]));
}
