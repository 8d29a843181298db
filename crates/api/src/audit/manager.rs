//! Which Flux object manages a workload, so that the audit event of a workload action lands
//! where Flux users look: on the Kustomization, HelmRelease or ResourceSet that applied it.
//! A Pod is first followed up its controller owners to its workload (Pod → ReplicaSet →
//! Deployment, Pod → Job → CronJob, ...). Reads are made as the server and are best effort:
//! what cannot be read ends the search where it is.

use flux_web_core::kinds::Kind;
use flux_web_core::owners::owner_resource;
use flux_web_core::view::manager_of;
use kube::api::DynamicObject;
use kube::core::ApiResource;

use super::Involved;
use crate::cluster::{Cluster, Reader};

/// How many owners up a Pod's workload may be (Pod → Job → CronJob is two).
const MAX_OWNERS: usize = 4;

/// The object an event about `workload` is about, and the workload as `Kind/ns/name`.
pub async fn involved(
    cluster: &Cluster,
    kind: &Kind,
    workload: &DynamicObject,
) -> (Involved, String) {
    let namespace = workload.metadata.namespace.clone().unwrap_or_default();
    let subject = format!(
        "{}/{namespace}/{}",
        kind.kind,
        workload.metadata.name.clone().unwrap_or_default()
    );
    let Ok(resource) = cluster.resource(kind).await else {
        return (
            Involved::target(
                kind,
                &namespace,
                workload.metadata.name.as_deref().unwrap_or_default(),
            ),
            subject,
        );
    };
    let (resource, top) = top_workload(cluster, resource, workload.clone(), &namespace).await;
    match managed_by(cluster, &top, &namespace).await {
        Some(manager) => (manager, subject),
        None => (Involved::of(&resource, &top), subject),
    }
}

/// Follows controller owners of the kinds that own Pods, up to the topmost.
async fn top_workload(
    cluster: &Cluster,
    mut resource: ApiResource,
    mut object: DynamicObject,
    namespace: &str,
) -> (ApiResource, DynamicObject) {
    for _ in 0..MAX_OWNERS {
        let owner = object
            .metadata
            .owner_references
            .iter()
            .flatten()
            .find(|o| o.controller == Some(true))
            .and_then(|o| owner_resource(&o.api_version, &o.kind).map(|r| (r, o.name.clone())));
        let Some((owner_resource, name)) = owner else {
            break;
        };
        match cluster
            .get(Reader::Server, &owner_resource, namespace, &name)
            .await
        {
            Ok(owner) => {
                resource = owner_resource;
                object = owner;
            }
            Err(e) => {
                tracing::debug!(
                    "audit: owner {} {name} not readable: {e}",
                    owner_resource.kind
                );
                break;
            }
        }
    }
    (resource, object)
}

/// The managing Flux object, read for its uid when possible.
async fn managed_by(
    cluster: &Cluster,
    workload: &DynamicObject,
    namespace: &str,
) -> Option<Involved> {
    let manager = manager_of(workload, namespace)?;
    let read = async {
        let resource = cluster.resource(manager.kind).await.ok()?;
        let object = cluster
            .get(Reader::Server, &resource, &manager.namespace, &manager.name)
            .await
            .ok()?;
        Some(Involved::of(&resource, &object))
    };
    Some(
        read.await
            .unwrap_or_else(|| Involved::target(manager.kind, &manager.namespace, &manager.name)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_kinds_that_own_pods_are_followed() {
        assert_eq!(
            owner_resource("apps/v1", "ReplicaSet").unwrap().plural,
            "replicasets"
        );
        assert_eq!(
            owner_resource("batch/v1", "CronJob").unwrap().plural,
            "cronjobs"
        );
        assert!(owner_resource("v1", "Node").is_none());
        assert!(owner_resource("example.com/v1", "Widget").is_none());
    }
}
