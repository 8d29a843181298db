//! `GET .../kustomizations/{namespace}/{name}/preview`: what a reconcile of a Kustomization
//! would apply, built from its source's artifact in the cluster exactly as kustomize-controller
//! builds it, and whether that build is the controller's own (the digest it recorded for the
//! revision). Read-only: nothing in the cluster changes.
//!
//! A request's walk: the Kustomization and its source read as the caller, `preview` and `get`
//! checked; the artifact fetched ([`crate::download::bytes`]) and unpacked ([`tree`]); the
//! variables of `postBuild.substituteFrom` read as the caller; the build run by the
//! [`engine`]; its digest compared and its objects listed.
//!
//! - [`engine`] — the build, in WebAssembly, sandboxed and capped.
//! - [`tree`] — the artifact unpacked, capped, nothing outside its directory.

mod fates;
pub mod tree;

use std::time::Duration;

use flux_web_core::address::ObjectRef;
use flux_web_core::plan::Check;
use flux_web_core::preview::{self as decide, Reference, Source, Variables};
use flux_web_shared::actions::Verb;
use flux_web_shared::preview::Preview;
use sha2::{Digest, Sha256};

use crate::cluster::{Applier, ClusterError, DataKind, Reader};
use crate::context::Context;
use crate::engine::{self, Caps};
use crate::error::ApiError;
use crate::identity::Identity;
use tree::{TreeCaps, TreeError};

/// What one preview may take. A build of 500 Deployments needs about 300 MiB and 4 s. The
/// process's memory limit (deploy/) holds the compiled module and `CONCURRENT` builds at their
/// cap: a test says so.
const CAPS: Caps = Caps {
    memory: 512 * 1024 * 1024,
    time: Duration::from_secs(60),
    output: 32 * 1024 * 1024,
    // A build takes seconds of a core: past two at once, the caller is told to come back.
    queue: Duration::ZERO,
};
const TREE: TreeCaps = TreeCaps {
    entries: 10_000,
    bytes: 256 * 1024 * 1024,
};
/// The most objects a preview dry-runs.
const MAX_OBJECTS: usize = 1000;
/// The largest artifact a preview fetches (and at most `download.maxSize`).
const MAX_ARTIFACT: u64 = 64 * 1024 * 1024;

pub async fn preview(
    ctx: &Context<'_>,
    identity: &Identity,
    target: &ObjectRef,
) -> Result<Preview, ApiError> {
    if target.kind.kind != "Kustomization" {
        return Err(ApiError::NotFound(format!(
            "{} has no preview: only a Kustomization's build can be previewed",
            target.describe()
        )));
    }
    let reader = Reader::User(identity);
    let read = ctx.read(reader, target).await?;
    ctx.access
        .authorize_all(
            identity,
            &[
                Check::of(Verb::Get, target),
                Check::of(Verb::Preview, target),
            ],
        )
        .await?;
    let source = read
        .view
        .sources
        .as_ref()
        .ok()
        .and_then(|s| s.first().cloned())
        .ok_or_else(|| ApiError::NoArtifact(format!("{} has no source", target.describe())))?;
    let holder = ctx.read(reader, &source).await?;
    let what = source.describe();
    let artifact = holder
        .view
        .artifact
        .ok_or_else(|| ApiError::NoArtifact(format!("{what} has no artifact yet")))?;
    let tarball = crate::download::bytes(ctx, &artifact, &what, MAX_ARTIFACT).await?;
    let tree = tokio::task::spawn_blocking(move || tree::unpack(&tarball, TREE))
        .await
        .map_err(|e| ApiError::Engine(e.to_string()))?
        .map_err(refused)?;
    let variables = variables(ctx, identity, target, &read.found.data).await?;
    // The whole Kustomization: its name and namespace make the owner labels.
    let whole = serde_json::to_value(&read.found).map_err(|e| ApiError::Engine(e.to_string()))?;
    let input = decide::input(&whole, engine::ROOT, &variables);
    let input = serde_json::to_vec(&input).map_err(|e| ApiError::Engine(e.to_string()))?;
    let built = engine::shared()?
        .build(Some(tree.root()), input, CAPS)
        .await?;
    drop(tree);
    let built: Built = serde_json::from_slice(&built)
        .map_err(|e| ApiError::Engine(format!("the engine's answer: {e}")))?;
    if built.objects.len() > MAX_OBJECTS {
        return Err(ApiError::TooLarge(format!(
            "the build holds {} objects: a preview takes at most {MAX_OBJECTS}",
            built.objects.len()
        )));
    }
    let digest = format!("sha256:{:x}", Sha256::digest(built.yaml.as_bytes()));
    let applied_digest = decide::applied_digest(&read.found.data, &artifact.revision);
    let secrets: Vec<String> = variables
        .secrets
        .values()
        .flat_map(|data| data.values().cloned())
        .collect();
    let account = decide::service_account(&read.found.data);
    let applier = applier(ctx, identity, &target.namespace, account.as_deref()).await?;
    let plan = fates::Plan {
        kustomization: &read.found,
        applier,
        objects: &built.objects,
        secrets: &secrets,
    };
    let objects = fates::fates(ctx, identity, plan).await;
    Ok(Preview {
        path: read.found.data["spec"]["path"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        matches: applied_digest.as_ref().map(|applied| *applied == digest),
        revision: artifact.revision,
        digest,
        applied_digest,
        as_service_account: matches!(applier, Applier::ServiceAccount { .. }),
        service_account: account,
        objects,
    })
}

/// The engine's answer: the build as the controller digests it, and what it applies of it.
#[derive(serde::Deserialize)]
struct Built {
    yaml: String,
    objects: Vec<serde_json::Value>,
}

/// As whom the dry runs apply: the service account the controller applies as, where an
/// operator granted the server its impersonation (the grant is the opt-in); else the caller.
async fn applier<'a>(
    ctx: &Context<'_>,
    identity: &'a Identity,
    namespace: &'a str,
    account: Option<&'a str>,
) -> Result<Applier<'a>, ApiError> {
    let Some(name) = account else {
        return Ok(Applier::Caller(identity));
    };
    Ok(match ctx.cluster.may_impersonate(namespace, name).await? {
        true => Applier::ServiceAccount { namespace, name },
        false => Applier::Caller(identity),
    })
}

/// The data of `postBuild.substituteFrom`, read as the caller: one they may not read refuses
/// the preview, named (a build without it would differ from the controller's); one that does
/// not exist is left out, as the controller leaves it (and fails the build unless optional).
async fn variables(
    ctx: &Context<'_>,
    identity: &Identity,
    target: &ObjectRef,
    kustomization: &serde_json::Value,
) -> Result<Variables, ApiError> {
    let mut variables = Variables::default();
    for Reference { kind, name, .. } in decide::references(kustomization) {
        let kind = match kind {
            Source::ConfigMap => DataKind::ConfigMap,
            Source::Secret => DataKind::Secret,
        };
        let read = ctx
            .cluster
            .data(Reader::User(identity), kind, &target.namespace, &name)
            .await;
        let values = match read {
            Ok(values) => values,
            Err(ClusterError::NotFound(_)) => continue,
            Err(ClusterError::Forbidden(_)) => {
                return Err(ApiError::Forbidden(format!(
                    "{} substitutes from {} {}/{name}, which you may not get: the preview \
                     needs get on {}s there",
                    target.describe(),
                    kind.name(),
                    target.namespace,
                    kind.name().to_ascii_lowercase()
                )));
            }
            Err(e) => return Err(e.into()),
        };
        match kind {
            DataKind::ConfigMap => variables.config_maps.insert(name, values),
            DataKind::Secret => variables.secrets.insert(name, values),
        };
    }
    Ok(variables)
}

fn refused(error: TreeError) -> ApiError {
    match error {
        TreeError::Entries(_) | TreeError::Bytes(_) => ApiError::TooLarge(error.to_string()),
        TreeError::Outside(_) | TreeError::Link(_) | TreeError::Unreadable(_) => {
            ApiError::BuildFailed(error.to_string())
        }
        TreeError::Local(_) => ApiError::Engine(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::CAPS;
    use crate::engine::CONCURRENT;

    /// The compiled module's resident memory (the image, musl: `make bench-preview` measured
    /// 170 MiB) and the process's own, with room: what the limit must hold beside the builds.
    const BESIDE_THE_BUILDS: usize = 384 * 1024 * 1024;

    #[test]
    fn deploys_memory_limit_holds_the_engine_and_its_builds_at_their_caps() {
        let deployment = include_str!("../../../../deploy/base/deployment.yaml");
        let limit = deployment
            .split("limits:")
            .nth(1)
            .and_then(|rest| rest.split("memory:").nth(1))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|quantity| quantity.strip_suffix("Mi"))
            .and_then(|mib| mib.parse::<usize>().ok())
            .expect("deploy/base/deployment.yaml: limits.memory in Mi");
        let needed = CONCURRENT * CAPS.memory + BESIDE_THE_BUILDS;
        assert!(
            limit * 1024 * 1024 >= needed,
            "a limit of {limit} MiB kills the pod in its first previews: {} MiB needed",
            needed / (1024 * 1024)
        );
    }
}
