//! Shared by the integration tests: access to the test bed started by `e2e/testbed up`, and
//! the flux-web binary run as a child process.
//!
//! A test that needs the test bed calls [`testbed`]. Without the bed it fails under `CI=true`
//! and is reported as skipped (on stderr) elsewhere, so `cargo test` stays usable on a laptop
//! while CI can never pass by skipping.

pub mod app;
pub mod flux;
pub mod objects;
pub mod oidc;
pub mod process;
pub mod sse;

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, DynamicObject, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::discovery::ApiResource;
use kube::{Client, core::GroupVersionKind};
use serde::Deserialize;
use serde_json::json;

/// Every API group of the Flux kinds flux-web acts on.
pub const FLUX_GROUPS: &[&str] = &[
    "kustomize.toolkit.fluxcd.io",
    "helm.toolkit.fluxcd.io",
    "source.toolkit.fluxcd.io",
    "source.extensions.fluxcd.io",
    "notification.toolkit.fluxcd.io",
    "image.toolkit.fluxcd.io",
    "fluxcd.controlplane.io",
];

pub struct Testbed {
    pub apiserver: String,
    kubeconfigs: [(String, String); 5],
}

/// The test bed, or `None` (after saying so) when it is not up and this is not CI.
pub fn testbed() -> Option<Testbed> {
    let var = |suffix: &str| std::env::var(format!("FLUX_WEB_TEST_{suffix}")).ok();
    let Some(apiserver) = var("APISERVER") else {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        assert!(
            !ci,
            "CI=true but the test bed is not up: run `e2e/testbed up` and \
             `eval \"$(e2e/testbed env)\"` first (make test does both)"
        );
        eprintln!("SKIPPED: test bed not up (run `make test`, or `eval \"$(e2e/testbed env)\"`)");
        return None;
    };
    let users = ["ADMIN", "SERVER", "ALICE", "BOB", "MALLORY"];
    let kubeconfigs = users.map(|u| {
        let path = var(&format!("KUBECONFIG_{u}")).unwrap_or_else(|| {
            panic!("FLUX_WEB_TEST_KUBECONFIG_{u} missing from the test bed env")
        });
        (u.to_lowercase(), path)
    });
    Some(Testbed {
        apiserver,
        kubeconfigs,
    })
}

/// Skips the test, or fails it under CI, when the test bed is not up.
#[macro_export]
macro_rules! testbed {
    () => {
        match $crate::support::testbed() {
            Some(bed) => bed,
            None => return,
        }
    };
}

/// Someone the test bed's token file knows.
#[derive(Debug, Clone, Copy)]
pub enum User {
    Admin,
    /// The identity flux-web itself runs as.
    Server,
    /// In group `devs`.
    Alice,
    /// In group `ops`.
    Bob,
    /// In no group.
    Mallory,
}

impl Testbed {
    pub fn kubeconfig(&self, user: User) -> &str {
        &self.kubeconfigs[user as usize].1
    }

    pub async fn client(&self, user: User) -> Client {
        Client::try_from(self.config(user).await).unwrap()
    }

    /// A client of `by` that acts as `user` in `groups`. Kubernetes does not look groups up
    /// for an impersonated user: they must be sent.
    pub async fn impersonating(&self, by: User, user: &str, groups: &[&str]) -> Client {
        let mut config = self.config(by).await;
        config.auth_info.impersonate = Some(user.to_owned());
        if !groups.is_empty() {
            config.auth_info.impersonate_groups =
                Some(groups.iter().map(|g| (*g).to_owned()).collect());
        }
        Client::try_from(config).unwrap()
    }

    async fn config(&self, user: User) -> kube::Config {
        let file = Kubeconfig::read_from(self.kubeconfig(user)).unwrap();
        kube::Config::from_custom_kubeconfig(file, &KubeConfigOptions::default())
            .await
            .unwrap()
    }

    /// A namespace of the test's own, so that tests never see each other's objects.
    pub async fn namespace(&self, prefix: &str) -> String {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let name = format!(
            "{prefix}-{nanos:x}{}",
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let namespace: Namespace =
            serde_json::from_value(json!({"metadata": {"name": name}})).unwrap();
        Api::<Namespace>::all(self.client(User::Admin).await)
            .create(&PostParams::default(), &namespace)
            .await
            .unwrap();
        name
    }

    /// Server-side applies RBAC or other objects as admin.
    pub async fn apply(
        &self,
        resource: &ApiResource,
        namespace: Option<&str>,
        object: serde_json::Value,
    ) {
        let client = self.client(User::Admin).await;
        let api: Api<DynamicObject> = match namespace {
            Some(ns) => Api::namespaced_with(client, ns, resource),
            None => Api::all_with(client, resource),
        };
        let name = object["metadata"]["name"].as_str().unwrap().to_owned();
        api.patch(
            &name,
            &PatchParams::apply("flux-web-tests").force(),
            &Patch::Apply(object),
        )
        .await
        .unwrap_or_else(|e| panic!("applying {} {name}: {e}", resource.kind));
    }

    /// A Role in `namespace` granting `verbs` on `resource`, bound to `subject`
    /// (`("User", "alice")` or `("Group", "devs")`).
    pub async fn grant(
        &self,
        namespace: &str,
        name: &str,
        group: &str,
        resource: &str,
        verbs: &[&str],
        subject: (&str, &str),
    ) {
        let rules = json!([{"apiGroups": [group], "resources": [resource], "verbs": verbs}]);
        self.grant_rules(namespace, name, rules, subject).await;
    }

    /// A Role in `namespace` with `rules`, bound to `subject`.
    pub async fn grant_rules(
        &self,
        namespace: &str,
        name: &str,
        rules: serde_json::Value,
        subject: (&str, &str),
    ) {
        self.apply(
            &rbac("Role"),
            Some(namespace),
            json!({
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                "metadata": {"name": name}, "rules": rules,
            }),
        )
        .await;
        self.apply(&rbac("RoleBinding"), Some(namespace), json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": name},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": subject.0, "name": subject.1}],
        })).await;
    }

    /// Server-side applies every document of a file under `deploy/`, as admin; returns
    /// `Kind/name` of each.
    pub async fn apply_deploy(&self, file: &str) -> Vec<String> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../deploy")
            .join(file);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let client = self.client(User::Admin).await;
        let mut applied = Vec::new();
        for document in serde_yaml_ng::Deserializer::from_str(&text) {
            let value = serde_json::Value::deserialize(document).unwrap();
            if value.is_null() {
                continue;
            }
            let (group, version) = match value["apiVersion"].as_str().unwrap().split_once('/') {
                Some((g, v)) => (g.to_owned(), v.to_owned()),
                None => (
                    String::new(),
                    value["apiVersion"].as_str().unwrap().to_owned(),
                ),
            };
            let kind = value["kind"].as_str().unwrap().to_owned();
            let gvk = GroupVersionKind::gvk(&group, &version, &kind);
            let (resource, capabilities) =
                kube::discovery::pinned_kind(&client, &gvk).await.unwrap();
            let namespace = value["metadata"]["namespace"].as_str();
            let namespaced = capabilities.scope == kube::discovery::Scope::Namespaced;
            self.apply(&resource, namespace.filter(|_| namespaced), value.clone())
                .await;
            applied.push(format!(
                "{kind}/{}",
                value["metadata"]["name"].as_str().unwrap()
            ));
        }
        applied
    }

    /// Binds a ClusterRole to `subject` cluster-wide.
    pub async fn bind_cluster_role(&self, binding: &str, role: &str, subject: (&str, &str)) {
        self.apply(&rbac("ClusterRoleBinding"), None, json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": binding},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": subject.0, "name": subject.1}],
        })).await;
    }

    /// A ClusterRole bound to the user `flux-web` cluster-wide.
    pub async fn grant_server(&self, name: &str, rules: serde_json::Value) {
        self.apply(
            &rbac("ClusterRole"),
            None,
            json!({
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                "metadata": {"name": name}, "rules": rules,
            }),
        )
        .await;
        self.apply(&rbac("ClusterRoleBinding"), None, json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": name},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "flux-web"}],
        })).await;
    }
}

pub fn rbac(kind: &str) -> ApiResource {
    let plural = format!("{}s", kind.to_lowercase());
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("rbac.authorization.k8s.io", "v1", kind),
        &plural,
    )
}

pub fn kustomizations() -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("kustomize.toolkit.fluxcd.io", "v1", "Kustomization"),
        "kustomizations",
    )
}

pub fn kustomization(name: &str) -> DynamicObject {
    serde_json::from_value(json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": name, "labels": {objects::INERT.0: objects::INERT.1}},
        "spec": {
            "interval": "10m",
            "prune": true,
            "path": "./apps",
            "sourceRef": {"kind": "GitRepository", "name": "flux-system"},
        },
    }))
    .unwrap()
}

/// The HTTP status of a failed Kubernetes call.
pub fn status_of<T: std::fmt::Debug>(result: Result<T, kube::Error>) -> u16 {
    match result {
        Err(kube::Error::Api(status)) => status.code,
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// Polls `check` every 200 ms until it yields a value or `timeout` passes.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: not within {timeout:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
