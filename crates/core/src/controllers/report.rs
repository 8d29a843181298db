//! A FluxReport, read: the Flux Operator's account of the installation (its `spec`, which the
//! operator writes; the report has no desired state), and its Ready condition.

use flux_web_shared::actions::Target;
use flux_web_shared::controllers::{FluxComponent, FluxReport, FluxSync, ReconcilerStats};
use kube_core::DynamicObject;
use serde_json::Value;

use crate::inventory::health;

/// The FluxReport's group and kind, which flux-web does not act on: found by discovery.
pub const GROUP: &str = "fluxcd.controlplane.io";
pub const VERSION: &str = "v1";
pub const KIND: &str = "FluxReport";

/// `object`, a FluxReport at `target`, as the controllers page shows it.
pub fn report(object: &DynamicObject, target: Target) -> FluxReport {
    let spec = &object.data["spec"];
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let some = |v: &Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_owned);
    let (state, message) = health(GROUP, KIND, object);
    let distribution = &spec["distribution"];
    let sync = &spec["sync"];
    FluxReport {
        target,
        state,
        message,
        flux_version: some(&distribution["version"]),
        distribution: text(&distribution["status"]),
        managed_by: some(&distribution["managedBy"]),
        operator_version: some(&spec["operator"]["version"]),
        cluster: cluster(&spec["cluster"]),
        sync: sync.is_object().then(|| FluxSync {
            ready: sync["ready"].as_bool().unwrap_or(false),
            source: text(&sync["source"]),
            path: text(&sync["path"]),
            status: text(&sync["status"]),
        }),
        components: list(&spec["components"])
            .map(|c| FluxComponent {
                name: text(&c["name"]),
                ready: c["ready"].as_bool().unwrap_or(false),
                image: text(&c["image"]),
                status: text(&c["status"]),
            })
            .collect(),
        reconcilers: list(&spec["reconcilers"])
            .map(|r| {
                let count = |key: &str| r["stats"][key].as_i64().unwrap_or(0);
                ReconcilerStats {
                    kind: text(&r["kind"]),
                    running: count("running"),
                    failing: count("failing"),
                    suspended: count("suspended"),
                    total_size: some(&r["stats"]["totalSize"]),
                }
            })
            .collect(),
    }
}

fn list(value: &Value) -> impl Iterator<Item = &Value> {
    value.as_array().into_iter().flatten()
}

/// "Kubernetes v1.36.3 · linux/amd64 · 3 nodes", of what the report says.
fn cluster(cluster: &Value) -> String {
    let mut parts = Vec::new();
    if let Some(version) = cluster["serverVersion"].as_str() {
        parts.push(format!("Kubernetes {version}"));
    }
    if let Some(platform) = cluster["platform"].as_str() {
        parts.push(platform.to_owned());
    }
    match cluster["nodes"].as_i64() {
        Some(1) => parts.push("1 node".to_owned()),
        Some(n) => parts.push(format!("{n} nodes")),
        None => {}
    }
    parts.join(" · ")
}

#[cfg(test)]
mod tests {
    use flux_web_shared::objects::State;
    use serde_json::json;

    use super::*;

    fn target() -> Target {
        Target {
            group: GROUP.into(),
            version: VERSION.into(),
            kind: KIND.into(),
            namespace: "flux-system".into(),
            name: "flux".into(),
        }
    }

    #[test]
    fn a_report_says_the_version_the_components_the_sync_and_the_counts() {
        let object: DynamicObject = serde_json::from_value(json!({
            "metadata": {"name": "flux", "namespace": "flux-system"},
            "spec": {
                "distribution": {"version": "v2.9.4", "status": "Installed", "managedBy": "flux-operator", "entitlement": "Unknown"},
                "operator": {"version": "v0.58.1", "apiVersion": "fluxcd.controlplane.io/v1", "platform": "linux/amd64"},
                "cluster": {"serverVersion": "v1.36.3", "platform": "linux/amd64", "nodes": 3},
                "sync": {"id": "kustomization/flux-system", "ready": false, "source": "http://git/demo.git", "path": "clusters/bed", "status": "path not found"},
                "components": [{"name": "source-controller", "image": "ghcr.io/fluxcd/source-controller:v1.9.4", "ready": true, "status": "Current Deployment is available"}],
                "reconcilers": [{"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository", "stats": {"running": 2, "failing": 1, "suspended": 0, "totalSize": "1.2 MiB"}}],
            },
            "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "ReconciliationSucceeded", "message": "Reporting finished"}]},
        }))
        .unwrap();
        let report = report(&object, target());
        assert_eq!(
            (report.state, report.message.as_str()),
            (State::Ready, "Reporting finished")
        );
        assert_eq!(report.flux_version.as_deref(), Some("v2.9.4"));
        assert_eq!(report.managed_by.as_deref(), Some("flux-operator"));
        assert_eq!(report.operator_version.as_deref(), Some("v0.58.1"));
        assert_eq!(report.cluster, "Kubernetes v1.36.3 · linux/amd64 · 3 nodes");
        let sync = report.sync.unwrap();
        assert_eq!(
            (sync.ready, sync.path.as_str(), sync.status.as_str()),
            (false, "clusters/bed", "path not found")
        );
        assert_eq!(report.components[0].name, "source-controller");
        assert!(report.components[0].ready);
        let stats = &report.reconcilers[0];
        assert_eq!(
            (
                stats.kind.as_str(),
                stats.running,
                stats.failing,
                stats.suspended
            ),
            ("GitRepository", 2, 1, 0)
        );
        assert_eq!(stats.total_size.as_deref(), Some("1.2 MiB"));
    }

    #[test]
    fn an_empty_report_says_nothing_it_does_not_know() {
        let object: DynamicObject =
            serde_json::from_value(json!({"metadata": {"name": "flux"}, "spec": {}})).unwrap();
        let report = report(&object, target());
        assert_eq!(
            (report.flux_version, report.sync, report.cluster.as_str()),
            (None, None, "")
        );
        assert!(report.components.is_empty() && report.reconcilers.is_empty());
    }
}
