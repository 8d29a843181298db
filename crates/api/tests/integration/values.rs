//! A HelmRelease's values against the test bed: composed as helm-controller composes them, read
//! as the caller, Secrets masked until a reveal, which is audited.

use std::time::Duration;

use crate::support::app::{Settings, call, flux_web, grant_server_actions};
use crate::support::objects::{
    create, create_as_is, listing, read, set_status, version, web_events,
};
use crate::support::{FLUX_GROUPS, Testbed, eventually};
use flux_web_shared::values::MASK;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::{Value, json};

fn releases() -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("helm.toolkit.fluxcd.io", "v2", "HelmRelease"),
        "helmreleases",
    )
}

fn values_path(ns: &str, name: &str) -> String {
    listing(&releases(), ns, name).replace("/actions", "/values")
}

/// A ConfigMap of common values, a Secret set at `db.password`, a Secret of keys merged whole,
/// and the HelmRelease taking values from all three and its own.
async fn world(bed: &Testbed, ns: &str) {
    let config_maps = ApiResource::erase::<ConfigMap>(&());
    let secrets = ApiResource::erase::<Secret>(&());
    create_as_is(bed, ns, &config_maps, json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "common"}, "data": {"values.yaml": "image:\n  tag: 6.5.0\nreplicaCount: 1\n"}})).await;
    create_as_is(
        bed,
        ns,
        &secrets,
        json!({"apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "db"}, "stringData": {"password": "s3cret-db"}}),
    )
    .await;
    create_as_is(
        bed,
        ns,
        &secrets,
        json!({"apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "keys"}, "stringData": {"values.yaml": "apiKey: s3cret-key\n"}}),
    )
    .await;
    create(bed, ns, &releases(), "podinfo", json!({
        "interval": "10m",
        "chart": {"spec": {"chart": "podinfo", "sourceRef": {"kind": "HelmRepository", "name": "charts"}}},
        "values": {"replicaCount": 2},
        "valuesFrom": [
            {"kind": "ConfigMap", "name": "common"},
            {"kind": "Secret", "name": "db", "valuesKey": "password", "targetPath": "db.password"},
            {"kind": "Secret", "name": "keys"},
        ],
    }))
    .await;
    create(bed, ns, &releases(), "broken", json!({
        "interval": "10m",
        "chart": {"spec": {"chart": "podinfo", "sourceRef": {"kind": "HelmRepository", "name": "charts"}}},
        "valuesFrom": [{"kind": "ConfigMap", "name": "absent"}],
    }))
    .await;
}

/// RBAC reaches the authorizer through an informer: wait until the grant counts.
async fn until_read(app: &axum::Router, path: &str) {
    eventually(
        "the grant to take effect",
        Duration::from_secs(10),
        || async {
            let (status, answer) = call(app, "GET", path, None).await;
            (status == 200 && answer["sources"][0]["state"] == "read").then_some(())
        },
    )
    .await;
}

fn states(answer: &Value) -> Vec<String> {
    answer["sources"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| s["state"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn values_are_composed_as_the_caller_may_read_masked_until_a_reveal_that_is_audited() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("values").await;
    world(&bed, &ns).await;
    // alice reads Flux objects, ConfigMaps and the Secret `db`, but not `keys`.
    bed.grant_rules(&ns, "devs-values", json!([
        {"apiGroups": FLUX_GROUPS, "resources": ["*"], "verbs": ["get", "list"]},
        {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]},
        {"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["db"], "verbs": ["get"]},
    ]), ("Group", "devs")).await;
    bed.grant_rules(
        &ns,
        "ops-values",
        json!([
            {"apiGroups": FLUX_GROUPS, "resources": ["*"], "verbs": ["get", "list"]},
            {"apiGroups": [""], "resources": ["configmaps", "secrets"], "verbs": ["get"]},
        ]),
        ("Group", "ops"),
    )
    .await;
    let alice = flux_web(&bed, Settings::default()).await;
    let path = values_path(&ns, "podinfo");
    until_read(&alice, &path).await;

    // A reference alice may not read is named, left out, and the values are not complete.
    let (status, answer) = call(&alice, "GET", &path, None).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        states(&answer),
        ["read", "masked", "forbidden", "read"],
        "{answer}"
    );
    assert_eq!(
        answer["values"],
        json!({"image": {"tag": "6.5.0"}, "replicaCount": 2, "db": {"password": MASK}})
    );
    assert_eq!(answer["complete"], false);
    assert!(answer.get("digest").is_none(), "{answer}");
    let text = answer.to_string();
    assert!(!text.contains("s3cret"), "{text}");
    let from = |answer: &Value, key: &str| {
        answer["keys"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|k| k["key"] == key)
            .map(|k| k["from"].clone())
    };
    assert_eq!(from(&answer, "replicaCount"), Some(json!([3])));
    assert_eq!(from(&answer, "db"), Some(json!([1])));

    // The reveal shows `db` and is audited on the HelmRelease, naming the Secret.
    let before = version(&read(&bed, &ns, &releases(), "podinfo").await);
    let reveal = format!("{path}/reveal");
    let (status, shown) = call(&alice, "POST", &reveal, Some(json!({"secret": "db"}))).await;
    assert_eq!(status, 200, "{shown}");
    assert_eq!(shown["values"]["db"]["password"], "s3cret-db");
    assert_eq!(shown["revealed"], "db");
    let events = web_events(&bed, &ns).await;
    assert_eq!(events.len(), 1, "{events:?}");
    let annotations = events[0].metadata.annotations.clone().unwrap_or_default();
    assert_eq!(annotations["event.toolkit.fluxcd.io/action"], "reveal");
    assert_eq!(
        annotations["event.toolkit.fluxcd.io/subject"],
        format!("Secret/{ns}/db")
    );
    assert_eq!(events[0].involved_object.name.as_deref(), Some("podinfo"));

    // Refused: a Secret she may not get (403), one the release does not take (404), none
    // named (400); nothing audited, nothing changed.
    for (body, expected) in [
        (json!({"secret": "keys"}), 403),
        (json!({"secret": "other"}), 404),
        (json!({}), 400),
    ] {
        let (status, problem) = call(&alice, "POST", &reveal, Some(body.clone())).await;
        assert_eq!(status, expected, "{body}: {problem}");
        assert!(!problem.to_string().contains("s3cret"), "{problem}");
    }
    assert_eq!(web_events(&bed, &ns).await.len(), 1);
    assert_eq!(
        version(&read(&bed, &ns, &releases(), "podinfo").await),
        before
    );

    // Who may read every reference gets complete values and helm-controller's digest,
    // compared with the newest release's.
    let ops = flux_web(&bed, Settings::user("olga", &["ops"])).await;
    until_read(&ops, &path).await;
    let (status, whole) = call(&ops, "GET", &path, None).await;
    assert_eq!(status, 200, "{whole}");
    assert_eq!(whole["complete"], true);
    assert_eq!(whole["values"]["apiKey"], MASK);
    let digest = whole["digest"].as_str().unwrap_or_default().to_owned();
    assert!(digest.starts_with("sha256:"), "{whole}");
    assert!(
        whole.get("changedSinceRelease").is_none(),
        "no release yet: {whole}"
    );
    for (recorded, changed) in [
        (digest.clone(), false),
        (format!("sha256:{}", "0".repeat(64)), true),
    ] {
        set_status(
            &bed,
            &ns,
            &releases(),
            "podinfo",
            json!({"history": [{"version": 1, "name": "podinfo",
            "namespace": ns, "status": "deployed", "chartName": "podinfo", "chartVersion": "6.5.0",
            "configDigest": recorded, "digest": "sha256:1", "firstDeployed": "2026-12-01T09:00:00Z",
            "lastDeployed": "2026-12-01T09:00:00Z"}]}),
        )
        .await;
        let (_, again) = call(&ops, "GET", &path, None).await;
        assert_eq!(again["changedSinceRelease"], changed, "{again}");
    }

    // A missing required reference is helm-controller's error, naming it.
    let (status, broken) = call(&ops, "GET", &values_path(&ns, "broken"), None).await;
    assert_eq!(status, 200, "{broken}");
    let error = broken["error"].as_str().unwrap_or_default();
    assert!(error.contains(&format!("'{ns}/absent'")), "{broken}");
    assert_eq!(states(&broken), ["missing", "read"]);

    // No HelmRelease, no values; no rights, no values.
    let ks = listing(
        &ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk("kustomize.toolkit.fluxcd.io", "v1", "Kustomization"),
            "kustomizations",
        ),
        &ns,
        "podinfo",
    )
    .replace("/actions", "/values");
    assert_eq!(call(&ops, "GET", &ks, None).await.0, 404);
    let mallory = flux_web(&bed, Settings::user("mallory", &["nobody"])).await;
    let (status, refused) = call(&mallory, "GET", &path, None).await;
    assert!(matches!(status, 403 | 404), "{status}: {refused}");
    let (status, _) = call(&mallory, "POST", &reveal, Some(json!({"secret": "db"}))).await;
    assert!(matches!(status, 403 | 404), "{status}");
    assert_eq!(web_events(&bed, &ns).await.len(), 1);
}
