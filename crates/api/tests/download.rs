//! Artifact downloads against the test bed, with a loopback HTTP server in the test playing
//! source-controller's storage.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failed test

mod support;

use std::time::Duration;

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use bytes::Bytes;
use futures::StreamExt;
use http_body_util::BodyExt;
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::json;
use sha2::{Digest, Sha256};
use support::app::{Settings, call, config_yaml, flux_web, grant_server_actions};
use support::objects::{create, listing, path, set_status, until_allowed, web_events};
use support::process::{Server, write_temp};
use support::{FLUX_GROUPS, Testbed, User};
use tower::ServiceExt;

/// A fixed file of `len` bytes, the same each time it is made.
fn file(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

fn sha256(data: &[u8]) -> String {
    let digest = Sha256::digest(data);
    format!(
        "sha256:{}",
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

/// 500 MiB, served chunk by chunk so the test never holds it.
const BIG: u64 = 500 << 20;
const CHUNK: usize = 1 << 20;

fn big_stream() -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> {
    let chunk = Bytes::from(file(CHUNK));
    futures::stream::iter((0..BIG / CHUNK as u64).map(move |_| Ok(chunk.clone())))
}

fn big_digest() -> String {
    let chunk = file(CHUNK);
    let mut hasher = Sha256::new();
    for _ in 0..BIG / CHUNK as u64 {
        hasher.update(&chunk);
    }
    format!(
        "sha256:{}",
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

/// The storage: `/artifact.tar.gz` (64 KiB), `/redirect` to it, `/broken` (a 500),
/// `/big.tar.gz` (500 MiB).
async fn storage() -> String {
    let app = axum::Router::new()
        .route("/artifact.tar.gz", get(|| async { file(64 << 10) }))
        .route(
            "/redirect",
            get(|| async { Redirect::temporary("/artifact.tar.gz") }),
        )
        .route(
            "/broken",
            get(|| async { StatusCode::INTERNAL_SERVER_ERROR }),
        )
        .route(
            "/big.tar.gz",
            get(|| async {
                Response::builder()
                    .header(header::CONTENT_LENGTH, BIG)
                    .body(Body::from_stream(big_stream()))
                    .unwrap()
                    .into_response()
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

fn git_repositories() -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("source.toolkit.fluxcd.io", "v1", "GitRepository"),
        "gitrepositories",
    )
}

/// A GitRepository whose status points at `url` with `digest`.
async fn source(bed: &Testbed, ns: &str, name: &str, url: &str, digest: &str) -> ApiResource {
    let repos = git_repositories();
    create(
        bed,
        ns,
        &repos,
        name,
        json!({"interval": "10m", "url": "https://git.example.com/repo"}),
    )
    .await;
    set_status(
        bed,
        ns,
        &repos,
        name,
        json!({"artifact": {
            "url": url, "digest": digest, "revision": "main@sha1:abcdef1234567890",
            "path": "gitrepository/x.tar.gz", "lastUpdateTime": "2026-11-23T22:00:00Z",
        }}),
    )
    .await;
    repos
}

async fn grant_alice_downloads(bed: &Testbed, ns: &str) {
    bed.grant_rules(
        ns,
        "devs-download",
        json!([
            {"apiGroups": FLUX_GROUPS, "resources": ["*"], "verbs": ["get", "list", "download"]},
        ]),
        ("Group", "devs"),
    )
    .await;
}

/// GETs `path` and reads the whole body: the bytes, or the error that broke the transfer.
async fn fetch(
    app: &axum::Router,
    path: &str,
) -> (StatusCode, header::HeaderMap, Result<Bytes, String>) {
    let request = http::Request::get(path).body(Body::empty()).unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .map_err(|e| e.to_string());
    (parts.status, parts.headers, bytes)
}

#[tokio::test]
async fn a_download_streams_the_exact_bytes_under_the_servers_filename_and_is_audited() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("download").await;
    grant_alice_downloads(&bed, &ns).await;
    let base = storage().await;
    let served = file(64 << 10);
    let repos = source(
        &bed,
        &ns,
        "repo",
        &format!("{base}/artifact.tar.gz"),
        &sha256(&served),
    )
    .await;
    let app = flux_web(
        &bed,
        Settings {
            allow_loopback: true,
            ..Settings::default()
        },
    )
    .await;
    until_allowed(&app, &listing(&repos, &ns, "repo")).await;

    let (status, headers, body) = fetch(&app, &path(&repos, &ns, "repo", "download")).await;
    assert_eq!(status, 200);
    assert_eq!(body.unwrap(), served);
    assert_eq!(headers[header::CONTENT_LENGTH], served.len().to_string());
    assert_eq!(
        headers[header::CONTENT_DISPOSITION],
        format!("attachment; filename=\"gitrepository-{ns}-repo-abcdef1.tar.gz\"")
    );
    let events = web_events(&bed, &ns).await;
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].metadata.annotations.as_ref().unwrap()["event.toolkit.fluxcd.io/action"],
        "download"
    );
}

#[tokio::test]
async fn a_wrong_digest_breaks_the_transfer() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("digest").await;
    grant_alice_downloads(&bed, &ns).await;
    let base = storage().await;
    let wrong = sha256(b"something else");
    let repos = source(
        &bed,
        &ns,
        "repo",
        &format!("{base}/artifact.tar.gz"),
        &wrong,
    )
    .await;
    let app = flux_web(
        &bed,
        Settings {
            allow_loopback: true,
            ..Settings::default()
        },
    )
    .await;
    until_allowed(&app, &listing(&repos, &ns, "repo")).await;
    let (status, _, body) = fetch(&app, &path(&repos, &ns, "repo", "download")).await;
    assert_eq!(status, 200, "the answer starts before the digest is known");
    let error = body.unwrap_err();
    assert!(error.contains("digest mismatch"), "{error}");
}

#[tokio::test]
async fn redirects_loopback_without_the_allowance_other_hosts_and_missing_artifacts_are_refused() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("ssrf").await;
    grant_alice_downloads(&bed, &ns).await;
    let base = storage().await;
    let digest = sha256(&file(64 << 10));
    let repos = source(&bed, &ns, "redirect", &format!("{base}/redirect"), &digest).await;
    source(
        &bed,
        &ns,
        "elsewhere",
        "http://example.com/artifact.tar.gz",
        &digest,
    )
    .await;
    source(
        &bed,
        &ns,
        "metadata",
        "http://169.254.169.254/latest/meta-data",
        &digest,
    )
    .await;
    source(
        &bed,
        &ns,
        "loopback",
        &format!("{base}/artifact.tar.gz"),
        &digest,
    )
    .await;
    source(&bed, &ns, "broken", &format!("{base}/broken"), &digest).await;
    create(
        &bed,
        &ns,
        &repos,
        "fresh",
        json!({"interval": "10m", "url": "https://git.example.com/repo"}),
    )
    .await;

    let allowed = flux_web(
        &bed,
        Settings {
            allow_loopback: true,
            ..Settings::default()
        },
    )
    .await;
    let strict = flux_web(&bed, Settings::default()).await;
    until_allowed(&allowed, &listing(&repos, &ns, "redirect")).await;
    let cases = [
        (&allowed, "redirect", 502, "storage_failed", "redirect"),
        (
            &allowed,
            "elsewhere",
            502,
            "storage_failed",
            "not a cluster service",
        ),
        (&allowed, "metadata", 502, "storage_failed", "literal IP"),
        (&strict, "loopback", 502, "storage_failed", "literal IP"),
        (&allowed, "fresh", 404, "no_artifact", "no artifact yet"),
        (
            &allowed,
            "broken",
            502,
            "storage_failed",
            "storage answered 500",
        ),
    ];
    for (app, name, status, code, detail) in cases {
        let (got, body) = call(app, "GET", &path(&repos, &ns, name, "download"), None).await;
        assert_eq!(
            (got, body["code"].as_str()),
            (status, Some(code)),
            "{name}: {body}"
        );
        assert!(
            body["detail"].as_str().unwrap().contains(detail),
            "{name}: {body}"
        );
    }
    assert!(
        web_events(&bed, &ns).await.is_empty(),
        "refused downloads are not audited as done"
    );
}

#[tokio::test]
async fn an_artifact_generator_offers_and_serves_its_external_artifacts() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("generator").await;
    grant_alice_downloads(&bed, &ns).await;
    let base = storage().await;
    let served = file(64 << 10);
    let generators = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk(
            "source.extensions.fluxcd.io",
            "v1beta1",
            "ArtifactGenerator",
        ),
        "artifactgenerators",
    );
    let externals = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("source.toolkit.fluxcd.io", "v1", "ExternalArtifact"),
        "externalartifacts",
    );
    create(
        &bed,
        &ns,
        &generators,
        "gen",
        json!({
            "sources": [{"alias": "repo", "kind": "GitRepository", "name": "repo"}],
            "artifacts": [{"name": "out", "copy": [{"from": "@repo/**", "to": "@artifact/"}]}],
        }),
    )
    .await;
    set_status(
        &bed,
        &ns,
        &generators,
        "gen",
        json!({"inventory": [
            {"name": "out", "namespace": ns, "digest": sha256(&served), "filename": "out.tar.gz"},
        ]}),
    )
    .await;
    create(&bed, &ns, &externals, "out", json!({})).await;
    set_status(&bed, &ns, &externals, "out", json!({"artifact": {
        "url": format!("{base}/artifact.tar.gz"), "digest": sha256(&served), "revision": "latest@sha256:0123456789ab",
        "path": "x", "lastUpdateTime": "2026-11-23T22:00:00Z",
    }}))
    .await;
    let app = flux_web(
        &bed,
        Settings {
            allow_loopback: true,
            ..Settings::default()
        },
    )
    .await;
    until_allowed(&app, &listing(&generators, &ns, "gen")).await;

    let (_, listed) = call(&app, "GET", &listing(&generators, &ns, "gen"), None).await;
    assert_eq!(
        listed["artifacts"],
        json!([{"name": "out", "namespace": ns}])
    );
    let (status, headers, body) = fetch(
        &app,
        &format!("{}?artifact=out", path(&generators, &ns, "gen", "download")),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body.unwrap(), served);
    assert_eq!(
        headers[header::CONTENT_DISPOSITION],
        format!("attachment; filename=\"externalartifact-{ns}-out-0123456.tar.gz\"")
    );
    let (status, body) = call(
        &app,
        "GET",
        &format!(
            "{}?artifact=nope",
            path(&generators, &ns, "gen", "download")
        ),
        None,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("no_artifact")),
        "{body}"
    );
    let (status, body) = call(
        &app,
        "GET",
        &path(&generators, &ns, "gen", "download"),
        None,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_query")),
        "{body}"
    );
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Not a timing test: it prints the server's memory while 500 MiB stream through it and
/// fails only if the growth shows the file being held.
#[tokio::test]
async fn streaming_500_mib_keeps_the_servers_memory_flat() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("memory").await;
    grant_alice_downloads(&bed, &ns).await;
    let base = storage().await;
    let repos = source(
        &bed,
        &ns,
        "big",
        &format!("{base}/big.tar.gz"),
        &big_digest(),
    )
    .await;
    let config = write_temp(
        "config.yaml",
        &config_yaml(Settings {
            allow_loopback: true,
            ..Settings::default()
        }),
    );
    let mut server = Server::start(&[
        "--config",
        &config,
        "--kubeconfig",
        bed.kubeconfig(User::Server),
    ]);
    server
        .wait_for("/readyz", 200, Duration::from_secs(30))
        .await;
    let pid = server.pid();
    let url = format!("{}{}", server.base, path(&repos, &ns, "big", "download"));
    // Until alice's grant counts; also warms the server up before the baseline.
    let mut response = None;
    for _ in 0..50 {
        let r = reqwest::get(&url).await.unwrap();
        if r.status() == 200 {
            response = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let response = response.expect("download allowed within 10 s");
    let baseline = rss_kib(pid);
    let mut peak = baseline;
    let mut hasher = Sha256::new();
    let mut received: u64 = 0;
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.unwrap();
        received += chunk.len() as u64;
        hasher.update(&chunk);
        peak = peak.max(rss_kib(pid));
    }
    let digest = format!(
        "sha256:{}",
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    assert_eq!(received, BIG);
    assert_eq!(digest, big_digest());
    let growth_mib = (peak.saturating_sub(baseline)) as f64 / 1024.0;
    println!(
        "download memory: streamed {} MiB; server RSS baseline {:.1} MiB, peak {:.1} MiB, growth {growth_mib:.1} MiB",
        BIG >> 20,
        baseline as f64 / 1024.0,
        peak as f64 / 1024.0
    );
    eprintln!(
        "download memory: growth {growth_mib:.1} MiB while streaming {} MiB",
        BIG >> 20
    );
    assert!(growth_mib < 32.0, "server RSS grew by {growth_mib:.1} MiB");
}
