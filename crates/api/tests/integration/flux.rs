//! flux-web's actions answered by real Flux controllers on the test bed (source-controller,
//! kustomize-controller and notification-controller of the Flux v2.9 line), delivering a Git
//! repository of each test's own to Pods that kwok's Node makes Ready.

use std::time::Duration;

use crate::support::app::{Settings, call, flux_web, grant_server_actions, post_ok, receiver};
use crate::support::flux::{Repo, git_repositories, git_repository, kustomization, until_ready};
use crate::support::objects::{
    create_as_is, grant_alice_everything, listing, path, read, until_allowed,
};
use crate::support::{Testbed, eventually, kustomizations};
use serde_json::{Value, json};

/// A namespace where alice may do every Flux action, with the demo repository's staging
/// overlay delivered into it by a GitRepository `demo` and a Kustomization `apps`, Ready.
async fn delivered(bed: &Testbed, prefix: &str, interval: &str) -> (String, Repo) {
    grant_server_actions(bed).await;
    let ns = bed.namespace(prefix).await;
    grant_alice_everything(bed, &ns).await;
    let repo = Repo::fork(prefix);
    create_as_is(bed, &ns, &git_repositories(), git_repository("demo", &repo)).await;
    let apps = kustomization("apps", "demo", "./apps/staging", &ns, interval);
    create_as_is(bed, &ns, &kustomizations(), apps).await;
    until_ready(bed, &ns, &kustomizations(), "apps").await;
    (ns, repo)
}

/// POSTs `path` with `?wait=60s`; the answer, once the controller has handled the request.
async fn handled(app: &axum::Router, path: &str) -> Value {
    let body = post_ok(app, &format!("{path}?wait=60s")).await;
    assert_eq!(body["handled"], true, "{path}: {body}");
    body
}

/// The staging overlay with one more object: a ConfigMap holding `note`.
fn with_note(repo: &Repo, note: &str) -> String {
    repo.commit(
        "apps/staging/note.yaml",
        &format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: note\ndata:\n  note: {note}\n"
        ),
        "a note",
    );
    repo.commit(
        "apps/staging/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../base\n  - note.yaml\n",
        &format!("staging carries the note {note}"),
    )
}

fn config_maps() -> kube::core::ApiResource {
    kube::core::ApiResource::erase::<k8s_openapi::api::core::v1::ConfigMap>(&())
}

#[tokio::test]
async fn pull_and_reconcile_with_wait_are_answered_by_the_controllers_with_the_revision_just_committed()
 {
    let bed = testbed!();
    let (ns, repo) = delivered(&bed, "real-wait", "10m").await;
    let app = flux_web(&bed, Settings::default()).await;
    let ks = kustomizations();
    until_allowed(&app, &listing(&ks, &ns, "apps")).await;
    let revision = with_note(&repo, "first");

    // Pull: source-controller fetches the commit and answers the request.
    handled(&app, &path(&ks, &ns, "apps", "pull")).await;
    let source = read(&bed, &ns, &git_repositories(), "demo").await;
    let artifact = &source.data["status"]["artifact"];
    assert_eq!(artifact["revision"], revision.as_str());
    let storage = std::env::var("FLUX_WEB_TEST_STORAGE").unwrap();
    let url = artifact["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("http://{storage}/gitrepository/{ns}/demo/")),
        "{url}"
    );
    let bytes = reqwest::get(url).await.unwrap().bytes().await.unwrap();
    assert_eq!(artifact["digest"], format!("sha256:{}", sha256_hex(&bytes)));
    let (status, detail) = call(
        &app,
        "GET",
        &format!("/api/v1/source.toolkit.fluxcd.io/gitrepositories/{ns}/demo"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["artifact"]["revision"], revision.as_str());
    assert_eq!(detail["artifact"]["digest"], artifact["digest"]);

    // Reconcile: kustomize-controller applies that revision, and ?wait= says so.
    let body = handled(&app, &path(&ks, &ns, "apps", "reconcile")).await;
    assert_eq!(body["ready"]["status"], "True", "{body}");
    assert_eq!(
        body["ready"]["message"],
        format!("Applied revision: {revision}"),
        "{body}"
    );
    let applied = read(&bed, &ns, &ks, "apps").await;
    assert_eq!(
        applied.data["status"]["lastAppliedRevision"],
        revision.as_str()
    );
    let note = read(&bed, &ns, &config_maps(), "note").await;
    assert_eq!(note.data["data"]["note"], "first");
}

#[tokio::test]
async fn suspend_stops_the_controllers_reconciles_and_resume_starts_them_again() {
    let bed = testbed!();
    // Every 2 s: a suspended object that is still reconciled shows it within the test.
    let (ns, repo) = delivered(&bed, "real-suspend", "2s").await;
    let app = flux_web(&bed, Settings::default()).await;
    let ks = kustomizations();
    until_allowed(&app, &listing(&ks, &ns, "apps")).await;

    let (status, body) = call(
        &app,
        "POST",
        &path(&ks, &ns, "apps", "suspend"),
        Some(json!({"reason": "holding for the test"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let before = read(&bed, &ns, &ks, "apps").await.data["status"]["lastAppliedRevision"].clone();
    // The source moves on (its own interval is 10m: ask it), the suspended object does not.
    let revision = with_note(&repo, "held");
    let sources = git_repositories();
    handled(&app, &path(&sources, &ns, "demo", "reconcile")).await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    let held = read(&bed, &ns, &ks, "apps").await;
    assert_eq!(
        held.data["status"]["lastAppliedRevision"], before,
        "applied while suspended"
    );
    assert!(
        crate::support::objects::dynamic(&bed, &ns, &config_maps())
            .await
            .get_opt("note")
            .await
            .unwrap()
            .is_none(),
        "the note was applied while suspended"
    );

    let body = handled(&app, &path(&ks, &ns, "apps", "resume")).await;
    assert_eq!(
        body["ready"]["message"],
        format!("Applied revision: {revision}"),
        "{body}"
    );
    // A 2 s interval left behind would keep kustomize-controller busy for the bed's lifetime.
    crate::support::objects::dynamic(&bed, &ns, &ks)
        .await
        .delete("apps", &Default::default())
        .await
        .unwrap();
}

#[tokio::test]
async fn an_alert_matching_the_web_ui_suffix_gets_our_audit_event_through_notification_controller_and_no_other()
 {
    let bed = testbed!();
    let (ns, repo) = delivered(&bed, "real-alert", "10m").await;
    let (address, received) = receiver().await;
    // notification-controller watches its own namespace only (see e2e/testbed): the Alert
    // lives there and names this test's namespace.
    let provider = json!({
        "apiVersion": "notification.toolkit.fluxcd.io/v1beta3", "kind": "Provider",
        "metadata": {"name": ns}, "spec": {"type": "generic", "address": address},
    });
    let alert = json!({
        "apiVersion": "notification.toolkit.fluxcd.io/v1beta3", "kind": "Alert",
        "metadata": {"name": ns},
        "spec": {
            "providerRef": {"name": ns}, "eventSeverity": "info",
            "eventSources": [{"kind": "Kustomization", "name": "*", "namespace": ns}],
            "inclusionList": [".*on the web UI$"],
        },
    });
    let resource = |kind: &str, plural: &str| {
        kube::core::ApiResource::from_gvk_with_plural(
            &kube::core::GroupVersionKind::gvk("notification.toolkit.fluxcd.io", "v1beta3", kind),
            plural,
        )
    };
    create_as_is(
        &bed,
        "flux-system",
        &resource("Provider", "providers"),
        provider,
    )
    .await;
    create_as_is(&bed, "flux-system", &resource("Alert", "alerts"), alert).await;
    let app = flux_web(
        &bed,
        Settings {
            notification_controller: Some(
                std::env::var("FLUX_WEB_TEST_NOTIFICATION_CONTROLLER").unwrap(),
            ),
            ..Settings::default()
        },
    )
    .await;
    let ks = kustomizations();
    until_allowed(&app, &listing(&ks, &ns, "apps")).await;

    // kustomize-controller's own events of applying a new commit (sent to
    // notification-controller by the recorder that writes the Kubernetes Events read here)
    // do not pass the inclusion list; our audit event of the reconcile that follows does. The
    // pull's audit event is on the GitRepository, which this Alert does not watch.
    let revision = with_note(&repo, "alerted");
    handled(&app, &path(&ks, &ns, "apps", "pull")).await;
    eventually(
        "kustomize-controller's event of the change",
        Duration::from_secs(60),
        || async {
            let events = crate::support::objects::bed_events(&bed, &ns, "Progressing").await;
            events
                .iter()
                .any(|e| {
                    let by = e.source.as_ref().and_then(|s| s.component.as_deref());
                    by == Some("kustomize-controller")
                        && e.message.as_deref() == Some(&format!("ConfigMap/{ns}/note created"))
                })
                .then_some(())
        },
    )
    .await;
    // The event is sent while applying; the status follows when the reconcile ends.
    eventually("the commit applied", Duration::from_secs(30), || async {
        let applied = read(&bed, &ns, &ks, "apps").await;
        (applied.data["status"]["lastAppliedRevision"] == revision.as_str()).then_some(())
    })
    .await;
    handled(&app, &path(&ks, &ns, "apps", "reconcile")).await;
    let forwarded = eventually(
        "our event through notification-controller",
        Duration::from_secs(30),
        || async {
            let got = received.lock().unwrap().clone();
            (!got.is_empty()).then_some(got)
        },
    )
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let all: Vec<Value> = received.lock().unwrap().clone();
    assert_eq!(
        all.len(),
        1,
        "only our event passes the inclusion list: {all:#?}"
    );
    let event = &forwarded[0];
    assert_eq!(
        event["message"],
        format!(
            "User 'alice' performed action 'reconcile' for 'Kustomization/{ns}/apps' on the web UI"
        )
    );
    assert_eq!(event["reason"], "WebAction");
    assert_eq!(event["involvedObject"]["name"], "apps");
    assert_eq!(event["metadata"]["action"], "reconcile", "{event:#}");
    assert_eq!(event["metadata"]["username"], "alice");
    assert_eq!(event["metadata"]["groups"], "devs");
    // The token (kustomize.toolkit.fluxcd.io/token) is notification-controller's own.
    assert_eq!(event["metadata"].get("token"), None, "{event:#}");
}

#[tokio::test]
async fn restart_rolls_pods_that_become_ready_a_deleted_pod_comes_back_and_a_run_job_completes() {
    let bed = testbed!();
    let (ns, _repo) = delivered(&bed, "real-pods", "10m").await;
    bed.grant_rules(&ns, "devs-workloads", json!([
        {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list", "patch", "restart"]},
        {"apiGroups": ["batch"], "resources": ["cronjobs"], "verbs": ["get", "list", "restart"]},
        {"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["get", "list", "create"]},
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "delete"]},
        {"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]},
    ]), ("Group", "devs")).await;
    let app = flux_web(&bed, Settings::default()).await;
    let deployments = kube::core::ApiResource::erase::<k8s_openapi::api::apps::v1::Deployment>(&());
    until_allowed(&app, &listing(&deployments, &ns, "web")).await;
    let pods_of = |app: &'static str| {
        let bed = &bed;
        let ns = ns.clone();
        async move {
            let pods = kube::Api::<k8s_openapi::api::core::v1::Pod>::namespaced(
                bed.client(crate::support::User::Admin).await,
                &ns,
            );
            pods.list(&kube::api::ListParams::default().labels(&format!("app={app}")))
                .await
                .unwrap()
                .items
        }
    };
    let ready = |pod: &k8s_openapi::api::core::v1::Pod| {
        pod.metadata.deletion_timestamp.is_none()
            && pod
                .status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
    };
    let first = pods_of("web").await;
    assert_eq!(first.len(), 1);
    assert!(ready(&first[0]), "{first:?}");
    let first_name = first[0].metadata.name.clone().unwrap();

    // Restart: a new ReplicaSet whose Pod becomes Ready, and the old Pod goes.
    post_ok(&app, &path(&deployments, &ns, "web", "restart")).await;
    let rolled = eventually(
        "the restarted Pod Ready and the old one gone",
        Duration::from_secs(60),
        || async {
            let pods = pods_of("web").await;
            (pods.len() == 1
                && ready(&pods[0])
                && pods[0].metadata.name.as_deref() != Some(first_name.as_str()))
            .then(|| pods[0].metadata.name.clone().unwrap())
        },
    )
    .await;
    let deployment = read(&bed, &ns, &deployments, "web").await;
    assert_eq!(deployment.data["status"]["readyReplicas"], 1);
    assert_eq!(deployment.data["status"]["updatedReplicas"], 1);

    // The restarted Pod's logs, through pods/log as alice.
    let (status, logs) = call(
        &app,
        "GET",
        &format!("/api/v1/apps/deployments/{ns}/web/logs?tailLines=3"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{logs}");
    let lines = logs["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 3, "{logs}");
    assert!(
        lines
            .iter()
            .all(|l| l["pod"] == rolled.as_str() && l["container"] == "web"),
        "{logs}"
    );
    assert!(lines[0]["time"].as_str().unwrap() < lines[2]["time"].as_str().unwrap());

    // Delete a Pod: the ReplicaSet makes another, which becomes Ready.
    let pods = kube::core::ApiResource::erase::<k8s_openapi::api::core::v1::Pod>(&());
    post_ok(&app, &path(&pods, &ns, &rolled, "delete")).await;
    eventually(
        "a replacement Pod Ready",
        Duration::from_secs(60),
        || async {
            let pods = pods_of("web").await;
            (pods.len() == 1
                && ready(&pods[0])
                && pods[0].metadata.name.as_deref() != Some(rolled.as_str()))
            .then_some(())
        },
    )
    .await;

    // Run a Job from the CronJob: kwok completes its Pod, the Job controller the Job.
    let cron_jobs = kube::core::ApiResource::erase::<k8s_openapi::api::batch::v1::CronJob>(&());
    let body = post_ok(&app, &path(&cron_jobs, &ns, "report", "run-job")).await;
    let job = body["job"].as_str().unwrap().to_owned();
    let jobs = kube::Api::<k8s_openapi::api::batch::v1::Job>::namespaced(
        bed.client(crate::support::User::Admin).await,
        &ns,
    );
    eventually("the Job complete", Duration::from_secs(60), || async {
        let all = jobs.list(&Default::default()).await.ok()?.items;
        let done = all.iter().find(|j| {
            j.metadata.name.as_deref() == Some(job.as_str())
                && j.status.as_ref().and_then(|s| s.succeeded) == Some(1)
        });
        done.map(|_| ())
    })
    .await;
    let (status, detail) = call(
        &app,
        "GET",
        &format!("/api/v1/batch/cronjobs/{ns}/report"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["workload"]["jobs"][0]["succeeded"], 1, "{detail}");
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn logs_are_read_as_the_caller_merged_bounded_followed_and_refused_without_pods_log() {
    let bed = testbed!();
    let (ns, _repo) = delivered(&bed, "real-logs", "10m").await;
    let read_pods = json!([
        {"apiGroups": ["apps"], "resources": ["deployments", "statefulsets"], "verbs": ["get", "list"]},
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]},
    ]);
    bed.grant_rules(&ns, "ops-pods", read_pods, ("Group", "ops"))
        .await;
    bed.grant_rules(&ns, "devs-pods", json!([
        {"apiGroups": ["apps"], "resources": ["deployments", "statefulsets"], "verbs": ["get", "list"]},
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]},
        {"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]},
    ]), ("Group", "devs")).await;
    let alice = flux_web(&bed, Settings::default()).await;
    let bob = flux_web(&bed, Settings::user("bob", &["ops"])).await;
    let logs = |kind: &str, name: &str, query: &str| {
        format!("/api/v1/apps/{kind}/{ns}/{name}/logs{query}")
    };
    eventually("alice's grant", Duration::from_secs(10), || async {
        (call(
            &alice,
            "GET",
            &logs("deployments", "web", "?tailLines=1"),
            None,
        )
        .await
        .0 == 200)
            .then_some(())
    })
    .await;

    // web's Pod, oldest line first, each line naming its Pod and container.
    let (status, body) = call(
        &alice,
        "GET",
        &logs("deployments", "web", "?tailLines=5"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let lines = body["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 5, "{body}");
    assert!(
        lines
            .windows(2)
            .all(|w| w[0]["time"].as_str() <= w[1]["time"].as_str())
    );
    assert_eq!(
        lines[4]["text"],
        r#"{"level":"error","msg":"current run, line 200"}"#
    );
    assert_eq!(body["sources"].as_array().unwrap().len(), 1, "{body}");
    let (status, body) = call(
        &alice,
        "GET",
        &logs("statefulsets", "cache", "?previous=true&tailLines=1"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["lines"][0]["text"],
        r#"{"level":"info","msg":"previous run, line 20"}"#
    );
    assert_eq!(body["lines"][0]["container"], "redis");

    // Followed: the sources, then the tail, as NDJSON; the stream stays open.
    let mut body = followed(
        &alice,
        &logs("deployments", "web", "?follow=true&tailLines=2"),
    )
    .await;
    let mut text = String::new();
    while text.lines().count() < 3 {
        let chunk =
            tokio::time::timeout(Duration::from_secs(10), futures::StreamExt::next(&mut body))
                .await
                .expect("a followed line within 10 s")
                .unwrap()
                .unwrap();
        text.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    let events: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events[0]["type"], "sources", "{text}");
    assert_eq!(events[1]["type"], "line", "{text}");
    assert_eq!(
        events[2]["text"],
        r#"{"level":"error","msg":"current run, line 200"}"#
    );

    // Bob may read the Pods but not their logs: refused, by Kubernetes, as bob.
    let (status, body) = call(&bob, "GET", &logs("deployments", "web", ""), None).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("pods/log"),
        "{body}"
    );
    let (status, body) = call(
        &bob,
        "GET",
        &logs("deployments", "web", "?follow=true"),
        None,
    )
    .await;
    assert_eq!(status, 403, "{body}");

    // Without authentication (read-only), logs are not read with the server's rights.
    let read_only = crate::support::app::flux_web_with(
        &bed,
        "apiVersion: web.fluxcd.controlplane.io/v1\nkind: Config\n",
    )
    .await;
    let (status, body) = call(&read_only, "GET", &logs("deployments", "web", ""), None).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("logged-in user"),
        "{body}"
    );

    // Bounds and kinds without logs, refused before anything is read.
    for query in [
        "?tailLines=0",
        "?tailLines=5001",
        "?sinceSeconds=0",
        "?previous=true&follow=true",
        "?container=Bad_Name",
        "?limit=3",
    ] {
        let (status, body) = call(&alice, "GET", &logs("deployments", "web", query), None).await;
        assert_eq!(
            (status, &body["code"]),
            (400, &json!("invalid_query")),
            "{query}: {body}"
        );
    }
    let (status, body) = call(
        &alice,
        "GET",
        &format!("/api/v1/kustomize.toolkit.fluxcd.io/kustomizations/{ns}/apps/logs"),
        None,
    )
    .await;
    assert_eq!(
        (status, &body["code"]),
        (400, &json!("not_applicable")),
        "{body}"
    );
}

/// The body of a followed log, checked to be NDJSON.
async fn followed(app: &axum::Router, path: &str) -> axum::body::BodyDataStream {
    let request = http::Request::get(path)
        .body(axum::body::Body::empty())
        .unwrap();
    let response = tower::ServiceExt::oneshot(app.clone(), request)
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path}");
    assert_eq!(response.headers()["content-type"], "application/x-ndjson");
    response.into_body().into_data_stream()
}

/// The `pods/log` streams kube-apiserver holds open now (its long-running requests).
async fn log_streams(bed: &Testbed) -> u64 {
    let admin = bed.client(crate::support::User::Admin).await;
    let request = http::Request::get("/metrics").body(Vec::new()).unwrap();
    let text = admin.request_text(request).await.unwrap();
    text.lines()
        .filter(|l| {
            l.starts_with("apiserver_longrunning_requests{") && l.contains("subresource=\"log\"")
        })
        .filter_map(|l| l.rsplit_once(' ')?.1.parse::<f64>().ok())
        .map(|v| v as u64)
        .sum()
}

/// A client that leaves a follow of a quiet container leaves no stream open in
/// kube-apiserver: every one of its streams closes at once, not when the container next
/// writes (kwok's containers never do).
#[tokio::test]
async fn an_abandoned_log_follow_closes_every_api_server_stream_at_once() {
    let bed = testbed!();
    let (ns, _repo) = delivered(&bed, "abandoned-logs", "10m").await;
    bed.grant_rules(
        &ns,
        "devs-pods",
        json!([
            {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list"]},
            {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]},
            {"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]},
        ]),
        ("Group", "devs"),
    )
    .await;
    let alice = flux_web(&bed, Settings::default()).await;
    let follow = format!("/api/v1/apps/deployments/{ns}/web/logs?follow=true&tailLines=1");
    let before = log_streams(&bed).await;
    let mut bodies = Vec::new();
    for _ in 0..5 {
        let mut body = followed(&alice, &follow).await;
        // The sources and the tail line: the stream is open and quiet now.
        tokio::time::timeout(Duration::from_secs(10), futures::StreamExt::next(&mut body))
            .await
            .expect("the follow's first document within 10 s");
        bodies.push(body);
    }
    let open = eventually(
        "the follows' streams open",
        Duration::from_secs(10),
        || async {
            let now = log_streams(&bed).await;
            (now >= before + 5).then_some(now)
        },
    )
    .await;
    drop(bodies);
    let started = std::time::Instant::now();
    eventually(
        &format!("{open} streams back to {before} or fewer"),
        Duration::from_secs(10),
        || async { (log_streams(&bed).await <= before).then_some(()) },
    )
    .await;
    println!(
        "{} log streams closed {:?} after their clients left",
        open - before,
        started.elapsed()
    );
}
