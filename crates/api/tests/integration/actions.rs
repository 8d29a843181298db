//! The Flux actions against the real test bed: each test in a namespace of its own, each
//! asserting the cluster state afterwards.

use std::time::Duration;

use crate::support::app::{Settings, call, flux_web, grant_server_actions, receiver};
use crate::support::objects::{
    bed_events, create, dynamic, grant_alice_everything, listing, path, read, until_allowed,
    version, web_events,
};
use crate::support::{FLUX_GROUPS, Testbed, eventually};
use flux_web_core::patch::annotation;
use kube::api::{Patch, PatchParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::{Value, json};

/// Every Flux kind of the spec table with a spec its CRD accepts.
fn flux_objects() -> Vec<(ApiResource, &'static str, Value)> {
    let r = |group: &str, version: &str, kind: &str, plural: &str| {
        ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), plural)
    };
    let src = "source.toolkit.fluxcd.io";
    vec![
        (
            r(
                "kustomize.toolkit.fluxcd.io",
                "v1",
                "Kustomization",
                "kustomizations",
            ),
            "apps",
            json!({"interval": "10m", "prune": true, "sourceRef": {"kind": "GitRepository", "name": "repo"}}),
        ),
        (
            r(
                "helm.toolkit.fluxcd.io",
                "v2",
                "HelmRelease",
                "helmreleases",
            ),
            "podinfo",
            json!({"interval": "10m", "chart": {"spec": {"chart": "podinfo", "sourceRef": {"kind": "HelmRepository", "name": "charts"}}}}),
        ),
        (
            r(src, "v1", "GitRepository", "gitrepositories"),
            "repo",
            json!({"interval": "10m", "url": "https://git.example.com/repo"}),
        ),
        (
            r(src, "v1", "OCIRepository", "ocirepositories"),
            "oci",
            json!({"interval": "10m", "url": "oci://registry.example.com/repo"}),
        ),
        (
            r(src, "v1", "Bucket", "buckets"),
            "bucket",
            json!({"interval": "10m", "bucketName": "b", "endpoint": "s3.example.com"}),
        ),
        (
            r(src, "v1", "HelmChart", "helmcharts"),
            "chart",
            json!({"interval": "10m", "chart": "podinfo", "sourceRef": {"kind": "HelmRepository", "name": "charts"}}),
        ),
        (
            r(src, "v1", "HelmRepository", "helmrepositories"),
            "charts",
            json!({"interval": "10m", "url": "https://charts.example.com"}),
        ),
        (
            r(src, "v1", "ExternalArtifact", "externalartifacts"),
            "ea",
            json!({}),
        ),
        (
            r(
                "source.extensions.fluxcd.io",
                "v1beta1",
                "ArtifactGenerator",
                "artifactgenerators",
            ),
            "gen",
            json!({"sources": [{"alias": "repo", "kind": "GitRepository", "name": "repo"}], "artifacts": [{"name": "out", "copy": [{"from": "@repo/**", "to": "@artifact/"}]}]}),
        ),
        (
            r(
                "notification.toolkit.fluxcd.io",
                "v1beta3",
                "Alert",
                "alerts",
            ),
            "alert",
            json!({"providerRef": {"name": "slack"}, "eventSources": [{"kind": "Kustomization", "name": "*"}]}),
        ),
        (
            r(
                "notification.toolkit.fluxcd.io",
                "v1beta3",
                "Provider",
                "providers",
            ),
            "slack",
            json!({"type": "slack"}),
        ),
        (
            r(
                "notification.toolkit.fluxcd.io",
                "v1",
                "Receiver",
                "receivers",
            ),
            "hook",
            json!({"type": "github", "resources": [{"kind": "GitRepository", "name": "repo"}], "secretRef": {"name": "token"}}),
        ),
        (
            r(
                "image.toolkit.fluxcd.io",
                "v1",
                "ImageRepository",
                "imagerepositories",
            ),
            "app",
            json!({"image": "ghcr.io/example/app", "interval": "10m"}),
        ),
        (
            r(
                "image.toolkit.fluxcd.io",
                "v1",
                "ImagePolicy",
                "imagepolicies",
            ),
            "app-policy",
            json!({"imageRepositoryRef": {"name": "app"}, "policy": {"semver": {"range": ">=1.0.0"}}}),
        ),
        (
            r(
                "image.toolkit.fluxcd.io",
                "v1",
                "ImageUpdateAutomation",
                "imageupdateautomations",
            ),
            "auto",
            json!({"interval": "10m", "sourceRef": {"kind": "GitRepository", "name": "repo"}, "git": {"commit": {"author": {"name": "bot", "email": "bot@example.com"}}}}),
        ),
        (
            r(
                "fluxcd.controlplane.io",
                "v1",
                "FluxInstance",
                "fluxinstances",
            ),
            "flux",
            json!({"distribution": {"version": "2.x", "registry": "ghcr.io/fluxcd"}}),
        ),
        (
            r(
                "fluxcd.controlplane.io",
                "v1",
                "ResourceSet",
                "resourcesets",
            ),
            "set",
            json!({"resources": []}),
        ),
        (
            r(
                "fluxcd.controlplane.io",
                "v1",
                "ResourceSetInputProvider",
                "resourcesetinputproviders",
            ),
            "inputs",
            json!({"type": "Static"}),
        ),
    ]
}

/// A namespace of its own with a Kustomization alice may act on, and flux-web as alice once
/// her grant counts.
async fn alices_kustomization(
    bed: &Testbed,
    prefix: &str,
) -> (String, ApiResource, &'static str, axum::Router) {
    grant_server_actions(bed).await;
    let ns = bed.namespace(prefix).await;
    grant_alice_everything(bed, &ns).await;
    let (resource, name, spec) = flux_objects().remove(0);
    create(bed, &ns, &resource, name, spec).await;
    let app = flux_web(bed, Settings::default()).await;
    until_allowed(&app, &listing(&resource, &ns, name)).await;
    (ns, resource, name, app)
}

#[tokio::test]
async fn every_flux_kind_takes_exactly_its_actions_and_each_changes_only_what_it_should() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("kinds").await;
    grant_alice_everything(&bed, &ns).await;
    let app = flux_web(&bed, Settings::default()).await;
    let objects = flux_objects();
    for (resource, name, spec) in &objects {
        create(&bed, &ns, resource, name, spec.clone()).await;
    }
    let (first, first_name, _) = &objects[0];
    until_allowed(&app, &listing(first, &ns, first_name)).await;

    for (resource, name, _) in &objects {
        let kind = flux_web_core::kinds::find(&resource.group, &resource.plural).unwrap();
        // As stored, with the CRD's defaults applied.
        let spec = read(&bed, &ns, resource, name).await.data["spec"].clone();
        let what = format!("{}/{name}", resource.kind);
        let annotation_key = match kind.suspend {
            flux_web_core::kinds::Suspend::Annotation(key) => Some(key),
            _ => None,
        };
        for action in ["reconcile", "reset", "suspend", "resume"] {
            let before = read(&bed, &ns, resource, name).await;
            let takes = kind.takes(flux_web_core::kinds::Action::parse(action).unwrap());
            let (status, body) = call(&app, "POST", &path(resource, &ns, name, action), None).await;
            let after = read(&bed, &ns, resource, name).await;
            if !takes {
                assert_eq!(
                    (status, body["code"].as_str()),
                    (400, Some("not_applicable")),
                    "{what} {action}: {body}"
                );
                assert_eq!(
                    version(&before),
                    version(&after),
                    "{what} {action} changed nothing"
                );
                continue;
            }
            assert_eq!(status, 200, "{what} {action}: {body}");
            assert_eq!(body["target"]["kind"], resource.kind);
            assert_eq!(body["target"]["version"], resource.version);
            match action {
                "reconcile" => {
                    let at = body["requestedAt"].as_str().unwrap();
                    assert_eq!(
                        annotation(&after, "reconcile.fluxcd.io/requestedAt"),
                        Some(at),
                        "{what}"
                    );
                    let forced = matches!(
                        resource.kind.as_str(),
                        "HelmRelease" | "ResourceSetInputProvider"
                    );
                    assert_eq!(
                        annotation(&after, "reconcile.fluxcd.io/forceAt"),
                        forced.then_some(at),
                        "{what}"
                    );
                    assert_eq!(
                        after.data["spec"], before.data["spec"],
                        "{what}: reconcile leaves the spec alone"
                    );
                }
                // As `flux reconcile helmrelease --force --reset` writes them: one time.
                "reset" => {
                    let at = body["requestedAt"].as_str();
                    for key in ["requestedAt", "forceAt", "resetAt"] {
                        let key = format!("reconcile.fluxcd.io/{key}");
                        assert_eq!(annotation(&after, &key), at, "{what} {key}");
                    }
                    assert_eq!(after.data["spec"], before.data["spec"], "{what}");
                }
                "suspend" => {
                    match annotation_key {
                        Some(key) => {
                            assert_eq!(annotation(&after, key), Some("disabled"), "{what}")
                        }
                        None => assert_eq!(after.data["spec"]["suspend"], true, "{what}"),
                    }
                    assert_eq!(
                        annotation(&after, "fluxcd.controlplane.io/suspendedBy"),
                        Some("alice"),
                        "{what}"
                    );
                    // Suspended: a reconcile is refused; a second suspend is answered as a
                    // script wants it, 200 with what holds; neither changes anything.
                    if kind.takes(flux_web_core::kinds::Action::Reconcile) {
                        let (status, body) =
                            call(&app, "POST", &path(resource, &ns, name, "reconcile"), None).await;
                        assert_eq!(
                            (status, body["code"].as_str()),
                            (409, Some("suspended")),
                            "{what}: {body}"
                        );
                    }
                    let (status, body) =
                        call(&app, "POST", &path(resource, &ns, name, "suspend"), None).await;
                    assert_eq!(
                        (status, &body["changed"], &body["suspension"]["by"]),
                        (200, &json!(false), &json!("alice")),
                        "{what}: {body}"
                    );
                    assert_eq!(body["suspension"]["byUser"], "alice", "{what}: {body}");
                    assert_eq!(
                        version(&read(&bed, &ns, resource, name).await),
                        version(&after),
                        "{what}"
                    );
                }
                _ => {
                    match annotation_key {
                        Some(key) => assert_eq!(annotation(&after, key), Some("enabled"), "{what}"),
                        None => assert_eq!(after.data["spec"].get("suspend"), None, "{what}"),
                    }
                    assert_eq!(
                        annotation(&after, "fluxcd.controlplane.io/suspendedBy"),
                        None,
                        "{what}"
                    );
                    assert_eq!(
                        annotation(&after, "reconcile.fluxcd.io/requestedAt"),
                        body["requestedAt"].as_str(),
                        "{what}"
                    );
                    let mut spec_after = after.data["spec"].clone();
                    if let Some(s) = spec_after.as_object_mut() {
                        s.remove("suspend");
                    }
                    assert_eq!(
                        spec_after, spec,
                        "{what}: resume leaves the rest of the spec alone"
                    );
                    // Resumed, a second resume is 200 with nothing written.
                    let (status, body) =
                        call(&app, "POST", &path(resource, &ns, name, "resume"), None).await;
                    assert_eq!(
                        (status, &body["changed"]),
                        (200, &json!(false)),
                        "{what}: {body}"
                    );
                    assert_eq!(
                        version(&read(&bed, &ns, resource, name).await),
                        version(&after),
                        "{what}"
                    );
                }
            }
        }
    }
}

/// A suspend or resume of an object already in that state is 200 `changed: false`, says what
/// holds, and writes nothing: not the object, not an Event (a script that retries, or that
/// suspends everything before a window, does not fail on what is already done).
#[tokio::test]
async fn suspending_twice_and_resuming_twice_answer_unchanged_with_what_holds_and_write_nothing() {
    let bed = testbed!();
    let (ns, resource, name, app) = alices_kustomization(&bed, "twice").await;
    let suspend = path(&resource, &ns, name, "suspend");
    let (status, first) = call(&app, "POST", &suspend, Some(json!({"reason": "INC-7"}))).await;
    assert_eq!((status, &first["changed"]), (200, &json!(true)), "{first}");
    let suspended = read(&bed, &ns, &resource, name).await;
    let events = web_events(&bed, &ns).await.len();
    let (status, again) = call(&app, "POST", &suspend, Some(json!({"reason": "other"}))).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["changed"], false, "{again}");
    assert_eq!(
        again["suspension"],
        json!({"by": "alice", "byUser": "alice", "reason": "INC-7"}),
        "what holds: {again}"
    );
    let resume = path(&resource, &ns, name, "resume");
    let (status, _) = call(&app, "POST", &resume, None).await;
    assert_eq!(status, 200);
    let resumed = read(&bed, &ns, &resource, name).await;
    let (status, twice) = call(&app, "POST", &resume, None).await;
    assert_eq!((status, &twice["changed"]), (200, &json!(false)), "{twice}");
    assert_eq!(
        version(&read(&bed, &ns, &resource, name).await),
        version(&resumed)
    );
    assert_ne!(version(&suspended), version(&resumed));
    // The first suspend and the resume left an Event each; the second of each, none.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(web_events(&bed, &ns).await.len(), events + 1);
    // A reconcile of a suspended object still cannot happen.
    call(&app, "POST", &suspend, None).await;
    let (status, refused) =
        call(&app, "POST", &path(&resource, &ns, name, "reconcile"), None).await;
    assert_eq!((status, refused["code"].as_str()), (409, Some("suspended")));
}

/// A suspend with an end makes the server resume and reconcile later: it needs `resume` as
/// well as `suspend`, in both access modes. Taking the end off (`until: never`) takes a resume
/// away, and needs only `suspend`, without resuming first.
#[tokio::test]
async fn an_end_needs_the_resume_verb_and_never_makes_a_timed_suspension_lasting() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("until-verb").await;
    grant_alice_everything(&bed, &ns).await;
    bed.grant_rules(
        &ns,
        "suspenders",
        json!([{"apiGroups": FLUX_GROUPS, "resources": ["*"], "verbs": ["get", "list", "patch", "suspend"]}]),
        ("Group", "suspenders"),
    )
    .await;
    let (resource, name, spec) = flux_objects().remove(0);
    create(&bed, &ns, &resource, name, spec).await;
    let alice = flux_web(&bed, Settings::default()).await;
    until_allowed(&alice, &listing(&resource, &ns, name)).await;
    let suspend = path(&resource, &ns, name, "suspend");
    for access in ["Impersonated", "FineGrained"] {
        let sue = flux_web(
            &bed,
            Settings {
                access,
                ..Settings::user("sue", &["suspenders"])
            },
        )
        .await;
        until_allowed(&sue, &listing(&resource, &ns, name)).await;
        let before = version(&read(&bed, &ns, &resource, name).await);
        let (status, refused) = call(&sue, "POST", &suspend, Some(json!({"until": "2h"}))).await;
        assert_eq!(
            (status, refused["code"].as_str()),
            (403, Some("forbidden")),
            "{access}: {refused}"
        );
        assert!(
            refused["detail"].as_str().unwrap().contains("resume"),
            "{access}: {refused}"
        );
        assert_eq!(
            version(&read(&bed, &ns, &resource, name).await),
            before,
            "{access}"
        );
    }
    // Alice, who may resume, suspends it for two hours; sue makes it lasting.
    let (status, body) = call(&alice, "POST", &suspend, Some(json!({"until": "2h"}))).await;
    assert_eq!(status, 200, "{body}");
    // Sue's grant counts already (above); suspended, nothing in her listing is allowed now.
    let sue = flux_web(&bed, Settings::user("sue", &["suspenders"])).await;
    let (status, lasting) = call(&sue, "POST", &suspend, Some(json!({"until": "never"}))).await;
    assert_eq!(
        (status, &lasting["changed"]),
        (200, &json!(true)),
        "{lasting}"
    );
    assert_eq!(lasting["suspension"].get("until"), None, "{lasting}");
    let object = read(&bed, &ns, &resource, name).await;
    assert_eq!(object.data["spec"]["suspend"], true);
    assert_eq!(
        annotation(&object, "web.fluxcd.controlplane.io/suspendedUntil"),
        None
    );
    assert!(
        !object
            .metadata
            .labels
            .unwrap_or_default()
            .contains_key("web.fluxcd.controlplane.io/suspended-until"),
        "the resumer no longer finds it"
    );
}

#[tokio::test]
async fn suspend_records_who_and_why_and_resume_clears_both() {
    let bed = testbed!();
    let (ns, resource, name, app) = alices_kustomization(&bed, "reason").await;

    let (status, body) = call(
        &app,
        "POST",
        &path(&resource, &ns, name, "suspend"),
        Some(json!({"reason": "incident 42"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let suspended = read(&bed, &ns, &resource, name).await;
    assert_eq!(
        annotation(&suspended, "fluxcd.controlplane.io/suspendedBy"),
        Some("alice")
    );
    assert_eq!(
        annotation(&suspended, "fluxcd.controlplane.io/suspendedReason"),
        Some("incident 42")
    );

    let (status, _) = call(&app, "POST", &path(&resource, &ns, name, "resume"), None).await;
    assert_eq!(status, 200);
    let resumed = read(&bed, &ns, &resource, name).await;
    assert_eq!(
        annotation(&resumed, "fluxcd.controlplane.io/suspendedReason"),
        None
    );
}

/// Issue #20, found with the Flux Operator web UI beside flux-web: its resume cleared
/// `suspendedBy` and left our reason, which the next suspension by another tool then showed
/// as its own. The other tools' writes are made here as they were observed (the Flux
/// Operator: `spec.suspend` and `suspendedBy`; `flux suspend`: `spec.suspend` alone).
/// A reconcile decides on the server's watch of the kind once it has listed, but never on a
/// copy older than what flux-web itself just wrote: a reconcile right after a suspend is
/// refused every time, and right after a resume is done, with nothing in between.
#[tokio::test]
async fn a_reconcile_right_after_a_suspend_or_resume_sees_it_though_the_kind_is_cached() {
    let bed = testbed!();
    let (ns, resource, name, app) = alices_kustomization(&bed, "cached").await;
    // The first reconcile starts the server's watch of Kustomizations; a second later it has
    // listed, and reconciles decide on it.
    let (status, body) = call(&app, "POST", &path(&resource, &ns, name, "reconcile"), None).await;
    assert_eq!(status, 200, "{body}");
    let mut requested = body["requestedAt"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_secs(1)).await;
    for round in 0..10 {
        // Each call follows the answer of the one before at once, as a script's would.
        let (status, body) = call(&app, "POST", &path(&resource, &ns, name, "suspend"), None).await;
        assert_eq!(status, 200, "round {round}: {body}");
        let (status, body) =
            call(&app, "POST", &path(&resource, &ns, name, "reconcile"), None).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (409, Some("suspended")),
            "round {round}: {body}"
        );
        let (status, body) = call(&app, "POST", &path(&resource, &ns, name, "resume"), None).await;
        assert_eq!(status, 200, "round {round}: {body}");
        let (status, body) =
            call(&app, "POST", &path(&resource, &ns, name, "reconcile"), None).await;
        assert_eq!(status, 200, "round {round}: {body}");
        // The refused reconcile wrote nothing: the request is the last one done.
        let after = read(&bed, &ns, &resource, name).await;
        let previous = std::mem::replace(
            &mut requested,
            body["requestedAt"].as_str().unwrap().to_owned(),
        );
        assert_ne!(previous, requested, "round {round}");
        assert_eq!(
            annotation(&after, "reconcile.fluxcd.io/requestedAt"),
            Some(requested.as_str())
        );
    }
}

#[tokio::test]
async fn a_reason_never_outlives_its_suspension_whatever_tool_resumes_and_suspends_again() {
    let bed = testbed!();
    let (ns, resource, name, app) = alices_kustomization(&bed, "stale-reason").await;
    let api = dynamic(&bed, &ns, &resource).await;
    let other_tool = |suspend: bool, by: Option<&str>| {
        let api = api.clone();
        let patch = json!({"spec": {"suspend": suspend},
            "metadata": {"annotations": {"fluxcd.controlplane.io/suspendedBy": by}}});
        async move {
            api.patch(name, &PatchParams::default(), &Patch::Merge(&patch))
                .await
                .unwrap();
        }
    };
    let shown = || async {
        let detail = format!("/api/v1/kustomize.toolkit.fluxcd.io/kustomizations/{ns}/{name}");
        let (status, body) = call(&app, "GET", &detail, None).await;
        assert_eq!(status, 200, "{body}");
        let summary = &body["summary"];
        (
            summary["suspendedBy"].as_str().map(str::to_owned),
            summary["suspendedReason"].as_str().map(str::to_owned),
        )
    };

    let (status, body) = call(
        &app,
        "POST",
        &path(&resource, &ns, name, "suspend"),
        Some(json!({"reason": "INC-7"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(shown().await, (Some("alice".into()), Some("INC-7".into())));

    // Resumed by the other tool, then suspended by it: by bob, by alice herself, by nobody.
    // The page shows another tool's write once the server's watch has delivered it.
    for by in [Some("bob"), Some("alice"), None] {
        other_tool(false, None).await;
        other_tool(true, by).await;
        let expected = (by.map(str::to_owned), None);
        // Fails (naming what the page showed last) unless the page shows it within 5 s.
        eventually(
            &format!("the suspension again by {by:?}"),
            Duration::from_secs(5),
            || async { (shown().await == expected).then_some(()) },
        )
        .await;
    }

    // Our next write takes the stale reason away; the other tool's suspension stays its own.
    other_tool(false, None).await;
    let left = read(&bed, &ns, &resource, name).await;
    assert_eq!(
        annotation(&left, "fluxcd.controlplane.io/suspendedReason"),
        Some("INC-7")
    );
    let (status, body) = call(&app, "POST", &path(&resource, &ns, name, "reconcile"), None).await;
    assert_eq!(status, 200, "{body}");
    let cleaned = read(&bed, &ns, &resource, name).await;
    assert_eq!(
        annotation(&cleaned, "fluxcd.controlplane.io/suspendedReason"),
        None
    );
    assert_eq!(
        annotation(&cleaned, "fluxcd.controlplane.io/suspendedReasonOf"),
        None
    );
}

#[tokio::test]
async fn rbac_decides_with_the_custom_verb_and_in_impersonated_mode_the_native_one_too() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("matrix").await;
    let other = bed.namespace("matrix-other").await;
    let (resource, name, spec) = flux_objects().remove(0);
    for namespace in [&ns, &other] {
        create(&bed, namespace, &resource, name, spec.clone()).await;
    }
    let rule = |verbs: &[&str]| json!([{"apiGroups": ["kustomize.toolkit.fluxcd.io"], "resources": ["kustomizations"], "verbs": verbs}]);
    bed.grant_rules(
        &ns,
        "both",
        rule(&["get", "patch", "reconcile"]),
        ("Group", "both"),
    )
    .await;
    bed.grant_rules(
        &ns,
        "patch-only",
        rule(&["get", "patch"]),
        ("Group", "patchers"),
    )
    .await;
    bed.grant_rules(
        &ns,
        "verb-only",
        rule(&["get", "reconcile"]),
        ("Group", "reconcilers"),
    )
    .await;
    let reconcile = |namespace: &str| path(&resource, namespace, name, "reconcile");

    let as_group = |group: &'static str, access: &'static str| Settings {
        username: "carol",
        groups: match group {
            "both" => &["both"],
            "patchers" => &["patchers"],
            _ => &["reconcilers"],
        },
        access,
        ..Settings::default()
    };

    let both = flux_web(&bed, as_group("both", "Impersonated")).await;
    let allowed = eventually(
        "carol in both may reconcile",
        Duration::from_secs(10),
        || async {
            let (status, body) = call(&both, "POST", &reconcile(&ns), None).await;
            (status == 200).then_some(body)
        },
    )
    .await;
    assert_eq!(allowed["changed"], true);

    let unchanged = |namespace: String| {
        let bed = &bed;
        let resource = &resource;
        async move { version(&read(bed, &namespace, resource, name).await) }
    };

    // patch without the custom verb: 403 naming the missing rule, nothing written.
    let before = unchanged(ns.clone()).await;
    let patchers = flux_web(&bed, as_group("patchers", "Impersonated")).await;
    let (status, body) = call(&patchers, "POST", &reconcile(&ns), None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("forbidden")),
        "{body}"
    );
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains("user 'carol' may not reconcile")
            && detail.contains("verb 'reconcile' on 'kustomizations'"),
        "{detail}"
    );
    assert_eq!(unchanged(ns.clone()).await, before);

    // the custom verb without patch: refused by Kubernetes when impersonating...
    let reconcilers = flux_web(&bed, as_group("reconcilers", "Impersonated")).await;
    let (status, body) = call(&reconcilers, "POST", &reconcile(&ns), None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("forbidden")),
        "{body}"
    );
    assert_eq!(unchanged(ns.clone()).await, before);
    // ...and allowed in FineGrained mode, where the server writes.
    let fine_grained = flux_web(&bed, as_group("reconcilers", "FineGrained")).await;
    let (status, body) = call(&fine_grained, "POST", &reconcile(&ns), None).await;
    assert_eq!(status, 200, "{body}");
    assert_ne!(unchanged(ns.clone()).await, before);

    // A Role reaches its own namespace only.
    let before_other = unchanged(other.clone()).await;
    let (status, body) = call(&both, "POST", &reconcile(&other), None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("forbidden")),
        "{body}"
    );
    assert_eq!(unchanged(other.clone()).await, before_other);
}

#[tokio::test]
async fn the_listing_names_what_is_allowed_and_the_missing_rule_for_what_is_not() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("listing").await;
    let (resource, name, spec) = flux_objects().remove(0);
    create(&bed, &ns, &resource, name, spec).await;
    bed.grant_rules(
        &ns,
        "devs",
        json!([{"apiGroups": ["kustomize.toolkit.fluxcd.io"], "resources": ["kustomizations"],
        "verbs": ["get", "patch", "reconcile", "suspend"]}]),
        ("Group", "devs"),
    )
    .await;
    let app = flux_web(&bed, Settings::default()).await;
    let listing_path = listing(&resource, &ns, name);
    until_allowed(&app, &listing_path).await;
    let (status, listing) = call(&app, "GET", &listing_path, None).await;
    assert_eq!(status, 200, "{listing}");
    let by_action = |a: &str| {
        listing["actions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["action"] == a)
            .unwrap()
            .clone()
    };
    assert_eq!(by_action("reconcile")["allowed"], true);
    assert_eq!(by_action("suspend")["allowed"], true);
    assert_eq!(by_action("resume")["reason"], "not_suspended");
    // The source does not exist: pull says so instead of failing the listing.
    assert_eq!(by_action("pull")["allowed"], false);

    let mallory = flux_web(&bed, Settings::user("mallory", &[])).await;
    let (status, body) = call(&mallory, "GET", &listing_path, None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("forbidden")),
        "mallory may not even read it: {body}"
    );
}

#[tokio::test]
async fn pull_reconciles_the_source_and_is_refused_while_the_source_is_suspended() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("pull").await;
    grant_alice_everything(&bed, &ns).await;
    let objects = flux_objects();
    let (ks, ks_name, ks_spec) = &objects[0];
    let (repo, repo_name, repo_spec) = &objects[2];
    create(&bed, &ns, ks, ks_name, ks_spec.clone()).await;
    create(&bed, &ns, repo, repo_name, repo_spec.clone()).await;
    let app = flux_web(&bed, Settings::default()).await;
    until_allowed(&app, &listing(ks, &ns, ks_name)).await;

    let ks_before = version(&read(&bed, &ns, ks, ks_name).await);
    let (status, body) = call(&app, "POST", &path(ks, &ns, ks_name, "pull"), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["reconciled"],
        json!([format!("GitRepository/{ns}/repo")])
    );
    let pulled = read(&bed, &ns, repo, repo_name).await;
    assert_eq!(
        annotation(&pulled, "reconcile.fluxcd.io/requestedAt"),
        body["requestedAt"].as_str()
    );
    assert_eq!(
        version(&read(&bed, &ns, ks, ks_name).await),
        ks_before,
        "the Kustomization itself is untouched"
    );
    let events = web_events(&bed, &ns).await;
    assert!(events.iter().any(
        |e| e.involved_object.kind.as_deref() == Some("GitRepository")
            && e.metadata.annotations.as_ref().unwrap()["event.toolkit.fluxcd.io/action"]
                == "reconcile"
    ));

    let (status, _) = call(&app, "POST", &path(repo, &ns, repo_name, "suspend"), None).await;
    assert_eq!(status, 200);
    let repo_before = version(&read(&bed, &ns, repo, repo_name).await);
    let (status, body) = call(&app, "POST", &path(ks, &ns, ks_name, "pull"), None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("source_suspended")),
        "{body}"
    );
    assert_eq!(
        version(&read(&bed, &ns, repo, repo_name).await),
        repo_before
    );

    // An ExternalArtifact source cannot be pulled.
    let ea_ks = "from-ea";
    create(&bed, &ns, ks, ea_ks, json!({"interval": "10m", "prune": true, "sourceRef": {"kind": "ExternalArtifact", "name": "ea"}})).await;
    let (status, body) = call(&app, "POST", &path(ks, &ns, ea_ks, "pull"), None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("not_applicable")),
        "{body}"
    );
}

#[tokio::test]
async fn a_staged_pull_suspends_then_pulls_holds_a_suspension_as_it_is_and_a_refusal_suspends_nothing()
 {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("stage").await;
    grant_alice_everything(&bed, &ns).await;
    let objects = flux_objects();
    let (ks, ks_name, ks_spec) = &objects[0];
    let (repo, repo_name, repo_spec) = &objects[2];
    create(&bed, &ns, ks, ks_name, ks_spec.clone()).await;
    create(&bed, &ns, ks, "held", ks_spec.clone()).await;
    create(&bed, &ns, repo, repo_name, repo_spec.clone()).await;
    let app = flux_web(&bed, Settings::default()).await;
    until_allowed(&app, &listing(ks, &ns, ks_name)).await;

    let (status, body) = call(&app, "POST", &path(ks, &ns, ks_name, "stage"), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["reconciled"],
        json!([format!("GitRepository/{ns}/repo")])
    );
    let staged = read(&bed, &ns, ks, ks_name).await;
    assert_eq!(staged.data["spec"]["suspend"], true);
    assert_eq!(
        annotation(&staged, "fluxcd.controlplane.io/suspendedReason"),
        Some("preview")
    );
    assert_eq!(body["suspension"]["reason"], "preview", "{body}");
    let pulled = read(&bed, &ns, repo, repo_name).await;
    assert_eq!(
        annotation(&pulled, "reconcile.fluxcd.io/requestedAt"),
        body["requestedAt"].as_str()
    );
    let events = web_events(&bed, &ns).await;
    let audited = |kind: &str, verb: &str| {
        events.iter().any(|e| {
            e.involved_object.kind.as_deref() == Some(kind)
                && e.metadata.annotations.as_ref().unwrap()["event.toolkit.fluxcd.io/action"]
                    == verb
        })
    };
    assert!(
        audited("Kustomization", "suspend") && audited("GitRepository", "reconcile"),
        "{events:?}"
    );

    // Suspended already (by someone, for a reason): the source is pulled again, the
    // suspension stays as it was.
    let (status, _) = call(
        &app,
        "POST",
        &path(ks, &ns, "held", "suspend"),
        Some(json!({"reason": "change freeze"})),
    )
    .await;
    assert_eq!(status, 200);
    let held = version(&read(&bed, &ns, ks, "held").await);
    let (status, body) = call(&app, "POST", &path(ks, &ns, "held", "stage"), None).await;
    assert_eq!((status, &body["changed"]), (200, &json!(true)), "{body}");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("stays suspended")),
        "{body}"
    );
    assert_eq!(body["suspension"]["reason"], "change freeze");
    assert_eq!(version(&read(&bed, &ns, ks, "held").await), held);
    let again = read(&bed, &ns, repo, repo_name).await;
    assert_eq!(
        annotation(&again, "reconcile.fluxcd.io/requestedAt"),
        body["requestedAt"].as_str()
    );

    // May suspend the Kustomization, may not reconcile its source: refused before anything
    // is written, so the Kustomization is not left suspended.
    bed.grant_rules(
        &ns,
        "stagers",
        json!([
            {"apiGroups": ["kustomize.toolkit.fluxcd.io"], "resources": ["kustomizations"], "verbs": ["get", "patch", "suspend"]},
            {"apiGroups": ["source.toolkit.fluxcd.io"], "resources": ["gitrepositories"], "verbs": ["get", "patch"]},
        ]),
        ("Group", "stagers"),
    )
    .await;
    let (_, _) = call(&app, "POST", &path(ks, &ns, ks_name, "resume"), None).await;
    let before = (
        version(&read(&bed, &ns, ks, ks_name).await),
        version(&read(&bed, &ns, repo, repo_name).await),
    );
    for access in ["Impersonated", "FineGrained"] {
        let carol = flux_web(
            &bed,
            Settings {
                access,
                ..Settings::user("carol", &["stagers"])
            },
        )
        .await;
        let (status, body) = eventually(
            "carol's grant to count",
            Duration::from_secs(10),
            || async {
                let answer = call(&carol, "POST", &path(ks, &ns, ks_name, "stage"), None).await;
                (answer.1["detail"]
                    .as_str()
                    .is_some_and(|d| d.contains("reconcile")))
                .then_some(answer)
            },
        )
        .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (403, Some("forbidden")),
            "{access}: {body}"
        );
        assert_eq!(
            (
                version(&read(&bed, &ns, ks, ks_name).await),
                version(&read(&bed, &ns, repo, repo_name).await),
            ),
            before,
            "{access}: a refusal writes nothing"
        );
    }

    // Only a Kustomization's pull can be staged.
    let (hr, hr_name, hr_spec) = &objects[1];
    create(&bed, &ns, hr, hr_name, hr_spec.clone()).await;
    let (status, body) = call(&app, "POST", &path(hr, &ns, hr_name, "stage"), None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("not_applicable")),
        "{body}"
    );
}

#[tokio::test]
async fn a_reset_needs_reconcile_a_dry_run_writes_nothing_and_the_reset_leaves_its_event() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("reset").await;
    grant_alice_everything(&bed, &ns).await;
    let (resource, name, spec) = flux_objects().remove(1);
    assert_eq!(resource.kind, "HelmRelease");
    create(&bed, &ns, &resource, name, spec).await;
    bed.grant_rules(&ns, "patchers", json!([
        {"apiGroups": ["helm.toolkit.fluxcd.io"], "resources": ["helmreleases"], "verbs": ["get", "list", "patch"]},
    ]), ("Group", "patchers"))
    .await;
    let alice = flux_web(&bed, Settings::default()).await;
    let bob = flux_web(&bed, Settings::user("bob", &["patchers"])).await;
    until_allowed(&alice, &listing(&resource, &ns, name)).await;
    let reset = path(&resource, &ns, name, "reset");
    let unchanged = || async { version(&read(&bed, &ns, &resource, name).await) };
    let before = unchanged().await;

    // patch without reconcile: 403 naming the verb, listed as refused, nothing written.
    let (status, body) = call(&bob, "POST", &reset, None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("forbidden")),
        "{body}"
    );
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("verb 'reconcile' on 'helmreleases'")),
        "{body}"
    );
    let (_, listed) = call(&bob, "GET", &listing(&resource, &ns, name), None).await;
    let entry = listed["actions"]
        .as_array()
        .and_then(|a| a.iter().find(|p| p["action"] == "reset").cloned())
        .unwrap_or_default();
    assert_eq!(
        (&entry["allowed"], &entry["reason"]),
        (&json!(false), &json!("forbidden")),
        "{listed}"
    );
    // A dry run says what it would do and writes nothing.
    let (status, body) = call(&alice, "POST", &format!("{reset}?dryRun=true"), None).await;
    assert_eq!((status, &body["dryRun"]), (200, &json!(true)), "{body}");
    assert_eq!(unchanged().await, before);
    assert!(
        web_events(&bed, &ns).await.is_empty(),
        "a dry run is not audited"
    );

    let (status, body) = call(&alice, "POST", &reset, None).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("failure counts reset")),
        "{body}"
    );
    let events = web_events(&bed, &ns).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(
        events[0].message.as_deref(),
        Some(format!("User 'alice' performed action 'reconcile' for 'HelmRelease/{ns}/{name}' on the web UI").as_str())
    );
    // Suspended: refused as a reconcile is.
    let (status, _) = call(&alice, "POST", &path(&resource, &ns, name, "suspend"), None).await;
    assert_eq!(status, 200);
    let before = unchanged().await;
    let (status, body) = call(&alice, "POST", &reset, None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("suspended")),
        "{body}"
    );
    assert_eq!(unchanged().await, before);
}

#[tokio::test]
async fn each_action_leaves_an_event_of_its_own_that_is_forwarded_to_notification_controller() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("audit").await;
    grant_alice_everything(&bed, &ns).await;
    let (resource, name, spec) = flux_objects().remove(0);
    create(&bed, &ns, &resource, name, spec).await;
    let (address, received) = receiver().await;
    let app = flux_web(
        &bed,
        Settings {
            notification_controller: Some(address),
            ..Settings::default()
        },
    )
    .await;
    until_allowed(&app, &listing(&resource, &ns, name)).await;

    for _ in 0..2 {
        let (status, body) =
            call(&app, "POST", &path(&resource, &ns, name, "reconcile"), None).await;
        assert_eq!(status, 200, "{body}");
    }
    let events = web_events(&bed, &ns).await;
    assert_eq!(
        events.len(),
        2,
        "two actions in the same second are two events: {events:?}"
    );
    let event = &events[0];
    assert_eq!(
        event.message.as_deref(),
        Some(format!("User 'alice' performed action 'reconcile' for 'Kustomization/{ns}/{name}' on the web UI").as_str())
    );
    assert_eq!(event.type_.as_deref(), Some("Normal"));
    assert_eq!(event.involved_object.kind.as_deref(), Some("Kustomization"));
    assert_eq!(event.involved_object.name.as_deref(), Some(name));
    let annotations = event.metadata.annotations.clone().unwrap();
    assert_eq!(annotations["event.toolkit.fluxcd.io/action"], "reconcile");
    assert_eq!(annotations["event.toolkit.fluxcd.io/username"], "alice");
    assert_eq!(annotations["event.toolkit.fluxcd.io/groups"], "devs");
    assert_eq!(annotations["kustomize.toolkit.fluxcd.io/token"].len(), 36);

    let forwarded = eventually(
        "the receiver to get both events",
        Duration::from_secs(10),
        || async {
            let got = received.lock().unwrap().clone();
            (got.len() == 2).then_some(got)
        },
    )
    .await;
    assert_eq!(forwarded[0]["reason"], "WebAction");
    assert_eq!(forwarded[0]["severity"], "info");
    assert_eq!(forwarded[0]["involvedObject"]["name"], name);
    assert!(
        forwarded[0]["message"]
            .as_str()
            .unwrap()
            .ends_with("on the web UI")
    );
}

#[tokio::test]
async fn a_notification_controller_that_is_down_fails_nothing_and_audit_off_writes_no_event() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("audit-down").await;
    grant_alice_everything(&bed, &ns).await;
    let (resource, name, spec) = flux_objects().remove(0);
    create(&bed, &ns, &resource, name, spec).await;
    let closed = format!("http://127.0.0.1:{}/", crate::support::process::free_port());
    let app = flux_web(
        &bed,
        Settings {
            notification_controller: Some(closed),
            ..Settings::default()
        },
    )
    .await;
    until_allowed(&app, &listing(&resource, &ns, name)).await;
    let (status, body) = call(&app, "POST", &path(&resource, &ns, name, "reconcile"), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(web_events(&bed, &ns).await.len(), 1);

    let silent = flux_web(
        &bed,
        Settings {
            audit: false,
            ..Settings::default()
        },
    )
    .await;
    let (status, _) = call(
        &silent,
        "POST",
        &path(&resource, &ns, name, "reconcile"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        web_events(&bed, &ns).await.len(),
        1,
        "no event with audit off"
    );

    // A dry run writes nothing and records nothing.
    let before = version(&read(&bed, &ns, &resource, name).await);
    let (status, body) = call(
        &app,
        "POST",
        &format!("{}?dryRun=true", path(&resource, &ns, name, "suspend")),
        None,
    )
    .await;
    assert_eq!(
        (status, body["dryRun"].as_bool()),
        (200, Some(true)),
        "{body}"
    );
    assert_eq!(version(&read(&bed, &ns, &resource, name).await), before);
    assert_eq!(web_events(&bed, &ns).await.len(), 1);
}

#[tokio::test]
async fn reconcile_with_wait_answers_once_the_controller_handled_the_request() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("wait").await;
    grant_alice_everything(&bed, &ns).await;
    let (resource, name, spec) = flux_objects().remove(0);
    create(&bed, &ns, &resource, name, spec).await;
    let app = flux_web(&bed, Settings::default()).await;
    until_allowed(&app, &listing(&resource, &ns, name)).await;

    // A stand-in for kustomize-controller: copies requestedAt into the status, as Flux does.
    let api = dynamic(&bed, &ns, &resource).await;
    let controller = tokio::spawn(async move {
        let requested = eventually("a reconcile request", Duration::from_secs(20), || async {
            let object = api.get(name).await.ok()?;
            annotation(&object, "reconcile.fluxcd.io/requestedAt").map(str::to_owned)
        })
        .await;
        let status = json!({"status": {
            "lastHandledReconcileAt": requested,
            "conditions": [{"type": "Ready", "status": "True", "reason": "ReconciliationSucceeded",
                "message": "Applied revision: main@sha1:abc", "lastTransitionTime": "2026-11-23T22:00:00Z"}],
        }});
        api.patch_status(name, &PatchParams::default(), &Patch::Merge(&status))
            .await
            .unwrap();
    });
    let (status, body) = call(
        &app,
        "POST",
        &format!("{}?wait=20s", path(&resource, &ns, name, "reconcile")),
        None,
    )
    .await;
    controller.await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["handled"], true, "{body}");
    assert_eq!(body["ready"]["status"], "True");
    assert_eq!(body["ready"]["reason"], "ReconciliationSucceeded");

    // Nobody answers this time: the wait ends and says so.
    let (status, body) = call(
        &app,
        "POST",
        &format!("{}?wait=1s", path(&resource, &ns, name, "reconcile")),
        None,
    )
    .await;
    assert_eq!(
        (status, body["handled"].as_bool()),
        (200, Some(false)),
        "{body}"
    );
}

#[tokio::test]
async fn with_audit_denied_a_refused_action_leaves_a_warning_event_and_changes_nothing() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("denied").await;
    let (resource, name, spec) = flux_objects().remove(0);
    create(&bed, &ns, &resource, name, spec).await;
    let before = version(&read(&bed, &ns, &resource, name).await);
    let settings = |audit_denied| Settings {
        username: "bob",
        groups: &["ops"],
        audit_denied,
        ..Settings::default()
    };

    let quiet = flux_web(&bed, settings(false)).await;
    let (status, _) = call(
        &quiet,
        "POST",
        &path(&resource, &ns, name, "reconcile"),
        None,
    )
    .await;
    assert_eq!(status, 403);
    assert!(bed_events(&bed, &ns, "WebActionRefused").await.is_empty());

    let app = flux_web(&bed, settings(true)).await;
    let (status, body) = call(&app, "POST", &path(&resource, &ns, name, "reconcile"), None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("forbidden")),
        "{body}"
    );
    let refused = bed_events(&bed, &ns, "WebActionRefused").await;
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].type_.as_deref(), Some("Warning"));
    assert_eq!(
        refused[0].message.as_deref(),
        Some(format!("User 'bob' was refused action 'reconcile' for 'Kustomization/{ns}/{name}' on the web UI").as_str())
    );
    let error = &refused[0].metadata.annotations.as_ref().unwrap()["event.toolkit.fluxcd.io/error"];
    assert!(error.starts_with("forbidden: "), "{error}");
    assert_eq!(version(&read(&bed, &ns, &resource, name).await), before);
    assert!(web_events(&bed, &ns).await.is_empty());
}

/// With `auditDenied`, a bulk run of 500 made-up names by a user without RBAC makes the server
/// write one Warning Event for the namespace, counting and naming them, not 500.
#[tokio::test]
async fn with_audit_denied_a_bulk_run_refused_on_500_targets_leaves_one_warning_per_namespace() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("denied-bulk").await;
    let app = flux_web(
        &bed,
        Settings {
            username: "mallory",
            groups: &[],
            audit_denied: true,
            ..Settings::default()
        },
    )
    .await;
    let targets: Vec<String> = (0..500)
        .map(|i| format!("kustomize.toolkit.fluxcd.io/ks/{ns}/made-up-{i}"))
        .collect();
    let request = http::Request::post("/api/v1/actions/suspend")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(
            json!({"targets": targets}).to_string(),
        ))
        .unwrap();
    let response = tower::ServiceExt::oneshot(app, request).await.unwrap();
    assert_eq!(response.status(), 200);
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    let end: Value =
        serde_json::from_str(std::str::from_utf8(&body).unwrap().lines().last().unwrap()).unwrap();
    let tally = &end["tally"];
    assert_eq!(
        tally["refused"].as_u64().unwrap() + tally["notApplicable"].as_u64().unwrap(),
        500,
        "{end}"
    );
    let refused = eventually("the run's Warning", Duration::from_secs(10), || async {
        Some(bed_events(&bed, &ns, "WebActionRefused").await).filter(|e| !e.is_empty())
    })
    .await;
    // Give any stragglers the time to show.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let refused_now = bed_events(&bed, &ns, "WebActionRefused").await;
    assert_eq!(refused_now.len(), 1, "{refused_now:?}");
    let message = refused[0].message.as_deref().unwrap_or_default();
    assert!(
        message.starts_with("User 'mallory' was refused action 'suspend' for ")
            && message.contains("and 490 more")
            && message.ends_with("on the web UI"),
        "{message}"
    );
}

#[tokio::test]
async fn in_fine_grained_mode_the_servers_own_missing_rbac_is_a_502_for_the_admin_not_a_403() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("server-rbac").await;
    grant_alice_everything(&bed, &ns).await;
    let (resource, name, spec) = flux_objects()
        .into_iter()
        .find(|(r, _, _)| r.group == crate::support::app::UNPATCHABLE_GROUP)
        .unwrap();
    create(&bed, &ns, &resource, name, spec).await;
    let before = version(&read(&bed, &ns, &resource, name).await);
    let app = flux_web(
        &bed,
        Settings {
            access: "FineGrained",
            ..Settings::default()
        },
    )
    .await;
    let (status, body) = eventually(
        "alice's grant to count",
        Duration::from_secs(10),
        || async {
            let (status, body) =
                call(&app, "POST", &path(&resource, &ns, name, "reconcile"), None).await;
            (status != 403).then_some((status, body))
        },
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (502, Some("server_forbidden")),
        "{body}"
    );
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .starts_with("flux-web's own service account is not allowed"),
        "{body}"
    );
    assert_eq!(version(&read(&bed, &ns, &resource, name).await), before);
}

/// Found by the attack run: each part of a name was held to 63 characters, which Kubernetes
/// asks only of label names, so such an object could not be acted on at all.
#[tokio::test]
async fn a_kustomization_named_with_one_seventy_character_part_can_be_reconciled() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("long-name").await;
    grant_alice_everything(&bed, &ns).await;
    let (resource, _, spec) = flux_objects().remove(0);
    let name = "k".repeat(70);
    create(&bed, &ns, &resource, &name, spec).await;
    let before = version(&read(&bed, &ns, &resource, &name).await);
    let app = flux_web(&bed, Settings::default()).await;
    until_allowed(&app, &listing(&resource, &ns, &name)).await;
    let (status, body) = call(
        &app,
        "POST",
        &path(&resource, &ns, &name, "reconcile"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_ne!(version(&read(&bed, &ns, &resource, &name).await), before);
}

/// Found by the attack run: a reason beyond Kubernetes' annotation limit was a 502.
#[tokio::test]
async fn a_suspend_reason_over_1024_characters_is_a_400_and_changes_nothing() {
    let bed = testbed!();
    let (ns, resource, name, app) = alices_kustomization(&bed, "long-reason").await;
    let before = version(&read(&bed, &ns, &resource, name).await);
    for reason in ["x".repeat(1025), "x".repeat(300_000)] {
        let (status, body) = call(
            &app,
            "POST",
            &path(&resource, &ns, name, "suspend"),
            Some(json!({ "reason": reason })),
        )
        .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("invalid_body")),
            "{body}"
        );
        assert!(
            body["detail"].as_str().unwrap().contains("at most 1024"),
            "{body}"
        );
    }
    assert_eq!(version(&read(&bed, &ns, &resource, name).await), before);
    let (status, body) = call(
        &app,
        "POST",
        &path(&resource, &ns, name, "suspend"),
        Some(json!({ "reason": "x".repeat(1024) })),
    )
    .await;
    assert_eq!(status, 200, "the limit itself is taken: {body}");
}

/// Found by the attack run: in Anonymous mode, where the header is never read, any
/// `Authorization` (a browser's cached Basic credentials) switched the cross-site checks off.
#[tokio::test]
async fn in_anonymous_mode_an_authorization_header_does_not_let_a_cross_site_post_through() {
    let bed = testbed!();
    let (ns, resource, name, app) = alices_kustomization(&bed, "basic-csrf").await;
    let before = version(&read(&bed, &ns, &resource, name).await);
    for headers in [
        [
            ("authorization", "Basic YWxpY2U6cGFzc3dvcmQ="),
            ("origin", "http://evil.example"),
        ],
        [
            ("authorization", "Bearer not-a-token"),
            ("sec-fetch-site", "cross-site"),
        ],
        [("authorization", "Negotiate YIIC"), ("origin", "null")],
    ] {
        let answer = crate::support::oidc::send(
            &app,
            "POST",
            &path(&resource, &ns, name, "reconcile"),
            &headers,
            "",
        )
        .await;
        assert_eq!(
            (answer.status, answer.json()["code"].as_str()),
            (403, Some("cross_site")),
            "{headers:?}: {answer:?}"
        );
    }
    assert_eq!(version(&read(&bed, &ns, &resource, name).await), before);
    assert!(web_events(&bed, &ns).await.is_empty());
}

/// Found by the attack run: without `baseURL` the origin check trusted `Host`, which a page
/// that rebinds its own DNS name to flux-web's address controls.
#[tokio::test]
async fn a_request_naming_another_host_is_refused_before_it_reads_or_acts() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("rebinding").await;
    grant_alice_everything(&bed, &ns).await;
    let (resource, name, spec) = flux_objects().remove(0);
    create(&bed, &ns, &resource, name, spec).await;
    let without_base = flux_web(&bed, Settings::default()).await;
    let mut config: Value =
        serde_json::from_str(&crate::support::app::config_yaml(Settings::default())).unwrap();
    config["spec"]["baseURL"] = json!("https://flux.example.com");
    let with_base = crate::support::app::flux_web_with(&bed, &config.to_string()).await;
    until_allowed(&without_base, &listing(&resource, &ns, name)).await;
    let before = version(&read(&bed, &ns, &resource, name).await);
    let detail = listing(&resource, &ns, name)
        .trim_end_matches("/actions")
        .to_owned();
    let reconcile = path(&resource, &ns, name, "reconcile");
    let cases = [
        (
            &without_base,
            "rebound.evil.example:9080",
            "http://rebound.evil.example:9080",
        ),
        (
            &without_base,
            "127.0.0.1.nip.io:9080",
            "http://127.0.0.1.nip.io:9080",
        ),
        (
            &with_base,
            "rebound.evil.example",
            "https://rebound.evil.example",
        ),
        (&with_base, "127.0.0.1:9080", "http://127.0.0.1:9080"),
    ];
    for (app, host, origin) in cases {
        for (method, path) in [
            ("GET", &detail),
            ("GET", &listing(&resource, &ns, name)),
            ("POST", &reconcile),
        ] {
            let headers = [("host", host), ("origin", origin)];
            let answer = crate::support::oidc::send(app, method, path, &headers, "").await;
            assert_eq!(
                (answer.status, answer.json()["code"].as_str()),
                (421, Some("misdirected_host")),
                "{method} {path} as {host}: {answer:?}"
            );
        }
    }
    assert_eq!(version(&read(&bed, &ns, &resource, name).await), before);
    // Their own names still answer.
    for (app, host) in [
        (&without_base, "127.0.0.1:9080"),
        (&with_base, "flux.example.com"),
    ] {
        let answer = crate::support::oidc::send(app, "GET", &detail, &[("host", host)], "").await;
        assert_eq!(answer.status, 200, "{host}: {answer:?}");
    }
}

/// RBAC of a property-test group: the rules of `custom` verbs, of `patch`, of both, or none.
fn property_rules(custom: bool, native: bool) -> Value {
    let mut rules = vec![
        json!({"apiGroups": FLUX_GROUPS, "resources": ["*"], "verbs": ["get", "list"]}),
        json!({"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get"]}),
        json!({"apiGroups": ["batch"], "resources": ["cronjobs"], "verbs": ["get"]}),
        json!({"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}),
    ];
    if custom {
        rules.extend([
            json!({"apiGroups": FLUX_GROUPS, "resources": ["*"], "verbs": ["reconcile", "suspend", "resume"]}),
            json!({"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["restart"]}),
            json!({"apiGroups": ["batch"], "resources": ["cronjobs"], "verbs": ["restart"]}),
            json!({"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["create"]}),
            json!({"apiGroups": [""], "resources": ["pods"], "verbs": ["delete"]}),
        ]);
    }
    if native {
        rules.extend([
            json!({"apiGroups": FLUX_GROUPS, "resources": ["*"], "verbs": ["patch"]}),
            json!({"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["patch"]}),
        ]);
    }
    json!(rules)
}

/// The listing is the plan plus its checks: for every kind × action × (suspended or not) ×
/// (RBAC: none, custom verb only, patch only, both) × access mode, an action the listing
/// allows is one whose POST with `?dryRun=true` succeeds and would change the object, and one
/// it refuses fails or finds the object in its state already (`changed: false`).
#[tokio::test]
async fn the_listing_allows_exactly_what_a_dry_run_post_does() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("listing-property").await;
    // The same objects again, every one suspended (a FluxInstance must be named `flux`).
    let held = bed.namespace("listing-held").await;
    let r = |group: &str, kind: &str, plural: &str| {
        ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, "v1", kind), plural)
    };
    let mut objects: Vec<(ApiResource, String, String)> = Vec::new();
    for (resource, name, spec) in flux_objects() {
        create(&bed, &ns, &resource, name, spec.clone()).await;
        objects.push((resource.clone(), ns.clone(), name.to_owned()));
        let kind = flux_web_core::kinds::find(&resource.group, &resource.plural).unwrap();
        let suspend = match kind.suspend {
            flux_web_core::kinds::Suspend::No => continue,
            flux_web_core::kinds::Suspend::Spec => json!({"spec": {"suspend": true}}),
            flux_web_core::kinds::Suspend::Annotation(key) => {
                json!({"metadata": {"annotations": {key: "disabled"}}})
            }
        };
        create(&bed, &held, &resource, name, spec).await;
        dynamic(&bed, &held, &resource)
            .await
            .patch(name, &PatchParams::default(), &Patch::Merge(&suspend))
            .await
            .unwrap();
        objects.push((resource, held.clone(), name.to_owned()));
    }
    let template = json!({"metadata": {"labels": {"app": "web"}},
        "spec": {"restartPolicy": "Never", "containers": [{"name": "web", "image": "registry.invalid/web:1"}]}});
    let workloads = [
        (
            r("apps", "Deployment", "deployments"),
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web"}, "spec": {"selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": template["metadata"], "spec": {"containers": template["spec"]["containers"]}}}}),
        ),
        (
            r("batch", "CronJob", "cronjobs"),
            json!({"apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"name": "backup"}, "spec": {"schedule": "0 0 1 1 *", "jobTemplate": {"spec": {"template": template}}}}),
        ),
    ];
    for (resource, object) in workloads {
        let name = object["metadata"]["name"].as_str().unwrap().to_owned();
        crate::support::objects::create_object(&bed, &ns, &resource, object).await;
        objects.push((resource, ns.clone(), name));
    }
    let pods = r("", "Pod", "pods");
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "debug"},
        "spec": {"containers": [{"name": "debug", "image": "registry.invalid/debug:1"}]}});
    // A Pod waits for its namespace's default service account.
    eventually("the Pod", Duration::from_secs(30), || async {
        let object = serde_json::from_value(pod.clone()).unwrap();
        dynamic(&bed, &ns, &pods)
            .await
            .create(&Default::default(), &object)
            .await
            .ok()
    })
    .await;
    objects.push((pods, ns.clone(), "debug".to_owned()));

    let groups = [
        ("prop-none", None),
        ("prop-verb", Some((true, false))),
        ("prop-patch", Some((false, true))),
        ("prop-both", Some((true, true))),
    ];
    for (group, rules) in groups {
        if let Some((custom, native)) = rules {
            for namespace in [&ns, &held] {
                let rules = property_rules(custom, native);
                bed.grant_rules(namespace, group, rules, ("Group", group))
                    .await;
            }
        }
    }
    // FineGrained writes are the server's: it gets deploy/'s rights for them, in these two
    // namespaces only (elsewhere a test shows what its missing RBAC does).
    bed.apply_deploy("components/fine-grained/rbac.yaml").await;
    for namespace in [&ns, &held] {
        bed.apply(&crate::support::rbac("RoleBinding"), Some(namespace), json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "flux-web-fine-grained"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "flux-web-fine-grained"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "flux-web"}],
        }))
        .await;
    }
    let mut compared = 0;
    for access in ["Impersonated", "FineGrained"] {
        for (group, _) in groups {
            let app = flux_web(
                &bed,
                Settings {
                    username: "prop",
                    groups: &[group],
                    access,
                    ..Settings::default()
                },
            )
            .await;
            if group != "prop-none" {
                // The Role counts once its `get` does (its rules arrive together).
                for (resource, namespace, name) in [&objects[0], &objects[1]] {
                    let detail = listing(resource, namespace, name);
                    eventually(group, Duration::from_secs(10), || async {
                        (call(&app, "GET", &detail, None).await.0 == 200).then_some(())
                    })
                    .await;
                }
            }
            for (resource, ns, name) in &objects {
                let kind = flux_web_core::kinds::find(&resource.group, &resource.plural).unwrap();
                let (status, listed) = call(&app, "GET", &listing(resource, ns, name), None).await;
                for action in kind.actions() {
                    if action == flux_web_core::kinds::Action::Download {
                        continue; // a GET that streams, not a state change
                    }
                    let allowed = status == 200
                        && listed["actions"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .any(|a| a["action"] == action.name() && a["allowed"] == true);
                    let post = format!("{}?dryRun=true", path(resource, ns, name, action.name()));
                    let (posted, body) = call(&app, "POST", &post, None).await;
                    // Allowed is "would change it": an action that finds the object in its
                    // state already is 200 `changed: false`, and not offered.
                    assert_eq!(
                        allowed,
                        posted == 200 && body["changed"] == true,
                        "{access} {group} {} {ns}/{name} {action}: listing {status} {listed}, POST {posted} {body}",
                        resource.kind
                    );
                    compared += 1;
                }
            }
        }
    }
    println!("the listing agreed with a dry-run POST in {compared} cases");
    assert!(compared > 200, "{compared}");
}
