use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;

use std::sync::Arc;

use super::*;
use crate::cluster::Cluster;
use crate::config::Config;
use crate::health::Readiness;

/// The whole answer to a GET of `path`.
async fn answer(app: Router, path: &str) -> axum::response::Response {
    app.oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap()
}

async fn get(app: Router, path: &str) -> (StatusCode, String, serde_json::Value) {
    let request = Request::get(path).body(Body::empty()).unwrap();
    let response = app.oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, content_type, serde_json::from_slice(&body).unwrap())
}

type Ready = tokio::sync::watch::Sender<Result<(), String>>;

/// The state with a cluster nobody listens at: enough for everything decided before I/O.
fn state_with(config: Config, ready: Result<(), String>) -> (Ready, AppState) {
    let (tx, readiness) = Readiness::fixed(ready);
    let kube_config = kube::Config::new("http://127.0.0.1:9".parse().unwrap());
    let cluster = Cluster::from_config(kube_config).unwrap();
    let clock = Arc::new(crate::clock::TestClock::starting_at(
        "2026-12-01T10:00:00Z".parse().unwrap(),
    ));
    let ids = Arc::new(crate::clock::SeededIds::new(1));
    let state = AppState::new(config, cluster, readiness, (clock, ids), "test".into());
    (tx, state)
}

fn app_with(config: Config, ready: Result<(), String>) -> (Ready, Router) {
    let (tx, state) = state_with(config, ready);
    (tx, router(state))
}

fn app(ready: Result<(), String>) -> (Ready, Router) {
    app_with(Config::default(), ready)
}

#[tokio::test]
async fn healthz_answers_ok_even_when_kubernetes_is_down() {
    let (_tx, app) = app(Err("down".into()));
    let (status, _, body) = get(app, "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn readyz_follows_the_readiness_of_kubernetes() {
    let (tx, app) = app(Err("Kubernetes API at https://x unreachable".into()));
    let (status, content_type, body) = get(app.clone(), "/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(content_type, "application/problem+json");
    assert_eq!(body["code"], "not_ready");
    assert_eq!(
        body["detail"],
        "not ready: Kubernetes API at https://x unreachable"
    );

    tx.send(Ok(())).unwrap();
    let (status, _, body) = get(app, "/readyz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn an_unknown_api_path_is_a_404_problem() {
    let (_tx, app) = app(Ok(()));
    let (status, content_type, body) = get(app, "/api/v1/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(content_type, "application/problem+json");
    assert_eq!(body["code"], "no_route");
    assert_eq!(body["detail"], "no API endpoint at /api/v1/nope");
}

async fn send(
    app: Router,
    method: &str,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, serde_json::Value) {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(content_type) = content_type {
        request = request.header(header::CONTENT_TYPE, content_type);
    }
    let response = app
        .oneshot(request.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = response.status();
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "application/problem+json",
        "{method} {path}"
    );
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&body).unwrap())
}

fn anonymous() -> Config {
    Config::from_yaml(
        "apiVersion: web.fluxcd.controlplane.io/v1\nkind: Config\nspec:\n  authentication:\n    type: Anonymous\n    anonymous: {username: dev, groups: [devs]}\n",
    )
    .unwrap()
}

const KS: &str = "/api/v1/kustomize.toolkit.fluxcd.io/kustomizations/apps/web";

#[tokio::test]
async fn bad_input_is_a_4xx_problem_before_any_kubernetes_call() {
    let json = Some("application/json");
    // method, path, content type, body, expected status and code
    type Case = (
        &'static str,
        String,
        Option<&'static str>,
        Vec<u8>,
        u16,
        &'static str,
    );
    let cases: Vec<Case> = vec![
        (
            "POST",
            "/api/v1/nope.io/widgets/apps/web/actions/reconcile".into(),
            None,
            vec![],
            400,
            "unknown_kind",
        ),
        (
            "POST",
            "/api/v1/kustomize.toolkit.fluxcd.io/ks/../web/actions/reconcile".into(),
            None,
            vec![],
            400,
            "invalid_name",
        ),
        (
            "POST",
            "/api/v1/kustomize.toolkit.fluxcd.io/ks/apps/%2e%2e/actions/reconcile".into(),
            None,
            vec![],
            400,
            "invalid_name",
        ),
        (
            "POST",
            format!(
                "/api/v1/kustomize.toolkit.fluxcd.io/ks/apps/{}/actions/reconcile",
                "x".repeat(254)
            ),
            None,
            vec![],
            400,
            "invalid_name",
        ),
        (
            "POST",
            "/api/v1/kustomize.toolkit.fluxcd.io/ks/Apps/web/actions/reconcile".into(),
            None,
            vec![],
            400,
            "invalid_name",
        ),
        (
            "POST",
            format!("{KS}/actions/explode"),
            None,
            vec![],
            400,
            "unknown_action",
        ),
        (
            "POST",
            "/api/v1/notification.toolkit.fluxcd.io/alerts/apps/a/actions/reconcile".into(),
            None,
            vec![],
            400,
            "not_applicable",
        ),
        (
            "POST",
            "/api/v1/source.toolkit.fluxcd.io/gitrepositories/apps/a/actions/pull".into(),
            None,
            vec![],
            400,
            "not_applicable",
        ),
        (
            "GET",
            format!("{KS}/actions/reconcile"),
            None,
            vec![],
            405,
            "method_not_allowed",
        ),
        (
            "DELETE",
            format!("{KS}/actions"),
            None,
            vec![],
            405,
            "method_not_allowed",
        ),
        (
            "POST",
            format!("{KS}/actions/suspend"),
            Some("application/x-www-form-urlencoded"),
            b"reason=x".to_vec(),
            415,
            "unsupported_media_type",
        ),
        (
            "POST",
            format!("{KS}/actions/suspend"),
            Some("text/plain"),
            b"{}".to_vec(),
            415,
            "unsupported_media_type",
        ),
        (
            "POST",
            format!("{KS}/actions/suspend"),
            json,
            b"{not json".to_vec(),
            400,
            "invalid_body",
        ),
        (
            "POST",
            format!("{KS}/actions/suspend"),
            json,
            br#"{"reason": 5}"#.to_vec(),
            400,
            "invalid_body",
        ),
        (
            "POST",
            format!("{KS}/actions/suspend"),
            json,
            br#"{"why": "x"}"#.to_vec(),
            400,
            "invalid_body",
        ),
        (
            "POST",
            format!("{KS}/actions/suspend"),
            json,
            vec![b' '; 2 << 20],
            413,
            "payload_too_large",
        ),
        (
            "POST",
            format!("{KS}/actions/reconcile?wait=forever"),
            None,
            vec![],
            400,
            "invalid_query",
        ),
        (
            "POST",
            format!("{KS}/actions/reconcile?dryRun=maybe"),
            None,
            vec![],
            400,
            "invalid_query",
        ),
    ];
    for (method, path, content_type, body, status, code) in cases {
        let (_tx, app) = app_with(anonymous(), Ok(()));
        let (got, problem) = send(app, method, &path, content_type, body).await;
        assert_eq!(
            (got.as_u16(), problem["code"].as_str().unwrap()),
            (status, code),
            "{method} {path}: {problem}"
        );
    }
}

#[tokio::test]
async fn without_authentication_every_action_and_the_preview_is_refused_as_disabled() {
    let (_tx, app) = app(Ok(()));
    // A preview reads, but as a user: its dry runs are theirs, and there is no one.
    let previews = [("GET", format!("{KS}/preview"))];
    let actions = ["reconcile", "suspend", "resume", "pull", "stage"]
        .map(|action| ("POST", format!("{KS}/actions/{action}")));
    for (method, path) in actions.iter().chain(&previews) {
        let (status, problem) = send(app.clone(), method, path, None, vec![]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}");
        assert_eq!(problem["code"], "actions_disabled", "{method} {path}");
    }
}

#[test]
fn the_committed_openapi_document_matches_the_code() {
    let committed = include_str!("../../../../openapi/openapi.json");
    assert!(
        committed == openapi_json_text(),
        "openapi/openapi.json is stale: run `make openapi` and commit the result"
    );
}

/// utoipa names a schema after its type and keeps the last of two types of one name: a
/// pre-flight's tally and a list's counts once shared "Tally", and generated clients read one
/// as the other (schemathesis found it).
#[test]
fn types_of_one_name_do_not_share_a_schema() {
    let document: serde_json::Value = serde_json::from_str(&openapi_json_text()).unwrap();
    let schemas = &document["components"]["schemas"];
    let fields = |name: &str| {
        let properties = schemas[name]["properties"].as_object();
        let mut keys: Vec<String> =
            properties.map_or_else(Vec::new, |p| p.keys().cloned().collect());
        keys.sort();
        keys
    };
    assert_eq!(
        fields("Tally"),
        [
            "changed",
            "failed",
            "notApplicable",
            "refused",
            "unchanged",
            "willChange"
        ]
    );
    assert_eq!(fields("KindCount"), ["count", "kind", "state"]);
    let list = &schemas["ResourceList"]["properties"]["counts"]["items"]["$ref"];
    assert_eq!(list, "#/components/schemas/KindCount");
}

#[tokio::test]
async fn the_openapi_document_is_served_and_documents_every_action_route() {
    let (_tx, app) = app(Ok(()));
    let (status, _, document) = get(app, "/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = document["paths"].as_object().unwrap();
    let actions = &paths["/api/v1/{group}/{kind}/{namespace}/{name}/actions/{action}"];
    assert_eq!(actions["post"]["operationId"], "runAction");
    assert_eq!(actions["get"]["operationId"], "downloadArtifact");
    assert_eq!(
        paths["/api/v1/{group}/{kind}/{namespace}/{name}/actions"]["get"]["operationId"],
        "listActions"
    );
    assert!(paths.contains_key("/readyz"));
}

#[tokio::test]
async fn a_cross_site_post_is_refused_before_any_action_and_every_response_has_security_headers() {
    let (_tx, app) = app_with(anonymous(), Ok(()));
    let post = |headers: Vec<(&'static str, &'static str)>| {
        let app = app.clone();
        async move {
            let mut request = Request::post(format!("{KS}/actions/reconcile"));
            for (k, v) in headers {
                request = request.header(k, v);
            }
            let response = app
                .oneshot(request.body(Body::empty()).unwrap())
                .await
                .unwrap();
            let status = response.status();
            let headers = response.headers().clone();
            let body = response.into_body().collect().await.unwrap().to_bytes();
            (
                status,
                headers,
                serde_json::from_slice::<serde_json::Value>(&body).unwrap(),
            )
        }
    };
    for headers in [
        vec![("sec-fetch-site", "cross-site")],
        vec![
            ("origin", "https://evil.example"),
            ("host", "127.0.0.1:9080"),
        ],
    ] {
        let (status, response_headers, problem) = post(headers).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("cross_site"))
        );
        assert_eq!(response_headers["x-frame-options"], "DENY");
    }
    // An Authorization header this mode never verifies (a browser attaches cached Basic
    // credentials by itself) exempts nothing: only a verified bearer token does.
    let (status, headers, problem) = post(vec![
        ("sec-fetch-site", "cross-site"),
        ("authorization", "Bearer x"),
    ])
    .await;
    assert_eq!(problem["code"], "cross_site", "{status}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("'wasm-unsafe-eval'")
    );
}

#[tokio::test]
async fn the_docs_page_and_its_assets_are_served_by_the_binary_itself() {
    let (_tx, app) = app(Ok(()));
    for (path, content_type) in [
        ("/api/docs/", "text/html"),
        ("/api/docs/swagger-ui-bundle.js", "javascript"),
    ] {
        let response = answer(app.clone(), path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let got = response.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(got.contains(content_type), "{path}: {got}");
    }
}

/// The answer to a GET of `path` that accepts `encoding`: its headers and raw body.
async fn get_encoded(app: Router, path: &str, encoding: &str) -> (header::HeaderMap, Vec<u8>) {
    let request = Request::get(path)
        .header(header::ACCEPT_ENCODING, encoding)
        .body(Body::empty())
        .unwrap();
    let response = app.oneshot(request).await.unwrap();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (headers, body.to_vec())
}

#[tokio::test]
async fn json_is_compressed_for_who_accepts_it_and_small_answers_and_streams_are_not() {
    use std::io::Read;
    let (_tx, app) = app(Ok(()));
    let (plain, text) = get_encoded(app.clone(), "/api/v1/openapi.json", "identity").await;
    assert!(plain.get(header::CONTENT_ENCODING).is_none());
    let (gzip, body) = get_encoded(app.clone(), "/api/v1/openapi.json", "gzip").await;
    assert_eq!(gzip[header::CONTENT_ENCODING], "gzip");
    assert!(
        gzip[header::VARY]
            .to_str()
            .unwrap()
            .contains("accept-encoding")
    );
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(body.as_slice())
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, text, "the same document");
    assert!(
        body.len() * 4 < text.len(),
        "{} of {} bytes",
        body.len(),
        text.len()
    );
    let (br, _) = get_encoded(app.clone(), "/api/v1/openapi.json", "gzip, br").await;
    assert_eq!(br[header::CONTENT_ENCODING], "br");
    // A problem of a few hundred bytes goes as it is.
    let (small, _) = get_encoded(app.clone(), "/api/v1/nope", "gzip").await;
    assert!(small.get(header::CONTENT_ENCODING).is_none());
    // A stream is never compressed: the layer would hold its events back.
    let request = Request::get("/api/v1/watch")
        .header(header::ACCEPT_ENCODING, "gzip, br")
        .body(Body::empty())
        .unwrap();
    let response = app.oneshot(request).await.unwrap();
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/event-stream"
    );
    assert!(response.headers().get(header::CONTENT_ENCODING).is_none());
}

#[test]
fn only_json_answers_are_chosen_for_compression() {
    let with = |kind: &'static str| {
        let mut headers = header::HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, header::HeaderValue::from_static(kind));
        json_only(
            StatusCode::OK,
            Version::HTTP_11,
            &headers,
            &Extensions::new(),
        )
    };
    assert!(with("application/json"));
    assert!(with("application/problem+json"));
    for kind in [
        "application/x-ndjson",
        "text/event-stream",
        "application/gzip",
        "application/octet-stream",
        "text/html; charset=utf-8",
    ] {
        assert!(!with(kind), "{kind}");
    }
}

/// A UI directory of this test's own: the index the build writes, and a brotli variant.
fn ui_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("flux-web-ui-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("index.html"),
        "<html><head><base href=\"/\"><script src=\"boot-0123456789ab.js\"></script></head></html>",
    )
    .unwrap();
    std::fs::write(dir.join("index.html.br"), b"not the page").unwrap();
    dir
}

/// flux-web at `base_url`, serving the UI of [`ui_dir`].
fn served_under(base_url: &str) -> (Ready, Router) {
    let config = Config::from_yaml(&format!(
        "apiVersion: web.fluxcd.controlplane.io/v1\nkind: Config\nspec:\n  baseURL: {base_url}\n"
    ))
    .unwrap();
    let (tx, mut state) = state_with(config, Ok(()));
    state.ui = crate::ui::Assets::choose(Some(&ui_dir()));
    (tx, router(state))
}

#[tokio::test]
async fn under_a_base_path_everything_is_beneath_it_and_the_page_names_it() {
    let (_tx, app) = served_under("https://flux.example.com/flux/");
    for page in [
        "/flux",
        "/flux/",
        "/flux/resources",
        "/flux/kustomize.toolkit.fluxcd.io/kustomizations/a/b",
        "/flux/index.html",
    ] {
        let (headers, body) = get_encoded(app.clone(), page, "br").await;
        let body = String::from_utf8(body).unwrap();
        assert!(body.contains("<base href=\"/flux/\">"), "{page}: {body}");
        assert!(!body.contains("<base href=\"/\">"), "{page}");
        assert!(headers.get(header::CONTENT_ENCODING).is_none(), "{page}");
    }
    // The API, its document and its docs page, the probes: under the path.
    for path in [
        "/flux/api/v1/openapi.json",
        "/flux/api/docs/",
        "/flux/healthz",
        "/flux/readyz",
    ] {
        assert_eq!(
            answer(app.clone(), path).await.status(),
            StatusCode::OK,
            "{path}"
        );
    }
    // The docs page reads the document under the path.
    let (_, config) = get_encoded(
        app.clone(),
        "/flux/api/docs/swagger-initializer.js",
        "identity",
    )
    .await;
    assert!(String::from_utf8_lossy(&config).contains("/flux/api/v1/openapi.json"));
    // Outside it: the kubelet's probes, a way in from the root, and nothing else.
    for path in ["/healthz", "/readyz"] {
        let (status, _, _) = get(app.clone(), path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
    }
    let response = answer(app.clone(), "/").await;
    assert!(response.status().is_redirection());
    assert_eq!(response.headers()[header::LOCATION], "/flux/");
    for path in [
        "/api/v1/openapi.json",
        "/resources",
        "/fluxes/resources",
        "/oauth2/authorize",
        "/metrics",
    ] {
        let (status, content_type, problem) = get(app.clone(), path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(content_type, "application/problem+json", "{path}");
        assert_eq!(problem["code"], "no_route", "{path}");
    }
    let (status, _, problem) = get(app.clone(), "/flux/api/v1/nothing").await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("no_route"))
    );
}

#[tokio::test]
async fn at_the_root_the_page_is_sent_as_built() {
    let (_tx, app) = served_under("https://flux.example.com");
    let (headers, body) = get_encoded(app.clone(), "/resources", "br").await;
    assert_eq!(body, b"not the page");
    assert_eq!(headers[header::CONTENT_ENCODING], "br");
    let (_, body) = get_encoded(app, "/", "identity").await;
    assert!(
        String::from_utf8(body)
            .unwrap()
            .contains("<base href=\"/\">")
    );
}
