//! Real Flux on the test bed: a Git repository of the test's own (a copy of the demo
//! repository on the bed's Git server, with a working clone to commit to) and the
//! GitRepository and Kustomization that deliver it, answered by the bed's controllers.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use kube::api::DynamicObject;
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::{Value, json};

use super::objects::read;
use super::{Testbed, eventually};

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} missing from the test bed env"))
}

fn git(args: &[&str], cwd: Option<&Path>) -> String {
    let mut command = Command::new("git");
    command.args([
        "-c",
        "user.name=flux-web tests",
        "-c",
        "user.email=tests@flux-web.invalid",
    ]);
    command.args(args);
    if let Some(cwd) = cwd {
        command.current_dir(cwd);
    }
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// A repository on the bed's Git server, and a working clone of it.
pub struct Repo {
    /// What a GitRepository's `spec.url` names.
    pub url: String,
    work: PathBuf,
}

impl Repo {
    /// A copy of the demo repository (e2e/git/demo) named after `prefix`.
    pub fn fork(prefix: &str) -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "{prefix}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let root = PathBuf::from(env("FLUX_WEB_TEST_GIT_ROOT"));
        let bare = root.join(format!("{name}.git"));
        let demo = root.join("demo.git");
        git(
            &["clone", "--quiet", "--bare", path(&demo), path(&bare)],
            None,
        );
        let work = std::env::temp_dir().join(format!("flux-web-git-{name}"));
        let _ = std::fs::remove_dir_all(&work);
        git(&["clone", "--quiet", path(&bare), path(&work)], None);
        Self {
            url: format!("{}/{name}.git", env("FLUX_WEB_TEST_GIT")),
            work,
        }
    }

    /// Writes `contents` at `file`, commits and pushes; the commit's `main@sha1:<sha>`
    /// revision, as Flux names it.
    pub fn commit(&self, file: &str, contents: &str, message: &str) -> String {
        let at = self.work.join(file);
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        std::fs::write(&at, contents).unwrap();
        git(&["add", "--all"], Some(&self.work));
        git(
            &["commit", "--quiet", "--message", message],
            Some(&self.work),
        );
        git(
            &["push", "--quiet", "origin", "HEAD:main"],
            Some(&self.work),
        );
        self.revision()
    }

    /// The revision of the last commit, as Flux names it.
    pub fn revision(&self) -> String {
        format!(
            "main@sha1:{}",
            git(&["rev-parse", "HEAD"], Some(&self.work))
        )
    }
}

impl Drop for Repo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.work);
    }
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

pub fn git_repositories() -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("source.toolkit.fluxcd.io", "v1", "GitRepository"),
        "gitrepositories",
    )
}

/// A GitRepository of `repo`'s main branch.
pub fn git_repository(name: &str, repo: &Repo) -> Value {
    json!({
        "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
        "metadata": {"name": name},
        "spec": {"interval": "10m", "timeout": "20s", "url": repo.url, "ref": {"branch": "main"}},
    })
}

/// A Kustomization of `path` of the GitRepository `source`, into `namespace`, waiting for
/// what it applies to become Ready (kwok's Node makes Pods Ready).
pub fn kustomization(
    name: &str,
    source: &str,
    path: &str,
    namespace: &str,
    interval: &str,
) -> Value {
    json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": name},
        "spec": {
            "interval": interval, "path": path, "prune": true, "wait": true, "timeout": "60s",
            "targetNamespace": namespace,
            "sourceRef": {"kind": "GitRepository", "name": source},
        },
    })
}

/// The Ready condition of an object, once the controller has observed its generation.
pub fn ready(object: &DynamicObject) -> Option<&Value> {
    let generation = object.metadata.generation?;
    let status = &object.data["status"];
    (status["observedGeneration"].as_i64() == Some(generation)).then_some(())?;
    status["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == "Ready" && c["status"] != "Unknown")
}

/// Waits until the controller says the object is Ready=True; returns it.
pub async fn until_ready(
    bed: &Testbed,
    ns: &str,
    resource: &ApiResource,
    name: &str,
) -> DynamicObject {
    eventually(
        &format!("{} {ns}/{name} Ready", resource.kind),
        Duration::from_secs(90),
        || async {
            let object = read(bed, ns, resource, name).await;
            (ready(&object)?["status"] == "True").then_some(object)
        },
    )
    .await
}
