//! Why a failed Flux object is not ready, when its controller says another object keeps it:
//! the dependency it waits for, the source with no artifact for it, or the objects it applied
//! that did not become healthy. Read from the Ready condition's reason and message, as
//! kustomize-controller and helm-controller write them, and from the object's own references,
//! so a list row says it without reading anything else. Any other failure is the controller's
//! own message, which the summary carries already.

use flux_web_shared::objects::{BlockedBy, Blocker};

use crate::address::ObjectRef;
use crate::view::View;

/// The Ready reason of an object waiting for a `dependsOn` entry.
const DEPENDENCY_NOT_READY: &str = "DependencyNotReady";
/// The Ready reasons of an object whose artifact failed (kustomize-controller's and
/// helm-controller's; `SourceNotReady` in older helm-controllers). kustomize-controller gives
/// the same reason to a path missing from a good artifact: only a message about the source
/// ("Source is not ready, artifact not found", "Source 'GitRepository/ns/name' not found",
/// helm-controller's "HelmChart 'ns/name' is not ready") blames it.
const NO_ARTIFACT: [&str; 2] = ["ArtifactFailed", "SourceNotReady"];
/// The Ready reason of a health check that timed out.
const HEALTH_CHECK_FAILED: &str = "HealthCheckFailed";

/// What blocks `view`, when its Ready condition is False for another object's sake.
pub fn blocked_by(view: &View) -> Option<BlockedBy> {
    let ready = view.ready().filter(|c| c.status == "False")?;
    let (cause, target, objects) = match ready.reason.as_str() {
        DEPENDENCY_NOT_READY => (
            Blocker::Dependency,
            dependency(view, &ready.message),
            vec![],
        ),
        reason if NO_ARTIFACT.contains(&reason) => {
            // The nearest source: a HelmRelease's chart before the chart's own source.
            let source = view.sources.as_ref().ok().and_then(|s| s.first().cloned());
            let blamed = |s: &ObjectRef| ready.message.starts_with(&format!("{} '", s.kind.kind));
            if !ready.message.starts_with("Source") && !source.as_ref().is_some_and(blamed) {
                return None;
            }
            (Blocker::Source, source, vec![])
        }
        HEALTH_CHECK_FAILED => (Blocker::Unhealthy, None, unhealthy(&ready.message)),
        _ => return None,
    };
    Some(BlockedBy {
        cause,
        target: target.map(|t| t.target()),
        objects,
    })
}

/// The `dependsOn` entry the message names ("dependency 'ns/name' is not ready"); the only
/// entry when the message names none this version reads.
fn dependency(view: &View, message: &str) -> Option<ObjectRef> {
    let named = message
        .split_once("dependency '")
        .and_then(|(_, rest)| rest.split_once('\''))
        .and_then(|(name, _)| name.split_once('/'));
    match named {
        Some((namespace, name)) => view
            .depends_on
            .iter()
            .find(|d| d.namespace == namespace && d.name == name)
            .cloned()
            .or_else(|| Some(ObjectRef::new(view.object.kind, namespace, name))),
        None if view.depends_on.len() == 1 => view.depends_on.first().cloned(),
        None => None,
    }
}

/// The objects a timed-out health check names ("timeout waiting for: [Deployment/ns/web
/// status: 'InProgress', …]"), as `Kind/namespace/name`.
fn unhealthy(message: &str) -> Vec<String> {
    let Some((_, list)) = message.split_once('[') else {
        return Vec::new();
    };
    let list = list.rsplit_once(']').map_or(list, |(inside, _)| inside);
    list.split(", ")
        .filter_map(|entry| entry.split_whitespace().next())
        .filter(|name| name.matches('/').count() >= 1)
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use kube_core::DynamicObject;
    use serde_json::{Value, json};

    use super::*;
    use crate::kinds::find;

    fn view(kind: &str, spec: Value, reason: &str, message: &str) -> View {
        let group = match kind {
            "ks" => "kustomize.toolkit.fluxcd.io",
            _ => "helm.toolkit.fluxcd.io",
        };
        let kind = find(group, kind).unwrap();
        let object: DynamicObject = serde_json::from_value(json!({
            "metadata": {"name": "apps", "namespace": "flux-system"},
            "spec": spec,
            "status": {"conditions": [
                {"type": "Ready", "status": "False", "reason": reason, "message": message},
            ]},
        }))
        .unwrap();
        View::parse(kind, &object)
    }

    fn said(blocked: Option<BlockedBy>) -> Option<(Blocker, Option<String>, Vec<String>)> {
        blocked.map(|b| {
            let target = b
                .target
                .map(|t| format!("{}/{}/{}", t.kind, t.namespace, t.name));
            (b.cause, target, b.objects)
        })
    }

    #[test]
    fn a_dependency_is_the_one_the_message_names_or_the_only_one() {
        let spec = json!({"sourceRef": {"kind": "GitRepository", "name": "repo"},
            "dependsOn": [{"name": "crds"}, {"name": "infra", "namespace": "platform"}]});
        let blocked = blocked_by(&view(
            "ks",
            spec.clone(),
            "DependencyNotReady",
            "dependency 'platform/infra' is not ready",
        ));
        assert_eq!(
            said(blocked),
            Some((
                Blocker::Dependency,
                Some("Kustomization/platform/infra".into()),
                vec![]
            ))
        );
        // Two entries and a message this version cannot read: no name rather than a guess.
        let blocked = blocked_by(&view("ks", spec, "DependencyNotReady", "waiting"));
        assert_eq!(said(blocked), Some((Blocker::Dependency, None, vec![])));
        let one = json!({"chart": {"spec": {"chart": "web", "sourceRef": {"kind": "HelmRepository", "name": "charts"}}},
            "dependsOn": [{"name": "db"}]});
        let blocked = blocked_by(&view("hr", one, "DependencyNotReady", "not yet"));
        assert_eq!(
            said(blocked),
            Some((
                Blocker::Dependency,
                Some("HelmRelease/flux-system/db".into()),
                vec![]
            ))
        );
    }

    #[test]
    fn no_artifact_is_the_nearest_source_and_a_timed_out_health_check_its_objects() {
        let ks =
            json!({"sourceRef": {"kind": "GitRepository", "name": "repo", "namespace": "git"}});
        let blocked = blocked_by(&view(
            "ks",
            ks.clone(),
            "ArtifactFailed",
            "Source is not ready, artifact not found",
        ));
        assert_eq!(
            said(blocked),
            Some((
                Blocker::Source,
                Some("GitRepository/git/repo".into()),
                vec![]
            ))
        );
        let hr = json!({"chart": {"spec": {"chart": "web", "sourceRef": {"kind": "HelmRepository", "name": "charts"}}}});
        let blocked = blocked_by(&view(
            "hr",
            hr,
            "ArtifactFailed",
            "HelmChart 'flux-system/flux-system-apps' is not ready",
        ));
        assert_eq!(
            said(blocked),
            Some((
                Blocker::Source,
                Some("HelmChart/flux-system/flux-system-apps".into()),
                vec![]
            ))
        );
        let blocked = blocked_by(&view(
            "ks",
            ks.clone(),
            "HealthCheckFailed",
            "health check failed after 1m0s: timeout waiting for: [Deployment/demo-apps/web status: 'InProgress', StatefulSet/demo-apps/cache status: 'Failed']",
        ));
        assert_eq!(
            said(blocked),
            Some((
                Blocker::Unhealthy,
                None,
                vec![
                    "Deployment/demo-apps/web".into(),
                    "StatefulSet/demo-apps/cache".into()
                ]
            ))
        );
        // The controller's own failures, and a Ready that is not False, block on nothing else:
        // a path missing from a good artifact is kustomize-controller's ArtifactFailed too.
        for (reason, message) in [
            ("BuildFailed", "kustomize build failed"),
            ("ReconciliationFailed", "apply failed"),
            (
                "ArtifactFailed",
                "kustomization path not found: stat /tmp/kustomization-1/missing: no such file or directory",
            ),
        ] {
            assert_eq!(blocked_by(&view("ks", ks.clone(), reason, message)), None);
        }
        let mut ready = view("ks", ks, "DependencyNotReady", "x");
        ready.conditions[0].status = "Unknown".into();
        assert_eq!(blocked_by(&ready), None);
    }
}
