//! The owner kinds flux-web follows from a Pod up to the workload that manages it (a
//! ReplicaSet to its Deployment, a Job to its CronJob), as resources to read.

use kube_core::{ApiResource, GroupVersionKind};

/// The resource of an owner reference's `apiVersion` and `kind`, when it is one of the
/// workload kinds an owner chain goes through.
pub fn owner_resource(api_version: &str, kind: &str) -> Option<ApiResource> {
    let plural = match (api_version, kind) {
        ("apps/v1", "ReplicaSet") => "replicasets",
        ("apps/v1", "Deployment") => "deployments",
        ("apps/v1", "StatefulSet") => "statefulsets",
        ("apps/v1", "DaemonSet") => "daemonsets",
        ("batch/v1", "Job") => "jobs",
        ("batch/v1", "CronJob") => "cronjobs",
        _ => return None,
    };
    let (group, version) = api_version.split_once('/')?;
    Some(ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk(group, version, kind),
        plural,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_are_the_workload_kinds_of_apps_and_batch() {
        let deployment = owner_resource("apps/v1", "Deployment").unwrap_or_else(|| panic!());
        assert_eq!(
            (deployment.group.as_str(), deployment.plural.as_str()),
            ("apps", "deployments")
        );
        assert_eq!(owner_resource("v1", "Pod"), None);
        assert_eq!(owner_resource("apps/v2", "Deployment"), None);
    }
}
