//! The Flux controllers a cluster runs, read from their Deployments (labelled
//! `app.kubernetes.io/part-of: flux`, as every Flux install labels them): which component,
//! which version, and whether it runs. A controller is down when no replica is ready, or when
//! it is scaled to zero: nothing reconciles its kinds then.

pub mod report;

use flux_web_shared::actions::Target;
use flux_web_shared::controllers::ControllerSummary;
use flux_web_shared::objects::State;
use kube_core::DynamicObject;
use serde_json::Value;

use crate::kinds::Kind;
use crate::workloads::{pod_summary, readiness};

/// The label selector of a Flux install's Deployments.
pub const SELECTOR: &str = "app.kubernetes.io/part-of=flux";
/// Where Flux is installed unless told otherwise: where a caller who may not list
/// Deployments cluster-wide is looked for.
pub const NAMESPACE: &str = "flux-system";

const COMPONENT: &str = "app.kubernetes.io/component";
const VERSION: &str = "app.kubernetes.io/version";

/// The controller `deployment` (an object of `kind`, Deployment) runs, at `target`; `pods`
/// its Pods, when the caller may list them.
pub fn controller(
    kind: &Kind,
    deployment: &DynamicObject,
    target: Target,
    pods: Option<&[DynamicObject]>,
) -> ControllerSummary {
    let label = |key: &str| {
        deployment
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get(key))
            .cloned()
    };
    let image = deployment.data["spec"]["template"]["spec"]["containers"][0]["image"]
        .as_str()
        .map(str::to_owned);
    let (ready, _) = readiness(kind, deployment);
    let (state, message) = running(&deployment.data);
    ControllerSummary {
        component: label(COMPONENT).unwrap_or_else(|| target.name.clone()),
        version: image.as_deref().and_then(tag),
        image,
        flux_version: label(VERSION),
        state,
        ready,
        message,
        restarts: pods.map(|pods| {
            pods.iter()
                .map(|p| i64::from(pod_summary(p).restarts))
                .sum()
        }),
        target,
    }
}

/// Whether the Deployment runs, in a word and words.
fn running(data: &Value) -> (State, String) {
    let wanted = data["spec"]["replicas"].as_i64().unwrap_or(1);
    let ready = data["status"]["readyReplicas"].as_i64().unwrap_or(0);
    match (wanted, ready) {
        (0, _) => (State::Failed, "scaled to zero: not running".to_owned()),
        (_, 0) => (State::Failed, "no replica ready: not running".to_owned()),
        (w, r) if r < w => (State::Progressing, format!("{r} of {w} replicas ready")),
        _ => (State::Ready, "running".to_owned()),
    }
}

/// The tag of an image reference (`ghcr.io/fluxcd/x:v1.2.3`, `…:v1.2.3@sha256:…`).
fn tag(image: &str) -> Option<String> {
    let name = image.split('@').next()?;
    let last = name.rsplit('/').next()?;
    let (_, tag) = last.split_once(':')?;
    (!tag.is_empty()).then(|| tag.to_owned())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::kinds::find;

    fn deployment(replicas: i64, ready: i64) -> DynamicObject {
        serde_json::from_value(json!({
            "metadata": {"name": "kustomize-controller", "namespace": "flux-system",
                "labels": {"app.kubernetes.io/component": "kustomize-controller", "app.kubernetes.io/part-of": "flux",
                    "app.kubernetes.io/version": "v2.9.4"}},
            "spec": {"replicas": replicas, "template": {"spec": {"containers": [
                {"name": "manager", "image": "ghcr.io/fluxcd/kustomize-controller:v1.9.4"}]}}},
            "status": {"readyReplicas": ready},
        }))
        .unwrap()
    }

    fn target() -> Target {
        Target {
            group: "apps".into(),
            version: "v1".into(),
            kind: "Deployment".into(),
            namespace: "flux-system".into(),
            name: "kustomize-controller".into(),
        }
    }

    #[test]
    fn a_controller_says_its_versions_and_is_down_when_nothing_runs() {
        let kind = find("apps", "Deployment").unwrap();
        let pod: DynamicObject = serde_json::from_value(json!({"metadata": {"name": "p"},
            "status": {"containerStatuses": [{"restartCount": 3, "ready": true}]}}))
        .unwrap();
        let up = controller(kind, &deployment(1, 1), target(), Some(&[pod]));
        assert_eq!(up.component, "kustomize-controller");
        assert_eq!(up.version.as_deref(), Some("v1.9.4"));
        assert_eq!(up.flux_version.as_deref(), Some("v2.9.4"));
        assert_eq!((up.state, up.ready.as_deref()), (State::Ready, Some("1/1")));
        assert_eq!(up.restarts, Some(3));
        let cases = [
            (0, 0, State::Failed, "scaled to zero: not running"),
            (1, 0, State::Failed, "no replica ready: not running"),
            (2, 1, State::Progressing, "1 of 2 replicas ready"),
        ];
        for (replicas, ready, state, words) in cases {
            let summary = controller(kind, &deployment(replicas, ready), target(), None);
            assert_eq!((summary.state, summary.message.as_str()), (state, words));
            assert_eq!(summary.restarts, None, "no Pods read: no count");
        }
    }

    #[test]
    fn a_tag_is_after_the_last_colon_of_the_name_not_of_the_registry_port() {
        assert_eq!(tag("ghcr.io/fluxcd/x:v1.2.3").as_deref(), Some("v1.2.3"));
        assert_eq!(tag("localhost:5000/x:v1@sha256:ab").as_deref(), Some("v1"));
        assert_eq!(tag("localhost:5000/x"), None);
        assert_eq!(tag("fluxcd/x:"), None);
    }
}
