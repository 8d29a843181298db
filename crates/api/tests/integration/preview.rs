//! A Kustomization's preview against the test bed: its source's artifact served by a loopback
//! HTTP server in the test (as source-controller's storage), built by the engine in flux-web,
//! as the caller may; and the refusals, each changing nothing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::download::{sha256, source};
use crate::support::app::{Settings, call, flux_web, grant_server_actions};
use crate::support::objects::{create, read, set_status};
use crate::support::{FLUX_GROUPS, Testbed, eventually};
use axum::routing::get;
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::json;

const REVISION: &str = "main@sha1:abcdef1234567890";

/// A gzipped tarball of `files`; a path ending in `@` is a link to `/etc`.
fn tarball(files: &[(&str, &str)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, text) in files {
        let mut header = tar::Header::new_gnu();
        match path.strip_suffix('@') {
            Some(link) => {
                header.set_entry_type(tar::EntryType::Symlink);
                header.set_size(0);
                builder.append_link(&mut header, link, "/etc").unwrap();
            }
            None => {
                header.set_size(text.len() as u64);
                header.set_mode(0o644);
                builder
                    .append_data(&mut header, path, text.as_bytes())
                    .unwrap();
            }
        }
    }
    let tar = builder.into_inner().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &tar).unwrap();
    gz.finish().unwrap()
}

/// Storage serving each of `files` (name, bytes) at `/<name>`.
async fn storage(files: Vec<(&'static str, Vec<u8>)>) -> String {
    let mut app = axum::Router::new();
    for (name, body) in files {
        let body = Arc::new(body);
        app = app.route(
            &format!("/{name}"),
            get(move || {
                let body = Arc::clone(&body);
                async move { body.as_ref().clone() }
            }),
        );
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

fn kustomizations() -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("kustomize.toolkit.fluxcd.io", "v1", "Kustomization"),
        "kustomizations",
    )
}

/// A Kustomization `name` building `./app` of the GitRepository `repo` into `ns`.
async fn kustomization(bed: &Testbed, ns: &str, name: &str, repo: &str) {
    create(
        bed,
        ns,
        &kustomizations(),
        name,
        json!({
            "interval": "10m", "prune": true, "path": "./app", "targetNamespace": ns,
            "sourceRef": {"kind": "GitRepository", "name": repo},
        }),
    )
    .await;
}

/// devs may read Flux objects in `ns` and preview its Kustomizations.
async fn grant_previews(bed: &Testbed, ns: &str) {
    bed.grant_rules(ns, "devs-preview", json!([
        {"apiGroups": FLUX_GROUPS, "resources": ["*"], "verbs": ["get", "list"]},
        {"apiGroups": ["kustomize.toolkit.fluxcd.io"], "resources": ["kustomizations"], "verbs": ["preview"]},
    ]), ("Group", "devs"))
    .await;
}

fn preview_path(ns: &str, name: &str) -> String {
    format!("/api/v1/kustomize.toolkit.fluxcd.io/kustomizations/{ns}/{name}/preview")
}

/// The preview at `path`, once RBAC's informer has the grant (a 403 before that is no answer).
async fn preview(app: &axum::Router, path: &str) -> (u16, serde_json::Value) {
    eventually(
        "the grant to take effect",
        Duration::from_secs(10),
        || async {
            let (status, body) = call(app, "GET", path, None).await;
            (status != 403).then_some((status, body))
        },
    )
    .await
}

#[tokio::test]
async fn a_preview_builds_the_artifact_and_says_whether_it_is_the_controllers_build() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("preview").await;
    grant_previews(&bed, &ns).await;
    let artifact = tarball(&[(
        "app/config.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: plain\n",
    )]);
    let base = storage(vec![("app.tar.gz", artifact.clone())]).await;
    let repos = source(
        &bed,
        &ns,
        "repo",
        &format!("{base}/app.tar.gz"),
        &sha256(&artifact),
    )
    .await;
    kustomization(&bed, &ns, "apps", "repo").await;
    let settings = Settings {
        allow_loopback: true,
        ..Settings::default()
    };
    let alice = flux_web(&bed, settings).await;
    let versions = || async {
        let ks = read(&bed, &ns, &kustomizations(), "apps").await;
        let repo = read(&bed, &ns, &repos, "repo").await;
        (ks.metadata.resource_version, repo.metadata.resource_version)
    };
    let before = versions().await;

    let (status, built) = preview(&alice, &preview_path(&ns, "apps")).await;
    assert_eq!(status, 200, "{built}");
    let preview = built;
    assert_eq!(preview["revision"], REVISION);
    // alice may not read ConfigMaps: the dry run, as her, says so, and shows nothing.
    let settings = &preview["objects"][0];
    assert_eq!(
        (
            &settings["kind"],
            &settings["namespace"],
            &settings["name"],
            &settings["fate"]
        ),
        (
            &json!("ConfigMap"),
            &json!(ns),
            &json!("settings"),
            &json!("forbidden")
        ),
        "{preview}"
    );
    assert_eq!(settings.get("diff"), None);
    let digest = preview["digest"].as_str().unwrap_or_default().to_owned();
    assert!(
        digest.starts_with("sha256:") && digest.len() == 71,
        "{preview}"
    );
    assert_eq!(
        preview.get("matches"),
        None,
        "the controller has not built this revision"
    );
    assert_eq!(versions().await, before, "a preview changes nothing");

    // Allowed to read, create and patch them (an apply of a new object is a create): a create, then, with the ConfigMap changed by hand, an
    // update putting it back; each with its diff, and nothing written.
    bed.grant_rules(
        &ns,
        "devs-configmaps",
        json!([
            {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "patch", "create"]},
        ]),
        ("Group", "devs"),
    )
    .await;
    let fate = |preview: &serde_json::Value| preview["objects"][0].clone();
    let created = eventually(
        "the ConfigMaps grant to count",
        Duration::from_secs(10),
        || async {
            let (_, preview) = call(&alice, "GET", &preview_path(&ns, "apps"), None).await;
            (fate(&preview)["fate"] == "create").then(|| fate(&preview))
        },
    )
    .await;
    assert!(
        created["diff"]
            .as_str()
            .is_some_and(|d| d.contains("+   mode: plain")),
        "{created}"
    );
    let configmaps = ApiResource::erase::<k8s_openapi::api::core::v1::ConfigMap>(&());
    bed.apply(
        &configmaps,
        Some(&ns),
        json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "settings"}, "data": {"mode": "by hand"}}),
    )
    .await;
    let live = read(&bed, &ns, &configmaps, "settings")
        .await
        .metadata
        .resource_version;
    let (_, preview) = call(&alice, "GET", &preview_path(&ns, "apps"), None).await;
    let updated = fate(&preview);
    assert_eq!(updated["fate"], "update", "{preview}");
    let diff = updated["diff"].as_str().unwrap_or_default();
    assert!(
        diff.contains("-   mode: by hand") && diff.contains("+   mode: plain"),
        "{diff}"
    );
    let after = read(&bed, &ns, &configmaps, "settings")
        .await
        .metadata
        .resource_version;
    assert_eq!(after, live, "a dry run writes nothing");

    // The controller's digest of the revision: the same build, or another.
    for (recorded, matches) in [(digest.as_str(), true), ("sha256:0000", false)] {
        set_status(&bed, &ns, &kustomizations(), "apps", json!({"history": [
            {"digest": recorded, "metadata": {"revision": REVISION}, "firstReconciled": "2026-12-07T00:00:00Z",
             "lastReconciled": "2026-12-07T00:00:00Z", "lastReconciledStatus": "ReconciliationSucceeded",
             "lastReconciledDuration": "1s", "totalReconciliations": 1},
        ]}))
        .await;
        let (status, preview) = call(&alice, "GET", &preview_path(&ns, "apps"), None).await;
        assert_eq!(
            (status, &preview["matches"]),
            (200, &json!(matches)),
            "{preview}"
        );
        assert_eq!(preview["appliedDigest"], recorded);
    }

    // Without the verb: refused, naming it, and nothing read or built.
    let bob = flux_web(
        &bed,
        Settings {
            allow_loopback: true,
            ..Settings::user("bob", &["devs-readers"])
        },
    )
    .await;
    bed.grant_rules(
        &ns,
        "readers",
        json!([
            {"apiGroups": FLUX_GROUPS, "resources": ["*"], "verbs": ["get", "list"]},
        ]),
        ("Group", "devs-readers"),
    )
    .await;
    let before = versions().await;
    let (status, refused) = call(&bob, "GET", &preview_path(&ns, "apps"), None).await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (403, Some("forbidden")),
        "{refused}"
    );
    assert!(
        refused["detail"]
            .as_str()
            .is_some_and(|d| d.contains("preview")),
        "{refused}"
    );
    assert_eq!(versions().await, before);

    // Only a Kustomization has a preview.
    let release = format!("/api/v1/helm.toolkit.fluxcd.io/helmreleases/{ns}/apps/preview");
    let (status, refused) = call(&alice, "GET", &release, None).await;
    assert_eq!(status, 404, "{refused}");
}

#[tokio::test]
async fn hostile_artifacts_are_refused_clearly_and_the_server_keeps_answering() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("preview-hostile").await;
    grant_previews(&bed, &ns).await;
    let link = tarball(&[("app/config.yaml", "kind: ConfigMap\n"), ("app/etc@", "")]);
    let remote = tarball(&[(
        "app/kustomization.yaml",
        "resources:\n- https://github.com/example/repo//base?ref=main\n",
    )]);
    let base = storage(vec![
        ("link.tar.gz", link.clone()),
        ("remote.tar.gz", remote.clone()),
    ])
    .await;
    source(
        &bed,
        &ns,
        "link",
        &format!("{base}/link.tar.gz"),
        &sha256(&link),
    )
    .await;
    source(
        &bed,
        &ns,
        "remote",
        &format!("{base}/remote.tar.gz"),
        &sha256(&remote),
    )
    .await;
    let repos = source(
        &bed,
        &ns,
        "huge",
        &format!("{base}/none.tar.gz"),
        "sha256:00",
    )
    .await;
    set_status(
        &bed,
        &ns,
        &repos,
        "huge",
        json!({"artifact": {
            "url": format!("{base}/none.tar.gz"), "digest": "sha256:00", "revision": REVISION,
            "path": "x.tar.gz", "lastUpdateTime": "2026-12-07T00:00:00Z", "size": 100u64 << 20,
        }}),
    )
    .await;
    for name in ["link", "remote", "huge"] {
        kustomization(&bed, &ns, name, name).await;
    }
    let alice = flux_web(
        &bed,
        Settings {
            allow_loopback: true,
            ..Settings::default()
        },
    )
    .await;

    // While a build runs, the server answers.
    let building = tokio::spawn({
        let (alice, path) = (alice.clone(), preview_path(&ns, "remote"));
        async move { preview(&alice, &path).await }
    });
    let asked = Instant::now();
    let (status, _) = call(&alice, "GET", "/healthz", None).await;
    assert_eq!(status, 200);
    assert!(
        asked.elapsed() < Duration::from_secs(2),
        "{:?}",
        asked.elapsed()
    );
    let (status, refused) = building.await.unwrap();
    assert_eq!(
        (status, refused["code"].as_str()),
        (422, Some("build_failed")),
        "{refused}"
    );

    let (status, refused) = call(&alice, "GET", &preview_path(&ns, "link"), None).await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (422, Some("build_failed")),
        "{refused}"
    );
    assert!(
        refused["detail"]
            .as_str()
            .is_some_and(|d| d.contains("link")),
        "{refused}"
    );
    let (status, refused) = call(&alice, "GET", &preview_path(&ns, "huge"), None).await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (413, Some("artifact_too_large")),
        "{refused}"
    );
}

#[tokio::test]
async fn the_dry_run_applies_as_the_kustomizations_account_once_flux_web_may_impersonate_it() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("preview-as").await;
    grant_previews(&bed, &ns).await;
    // devs may get ConfigMaps and Secrets, never write them; the account the controller
    // applies as may write ConfigMaps, not Secrets.
    bed.grant(&ns, "devs-get", "", "*", &["get"], ("Group", "devs"))
        .await;
    let account = format!("system:serviceaccount:{ns}:dev-team");
    bed.grant(
        &ns,
        "dev-team",
        "",
        "configmaps",
        &["get", "create", "patch"],
        ("User", &account),
    )
    .await;
    let artifact = tarball(&[
        (
            "app/config.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: plain\n",
        ),
        (
            "app/token.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: token\nstringData:\n  key: s3cret\n",
        ),
    ]);
    let base = storage(vec![("app.tar.gz", artifact.clone())]).await;
    let url = format!("{base}/app.tar.gz");
    source(&bed, &ns, "repo", &url, &sha256(&artifact)).await;
    for (name, account) in [("tenant", "dev-team"), ("other", "ops-team")] {
        create(&bed, &ns, &kustomizations(), name, json!({
            "interval": "10m", "prune": false, "path": "./app", "targetNamespace": ns, "serviceAccountName": account,
            "sourceRef": {"kind": "GitRepository", "name": "repo"},
        }))
        .await;
    }
    let loopback = |access| Settings {
        allow_loopback: true,
        access,
        ..Settings::default()
    };
    let alice = flux_web(&bed, loopback("Impersonated")).await;
    let fate_of = |preview: &serde_json::Value, kind: &str| {
        preview["objects"]
            .as_array()
            .and_then(|objects| objects.iter().find(|o| o["kind"] == kind).cloned())
            .unwrap_or_default()
    };

    // Not granted: the dry run applies as alice, who may write nothing, and says so.
    let (status, answer) = preview(&alice, &preview_path(&ns, "tenant")).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        (&answer["serviceAccount"], &answer["asServiceAccount"]),
        (&json!("dev-team"), &json!(false)),
        "{answer}"
    );
    let settings = fate_of(&answer, "ConfigMap");
    assert_eq!(settings["fate"], "forbidden", "{answer}");
    assert!(
        settings["message"]
            .as_str()
            .is_some_and(|m| m.contains("as you")),
        "{settings}"
    );

    // The component's role, bound in this namespace as binding.yaml binds it (to the bed's
    // server identity): the dry run applies as dev-team, in both access modes.
    bed.apply_deploy("components/preview-as-service-account/role.yaml")
        .await;
    let mut binding: serde_json::Value = serde_yaml_ng::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../deploy/components/preview-as-service-account/binding.yaml"
        ))
        .unwrap(),
    )
    .unwrap();
    binding["metadata"]["namespace"] = json!(ns);
    binding["subjects"] =
        json!([{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "flux-web"}]);
    bed.apply(&crate::support::rbac("RoleBinding"), Some(&ns), binding)
        .await;
    let fine_grained = flux_web(&bed, loopback("FineGrained")).await;
    for app in [&alice, &fine_grained] {
        let answer = eventually(
            "the impersonation grant to count",
            Duration::from_secs(10),
            || async {
                let (_, preview) = call(app, "GET", &preview_path(&ns, "tenant"), None).await;
                (preview["asServiceAccount"] == true).then_some(preview)
            },
        )
        .await;
        let settings = fate_of(&answer, "ConfigMap");
        assert_eq!(settings["fate"], "create", "{answer}");
        assert!(
            settings["diff"]
                .as_str()
                .is_some_and(|d| d.contains("+   mode: plain")),
            "{settings}"
        );
        // What the account may not write is the controller's failure, named.
        let token = fate_of(&answer, "Secret");
        assert_eq!(token["fate"], "forbidden", "{answer}");
        let message = token["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(&format!("service account {ns}/dev-team"))
                && message.contains("reconcile would fail"),
            "{message}"
        );
        assert!(
            !answer.to_string().contains("s3cret"),
            "a Secret's value is masked: {answer}"
        );
    }

    // An account the role does not name stays out of reach: as the caller.
    let (status, other) = call(&alice, "GET", &preview_path(&ns, "other"), None).await;
    assert_eq!(
        (status, &other["asServiceAccount"]),
        (200, &json!(false)),
        "{other}"
    );

    // A caller who may preview but not get ConfigMaps sees no body, whoever applied.
    let bob = flux_web(
        &bed,
        Settings {
            allow_loopback: true,
            ..Settings::user("bob", &["previewers"])
        },
    )
    .await;
    bed.grant_rules(&ns, "previewers", json!([
        {"apiGroups": FLUX_GROUPS, "resources": ["*"], "verbs": ["get", "list"]},
        {"apiGroups": ["kustomize.toolkit.fluxcd.io"], "resources": ["kustomizations"], "verbs": ["preview"]},
    ]), ("Group", "previewers"))
    .await;
    let (status, hidden) = preview(&bob, &preview_path(&ns, "tenant")).await;
    assert_eq!(
        (status, &hidden["asServiceAccount"]),
        (200, &json!(true)),
        "{hidden}"
    );
    let settings = fate_of(&hidden, "ConfigMap");
    assert_eq!(
        (&settings["fate"], settings.get("diff")),
        (&json!("forbidden"), None),
        "{hidden}"
    );

    // Dry runs only: nothing was created, and the Kustomizations did not change.
    let configmaps = ApiResource::erase::<k8s_openapi::api::core::v1::ConfigMap>(&());
    let created = crate::support::objects::dynamic(&bed, &ns, &configmaps)
        .await
        .get_opt("settings")
        .await
        .unwrap();
    assert!(created.is_none(), "a dry run creates nothing");
    let tenant = read(&bed, &ns, &kustomizations(), "tenant").await;
    assert_eq!(tenant.metadata.generation, Some(1));
}
