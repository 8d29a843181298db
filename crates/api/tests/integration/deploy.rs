//! The manifests of deploy/ on a real cluster: they apply, and the roles they ship mean what
//! they say. flux-web-user sees and may do nothing; flux-web-admin may do every action.

use std::time::Duration;

use crate::support::app::{Settings, call, flux_web, grant_server_actions};
use crate::support::objects::{
    create, create_object, dynamic, listing, path, set_status, until_allowed,
};
use crate::support::{Testbed, eventually};
use kube::api::{DynamicObject, PostParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::{Value, json};

#[tokio::test]
async fn every_shipped_manifest_applies_with_server_side_apply() {
    let bed = testbed!();
    let base: Value = serde_yaml_ng::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../deploy/base/kustomization.yaml"
        ))
        .unwrap(),
    )
    .unwrap();
    let mut applied = Vec::new();
    for file in base["resources"].as_array().unwrap() {
        applied.extend(
            bed.apply_deploy(&format!("base/{}", file.as_str().unwrap()))
                .await,
        );
    }
    for (component, file) in [
        ("fine-grained", "rbac.yaml"),
        ("aggregate-to-edit", "rbac.yaml"),
        ("network-policy", "network-policy.yaml"),
        ("preview-as-service-account", "role.yaml"),
    ] {
        applied.extend(
            bed.apply_deploy(&format!("components/{component}/{file}"))
                .await,
        );
    }
    for expected in [
        "Namespace/flux-web",
        "ServiceAccount/flux-web",
        "ClusterRole/flux-web",
        "Role/flux-web-config",
        "RoleBinding/flux-web-config",
        "ClusterRole/flux-web-resumer",
        "Role/flux-web-resumer",
        "RoleBinding/flux-web-resumer",
        "ClusterRole/flux-web-user",
        "ClusterRole/flux-web-admin",
        "ClusterRole/flux-web-fine-grained",
        "ClusterRole/flux-web-edit",
        "ClusterRole/flux-web-preview-as",
        "Secret/flux-web-config",
        "Deployment/flux-web",
        "PodDisruptionBudget/flux-web",
        "NetworkPolicy/flux-web",
        "Service/flux-web",
    ] {
        assert!(
            applied.contains(&expected.to_owned()),
            "{expected} not in {applied:?}"
        );
    }
    // The shipped config is one flux-web loads.
    let base_config: Value = serde_yaml_ng::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../deploy/base/config.yaml"
        ))
        .unwrap(),
    )
    .unwrap();
    let config = base_config["stringData"]["config.yaml"].as_str().unwrap();
    flux_web::config::Config::from_yaml(config).unwrap();
}

fn gvk(group: &str, version: &str, kind: &str, plural: &str) -> ApiResource {
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), plural)
}

/// One object of each kind of action, and the actions to check on it.
async fn world(bed: &Testbed, ns: &str) -> Vec<(ApiResource, &'static str, Vec<&'static str>)> {
    let ks = gvk(
        "kustomize.toolkit.fluxcd.io",
        "v1",
        "Kustomization",
        "kustomizations",
    );
    let repo = gvk(
        "source.toolkit.fluxcd.io",
        "v1",
        "GitRepository",
        "gitrepositories",
    );
    let deployments = gvk("apps", "v1", "Deployment", "deployments");
    let cronjobs = gvk("batch", "v1", "CronJob", "cronjobs");
    create(
        bed,
        ns,
        &repo,
        "repo",
        json!({"interval": "10m", "url": "https://git.example.com/repo"}),
    )
    .await;
    create(bed, ns, &ks, "apps", json!({"interval": "10m", "prune": true, "sourceRef": {"kind": "GitRepository", "name": "repo"}})).await;
    create_object(bed, ns, &deployments, json!({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": {"metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "registry.invalid/web:1"}]}}},
    })).await;
    create_object(bed, ns, &cronjobs, json!({
        "apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "backup"},
        "spec": {"schedule": "0 0 1 1 *", "jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": "Never",
            "containers": [{"name": "b", "image": "registry.invalid/b:1"}]}}}}},
    })).await;
    // Suspended, so resume applies; with an artifact in status, so download does.
    create(
        bed,
        ns,
        &repo,
        "suspended",
        json!({"interval": "10m", "url": "https://git.example.com/x", "suspend": true}),
    )
    .await;
    let artifact = json!({"status": {"artifact": {
        "url": "http://source-controller.flux-system.svc/x.tar.gz", "digest": "sha256:00", "revision": "main@sha1:0",
        "path": "x", "lastUpdateTime": "2026-11-23T00:00:00Z",
    }}});
    set_status(bed, ns, &repo, "repo", artifact["status"].clone()).await;
    let pods = gvk("", "v1", "Pod", "pods");
    let pod: DynamicObject = serde_json::from_value(
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "debug"},
        "spec": {"containers": [{"name": "debug", "image": "registry.invalid/debug:1"}]}}),
    )
    .unwrap();
    // A Pod waits for the namespace's default service account.
    let api = dynamic(bed, ns, &pods).await;
    eventually("the Pod", Duration::from_secs(30), || async {
        api.create(&PostParams::default(), &pod).await.ok()
    })
    .await;
    vec![
        (ks, "apps", vec!["reconcile", "pull", "suspend"]),
        (
            repo.clone(),
            "repo",
            vec!["reconcile", "suspend", "download"],
        ),
        (repo, "suspended", vec!["resume"]),
        (deployments, "web", vec!["restart"]),
        (cronjobs, "backup", vec!["run-job"]),
        (pods, "debug", vec!["delete"]),
    ]
}

#[tokio::test]
async fn flux_web_user_may_take_no_action_and_flux_web_admin_may_take_every_one() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    bed.apply_deploy("base/user-roles.yaml").await;
    let ns = bed.namespace("roles").await;
    let objects = world(&bed, &ns).await;
    let bind = |group: &'static str, role: &'static str| {
        let bed = &bed;
        let ns = ns.clone();
        async move {
            bed.apply(&crate::support::rbac("RoleBinding"), Some(&ns), json!({
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                "metadata": {"name": role},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
                "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": group}],
            })).await;
        }
    };
    bind("web-users", "flux-web-user").await;
    bind("web-admins", "flux-web-admin").await;
    let user = flux_web(&bed, Settings::user("uma", &["web-users"])).await;
    let admin = flux_web(&bed, Settings::user("ada", &["web-admins"])).await;
    until_allowed(&admin, &listing(&objects[0].0, &ns, objects[0].1)).await;

    for (resource, name, actions) in &objects {
        // The user sees the object but may take none of its actions.
        let (status, user_listing) =
            eventually("the user's read grant", Duration::from_secs(10), || async {
                let (status, body) = call(&user, "GET", &listing(resource, &ns, name), None).await;
                (status == 200).then_some((status, body))
            })
            .await;
        assert_eq!(status, 200);
        let (_, admin_listing) = call(&admin, "GET", &listing(resource, &ns, name), None).await;
        for action in actions {
            let entry = |l: &Value| {
                l["actions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|a| a["action"] == *action)
                    .cloned()
                    .unwrap()
            };
            assert_eq!(
                entry(&user_listing)["allowed"],
                false,
                "user {action} {name}: {user_listing}"
            );
            assert_eq!(
                entry(&admin_listing)["allowed"],
                true,
                "admin {action} {name}: {admin_listing}"
            );
            if *action == "download" {
                // The admin's download gets past RBAC to storage, which is not there.
                let (status, body) =
                    call(&user, "GET", &path(resource, &ns, name, action), None).await;
                assert_eq!(
                    (status, body["code"].as_str()),
                    (403, Some("forbidden")),
                    "user download: {body}"
                );
                let (_, body) = call(&admin, "GET", &path(resource, &ns, name, action), None).await;
                assert_eq!(body["code"], "storage_failed", "admin download: {body}");
                continue;
            }
            let (status, body) =
                call(&user, "POST", &path(resource, &ns, name, action), None).await;
            assert_eq!(
                (status, body["code"].as_str()),
                (403, Some("forbidden")),
                "user {action} {name}: {body}"
            );
            let (status, body) = call(
                &admin,
                "POST",
                &format!("{}?dryRun=true", path(resource, &ns, name, action)),
                None,
            )
            .await;
            assert_eq!(status, 200, "admin {action} {name}: {body}");
        }
        if resource.kind == "Deployment" {
            assert_eq!(user_listing["deletePods"]["allowed"], false);
            assert_eq!(admin_listing["deletePods"]["allowed"], true);
        }
    }
}
