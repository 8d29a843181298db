//! The events page's API against the test bed: `GET /api/v1/events` and its live stream show
//! the Events of the namespaces where the caller may list Events, and nothing of the others.

use std::time::Duration;

use crate::support::app::{Settings, call, flux_web, grant_server_actions};
use crate::support::sse::Events;
use crate::support::{Testbed, User};
use k8s_openapi::api::core::v1::Event;
use kube::api::PostParams;
use serde_json::{Value, json};

/// The server's watch of Events lists within this; after that, Events are live.
const LISTED: Duration = Duration::from_secs(15);
/// How long a new Event may take to reach a page.
const LIVE: Duration = Duration::from_secs(5);

/// Records an Event about `object` (`[apiVersion, kind, name]`) in `namespace`, as admin.
async fn record(bed: &Testbed, namespace: &str, object: [&str; 3], event: [&str; 4]) {
    let [api_version, kind, name] = object;
    let [reason, type_, message, time] = event;
    let event: Event = serde_json::from_value(json!({
        "metadata": {"generateName": format!("{name}.")},
        "involvedObject": {"apiVersion": api_version, "kind": kind, "name": name, "namespace": namespace},
        "reason": reason, "type": type_, "message": message,
        "firstTimestamp": time, "lastTimestamp": time,
        "source": {"component": "events-test"},
    }))
    .unwrap();
    kube::Api::<Event>::namespaced(bed.client(User::Admin).await, namespace)
        .create(&PostParams::default(), &event)
        .await
        .unwrap();
}

const KS: [&str; 2] = ["kustomize.toolkit.fluxcd.io/v1", "Kustomization"];

fn messages(page: &Value) -> Vec<String> {
    page["events"]
        .as_array()
        .unwrap_or_else(|| panic!("no events in {page}"))
        .iter()
        .map(|e| e["entry"]["message"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_events_page_lists_filters_and_pages_only_what_the_caller_may_list() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let mine = bed.namespace("events-mine").await;
    let theirs = bed.namespace("events-theirs").await;
    // A group of this run alone: the bed keeps earlier runs' namespaces and their grants.
    let readers = format!("readers-of-{mine}");
    bed.grant(
        &mine,
        "event-readers",
        "",
        "events",
        &["list"],
        ("Group", &readers),
    )
    .await;
    bed.bind_cluster_role("events-test-olga-view", "view", ("User", "olga"))
        .await;
    record(
        &bed,
        &mine,
        [KS[0], KS[1], "apps"],
        [
            "ReconciliationSucceeded",
            "Normal",
            "applied main@sha1:1",
            "2026-11-30T10:00:00Z",
        ],
    )
    .await;
    record(
        &bed,
        &mine,
        [KS[0], KS[1], "apps"],
        [
            "HealthCheckFailed",
            "Warning",
            "web not ready",
            "2026-11-30T11:00:00Z",
        ],
    )
    .await;
    record(
        &bed,
        &mine,
        ["v1", "Pod", "web-1"],
        [
            "BackOff",
            "Warning",
            "back-off restarting web-1",
            "2026-11-30T12:00:00Z",
        ],
    )
    .await;
    // About a kind flux-web does not show: left out.
    record(
        &bed,
        &mine,
        ["v1", "ConfigMap", "settings"],
        ["Updated", "Normal", "a config map", "2026-11-30T13:00:00Z"],
    )
    .await;
    record(
        &bed,
        &theirs,
        [KS[0], KS[1], "secret-apps"],
        [
            "ReconciliationSucceeded",
            "Normal",
            "theirs applied",
            "2026-11-30T11:30:00Z",
        ],
    )
    .await;

    let erin = flux_web(&bed, Settings::user("erin", &[&readers])).await;
    let (status, page) = call(&erin, "GET", "/api/v1/events", None).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        messages(&page),
        [
            "back-off restarting web-1",
            "web not ready",
            "applied main@sha1:1"
        ],
        "erin may list Events in {mine} only"
    );
    let read: Vec<&str> = page["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert!(
        read.contains(&mine.as_str()) && !read.contains(&theirs.as_str()),
        "{read:?}"
    );
    let first = &page["events"][1];
    assert_eq!(first["object"]["kind"], "Kustomization");
    assert_eq!(first["object"]["group"], "kustomize.toolkit.fluxcd.io");
    assert_eq!(first["object"]["namespace"], mine.as_str());
    assert_eq!(
        (first["severity"].as_str(), first["entry"]["kind"].as_str()),
        (Some("Warning"), Some("warning"))
    );

    for (query, expected) in [
        (
            "severity=Warning",
            vec!["back-off restarting web-1", "web not ready"],
        ),
        ("kind=ks", vec!["web not ready", "applied main@sha1:1"]),
        (
            "kind=pods&severity=Warning",
            vec!["back-off restarting web-1"],
        ),
        (
            "reason=ReconciliationSucceeded",
            vec!["applied main@sha1:1"],
        ),
        ("q=MAIN%40SHA1", vec!["applied main@sha1:1"]),
        ("q=web-1", vec!["back-off restarting web-1"]),
        ("kind=hr", vec![]),
    ] {
        let (status, page) = call(&erin, "GET", &format!("/api/v1/events?{query}"), None).await;
        assert_eq!(status, 200, "{query}: {page}");
        assert_eq!(messages(&page), expected, "{query}");
    }
    // A page of two, then the rest.
    let (_, first) = call(&erin, "GET", "/api/v1/events?limit=2", None).await;
    assert_eq!(messages(&first).len(), 2);
    let next = first["next"].as_str().unwrap();
    let (_, second) = call(
        &erin,
        "GET",
        &format!("/api/v1/events?limit=2&before={next}"),
        None,
    )
    .await;
    assert_eq!(messages(&second), ["applied main@sha1:1"]);
    assert!(second["next"].is_null());

    // A namespace of others: refused, not an empty page.
    let (status, problem) = call(
        &erin,
        "GET",
        &format!("/api/v1/events?namespace={theirs}"),
        None,
    )
    .await;
    assert_eq!(status, 403, "{problem}");
    for bad in [
        "reason=a,type=Normal",
        "severity=warning",
        "kind=secrets",
        "limit=0",
        "before=yesterday",
        "watch=true",
    ] {
        let (status, problem) = call(&erin, "GET", &format!("/api/v1/events?{bad}"), None).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (400, Some("invalid_query")),
            "{bad}: {problem}"
        );
    }

    // Who may list Events everywhere reads them in one list, theirs among them.
    let olga = flux_web(&bed, Settings::user("olga", &[])).await;
    let (status, page) = call(
        &olga,
        "GET",
        &format!("/api/v1/events?namespace={theirs}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(messages(&page), ["theirs applied"]);
    let (_, page) = call(&olga, "GET", "/api/v1/events?q=applied", None).await;
    assert!(page["namespaces"].is_null(), "{page}");
    let all = messages(&page);
    assert!(
        all.contains(&"theirs applied".to_owned())
            && all.contains(&"applied main@sha1:1".to_owned()),
        "{all:?}"
    );
}

#[tokio::test]
async fn the_live_stream_passes_new_events_the_caller_may_list_and_the_filter_keeps() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let mine = bed.namespace("live-mine").await;
    let theirs = bed.namespace("live-theirs").await;
    bed.grant(
        &mine,
        "live-readers",
        "",
        "events",
        &["list"],
        ("Group", "live-readers"),
    )
    .await;
    let erin = flux_web(&bed, Settings::user("erin", &["live-readers"])).await;
    let (status, problem) = call(&erin, "GET", "/api/v1/events/watch?limit=5", None).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (400, Some("invalid_query")),
        "{problem}"
    );

    let mut all = Events::open(&erin, "/api/v1/events/watch").await;
    // The first subscriber starts the server's watch: once it has listed, Events are news.
    let (name, _) = all
        .next(LISTED)
        .await
        .expect("no resync after the watch listed");
    assert_eq!(name, "resync");
    let mut warnings = Events::open(
        &erin,
        &format!("/api/v1/events/watch?severity=Warning&namespace={mine}"),
    )
    .await;

    let now = jiff::Timestamp::now().to_string();
    record(
        &bed,
        &theirs,
        [KS[0], KS[1], "secret-apps"],
        ["ReconciliationSucceeded", "Normal", "theirs, live", &now],
    )
    .await;
    record(
        &bed,
        &mine,
        [KS[0], KS[1], "apps"],
        ["ReconciliationSucceeded", "Normal", "mine, live", &now],
    )
    .await;
    record(
        &bed,
        &mine,
        [KS[0], KS[1], "apps"],
        ["HealthCheckFailed", "Warning", "mine, failing", &now],
    )
    .await;

    // Written in that order, so theirs would come first were it let through.
    let (_, first) = all
        .until(LIVE, |name, _| name == "event")
        .await
        .expect("erin saw no Event within 5 s");
    assert_eq!(first["entry"]["message"], "mine, live", "{first}");
    assert_eq!(first["object"]["name"], "apps");
    assert!(!first["id"].as_str().unwrap().is_empty());
    let (_, warning) = warnings
        .until(LIVE, |name, _| name == "event")
        .await
        .expect("the Warning did not arrive");
    assert_eq!(warning["entry"]["message"], "mine, failing", "{warning}");
}
