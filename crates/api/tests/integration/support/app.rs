//! flux-web's router in-process, connected to the test bed as the server identity, with a
//! config of the test's choosing.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use std::sync::atomic::{AtomicU64, Ordering};

use flux_web::clock::{SeededIds, SystemClock};
use flux_web::cluster::Cluster;
use flux_web::config::Config;
use flux_web::health::Readiness;
use flux_web::http::router;
use flux_web::state::AppState;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use super::{Testbed, User};

/// How the test configures flux-web.
pub struct Settings<'a> {
    pub username: &'a str,
    pub groups: &'a [&'a str],
    pub access: &'a str,
    pub audit: bool,
    pub audit_denied: bool,
    pub allow_loopback: bool,
    pub notification_controller: Option<String>,
}

impl Default for Settings<'_> {
    fn default() -> Self {
        Self {
            username: "alice",
            groups: &["devs"],
            access: "Impersonated",
            audit: true,
            audit_denied: false,
            allow_loopback: false,
            notification_controller: None,
        }
    }
}

impl<'a> Settings<'a> {
    /// The defaults, as another Anonymous user.
    pub fn user(username: &'a str, groups: &'a [&'a str]) -> Self {
        Self {
            username,
            groups,
            ..Self::default()
        }
    }
}

/// The config file flux-web runs with for `settings`.
pub fn config_yaml(settings: Settings<'_>) -> String {
    let mut spec = json!({
        "authentication": {"type": "Anonymous", "anonymous": {"username": settings.username, "groups": settings.groups}},
        "userActions": {
            "access": settings.access,
            "audit": if settings.audit { json!(["*"]) } else { json!([]) },
            "auditDenied": settings.audit_denied,
        },
    });
    spec["download"] = json!({"allowLoopback": settings.allow_loopback});
    if let Some(address) = settings.notification_controller {
        spec["notificationController"] = json!({"address": address});
    }
    serde_json::to_string(&json!({
        "apiVersion": "web.fluxcd.controlplane.io/v1", "kind": "Config", "spec": spec,
    }))
    .unwrap()
}

pub async fn flux_web(bed: &Testbed, settings: Settings<'_>) -> Router {
    flux_web_with(bed, &config_yaml(settings)).await
}

/// flux-web with the config document `yaml`.
pub async fn flux_web_with(bed: &Testbed, yaml: &str) -> Router {
    flux_web_through(bed.kubeconfig(User::Server), yaml).await
}

/// flux-web with the config document `yaml`, reaching Kubernetes with `kubeconfig`.
pub async fn flux_web_through(kubeconfig: &str, yaml: &str) -> Router {
    let config = Config::from_yaml(yaml).unwrap();
    let cluster = Cluster::connect(Some(std::path::Path::new(kubeconfig)))
        .await
        .unwrap();
    let (_tx, readiness) = Readiness::fixed(Ok(()));
    // Real time (the bed's tokens and controllers keep it), seeded ids: each router its own
    // seed, so that two routers acting in one namespace never name two Events alike.
    static SEEDS: AtomicU64 = AtomicU64::new(1);
    let ids = Arc::new(SeededIds::new(SEEDS.fetch_add(1 << 32, Ordering::Relaxed)));
    router(AppState::new(
        config,
        cluster,
        readiness,
        (Arc::new(SystemClock), ids),
        "flux-web-test".into(),
    ))
}

/// Sends a request and returns the status and JSON body.
pub async fn call(app: &Router, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = http::Request::builder().method(method).uri(path);
    let body = match body {
        Some(value) => {
            request = request.header("content-type", "application/json");
            Body::from(value.to_string())
        }
        None => Body::empty(),
    };
    let response = app
        .clone()
        .oneshot(request.body(body).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// POSTs to `path` without a body; the answer, which must be a 200.
pub async fn post_ok(app: &Router, path: &str) -> Value {
    let (status, body) = call(app, "POST", path, None).await;
    assert_eq!(status, 200, "POST {path}: {body}");
    body
}

/// The server's RBAC as deploy/ ships it, bound to the test bed's `flux-web` user, plus
/// patch on Flux objects for FineGrained writes except in [`UNPATCHABLE_GROUP`], left out so
/// that a test can show the server's own missing RBAC.
pub async fn grant_server_actions(bed: &Testbed) {
    bed.apply_deploy("base/namespace.yaml").await;
    bed.apply_deploy("base/server-rbac.yaml").await;
    bed.bind_cluster_role("testbed-flux-web", "flux-web", ("User", "flux-web"))
        .await;
    let patchable: Vec<&str> = super::FLUX_GROUPS
        .iter()
        .copied()
        .filter(|g| *g != UNPATCHABLE_GROUP)
        .collect();
    bed.grant_server(
        "testbed-flux-web-fine-grained",
        json!([
            {"apiGroups": patchable, "resources": ["*"], "verbs": ["patch"]},
        ]),
    )
    .await;
}

/// The Flux group the test server may read but not patch.
pub const UNPATCHABLE_GROUP: &str = "image.toolkit.fluxcd.io";

/// A loopback HTTP server that keeps what notification-controller would receive.
pub async fn receiver() -> (String, Arc<Mutex<Vec<Value>>>) {
    let received = Arc::new(Mutex::new(Vec::new()));
    let store = received.clone();
    let app = axum::Router::new().route(
        "/",
        axum::routing::post(move |axum::Json(event): axum::Json<Value>| {
            let store = store.clone();
            async move {
                store.lock().unwrap().push(event);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (address, received)
}
