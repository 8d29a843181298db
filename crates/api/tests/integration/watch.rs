//! `GET /api/v1/watch` against the test bed: changes arrive while the caller may see them.

use std::time::{Duration, Instant};

use crate::support::app::{Settings, flux_web, grant_server_actions};
use crate::support::objects::{create, dynamic, set_status};
use crate::support::sse::Events;
use crate::support::{FLUX_GROUPS, User, eventually, kustomizations, rbac};
use kube::api::DeleteParams;
use serde_json::{Value, json};

/// The watch of a kind is listed within this; after that, changes are live.
const LISTED: Duration = Duration::from_secs(15);
/// The acceptance bound of issue 6: a change reaches the page within 2 s.
const LIVE: Duration = Duration::from_secs(2);
/// Longer than the access-review cache keeps an allowance (5 s).
const CACHE_EXPIRED: Duration = Duration::from_secs(6);

fn ready(message: &str) -> Value {
    json!({"conditions": [{"type": "Ready", "status": "True", "reason": "Succeeded",
        "message": message, "lastTransitionTime": "2026-11-23T21:00:00Z"}]})
}

fn is_change_to(name: &str, message: &str) -> impl Fn(&str, &Value) -> bool {
    move |event, data| {
        event == "changed"
            && data["target"]["name"] == name
            && data["summary"]["message"] == message
    }
}

#[tokio::test]
async fn a_page_sees_a_change_within_two_seconds_and_none_once_access_is_gone() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("watch").await;
    let ks = kustomizations();
    let read = json!([{"apiGroups": FLUX_GROUPS, "resources": ["*"], "verbs": ["get", "list"]}]);
    bed.grant_rules(&ns, "devs-read", read.clone(), ("Group", "devs"))
        .await;
    create(
        &bed,
        &ns,
        &ks,
        "apps",
        json!({"interval": "10m", "prune": true,
        "sourceRef": {"kind": "GitRepository", "name": "repo"}}),
    )
    .await;

    let alice = flux_web(&bed, Settings::default()).await;
    let mallory = flux_web(&bed, Settings::user("mallory", &[])).await;
    let path = format!("/api/v1/watch?kind=ks&namespace={ns}");
    let mut alices = Events::open(&alice, &path).await;
    let mut mallorys = Events::open(&mallory, &path).await;
    for events in [&mut alices, &mut mallorys] {
        let (name, _) = events.next(LISTED).await.expect("no resync after listing");
        assert_eq!(
            name, "resync",
            "the first event says a fetch misses nothing now"
        );
    }

    let changed_at = Instant::now();
    set_status(&bed, &ns, &ks, "apps", ready("applied revision one")).await;
    let (_, data) = alices
        .until(LIVE, is_change_to("apps", "applied revision one"))
        .await
        .expect("alice saw no change within 2 s");
    println!("change seen by the page after {:?}", changed_at.elapsed());
    assert_eq!(data["type"], "changed");
    assert_eq!(data["summary"]["state"], "ready");
    assert_eq!(data["target"]["kind"], "Kustomization");
    assert_eq!(data["target"]["namespace"], ns.as_str());
    assert!(
        mallorys.until(LIVE, |e, _| e != "resync").await.is_none(),
        "mallory may not list Kustomizations in {ns}, so sees no change"
    );

    // Access revoked: once the cached allowance expires, changes stop.
    let bindings = dynamic(&bed, &ns, &rbac("RoleBinding")).await;
    bindings
        .delete("devs-read", &DeleteParams::default())
        .await
        .unwrap();
    tokio::time::sleep(CACHE_EXPIRED).await;
    set_status(&bed, &ns, &ks, "apps", ready("applied revision two")).await;
    assert!(
        alices
            .until(Duration::from_secs(3), |e, _| e == "changed")
            .await
            .is_none(),
        "alice lost list on Kustomizations in {ns} but still received a change"
    );

    // The same stream, access back: changes flow again (the filter withheld them, nothing
    // broke), deletions included.
    bed.grant_rules(&ns, "devs-read", read, ("Group", "devs"))
        .await;
    let client = bed.client(User::Alice).await;
    eventually("alice may list again", Duration::from_secs(10), || {
        let api = kube::Api::<kube::api::DynamicObject>::namespaced_with(client.clone(), &ns, &ks);
        async move { api.list(&Default::default()).await.ok() }
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await; // a denial is cached for 2 s
    set_status(&bed, &ns, &ks, "apps", ready("applied revision three")).await;
    alices
        .until(LIVE, is_change_to("apps", "applied revision three"))
        .await
        .expect("alice's access is back but no change arrived");
    dynamic(&bed, &ns, &ks)
        .await
        .delete("apps", &DeleteParams::default())
        .await
        .unwrap();
    let (_, data) = alices
        .until(LIVE, |e, d| e == "deleted" && d["target"]["name"] == "apps")
        .await
        .expect("no deleted event");
    assert!(data.get("summary").is_none());
}

#[tokio::test]
async fn a_page_watching_one_object_sees_only_that_object() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("watch-one").await;
    let ks = kustomizations();
    // get, not list: the page of one object needs only what the object's page needs.
    bed.grant_rules(
        &ns,
        "devs-get",
        json!([{"apiGroups": FLUX_GROUPS, "resources": ["*"],
        "verbs": ["get"]}]),
        ("Group", "devs"),
    )
    .await;
    for name in ["web", "db"] {
        create(
            &bed,
            &ns,
            &ks,
            name,
            json!({"interval": "10m", "prune": true,
            "sourceRef": {"kind": "GitRepository", "name": "repo"}}),
        )
        .await;
    }
    let alice = flux_web(&bed, Settings::default()).await;
    let mut events = Events::open(
        &alice,
        &format!("/api/v1/watch?kind=kustomizations&namespace={ns}&name=web"),
    )
    .await;
    assert_eq!(events.next(LISTED).await.unwrap().0, "resync");
    set_status(&bed, &ns, &ks, "db", ready("db ready")).await;
    set_status(&bed, &ns, &ks, "web", ready("web ready")).await;
    let (_, data) = events
        .until(LIVE, |e, _| e == "changed")
        .await
        .expect("no change to web");
    assert_eq!(data["target"]["name"], "web", "db is not on this page");
    assert_eq!(data["summary"]["message"], "web ready");
}

#[tokio::test]
async fn a_page_of_every_kind_hears_one_resync_not_one_a_kind() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    // A new server: none of the 18 Flux kinds is watched yet, each list ends in a resync.
    let app = flux_web(&bed, Settings::default()).await;
    let mut events = Events::open(&app, "/api/v1/watch").await;
    assert_eq!(events.next(LISTED).await.unwrap().0, "resync");
    assert!(
        events
            .until(Duration::from_secs(3), |e, _| e == "resync")
            .await
            .is_none(),
        "a second resync without a re-list"
    );
}

/// Past its share of live streams (`spec.limits.streams.perUser`, counting the object watch
/// and the events watch together), a caller gets a 429 with `Retry-After`; a stream it closes
/// frees its place.
#[tokio::test]
async fn past_its_share_of_streams_a_caller_gets_429_with_retry_after_and_a_closed_one_frees_a_place()
 {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let mut config: Value =
        serde_json::from_str(&crate::support::app::config_yaml(Settings::default())).unwrap();
    config["spec"]["limits"] = json!({"streams": {"perUser": 2, "total": 10}});
    let alice = crate::support::app::flux_web_with(&bed, &config.to_string()).await;
    let first = Events::open(&alice, "/api/v1/watch?kind=ks").await;
    let _second = Events::open(&alice, "/api/v1/events/watch").await;
    for path in ["/api/v1/watch?kind=ks", "/api/v1/events/watch"] {
        let request = http::Request::get(path)
            .body(axum::body::Body::empty())
            .unwrap();
        let response = tower::ServiceExt::oneshot(alice.clone(), request)
            .await
            .unwrap();
        assert_eq!(response.status(), 429, "{path}");
        assert_eq!(response.headers()["retry-after"], "30", "{path}");
        let body = http_body_util::BodyExt::collect(response.into_body())
            .await
            .unwrap()
            .to_bytes();
        let problem: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(problem["code"], "too_many_requests", "{problem}");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("user alice holds 2"),
            "{problem}"
        );
    }
    drop(first);
    let _third = Events::open(&alice, "/api/v1/watch?kind=ks").await;
}
