//! Faults of what flux-web depends on, on the test bed: an API server that stops answering.
//! (Storage that is slow or lies is in `download.rs`; a notification-controller that is down
//! in `actions.rs`.)

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::support::app::{Settings, call, config_yaml, flux_web_through, grant_server_actions};
use crate::support::flux::git_repositories;
use crate::support::objects::{create, dynamic, listing, path, read, until_allowed, version};
use crate::support::process::write_temp;
use crate::support::{FLUX_GROUPS, Testbed, User, eventually, kustomizations, rbac};
use flux_web_core::patch::annotation;
use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A TCP relay to the API server that can stop passing bytes, as an API server stopped with
/// SIGSTOP would: connections stay open and nothing comes back. The bed's own API server is
/// never stopped, so tests running beside this one are not disturbed.
struct Freezer {
    url: String,
    frozen: Arc<AtomicBool>,
}

impl Freezer {
    async fn start(upstream: &str) -> Self {
        let upstream = upstream
            .trim_start_matches("https://")
            .trim_end_matches('/')
            .to_owned();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("https://{}", listener.local_addr().unwrap());
        let frozen = Arc::new(AtomicBool::new(false));
        let flag = frozen.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = tokio::net::TcpStream::connect(&upstream).await else {
                    continue;
                };
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                tokio::spawn(relay(client_read, server_write, flag.clone()));
                tokio::spawn(relay(server_read, client_write, flag.clone()));
            }
        });
        Self { url, frozen }
    }

    fn freeze(&self, frozen: bool) {
        self.frozen.store(frozen, Ordering::SeqCst);
    }
}

async fn relay(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    frozen: Arc<AtomicBool>,
) {
    let mut buffer = vec![0; 64 << 10];
    // Bounded: a relay lives at most ten minutes.
    let deadline = Instant::now() + Duration::from_secs(600);
    while Instant::now() < deadline {
        let Ok(read) = from.read(&mut buffer).await else {
            return;
        };
        if read == 0 {
            return;
        }
        while frozen.load(Ordering::SeqCst) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            return;
        }
    }
}

/// flux-web as `settings` say, reaching the bed's API server through a [`Freezer`], each call
/// to Kubernetes given up after 2 s.
async fn behind_a_freezer(bed: &Testbed, settings: Settings<'_>) -> (Freezer, axum::Router) {
    let freezer = Freezer::start(&bed.apiserver).await;
    let original = std::fs::read_to_string(bed.kubeconfig(User::Server)).unwrap();
    let server = original
        .lines()
        .find_map(|l| l.trim().strip_prefix("server:"))
        .unwrap()
        .trim()
        .trim_matches('\'')
        .trim_matches('"')
        .to_owned();
    let kubeconfig = write_temp("kubeconfig", &original.replace(&server, &freezer.url));
    let mut config: Value = serde_json::from_str(&config_yaml(settings)).unwrap();
    config["spec"]["kubernetes"] = json!({"timeout": "2s"});
    let app = flux_web_through(&kubeconfig, &config.to_string()).await;
    (freezer, app)
}

/// Found by the attack run: with the API server frozen a reconcile hung past 70 s and was
/// applied about 80 s later, after its client had given up.
#[tokio::test]
async fn with_the_api_server_frozen_reads_and_actions_are_a_504_within_the_deadline_and_nothing_is_applied_later()
 {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("frozen").await;
    bed.grant_rules(
        &ns,
        "devs-flux",
        json!([{"apiGroups": FLUX_GROUPS, "resources": ["*"], "verbs": ["get", "list", "patch", "reconcile"]}]),
        ("Group", "devs"),
    )
    .await;
    let ks = kustomizations();
    create(
        &bed,
        &ns,
        &ks,
        "apps",
        json!({"interval": "10m", "prune": true,
        "sourceRef": {"kind": "GitRepository", "name": "repo"}}),
    )
    .await;

    let (freezer, app) = behind_a_freezer(&bed, Settings::default()).await;
    until_allowed(&app, &listing(&ks, &ns, "apps")).await;
    let before = read(&bed, &ns, &ks, "apps").await;

    freezer.freeze(true);
    let detail = listing(&ks, &ns, "apps")
        .trim_end_matches("/actions")
        .to_owned();
    for (method, path) in [
        ("POST", path(&ks, &ns, "apps", "reconcile")),
        ("GET", detail),
    ] {
        let started = Instant::now();
        let (status, body) = call(&app, method, &path, None).await;
        let took = started.elapsed();
        assert_eq!(
            (status, body["code"].as_str()),
            (504, Some("upstream_timeout")),
            "{method} {path}: {body}"
        );
        assert!(
            took < Duration::from_secs(8),
            "{method} {path} took {took:?}"
        );
    }
    freezer.freeze(false);
    // Long enough for anything held back to reach the API server and be applied.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = read(&bed, &ns, &ks, "apps").await;
    assert_eq!(version(&after), version(&before));
    assert_eq!(annotation(&after, "reconcile.fluxcd.io/requestedAt"), None);

    let (status, body) = call(&app, "POST", &path(&ks, &ns, "apps", "reconcile"), None).await;
    assert_eq!(status, 200, "thawed, it works again: {body}");
}

/// #35: an object page read lately is answered from the server's watch, which keeps it up to
/// date: shown with the API server frozen, where any call to it would be a 504; a source the
/// watch knows is missing is not found without a call either. Only while the caller may `get`
/// it: revoked, the page is refused within an allowed review's lifetime.
#[tokio::test]
async fn a_page_read_lately_comes_from_the_watch_up_to_date_and_only_while_the_caller_may_get_it() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("kept").await;
    let user = format!("{ns}-user");
    bed.grant_rules(
        &ns,
        "reads",
        json!([{"apiGroups": FLUX_GROUPS, "resources": ["*"], "verbs": ["get", "list", "watch"]}]),
        ("User", &user),
    )
    .await;
    let ks = kustomizations();
    create(
        &bed,
        &ns,
        &ks,
        "apps",
        json!({"interval": "10m", "prune": true,
        "sourceRef": {"kind": "GitRepository", "name": "repo"}}),
    )
    .await;
    create(
        &bed,
        &ns,
        &git_repositories(),
        "repo",
        json!({"interval": "10m", "url": "https://git.example.com/x"}),
    )
    .await;
    create(
        &bed,
        &ns,
        &ks,
        "orphan",
        json!({"interval": "10m", "prune": true,
        "sourceRef": {"kind": "GitRepository", "name": "missing"}}),
    )
    .await;
    let (freezer, app) = behind_a_freezer(&bed, Settings::user(&user, &["kept-team"])).await;
    let page = |name: &str| {
        listing(&ks, &ns, name)
            .trim_end_matches("/actions")
            .to_owned()
    };
    let detail = page("apps");
    // Read with the API server answering (which keeps the page once the watches have listed),
    // then frozen: answered, it came from memory.
    let frozen_read = |path: String| {
        let (app, freezer) = (&app, &freezer);
        async move {
            let (status, body) = call(app, "GET", &path, None).await;
            assert_eq!(status, 200, "{body}");
            freezer.freeze(true);
            let answer = call(app, "GET", &path, None).await;
            freezer.freeze(false);
            Some(answer).filter(|(status, _)| *status == 200)
        }
    };
    let (_, body) = eventually(
        "a page answered from memory",
        Duration::from_secs(30),
        || frozen_read(detail.clone()),
    )
    .await;
    assert_eq!(body["spec"]["interval"], "10m", "{body}");
    assert_eq!(body["source"]["name"], "repo", "{body}");
    assert!(body["source"]["status"].is_object(), "{body}");
    let (_, body) = eventually(
        "a page with a missing source answered from memory",
        Duration::from_secs(10),
        || frozen_read(page("orphan")),
    )
    .await;
    assert_eq!(body["source"]["name"], "missing", "{body}");
    assert_eq!(body["source"]["status"], Value::Null, "{body}");
    let pull = body["actions"]["actions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|a| a["action"] == "pull")
        .cloned()
        .unwrap_or_default();
    assert_eq!(pull["reason"], "not_found", "{body}");
    assert_eq!(
        pull["message"], "gitrepositories.source.toolkit.fluxcd.io \"missing\" not found",
        "{body}"
    );

    // Changed in Kubernetes: the watch brings the kept page up to date, no read needed.
    dynamic(&bed, &ns, &ks)
        .await
        .patch(
            "apps",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"interval": "7m"}})),
        )
        .await
        .unwrap();
    let (_, body) = eventually(
        "the change on the kept page",
        Duration::from_secs(10),
        || async {
            frozen_read(detail.clone())
                .await
                .filter(|(_, body)| body["spec"]["interval"] == "7m")
        },
    )
    .await;
    assert_eq!(body["target"]["name"], "apps", "{body}");

    // Revoked: refused within an allowed review's lifetime (5 s, beside Kubernetes' own lag),
    // though the page is still kept.
    Api::<DynamicObject>::namespaced_with(bed.client(User::Admin).await, &ns, &rbac("RoleBinding"))
        .delete("reads", &DeleteParams::default())
        .await
        .unwrap();
    let revoked = Instant::now();
    let refused = eventually("the page refused", Duration::from_secs(15), || async {
        let (status, body) = call(&app, "GET", &detail, None).await;
        (status == 403).then_some(body)
    })
    .await;
    assert_eq!(refused["code"], "forbidden", "{refused}");
    let took = revoked.elapsed();
    assert!(
        took <= Duration::from_secs(7),
        "the revoked page showed for {took:?}"
    );
}
