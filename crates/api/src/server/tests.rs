use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;

use super::*;

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

fn app(ready: Result<(), String>) -> (tokio::sync::watch::Sender<Result<(), String>>, Router) {
    let (tx, readiness) = Readiness::fixed(ready);
    (tx, router(AppState { readiness }))
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
