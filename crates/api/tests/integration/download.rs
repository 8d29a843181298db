//! Artifact downloads against the test bed, with a loopback HTTP server in the test playing
//! source-controller's storage.

use std::time::Duration;

use crate::support::app::{Settings, call, config_yaml, flux_web, grant_server_actions};
use crate::support::objects::{create, listing, path, set_status, until_allowed, web_events};
use crate::support::process::{Server, write_temp};
use crate::support::{FLUX_GROUPS, Testbed, User};
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
use tower::ServiceExt;

/// A fixed file of `len` bytes, the same each time it is made.
fn file(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

pub fn sha256(data: &[u8]) -> String {
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

/// The storage: `/artifact.tar.gz` (64 KiB, with its length), `/chunked.tar.gz` (the same
/// without a length), `/trickle.tar.gz` (a byte every 200 ms, forever), `/redirect` to the
/// artifact, `/broken` (a 500), `/big.tar.gz` (500 MiB).
async fn storage() -> String {
    let app = axum::Router::new()
        .route("/artifact.tar.gz", get(|| async { file(64 << 10) }))
        .route(
            "/chunked.tar.gz",
            get(|| async {
                let chunks = file(64 << 10)
                    .chunks(4096)
                    .map(|c| Ok::<_, std::io::Error>(Bytes::copy_from_slice(c)))
                    .collect::<Vec<_>>();
                Body::from_stream(futures::stream::iter(chunks))
            }),
        )
        .route(
            "/trickle.tar.gz",
            get(|| async {
                Body::from_stream(futures::stream::unfold((), |()| async {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    Some((Ok::<_, std::io::Error>(Bytes::from_static(b"x")), ()))
                }))
            }),
        )
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

pub fn git_repositories() -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("source.toolkit.fluxcd.io", "v1", "GitRepository"),
        "gitrepositories",
    )
}

/// A GitRepository whose status points at `url` with `digest`.
pub async fn source(bed: &Testbed, ns: &str, name: &str, url: &str, digest: &str) -> ApiResource {
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

/// A namespace of its own where alice may download, and the storage serving its files.
async fn alices_downloads(bed: &Testbed, prefix: &str) -> (String, String) {
    grant_server_actions(bed).await;
    let ns = bed.namespace(prefix).await;
    grant_alice_downloads(bed, &ns).await;
    (ns, storage().await)
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
    let (ns, base) = alices_downloads(&bed, "download").await;
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
    let (ns, base) = alices_downloads(&bed, "digest").await;
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
    let (ns, base) = alices_downloads(&bed, "ssrf").await;
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
    // The API server's own service, and a name that only looks like a service's.
    source(
        &bed,
        &ns,
        "apiserver",
        "https://kubernetes.default.svc.cluster.local/api/v1/secrets",
        &digest,
    )
    .await;
    source(
        &bed,
        &ns,
        "lookalike",
        "http://source-controller.flux-system.svc.evil.example/x.tar.gz",
        &digest,
    )
    .await;
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
        (
            &allowed,
            "apiserver",
            502,
            "storage_failed",
            "not a cluster service",
        ),
        (
            &allowed,
            "lookalike",
            502,
            "storage_failed",
            "not a cluster service",
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

/// An ArtifactGenerator `gen` in `ns` whose status lists `inventory`.
async fn generator(bed: &Testbed, ns: &str, inventory: serde_json::Value) -> ApiResource {
    let generators = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk(
            "source.extensions.fluxcd.io",
            "v1beta1",
            "ArtifactGenerator",
        ),
        "artifactgenerators",
    );
    create(
        bed,
        ns,
        &generators,
        "gen",
        json!({
            "sources": [{"alias": "repo", "kind": "GitRepository", "name": "repo"}],
            "artifacts": [{"name": "out", "copy": [{"from": "@repo/**", "to": "@artifact/"}]}],
        }),
    )
    .await;
    set_status(
        bed,
        ns,
        &generators,
        "gen",
        json!({ "inventory": inventory }),
    )
    .await;
    generators
}

/// An ExternalArtifact whose artifact is `served` at `url`.
async fn external(bed: &Testbed, ns: &str, name: &str, url: &str, served: &[u8]) {
    let externals = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("source.toolkit.fluxcd.io", "v1", "ExternalArtifact"),
        "externalartifacts",
    );
    create(bed, ns, &externals, name, json!({})).await;
    set_status(
        bed,
        ns,
        &externals,
        name,
        json!({"artifact": {
            "url": url, "digest": sha256(served), "revision": "latest@sha256:0123456789ab",
            "path": "x", "lastUpdateTime": "2026-11-23T22:00:00Z",
        }}),
    )
    .await;
}

#[tokio::test]
async fn an_artifact_generator_offers_and_serves_its_external_artifacts() {
    let bed = testbed!();
    let (ns, base) = alices_downloads(&bed, "generator").await;
    let served = file(64 << 10);
    let generators = generator(
        &bed,
        &ns,
        json!([{"name": "out", "namespace": ns, "digest": sha256(&served), "filename": "out.tar.gz"}]),
    )
    .await;
    external(
        &bed,
        &ns,
        "out",
        &format!("{base}/artifact.tar.gz"),
        &served,
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

/// The flux-web binary as alice, allowed to fetch from loopback storage, once ready.
async fn loopback_server(bed: &Testbed) -> Server {
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
    server
}

/// Not a timing test: it prints the server's memory while 500 MiB stream through it and
/// fails only if the growth shows the file being held.
#[tokio::test]
async fn streaming_500_mib_keeps_the_servers_memory_flat() {
    let bed = testbed!();
    let (ns, base) = alices_downloads(&bed, "memory").await;
    let repos = source(
        &bed,
        &ns,
        "big",
        &format!("{base}/big.tar.gz"),
        &big_digest(),
    )
    .await;
    let server = loopback_server(&bed).await;
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

/// Reads a whole HTTP/1.1 response off a raw socket, as curl would: the announced length (if
/// any) and the body bytes that arrived before the connection ended. A connection closed
/// before any head (the server cut the transfer before it flushed one) is no length, no body,
/// and not complete.
async fn raw_get(base: &str, path: &str) -> (Option<usize>, Vec<u8>, bool) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = base.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    socket.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(20), socket.read_to_end(&mut raw)).await;
    let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        assert!(raw.is_empty(), "a partial head: {raw:?}");
        return (None, Vec::new(), false);
    };
    let end = end + 4;
    let head = String::from_utf8_lossy(&raw[..end]).to_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map(|v| v.trim().parse().unwrap());
    let chunked = head.contains("transfer-encoding: chunked");
    let body = raw[end..].to_vec();
    // A chunked body is complete only with its last, empty chunk.
    let complete = match length {
        Some(length) => body.len() == length,
        None => chunked && body.ends_with(b"0\r\n\r\n"),
    };
    (length, body, complete)
}

/// Found by the attack run: with a length from storage, every byte of a file that failed its
/// digest reached the client, which saw a complete download and a clean end.
#[tokio::test]
async fn a_tampered_artifact_never_reaches_a_client_whole_with_or_without_a_length() {
    let bed = testbed!();
    let (ns, base) = alices_downloads(&bed, "tampered").await;
    let expected = sha256(b"what source-controller recorded");
    let repos = source(
        &bed,
        &ns,
        "sized",
        &format!("{base}/artifact.tar.gz"),
        &expected,
    )
    .await;
    source(
        &bed,
        &ns,
        "chunked",
        &format!("{base}/chunked.tar.gz"),
        &expected,
    )
    .await;
    let good = sha256(&file(64 << 10));
    source(&bed, &ns, "good", &format!("{base}/artifact.tar.gz"), &good).await;
    let server = loopback_server(&bed).await;
    let allowed = format!("{}{}", server.base, listing(&repos, &ns, "good"));
    crate::support::eventually("alice's grant", Duration::from_secs(10), || async {
        let body: serde_json::Value = reqwest::get(&allowed).await.ok()?.json().await.ok()?;
        let actions = body["actions"].as_array()?;
        actions
            .iter()
            .any(|a| a["action"] == "download" && a["allowed"] == true)
            .then_some(())
    })
    .await;

    let (length, body, complete) =
        raw_get(&server.base, &path(&repos, &ns, "good", "download")).await;
    assert!(complete, "the good file arrives whole");
    assert_eq!((length, body), (Some(64 << 10), file(64 << 10)));
    for name in ["sized", "chunked"] {
        let url = path(&repos, &ns, name, "download");
        let (length, body, complete) = raw_get(&server.base, &url).await;
        assert!(!complete, "{name}: the client got a complete transfer");
        if let Some(length) = length {
            assert!(
                body.len() < length,
                "{name}: {} of {length} bytes",
                body.len()
            );
        }
        // Cut before its head was flushed or after: either way never read whole.
        let whole = match reqwest::get(format!("{}{url}", server.base)).await {
            Ok(fetched) => fetched.bytes().await.is_ok(),
            Err(_) => false,
        };
        assert!(!whole, "{name}: reqwest read it whole");
    }
}

/// Found by the attack run: only the pause between two reads was bounded, so storage that
/// trickles a byte at a time held a download open forever.
#[tokio::test]
async fn a_trickling_storage_is_cut_off_at_the_download_timeout() {
    let bed = testbed!();
    let (ns, base) = alices_downloads(&bed, "trickle").await;
    let repos = source(
        &bed,
        &ns,
        "slow",
        &format!("{base}/trickle.tar.gz"),
        &sha256(b"x"),
    )
    .await;
    let mut config: serde_json::Value = serde_json::from_str(&config_yaml(Settings {
        allow_loopback: true,
        ..Settings::default()
    }))
    .unwrap();
    config["spec"]["download"]["timeout"] = json!("2s");
    let app = crate::support::app::flux_web_with(&bed, &config.to_string()).await;
    until_allowed(&app, &listing(&repos, &ns, "slow")).await;
    let started = std::time::Instant::now();
    let (status, _, body) = fetch(&app, &path(&repos, &ns, "slow", "download")).await;
    assert_eq!(status, 200);
    let error = body.unwrap_err();
    assert!(error.contains("download.timeout"), "{error}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

/// Found by the attack run: in FineGrained mode the ExternalArtifact an inventory names was
/// read as the server, so a user downloaded from a namespace they cannot read.
#[tokio::test]
async fn an_inventory_naming_an_artifact_the_user_cannot_read_answers_as_a_missing_one() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("inventory").await;
    let elsewhere = bed.namespace("inventory-secret").await;
    grant_alice_downloads(&bed, &ns).await;
    let base = storage().await;
    let served = file(64 << 10);
    let generators = generator(&bed, &ns, json!([
        {"name": "secret", "namespace": elsewhere, "digest": sha256(&served), "filename": "s.tar.gz"},
        {"name": "gone", "namespace": ns, "digest": sha256(&served), "filename": "g.tar.gz"},
    ]))
    .await;
    external(
        &bed,
        &elsewhere,
        "secret",
        &format!("{base}/artifact.tar.gz"),
        &served,
    )
    .await;
    for access in ["FineGrained", "Impersonated"] {
        let app = flux_web(
            &bed,
            Settings {
                allow_loopback: true,
                access,
                ..Settings::default()
            },
        )
        .await;
        until_allowed(&app, &listing(&generators, &ns, "gen")).await;
        let download = path(&generators, &ns, "gen", "download");
        let (status, body) = call(&app, "GET", &format!("{download}?artifact=secret"), None).await;
        let (gone_status, gone) =
            call(&app, "GET", &format!("{download}?artifact=gone"), None).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (404, Some("no_artifact")),
            "{access}: {body}"
        );
        assert_eq!(
            (gone_status, gone["code"].as_str()),
            (status, body["code"].as_str()),
            "{access}: missing and forbidden answer alike: {gone}"
        );
    }
    assert!(web_events(&bed, &ns).await.is_empty());
}

/// A download changes nothing, so one that cannot be audited is refused before a byte.
#[tokio::test]
async fn a_download_whose_audit_event_cannot_be_written_is_refused() {
    let bed = testbed!();
    let (ns, base) = alices_downloads(&bed, "download-audit").await;
    let repos = source(
        &bed,
        &ns,
        "repo",
        &format!("{base}/artifact.tar.gz"),
        &sha256(&file(64 << 10)),
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
    crate::support::objects::refuse_events(&bed, &ns).await;
    let (status, body) = call(&app, "GET", &path(&repos, &ns, "repo", "download"), None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (502, Some("audit_failed")),
        "{body}"
    );
}

/// The same, with source-controller's own storage: the artifact of a real GitRepository comes
/// through whole with its recorded digest, and once its file is tampered with in storage
/// (same length, other bytes, served with a Content-Length) it never reaches a client whole.
#[tokio::test]
async fn source_controllers_artifact_downloads_whole_and_a_tampered_one_is_cut() {
    let bed = testbed!();
    grant_server_actions(&bed).await;
    let ns = bed.namespace("real-download").await;
    grant_alice_downloads(&bed, &ns).await;
    let repo = crate::support::flux::Repo::fork("real-download");
    let sources = crate::support::flux::git_repositories();
    let object = crate::support::flux::git_repository("demo", &repo);
    crate::support::objects::create_as_is(&bed, &ns, &sources, object).await;
    let ready = crate::support::flux::until_ready(&bed, &ns, &sources, "demo").await;
    let artifact = &ready.data["status"]["artifact"];
    let stored = std::path::Path::new(&std::env::var("FLUX_WEB_TEST_STORAGE_PATH").unwrap())
        .join(artifact["path"].as_str().unwrap());
    let bytes = std::fs::read(&stored).unwrap();
    assert_eq!(artifact["digest"], sha256(&bytes));
    let server = loopback_server(&bed).await;
    let url = path(&sources, &ns, "demo", "download");
    crate::support::eventually("alice's grant", Duration::from_secs(10), || async {
        let body: serde_json::Value =
            reqwest::get(format!("{}{}", server.base, listing(&sources, &ns, "demo")))
                .await
                .ok()?
                .json()
                .await
                .ok()?;
        body["actions"]
            .as_array()?
            .iter()
            .any(|a| a["action"] == "download" && a["allowed"] == true)
            .then_some(())
    })
    .await;

    let (length, body, complete) = raw_get(&server.base, &url).await;
    assert!(complete, "the artifact arrives whole");
    assert_eq!((length, body), (Some(bytes.len()), bytes.clone()));

    let mut tampered = bytes.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 0xff;
    std::fs::write(&stored, &tampered).unwrap();
    // A file this small fails its digest before the answer starts: the connection ends
    // without one. Either way no client reads it whole.
    let fetched = reqwest::get(format!("{}{url}", server.base)).await;
    let whole = match fetched {
        Ok(response) => response.bytes().await.ok(),
        Err(_) => None,
    };
    assert_eq!(whole, None, "a tampered artifact arrived whole");
}
