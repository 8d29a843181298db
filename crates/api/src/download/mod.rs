//! `GET .../actions/download`: the artifact of a source, streamed from source-controller's
//! storage to the caller without holding it in memory, checked against
//! `status.artifact.digest` on the way.
//!
//! - [`guard`] — where artifacts may be fetched from (SSRF guard).
//! - [`verify`] — the stream that checks digest and size.

pub mod guard;
mod verify;

use std::net::SocketAddr;
use std::time::Duration;

use crate::audit::{Entry, Involved};
use crate::clock::rfc3339;
use crate::cluster::Reader;
use crate::config::DownloadPolicy;
use crate::context::Context;
use crate::error::ApiError;
use crate::identity::Identity;
use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::Response;
use flux_web_core::address::ObjectRef;
use flux_web_core::kinds::{self, Action};
use flux_web_core::plan::{Download, Input};
use flux_web_core::view::Artifact;
use futures::StreamExt;
use verify::{Hasher, Verified};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest pause between two reads from storage before the download is given up.
const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// A gzipped tarball as the OpenAPI document describes the body of a download.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct Tarball(pub Vec<u8>);

/// `<kind>-<namespace>-<name>-<short revision>.tar.gz`; the revision's hash cut to 7
/// characters (`main@sha1:1a2b3c4…` → `1a2b3c4`), a plain version kept (`6.5.4`).
pub fn filename(kind: &str, namespace: &str, name: &str, revision: &str) -> String {
    let short: String = match revision.rsplit_once(':') {
        Some((_, hash)) => hash.chars().take(7).collect(),
        None => revision
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
            .collect(),
    };
    let kind = kind.to_ascii_lowercase();
    if short.is_empty() {
        format!("{kind}-{namespace}-{name}.tar.gz")
    } else {
        format!("{kind}-{namespace}-{name}-{short}.tar.gz")
    }
}

pub async fn download(
    ctx: &Context<'_>,
    identity: &Identity,
    target: &ObjectRef,
    artifact_name: Option<&str>,
) -> Result<Response, ApiError> {
    let now = rfc3339(ctx.clock.now());
    let input = Input {
        now: &now,
        by: &identity.display_name,
        artifact: artifact_name,
        ..Input::default()
    };
    let (read, plan) = ctx.plan(identity, target, Action::Download, &input).await?;
    ctx.access.authorize_all(identity, &plan.checks).await?;
    let (holder, artifact) = match plan.download {
        Some(Download::Own(artifact)) => (read.view.object.clone(), artifact),
        Some(Download::External(external)) => {
            let kind = kinds::by_kind("source.toolkit.fluxcd.io", "ExternalArtifact")
                .ok_or_else(|| ApiError::NotFound("ExternalArtifact kind".into()))?;
            let object = ObjectRef::new(kind, &external.namespace, &external.name);
            // Read as the user: an inventory may name a namespace they cannot read. Missing
            // and forbidden answer alike, so the answer does not tell which exists.
            let found = ctx
                .read(Reader::User(identity), &object)
                .await
                .map_err(|e| match e {
                    ApiError::NotFound(_) | ApiError::Forbidden(_) => ApiError::NoArtifact(
                        format!("{} is not there or not yours to read", object.describe()),
                    ),
                    other => other,
                })?;
            let artifact = found.view.artifact.ok_or_else(|| {
                ApiError::NoArtifact(format!("{} has no artifact yet", object.describe()))
            })?;
            (object, artifact)
        }
        None => {
            return Err(ApiError::NoArtifact(format!(
                "{} has no artifact",
                plan.target.describe()
            )));
        }
    };
    let what = holder.describe();
    let policy = ctx.download;
    let (response, hasher, expected) = open(ctx, &artifact, &what, policy.max_size).await?;
    let length = response.content_length();
    // Audited before a byte is sent: a download whose Event cannot be written is refused.
    let entry = Entry {
        identity,
        verb: Action::Download.verb(),
        involved: Involved::of(&read.resource, &read.found),
        subject: None,
        run: None,
        scheduled: None,
    };
    ctx.audit.record_first(entry, ctx.clock.now()).await?;
    let name = filename(
        holder.kind.kind,
        &holder.namespace,
        &holder.name,
        &artifact.revision,
    );
    let body = Body::from_stream(Verified::new(
        response.bytes_stream(),
        hasher,
        expected,
        policy.max_size,
        policy.timeout,
        what,
    ));
    let mut builder = Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/gzip")
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        )
        .header(header::CACHE_CONTROL, "no-store");
    // An announced length lets a client show progress; the verifier holds back the last
    // chunk, so a bad file still ends short. An empty body has no chunk to hold back, so its
    // length is not announced and a mismatch ends the chunked transfer unterminated.
    if let Some(length) = length.filter(|l| *l > 0) {
        builder = builder.header(header::CONTENT_LENGTH, length);
    }
    builder
        .body(body)
        .map_err(|e| ApiError::Storage(e.to_string()))
}

/// The whole of `artifact`, at most `max` bytes, its digest checked: for a preview's build,
/// which needs the tarball in hand.
pub async fn bytes(
    ctx: &Context<'_>,
    artifact: &Artifact,
    what: &str,
    max: u64,
) -> Result<Vec<u8>, ApiError> {
    let policy = ctx.download;
    let max = max.min(policy.max_size);
    let (response, hasher, expected) = open(ctx, artifact, what, max).await?;
    // The stream checks the digest and the time; the size is this loop's, so that a refusal
    // for it is a 413, not a broken transfer.
    let mut stream = Verified::new(
        response.bytes_stream(),
        hasher,
        expected,
        u64::MAX,
        policy.timeout,
        what.to_owned(),
    );
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::Storage(e.to_string()))?;
        if (body.len() + chunk.len()) as u64 > max {
            return Err(too_large(what, max));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Storage's answer for `artifact`, once its size (as the source says it, and as storage
/// announces it) is at most `max` and its digest is one flux-web can check; with the hasher
/// that checks it and the digest expected.
async fn open(
    ctx: &Context<'_>,
    artifact: &Artifact,
    what: &str,
    max: u64,
) -> Result<(reqwest::Response, Hasher, String), ApiError> {
    if artifact.size.is_some_and(|size| size > max) {
        return Err(too_large(what, max));
    }
    let (hasher, expected) = Hasher::for_digest(&artifact.digest).ok_or_else(|| {
        ApiError::Storage(format!(
            "{what}: cannot check the digest {:?}",
            artifact.digest
        ))
    })?;
    let apiserver = ctx.cluster.addresses().await;
    let response = fetch(&artifact.url, ctx.download, &apiserver, what).await?;
    if response.content_length().is_some_and(|l| l > max) {
        return Err(too_large(what, max));
    }
    Ok((response, hasher, expected))
}

fn too_large(what: &str, max: u64) -> ApiError {
    ApiError::TooLarge(format!(
        "{what} is larger than {max} bytes, the most flux-web fetches here (download.maxSize; a preview takes less)"
    ))
}

/// Asks storage for the file, after the URL and every address it resolves to pass the
/// guard; the connection goes to a checked address, so a second lookup cannot change it.
async fn fetch(
    text: &str,
    policy: &DownloadPolicy,
    apiserver: &[SocketAddr],
    what: &str,
) -> Result<reqwest::Response, ApiError> {
    let refused = |e: guard::Refused| ApiError::Storage(e.to_string());
    let url = guard::check_url(text, policy.allow_loopback).map_err(refused)?;
    let host = url
        .host_str()
        .unwrap_or_default()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = url.port_or_known_default().unwrap_or(80);
    let lookup = tokio::time::timeout(
        CONNECT_TIMEOUT,
        tokio::net::lookup_host((host.as_str(), port)),
    )
    .await
    .map_err(|_| ApiError::StorageTimeout(format!("{what}: no DNS answer for {host}")))?;
    let addresses: Vec<_> = lookup
        .map_err(|e| ApiError::Storage(format!("{what}: cannot resolve {host}: {e}")))?
        .collect();
    for address in &addresses {
        guard::check_address(&url, *address, policy.allow_loopback, apiserver).map_err(refused)?;
    }
    let Some(address) = addresses.first() else {
        return Err(ApiError::Storage(format!(
            "{what}: {host} resolves to nothing"
        )));
    };
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(READ_TIMEOUT)
        .resolve(&host, *address)
        .build()
        .map_err(|e| ApiError::Storage(e.to_string()))?;
    let response = client.get(url.clone()).send().await.map_err(|e| {
        if e.is_timeout() {
            ApiError::StorageTimeout(format!("{what}: storage did not answer in time"))
        } else {
            ApiError::Storage(format!("{what}: storage unreachable: {e}"))
        }
    })?;
    let status = response.status();
    if status.is_redirection() {
        return Err(ApiError::Storage(format!(
            "{what}: storage answered with a redirect, which is not followed"
        )));
    }
    if status == StatusCode::NOT_FOUND {
        return Err(ApiError::NoArtifact(format!(
            "{what}: the artifact is not in storage (yet)"
        )));
    }
    if !status.is_success() {
        return Err(ApiError::Storage(format!(
            "{what}: storage answered {status}"
        )));
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filenames_name_kind_namespace_name_and_short_revision() {
        let cases = [
            (
                "GitRepository",
                "main@sha1:1a2b3c4d5e6f",
                "gitrepository-apps-web-1a2b3c4.tar.gz",
            ),
            (
                "OCIRepository",
                "latest@sha256:9f8e7d6c5b4a",
                "ocirepository-apps-web-9f8e7d6.tar.gz",
            ),
            ("HelmChart", "6.5.4", "helmchart-apps-web-6.5.4.tar.gz"),
            ("Bucket", "", "bucket-apps-web.tar.gz"),
            (
                "ExternalArtifact",
                "v1/../\"x",
                "externalartifact-apps-web-v1..x.tar.gz",
            ),
        ];
        for (kind, revision, expected) in cases {
            assert_eq!(
                filename(kind, "apps", "web", revision),
                expected,
                "{revision}"
            );
        }
    }
}
