//! flux-web as an operator runs it in a cluster, as a child process on the test bed: the
//! configuration from a Secret that changes without a restart, `/metrics` on its own port
//! after actions allowed and refused with notification-controller down, JSON log lines that
//! name the request, the user and the action, and the resumer: two replicas, one Lease.

use std::time::Duration;

use crate::support::app::{Settings, config_yaml, grant_server_actions};
use crate::support::objects::{
    add_kustomization, dynamic, grant_alice_everything, path, version, web_events,
};
use crate::support::process::{Server, free_port, write_temp};
use crate::support::{Testbed, User, eventually, kustomizations};
use k8s_openapi::api::core::v1::Secret;
use kube::Api;
use kube::api::{Patch, PatchParams};
use serde_json::{Value, json};

/// POSTs an action to the server; answers the status.
async fn act(server: &Server, ns: &str, name: &str, action: &str) -> u16 {
    act_as_request(server, ns, name, action, "").await
}

/// POSTs an action with `X-Request-Id: id` unless it is empty; answers the status, after
/// checking that the response carries the id it was served under.
async fn act_as_request(server: &Server, ns: &str, name: &str, action: &str, id: &str) -> u16 {
    let url = format!(
        "{}{}",
        server.base,
        path(&kustomizations(), ns, name, action)
    );
    let mut request = reqwest::Client::new().post(url);
    if !id.is_empty() {
        request = request.header("x-request-id", id);
    }
    let response = request.send().await.unwrap();
    let echoed = response.headers()["x-request-id"].to_str().unwrap();
    if id.is_empty() {
        assert_eq!(echoed.len(), 36, "a new UUID: {echoed}");
    } else {
        assert_eq!(echoed, id);
    }
    response.status().as_u16()
}

/// A namespace with the Kustomization `apps` in it, on which alice may do everything.
async fn world(bed: &Testbed, prefix: &str) -> String {
    grant_server_actions(bed).await;
    let ns = bed.namespace(prefix).await;
    grant_alice_everything(bed, &ns).await;
    add_kustomization(bed, &ns, "apps").await;
    ns
}

/// flux-web as the bed's server identity, configured by the Secret `at`.
fn from_secret(bed: &Testbed, at: &str) -> Server {
    Server::start(&[
        "--kubeconfig",
        bed.kubeconfig(User::Server),
        "--config-secret",
        at,
    ])
}

async fn put_config(secrets: &Api<Secret>, yaml: &str) {
    let secret = json!({
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "flux-web-config"},
        "stringData": {"config.yaml": yaml},
    });
    secrets
        .patch(
            "flux-web-config",
            &PatchParams::apply("flux-web-test").force(),
            &Patch::Apply(&secret),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn a_changed_config_secret_applies_without_a_restart_and_an_invalid_one_keeps_the_last_good()
{
    let bed = testbed!();
    let ns = world(&bed, "config-secret").await;
    // What deploy/ grants the server on its own config Secret, here in the test's namespace.
    bed.grant_rules(
        &ns,
        "flux-web-config",
        json!([{"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["flux-web-config"],
                "verbs": ["get", "list", "watch"]}]),
        ("User", "flux-web"),
    )
    .await;
    let secrets = Api::<Secret>::namespaced(bed.client(User::Admin).await, &ns);
    put_config(&secrets, &config_yaml(Settings::default())).await;
    let at = format!("{ns}/flux-web-config");
    let mut server = from_secret(&bed, &at);
    server
        .wait_for("/readyz", 200, Duration::from_secs(30))
        .await;
    assert_eq!(act(&server, &ns, "apps", "reconcile").await, 200);
    assert_eq!(web_events(&bed, &ns).await.len(), 1, "audited: [\"*\"]");

    let quiet = Settings {
        audit: false,
        ..Settings::default()
    };
    put_config(&secrets, &config_yaml(quiet)).await;
    eventually("the reload", Duration::from_secs(10), || async {
        server
            .log()
            .contains("configuration reloaded")
            .then_some(())
    })
    .await;
    assert_eq!(act(&server, &ns, "apps", "reconcile").await, 200);
    assert_eq!(
        web_events(&bed, &ns).await.len(),
        1,
        "audit: [] took effect without a restart"
    );

    put_config(&secrets, "spec: [").await;
    eventually(
        "the refusal of invalid YAML",
        Duration::from_secs(10),
        || async {
            server
                .log()
                .contains("configuration not reloaded, the last good one is kept")
                .then_some(())
        },
    )
    .await;
    let log = server.log();
    assert!(
        log.contains(&format!("Secret {at}, key config.yaml")),
        "the error names where: {log}"
    );
    assert_eq!(act(&server, &ns, "apps", "reconcile").await, 200);
    assert_eq!(
        web_events(&bed, &ns).await.len(),
        1,
        "the last good config still rules"
    );
}

#[tokio::test]
async fn a_config_secret_the_server_may_not_read_stops_start_up_with_a_clear_error() {
    let bed = testbed!();
    let ns = bed.namespace("config-secret-denied").await;
    let at = format!("{ns}/flux-web-config");
    let mut server = from_secret(&bed, &at);
    let status = server.wait(Duration::from_secs(30));
    assert!(!status.success());
    let log = server.log();
    assert!(
        log.contains(&format!("cannot read the config Secret {at}")),
        "{log}"
    );
}

/// The value of the series `name{labels}` on a metrics page, 0 when it is not there yet.
fn sample(page: &str, series: &str) -> f64 {
    page.lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test]
async fn metrics_count_actions_allowed_and_refused_and_audit_forwards_to_a_receiver_that_is_down() {
    let bed = testbed!();
    let ns = world(&bed, "metrics").await;
    // In this namespace alice may look but not act: reconcile is refused.
    let other = bed.namespace("metrics-refused").await;
    bed.grant_rules(
        &other,
        "devs-read",
        json!([{"apiGroups": ["kustomize.toolkit.fluxcd.io"], "resources": ["*"], "verbs": ["get", "list"]}]),
        ("Group", "devs"),
    )
    .await;
    add_kustomization(&bed, &other, "apps").await;
    let down = format!("http://127.0.0.1:{}/", free_port());
    let config = write_temp(
        "config.yaml",
        &config_yaml(Settings {
            notification_controller: Some(down),
            ..Settings::default()
        }),
    );
    let metrics = format!("127.0.0.1:{}", free_port());
    let mut server = Server::start(&[
        "--kubeconfig",
        bed.kubeconfig(User::Server),
        "--config",
        &config,
        "--metrics-listen",
        &metrics,
        "--log-format",
        "json",
    ]);
    server
        .wait_for("/readyz", 200, Duration::from_secs(30))
        .await;
    let scrape = || async {
        reqwest::get(format!("http://{metrics}/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let before = scrape().await;
    let done = r#"flux_web_actions_total{action="reconcile",kind="Kustomization",result="done"}"#;
    let refused =
        r#"flux_web_actions_total{action="reconcile",kind="Kustomization",result="forbidden"}"#;
    assert_eq!(sample(&before, done), 0.0);
    assert_eq!(
        act_as_request(&server, &ns, "apps", "reconcile", "metrics-test.1").await,
        200
    );
    let refusal = eventually("alice's read grant", Duration::from_secs(10), || async {
        let status = act(&server, &other, "apps", "reconcile").await;
        (status == 403).then_some(status)
    })
    .await;
    assert_eq!(refusal, 403);

    let page = scrape().await;
    assert_eq!(sample(&page, done), 1.0, "{page}");
    assert!(sample(&page, refused) >= 1.0, "{page}");
    assert!(
        sample(
            &page,
            r#"flux_web_kubernetes_request_duration_seconds_count{verb="patch",resource="kustomizations",outcome="ok"}"#
        ) >= 1.0,
        "{page}"
    );
    assert!(
        sample(
            &page,
            r#"flux_web_access_reviews_total{source="kubernetes"}"#
        ) >= 1.0,
        "{page}"
    );
    assert_eq!(
        sample(&page, r#"flux_web_audit_events_total{outcome="written"}"#),
        1.0,
        "{page}"
    );
    let route = "/api/v1/{group}/{kind}/{namespace}/{name}/actions/{action}";
    assert!(
        sample(
            &page,
            &format!(
                r#"flux_web_http_request_duration_seconds_count{{method="POST",route="{route}",status="200"}}"#
            )
        ) == 1.0,
        "{page}"
    );
    // notification-controller is down: the copy is retried, then dropped; the Event stays.
    let page = eventually("the forward given up", Duration::from_secs(15), || async {
        let page = scrape().await;
        (sample(
            &page,
            r#"flux_web_audit_events_total{outcome="forward_dropped"}"#,
        ) >= 1.0)
            .then_some(page)
    })
    .await;
    assert!(
        sample(
            &page,
            r#"flux_web_audit_events_total{outcome="forward_retried"}"#
        ) >= 3.0,
        "{page}"
    );
    assert_eq!(web_events(&bed, &ns).await.len(), 1);
    // The log line of the action names its request, user and action.
    let log = server.log();
    let done_line = log
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|entry| entry["span"]["id"] == "metrics-test.1")
        .unwrap_or_else(|| panic!("no line of request metrics-test.1:\n{log}"));
    assert_eq!(done_line["span"]["user"], "alice", "{done_line}");
    assert_eq!(done_line["span"]["action"], "reconcile", "{done_line}");
    assert!(
        done_line["message"]
            .as_str()
            .unwrap()
            .starts_with("action done"),
        "{done_line}"
    );
    assert!(
        !log.contains('\u{1b}'),
        "no terminal escapes in a file: {log}"
    );
    // On its own port only: the main port does not serve them.
    let main = reqwest::get(format!("{}/metrics", server.base))
        .await
        .unwrap();
    assert_eq!(main.status(), 404);
}

/// POSTs a suspend with `until`; answers the status and the body.
async fn suspend_until(server: &Server, ns: &str, name: &str, until: &str) -> (u16, Value) {
    let url = format!(
        "{}{}",
        server.base,
        path(&kustomizations(), ns, name, "suspend")
    );
    let response = reqwest::Client::new()
        .post(url)
        .json(&json!({"reason": "INC-123", "until": until}))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The resume Events of `name`, as the resumer writes them.
async fn scheduled_resumes(bed: &Testbed, ns: &str, name: &str) -> usize {
    web_events(bed, ns)
        .await
        .iter()
        .filter(|e| e.involved_object.name.as_deref() == Some(name))
        .filter(|e| {
            e.message.as_deref().is_some_and(|m| {
                m.contains("action 'resume'") && m.contains("on behalf of 'alice'")
            })
        })
        .count()
}

/// The config file of a server as alice whose resumer looks every second, with its Lease in
/// `ns`, where the server is granted what deploy/ grants it for the Lease.
async fn quick_resumer(bed: &Testbed, ns: &str) -> String {
    bed.grant_rules(
        ns,
        "flux-web-resumer",
        json!([{"apiGroups": ["coordination.k8s.io"], "resources": ["leases"],
                "verbs": ["get", "create", "update"]}]),
        ("User", "flux-web"),
    )
    .await;
    let mut config: Value = serde_json::from_str(&config_yaml(Settings::default())).unwrap();
    config["spec"]["resumer"] =
        json!({"leaseNamespace": ns, "period": "1s", "leaseDuration": "3s"});
    write_temp("config.yaml", &config.to_string())
}

#[tokio::test]
async fn a_suspension_until_a_time_is_lifted_by_exactly_one_replica_and_another_takes_over() {
    let bed = testbed!();
    let ns = world(&bed, "resumer").await;
    add_kustomization(&bed, &ns, "web").await;
    let config = quick_resumer(&bed, &ns).await;
    let args = [
        "--kubeconfig",
        bed.kubeconfig(User::Server),
        "--config",
        &config,
    ];
    let mut replicas = vec![Server::start(&args), Server::start(&args)];
    for replica in &mut replicas {
        replica
            .wait_for("/readyz", 200, Duration::from_secs(30))
            .await;
    }
    let objects = dynamic(&bed, &ns, &kustomizations()).await;
    // Both replicas tell the UI that a resumer runs, once one holds the Lease.
    for replica in &replicas {
        eventually("a resumer in userinfo", Duration::from_secs(10), || async {
            let me: Value = reqwest::get(format!("{}/api/v1/userinfo", replica.base))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            (me["resumer"] == true).then_some(())
        })
        .await;
    }

    // Refused, and nothing changes: an end beyond the maximum, an end in the past.
    let before = version(&objects.get("apps").await.unwrap());
    let (status, problem) = suspend_until(&replicas[0], &ns, "apps", "721h").await;
    assert_eq!(status, 400, "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("720h"),
        "{problem}"
    );
    let (status, problem) = suspend_until(&replicas[0], &ns, "apps", "2020-01-01T00:00:00Z").await;
    assert_eq!(status, 400, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("not in the future"),
        "{problem}"
    );
    assert_eq!(version(&objects.get("apps").await.unwrap()), before);

    let (status, body) = suspend_until(&replicas[0], &ns, "apps", "2s").await;
    assert_eq!(status, 200, "{body}");
    let suspended = objects.get("apps").await.unwrap();
    assert_eq!(suspended.data["spec"]["suspend"], true);
    let listed = reqwest::get(format!(
        "{}/api/v1/kustomize.toolkit.fluxcd.io/Kustomization/{ns}/apps",
        replicas[0].base
    ))
    .await
    .unwrap()
    .json::<Value>()
    .await
    .unwrap();
    assert!(
        listed.to_string().contains("suspendedUntil"),
        "the detail shows the end: {listed}"
    );
    // Period 1 s: resumed within a second or two of the end.
    let resumed = eventually("the scheduled resume", Duration::from_secs(8), || async {
        let object = objects.get("apps").await.unwrap();
        (object.data["spec"]["suspend"].is_null()).then_some(object)
    })
    .await;
    let annotations = resumed.metadata.annotations.clone().unwrap_or_default();
    assert!(
        annotations.contains_key("reconcile.fluxcd.io/requestedAt"),
        "{annotations:?}"
    );
    assert!(!annotations.contains_key("web.fluxcd.controlplane.io/suspendedUntil"));
    // Two more periods: still one resume, by one replica.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(scheduled_resumes(&bed, &ns, "apps").await, 1);

    // The leader goes; the other takes over within the Lease's 3 s and resumes the next end.
    let leader = replicas
        .iter()
        .position(|r| r.log().contains("leading=true"))
        .unwrap_or_else(|| panic!("no leader in the logs"));
    let mut gone = replicas.remove(leader);
    gone.terminate();
    let (status, body) = suspend_until(&replicas[0], &ns, "web", "1s").await;
    assert_eq!(status, 200, "{body}");
    eventually(
        "the resume by the new leader",
        Duration::from_secs(15),
        || async {
            let object = objects.get("web").await.unwrap();
            object.data["spec"]["suspend"].is_null().then_some(())
        },
    )
    .await;
    assert_eq!(scheduled_resumes(&bed, &ns, "web").await, 1);
    assert!(
        replicas[0].log().contains("leading=true"),
        "{}",
        replicas[0].log()
    );
}

/// On a kind suspended by an annotation (a ResourceSet), `kubectl annotate` resuming and
/// suspending it again leaves `suspendedBy`, our binding and the generation as they were: the
/// end flux-web wrote must still not lift that suspension, which is kubectl's now. The
/// control, suspended the same way and left alone, is lifted at its end.
#[tokio::test]
async fn a_stale_end_never_lifts_a_suspension_kubectl_annotate_set_on_a_resource_set() {
    let bed = testbed!();
    let ns = world(&bed, "stale-end").await;
    let sets = kube::core::ApiResource::from_gvk_with_plural(
        &kube::core::GroupVersionKind::gvk("fluxcd.controlplane.io", "v1", "ResourceSet"),
        "resourcesets",
    );
    for name in ["taken-over", "control"] {
        crate::support::objects::create_object(
            &bed,
            &ns,
            &sets,
            json!({"apiVersion": "fluxcd.controlplane.io/v1", "kind": "ResourceSet",
                   "metadata": {"name": name}, "spec": {"resources": []}}),
        )
        .await;
    }
    let config = quick_resumer(&bed, &ns).await;
    let mut server = Server::start(&[
        "--kubeconfig",
        bed.kubeconfig(User::Server),
        "--config",
        &config,
    ]);
    server
        .wait_for("/readyz", 200, Duration::from_secs(30))
        .await;
    let objects = dynamic(&bed, &ns, &sets).await;
    for name in ["taken-over", "control"] {
        let url = format!("{}{}", server.base, path(&sets, &ns, name, "suspend"));
        let answer = reqwest::Client::new()
            .post(url)
            .json(&json!({"until": "3s"}))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200, "{}", answer.text().await.unwrap());
    }
    // kubectl annotate --overwrite, twice: a resume and a suspend of its own.
    let kubectl = PatchParams {
        field_manager: Some("kubectl-annotate".into()),
        ..PatchParams::default()
    };
    for value in ["enabled", "disabled"] {
        objects
            .patch(
                "taken-over",
                &kubectl,
                &Patch::Merge(json!({"metadata": {"annotations": {"fluxcd.controlplane.io/reconcile": value}}})),
            )
            .await
            .unwrap();
    }
    let reconcile = |object: &kube::api::DynamicObject| {
        object
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get("fluxcd.controlplane.io/reconcile").cloned())
    };
    eventually(
        "the control lifted at its end",
        Duration::from_secs(15),
        || async {
            let control = objects.get("control").await.unwrap();
            (reconcile(&control).as_deref() == Some("enabled")).then_some(())
        },
    )
    .await;
    // Two more of the resumer's periods: kubectl's suspension stands.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let taken = objects.get("taken-over").await.unwrap();
    assert_eq!(reconcile(&taken).as_deref(), Some("disabled"), "{taken:?}");
    let resumes = web_events(&bed, &ns)
        .await
        .into_iter()
        .filter(|e| e.involved_object.name.as_deref() == Some("taken-over"))
        .filter(|e| {
            e.message
                .as_deref()
                .is_some_and(|m| m.contains("action 'resume'"))
        })
        .count();
    assert_eq!(resumes, 0);
    // Nor does flux-web show it an end any more.
    let detail: Value = reqwest::get(format!(
        "{}/api/v1/fluxcd.controlplane.io/resourcesets/{ns}/taken-over",
        server.base
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(detail["summary"]["suspendedUntil"], Value::Null, "{detail}");
    assert_eq!(detail["summary"]["state"], "suspended", "{detail}");
    assert!(server.terminate().success());
}
