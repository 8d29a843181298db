//! Bulk actions against the real test bed: 300 objects of five kinds in six namespaces, a user
//! with rights in four of them; the pre-flight, the run, its audit trail, and the refusals.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use crate::support::app::{
    Settings, call, config_yaml, flux_web, flux_web_with, grant_server_actions, receiver,
};
use crate::support::objects::{create, dynamic, web_events};
use crate::support::{FLUX_GROUPS, Testbed, eventually};
use axum::body::Body;
use futures::StreamExt;
use http_body_util::BodyExt;
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::{Value, json};
use tower::ServiceExt;

const PER_NAMESPACE: usize = 50;
const RUN_ANNOTATION: &str = "event.toolkit.fluxcd.io/bulk-run";

/// The suspendable kinds the objects are spread over, with a spec each.
fn kinds() -> Vec<(ApiResource, Value)> {
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
            json!({"interval": "10m", "prune": true, "sourceRef": {"kind": "GitRepository", "name": "repo"}}),
        ),
        (
            r(
                "helm.toolkit.fluxcd.io",
                "v2",
                "HelmRelease",
                "helmreleases",
            ),
            json!({"interval": "10m", "chart": {"spec": {"chart": "podinfo", "sourceRef": {"kind": "HelmRepository", "name": "charts"}}}}),
        ),
        (
            r(src, "v1", "GitRepository", "gitrepositories"),
            json!({"interval": "10m", "url": "https://git.example.com/repo"}),
        ),
        (
            r(src, "v1", "OCIRepository", "ocirepositories"),
            json!({"interval": "10m", "url": "oci://registry.example.com/repo"}),
        ),
        (
            r(src, "v1", "HelmRepository", "helmrepositories"),
            json!({"interval": "10m", "url": "https://charts.example.com"}),
        ),
    ]
}

/// One object of the world: its namespace, resource and name.
#[derive(Clone)]
struct Object {
    ns: String,
    resource: ApiResource,
    name: String,
}

impl Object {
    fn address(&self) -> String {
        format!(
            "{}/{}/{}/{}",
            self.resource.group, self.resource.plural, self.ns, self.name
        )
    }

    fn key(&self) -> (String, String, String) {
        (
            self.resource.kind.clone(),
            self.ns.clone(),
            self.name.clone(),
        )
    }
}

/// Six namespaces of 50 objects each; ada (group `bulk-ops`) may act in the first four and
/// only read the last two.
async fn world(bed: &Testbed) -> (Vec<String>, Vec<Object>) {
    grant_server_actions(bed).await;
    let mut namespaces = Vec::new();
    for i in 0..6 {
        let ns = bed.namespace("bulk").await;
        let verbs: &[&str] = if i < 4 {
            &[
                "get",
                "list",
                "watch",
                "patch",
                "reconcile",
                "suspend",
                "resume",
            ]
        } else {
            &["get", "list", "watch"]
        };
        bed.grant_rules(
            &ns,
            "bulk-ops",
            json!([{"apiGroups": FLUX_GROUPS, "resources": ["*"], "verbs": verbs}]),
            ("Group", "bulk-ops"),
        )
        .await;
        namespaces.push(ns);
    }
    let kinds = kinds();
    let mut objects = Vec::new();
    for ns in &namespaces {
        for i in 0..PER_NAMESPACE {
            let (resource, _) = &kinds[i % kinds.len()];
            objects.push(Object {
                ns: ns.clone(),
                resource: resource.clone(),
                name: format!("o{i:02}"),
            });
        }
    }
    futures::stream::iter(objects.iter())
        .for_each_concurrent(16, |o| {
            let spec = kinds
                .iter()
                .find(|(r, _)| r.kind == o.resource.kind)
                .unwrap()
                .1
                .clone();
            async move {
                create(bed, &o.ns, &o.resource, &o.name, spec).await;
            }
        })
        .await;
    (namespaces, objects)
}

/// Every object's resourceVersion and `spec.suspend`, read as admin.
async fn snapshot(
    bed: &Testbed,
    objects: &[Object],
) -> BTreeMap<(String, String, String), (String, bool)> {
    let mut seen = BTreeMap::new();
    let mut read: HashSet<(String, String)> = HashSet::new();
    for o in objects {
        if !read.insert((o.ns.clone(), o.resource.plural.clone())) {
            continue;
        }
        let list = dynamic(bed, &o.ns, &o.resource)
            .await
            .list(&Default::default())
            .await
            .unwrap();
        for item in list {
            let key = (
                o.resource.kind.clone(),
                o.ns.clone(),
                item.metadata.name.clone().unwrap(),
            );
            let suspended = item.data["spec"]["suspend"].as_bool().unwrap_or(false);
            seen.insert(
                key,
                (item.metadata.resource_version.clone().unwrap(), suspended),
            );
        }
    }
    seen
}

/// POSTs a bulk action and answers the status and the NDJSON lines of the body (or the one
/// JSON document of an error).
async fn stream(app: &axum::Router, path: &str, body: Value) -> (u16, Vec<Value>) {
    let request = http::Request::builder()
        .method("POST")
        .uri(path)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let kind = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    if kind != "application/x-ndjson" {
        return (status, vec![serde_json::from_str(&text).unwrap()]);
    }
    (
        status,
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect(),
    )
}

/// The pre-flight of `action` with `body`: its status and JSON answer.
async fn preflight(app: &axum::Router, action: &str, body: Value) -> (u16, Value) {
    let path = format!("/api/v1/actions/{action}?dryRun=true");
    call(app, "POST", &path, Some(body)).await
}

fn ada() -> Settings<'static> {
    Settings::user("ada", &["bulk-ops"])
}

#[tokio::test]
async fn a_bulk_suspend_changes_exactly_what_its_preflight_approved_and_audits_each_change_once() {
    let bed = testbed!();
    let (namespaces, objects) = world(&bed).await;
    let allowed: HashSet<&str> = namespaces[..4].iter().map(String::as_str).collect();
    let (address, received) = receiver().await;
    let app = flux_web(
        &bed,
        Settings {
            notification_controller: Some(address),
            ..ada()
        },
    )
    .await;
    let targets: Vec<String> = objects.iter().map(Object::address).collect();
    let before = snapshot(&bed, &objects).await;
    assert_eq!(before.len(), 300);

    // The pre-flight names each refused target with its missing rule and writes nothing.
    let body = json!({"targets": targets, "reason": "INC-123"});
    let (status, preflight) = preflight(&app, "suspend", body).await;
    assert_eq!(status, 200, "{preflight}");
    assert_eq!(
        preflight["tally"]["willChange"], 200,
        "{}",
        preflight["tally"]
    );
    assert_eq!(preflight["tally"]["refused"], 100);
    let items = preflight["items"].as_array().unwrap();
    assert_eq!(items.len(), 300);
    for (item, object) in items.iter().zip(&objects) {
        assert_eq!(
            item["target"]["name"],
            object.name.as_str(),
            "items keep the order named"
        );
        assert_eq!(item["target"]["namespace"], object.ns.as_str());
        if allowed.contains(object.ns.as_str()) {
            assert_eq!(item["fate"], "will_change", "{item}");
        } else {
            assert_eq!(
                (item["fate"].as_str(), item["code"].as_str()),
                (Some("refused"), Some("forbidden")),
                "{item}"
            );
            let message = item["message"].as_str().unwrap();
            assert!(
                message.contains("missing RBAC rule")
                    && message.contains(&format!("in namespace '{}'", object.ns)),
                "{message}"
            );
        }
    }
    assert_eq!(
        snapshot(&bed, &objects).await,
        before,
        "a pre-flight writes nothing"
    );
    assert!(web_events(&bed, &namespaces[0]).await.is_empty());

    // An object that appears after the pre-flight is not in what its token approved.
    let late = Object {
        name: "late".into(),
        ..objects[0].clone()
    };
    create(
        &bed,
        &late.ns,
        &late.resource,
        &late.name,
        kinds()[0].1.clone(),
    )
    .await;
    let late_version = snapshot(&bed, std::slice::from_ref(&late)).await[&late.key()].clone();
    let mut with_late = targets.clone();
    with_late.push(late.address());
    let token = preflight["token"].as_str().unwrap();
    let body = json!({"targets": with_late, "reason": "INC-123", "token": token});
    let (status, lines) = stream(&app, "/api/v1/actions/suspend", body).await;
    assert_eq!(status, 200, "{lines:?}");
    assert_eq!(lines.len(), 303, "start, a result per target, end");
    assert_eq!(lines[0]["type"], "start");
    assert_eq!(lines[0]["total"], 301);
    let run = lines[0]["run"].as_str().unwrap().to_owned();
    let end = &lines[302];
    assert_eq!(
        (end["type"].as_str(), end["run"].as_str()),
        (Some("end"), Some(run.as_str()))
    );
    assert_eq!(end["tally"]["changed"], 200, "{}", end["tally"]);
    assert_eq!(end["tally"]["refused"], 101);
    let results: BTreeMap<u64, &Value> = lines[1..302]
        .iter()
        .map(|l| (l["index"].as_u64().unwrap(), l))
        .collect();
    assert_eq!(results.len(), 301, "each target once");
    assert_eq!(
        (
            results[&300]["fate"].as_str(),
            results[&300]["code"].as_str()
        ),
        (Some("refused"), Some("not_approved"))
    );

    // Exactly the allowed objects changed; the refused ones and the late one did not.
    let after = snapshot(&bed, &objects).await;
    for object in &objects {
        let (was, now) = (&before[&object.key()], &after[&object.key()]);
        if allowed.contains(object.ns.as_str()) {
            assert!(now.1 && now.0 != was.0, "{} suspended", object.address());
        } else {
            assert_eq!(now, was, "{} untouched", object.address());
        }
    }
    assert_eq!(
        snapshot(&bed, std::slice::from_ref(&late)).await[&late.key()],
        late_version
    );

    // One audit Event per changed object, each carrying the run's id; none where nothing changed.
    for ns in &namespaces {
        let events = web_events(&bed, ns).await;
        let expected = if allowed.contains(ns.as_str()) {
            PER_NAMESPACE
        } else {
            0
        };
        assert_eq!(events.len(), expected, "{ns}");
        let involved: HashSet<_> = events
            .iter()
            .map(|e| {
                (
                    e.involved_object.kind.clone(),
                    e.involved_object.name.clone(),
                )
            })
            .collect();
        assert_eq!(involved.len(), expected, "one Event per object in {ns}");
        for event in events {
            assert_eq!(event.metadata.annotations.unwrap()[RUN_ANNOTATION], run);
        }
    }
    let forwarded = eventually(
        "the receiver to get one event per change",
        Duration::from_secs(30),
        || async {
            let got = received.lock().unwrap().clone();
            (got.len() >= 200).then_some(got)
        },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        received.lock().unwrap().len(),
        200,
        "no more than one per change"
    );
    assert!(
        forwarded
            .iter()
            .all(|e| e["metadata"][RUN_ANNOTATION] == run.as_str())
    );

    // A second run reports them already suspended and writes nothing.
    let allowed_targets: Vec<String> = objects
        .iter()
        .filter(|o| allowed.contains(o.ns.as_str()))
        .map(Object::address)
        .collect();
    let (status, lines) = stream(
        &app,
        "/api/v1/actions/suspend",
        json!({"targets": allowed_targets}),
    )
    .await;
    assert_eq!(status, 200);
    let end = lines.last().unwrap();
    assert_eq!(end["tally"]["unchanged"], 200, "{end}");
    assert!(
        lines[1..201]
            .iter()
            .all(|l| l["code"] == "suspended" && l["fate"] == "unchanged")
    );
    assert_eq!(
        snapshot(&bed, &objects).await,
        after,
        "the second run writes nothing"
    );
    assert_eq!(web_events(&bed, &namespaces[0]).await.len(), PER_NAMESPACE);
}

#[tokio::test]
async fn a_selector_picks_the_objects_of_its_filters_and_a_run_past_the_cap_is_refused_whole() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("bulk-select").await;
    bed.grant_rules(
        &ns,
        "bulk-ops",
        json!([{"apiGroups": FLUX_GROUPS, "resources": ["*"], "verbs": ["get", "list", "watch", "patch", "reconcile", "suspend", "resume"]}]),
        ("Group", "bulk-ops"),
    )
    .await;
    let (ks, spec) = kinds().remove(0);
    for name in ["web-a", "web-b", "db"] {
        create(&bed, &ns, &ks, name, spec.clone()).await;
    }
    let mut config: Value = serde_json::from_str(&config_yaml(ada())).unwrap();
    config["spec"]["userActions"]["bulk"] = json!({"maxTargets": 2, "concurrency": 1});
    let app = flux_web_with(&bed, &config.to_string()).await;
    crate::support::objects::until_allowed(&app, &crate::support::objects::listing(&ks, &ns, "db"))
        .await;
    // Every Kustomization of the namespace (the snapshot lists a namespace's kind whole).
    let all = [Object {
        ns: ns.clone(),
        resource: ks.clone(),
        name: String::new(),
    }];
    let versions = snapshot(&bed, &all).await;

    let selector = json!({"selector": {"kind": "ks", "namespace": ns, "q": "WEB"}});
    let (status, preflight) = preflight(&app, "reconcile", selector).await;
    assert_eq!(status, 200, "{preflight}");
    let names: Vec<_> = preflight["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["target"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["web-a", "web-b"]);

    let refusals = [
        (
            "reconcile",
            json!({"selector": {"kind": "ks", "namespace": ns}}),
            400,
            "too_many_targets",
        ),
        (
            "reconcile",
            json!({"targets": [format!("kustomize.toolkit.fluxcd.io/ks/{ns}/db"), format!("kustomize.toolkit.fluxcd.io/ks/{ns}/web-a"), format!("kustomize.toolkit.fluxcd.io/ks/{ns}/web-b")]}),
            400,
            "too_many_targets",
        ),
        (
            "reconcile",
            json!({"targets": ["ks/web"]}),
            400,
            "invalid_body",
        ),
        (
            "reconcile",
            json!({"targets": [], "selector": {}}),
            400,
            "invalid_body",
        ),
        (
            "reconcile",
            json!({"selector": {"kind": "pods"}}),
            400,
            "invalid_body",
        ),
        (
            "reconcile",
            json!({"selector": {"namespace": ns, "q": "db"}, "token": "forged"}),
            400,
            "invalid_preflight",
        ),
        (
            "resume",
            json!({"selector": {"kind": "ks", "namespace": ns, "q": "web"}, "token": preflight["token"]}),
            400,
            "invalid_preflight",
        ),
        ("download", json!({"targets": []}), 400, "unknown_action"),
        (
            "reconcile?wait=1m",
            json!({"targets": []}),
            400,
            "invalid_query",
        ),
    ];
    for (action, body, status, code) in refusals {
        let (got, problem) = call(
            &app,
            "POST",
            &format!("/api/v1/actions/{action}"),
            Some(body.clone()),
        )
        .await;
        assert_eq!(
            (got, problem["code"].as_str()),
            (status, Some(code)),
            "{action} {body}: {problem}"
        );
    }
    let same = snapshot(&bed, &all).await;
    assert_eq!(same, versions, "no refusal wrote anything");
    assert!(web_events(&bed, &ns).await.is_empty());
}

#[tokio::test]
async fn without_authentication_a_bulk_action_is_refused_and_writes_nothing() {
    let bed = testbed!();
    let app = flux_web_with(
        &bed,
        "apiVersion: web.fluxcd.controlplane.io/v1\nkind: Config\n",
    )
    .await;
    let (status, problem) = preflight(&app, "suspend", json!({"selector": {}})).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (403, Some("actions_disabled")),
        "{problem}"
    );
}

#[tokio::test]
async fn a_rule_naming_one_object_allows_that_object_and_no_other_alone_or_in_bulk() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("bulk-names").await;
    let (ks, spec) = kinds().remove(0);
    bed.grant_rules(
        &ns,
        "bulk-ops",
        json!([
            {"apiGroups": FLUX_GROUPS, "resources": ["*"], "verbs": ["get", "list", "watch"]},
            {"apiGroups": [ks.group], "resources": [ks.plural], "resourceNames": ["named"], "verbs": ["patch", "suspend"]},
        ]),
        ("Group", "bulk-ops"),
    )
    .await;
    for name in ["named", "other"] {
        create(&bed, &ns, &ks, name, spec.clone()).await;
    }
    let app = flux_web(&bed, ada()).await;
    let address = |name: &str| format!("{}/{}/{ns}/{name}", ks.group, ks.plural);
    let path = |name: &str| format!("/api/v1/{}/actions/suspend?dryRun=true", address(name));
    crate::support::objects::until_allowed(
        &app,
        &crate::support::objects::listing(&ks, &ns, "named"),
    )
    .await;

    let (status, body) = call(&app, "POST", &path("named"), None).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = call(&app, "POST", &path("other"), None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("forbidden")),
        "{body}"
    );
    let (status, preflight) = preflight(
        &app,
        "suspend",
        json!({"targets": [address("named"), address("other")]}),
    )
    .await;
    assert_eq!(status, 200, "{preflight}");
    let fates: Vec<_> = preflight["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["fate"].as_str().unwrap())
        .collect();
    assert_eq!(fates, ["will_change", "refused"], "{preflight}");
}

#[tokio::test]
async fn a_bulk_suspend_until_gives_every_target_one_end_and_one_too_far_changes_nothing() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("bulk-until").await;
    let (ks, spec) = kinds().remove(0);
    bed.grant_rules(
        &ns,
        "bulk-until",
        json!([{"apiGroups": FLUX_GROUPS, "resources": ["*"], "verbs": ["get", "list", "watch", "patch", "suspend"]}]),
        ("Group", "bulk-until"),
    )
    .await;
    for name in ["one", "two"] {
        create(&bed, &ns, &ks, name, spec.clone()).await;
    }
    let app = flux_web(&bed, Settings::user("uma", &["bulk-until"])).await;
    crate::support::objects::until_allowed(
        &app,
        &crate::support::objects::listing(&ks, &ns, "one"),
    )
    .await;
    let targets: Vec<String> = ["one", "two"]
        .iter()
        .map(|name| format!("{}/{}/{ns}/{name}", ks.group, ks.plural))
        .collect();
    let versions = || async {
        let mut versions = Vec::new();
        for name in ["one", "two"] {
            let object = crate::support::objects::read(&bed, &ns, &ks, name).await;
            versions.push(object.metadata.resource_version.unwrap());
        }
        versions
    };
    let before = versions().await;

    for too_far in ["1000h", "2020-01-01T00:00:00Z", "soon"] {
        let (status, body) = stream(
            &app,
            "/api/v1/actions/suspend",
            json!({"targets": targets, "until": too_far}),
        )
        .await;
        assert_eq!(status, 400, "{too_far}: {body:?}");
        assert_eq!(body[0]["code"], "invalid_body", "{body:?}");
    }
    let (_, body) = preflight(
        &app,
        "suspend",
        json!({"targets": targets, "until": "1000h"}),
    )
    .await;
    assert!(body["detail"].as_str().unwrap().contains("720h"), "{body}");
    assert_eq!(
        versions().await,
        before,
        "a refused bulk suspend wrote something"
    );

    // An end makes the server resume and reconcile later: without `resume`, refused.
    let freeze = || async {
        let (status, lines) = stream(
            &app,
            "/api/v1/actions/suspend",
            json!({"targets": targets, "until": "2h", "reason": "freeze"}),
        )
        .await;
        assert_eq!(status, 200, "{lines:?}");
        lines
    };
    let lines = freeze().await;
    assert_eq!(lines.last().unwrap()["tally"]["refused"], 2, "{lines:?}");
    assert!(
        lines[1]["message"].as_str().unwrap().contains("resume"),
        "{lines:?}"
    );
    assert_eq!(versions().await, before, "suspended without resume");
    bed.grant_rules(
        &ns,
        "bulk-until-resume",
        json!([{"apiGroups": FLUX_GROUPS, "resources": ["*"], "verbs": ["resume"]}]),
        ("Group", "bulk-until"),
    )
    .await;
    eventually("uma's resume to count", Duration::from_secs(20), || async {
        let (_, body) =
            preflight(&app, "suspend", json!({"targets": targets, "until": "2h"})).await;
        (body["tally"]["willChange"] == 2).then_some(())
    })
    .await;

    let lines = freeze().await;
    assert_eq!(lines.last().unwrap()["tally"]["changed"], 2, "{lines:?}");
    let ends: Vec<String> = {
        let mut ends = Vec::new();
        for name in ["one", "two"] {
            let object = crate::support::objects::read(&bed, &ns, &ks, name).await;
            let annotations = object.metadata.annotations.unwrap_or_default();
            ends.push(annotations["web.fluxcd.controlplane.io/suspendedUntil"].clone());
        }
        ends
    };
    assert_eq!(ends[0], ends[1], "one run, one end");
    let end: jiff::Timestamp = ends[0].parse().unwrap();
    let ahead = end.duration_since(jiff::Timestamp::now()).as_secs();
    assert!((7100..=7201).contains(&ahead), "ends in {ahead} s, not 2 h");
}
