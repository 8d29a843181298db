//! Actions on workloads: rollout restart (Deployment, StatefulSet, DaemonSet), run a Job from
//! a CronJob, delete a Pod. Their audit event goes on the Flux object that manages the
//! workload ([`crate::audit::manager`]).

use flux_web_shared::actions::ActionResponse;
use kube::api::DynamicObject;
use kube::core::ApiResource;
use serde_json::{Value, json};

use super::{Context, response};
use crate::access::Permit;
use crate::audit::{Entry, manager};
use crate::auth::Identity;
use crate::clock::rfc3339;
use crate::error::ApiError;
use crate::kinds::Action;
use crate::target::{ActionOptions, Target};

pub const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";
pub const CREATED_BY: &str = "fluxcd.controlplane.io/createdBy";
pub const INSTANTIATE: &str = "cronjob.kubernetes.io/instantiate";

/// A Job's name becomes a label value (`job-name`): at most 63 characters, of which
/// `generateName` adds 5.
const JOB_PREFIX_MAX: usize = 58;

/// The server-side apply body of a rollout restart: only the field flux-web owns.
pub fn restart_body(resource: &ApiResource, name: &str, now: &str) -> Value {
    json!({
        "apiVersion": resource.api_version,
        "kind": resource.kind,
        "metadata": {"name": name},
        "spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: now}}}},
    })
}

/// `generateName` of a Job run from `cronjob`: its name and a dash, cut to fit.
pub fn job_prefix(cronjob: &str) -> String {
    let mut prefix: String = cronjob.chars().take(JOB_PREFIX_MAX - 1).collect();
    while prefix.ends_with('-') || prefix.ends_with('.') {
        prefix.pop();
    }
    prefix.push('-');
    prefix
}

/// The Job of `cronjob.spec.jobTemplate`, as `kubectl create job --from=cronjob/...` makes
/// it, marked as made by `created_by` and owned by the CronJob so it shows under it.
pub fn job_from(cronjob: &DynamicObject, created_by: &str) -> Result<Value, ApiError> {
    let template = &cronjob.data["spec"]["jobTemplate"];
    if !template["spec"].is_object() {
        return Err(ApiError::Upstream(
            "the CronJob has no spec.jobTemplate".into(),
        ));
    }
    let name = cronjob.metadata.name.clone().unwrap_or_default();
    let uid = cronjob.metadata.uid.clone().unwrap_or_default();
    let mut annotations = template["metadata"]["annotations"].clone();
    if !annotations.is_object() {
        annotations = json!({});
    }
    annotations[INSTANTIATE] = json!("manual");
    annotations[CREATED_BY] = json!(created_by);
    let mut spec = template["spec"].clone();
    spec["template"]["metadata"]["annotations"][CREATED_BY] = json!(created_by);
    Ok(json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "generateName": job_prefix(&name),
            "labels": template["metadata"]["labels"].clone(),
            "annotations": annotations,
            "ownerReferences": [{
                "apiVersion": "batch/v1", "kind": "CronJob", "name": name, "uid": uid,
                "controller": true, "blockOwnerDeletion": true,
            }],
        },
        "spec": spec,
    }))
}

/// Jobs, which flux-web creates but does not address.
pub fn jobs() -> ApiResource {
    ApiResource {
        group: "batch".into(),
        version: "v1".into(),
        api_version: "batch/v1".into(),
        kind: "Job".into(),
        plural: "jobs".into(),
    }
}

pub async fn run(
    ctx: &Context<'_>,
    identity: &Identity,
    target: &Target,
    resource: &ApiResource,
    action: Action,
    options: &ActionOptions,
    grace_period_seconds: Option<u32>,
) -> Result<ActionResponse, ApiError> {
    let (ns, name) = (&target.namespace, &target.name);
    // Read first: a missing workload is a 404, never an apply that tries to create it.
    let (permit, workload) = ctx
        .authorized(identity, action.verb(), resource, ns, name)
        .await?;
    let mut response = response(action, resource, target, true, options.dry_run);
    let now = rfc3339(ctx.clock.now());
    match action {
        Action::Restart => {
            let body = restart_body(resource, name, &now);
            ctx.cluster
                .apply(permit.writer(), resource, ns, name, &body, options.dry_run)
                .await
                .map_err(|e| permit.write_error(e))?;
            response.requested_at = Some(now);
            response.message = format!("{}/{ns}/{name} restarted", resource.kind);
        }
        Action::RunJob => {
            // Creating Jobs is a permission of its own, checked in either access mode.
            let jobs = jobs();
            let create: Permit = ctx
                .access
                .authorize(identity, "create", &jobs, ns, "")
                .await?;
            let job = job_from(&workload, &identity.display_name)?;
            let created = ctx
                .cluster
                .create(create.writer(), &jobs, ns, &job, options.dry_run)
                .await
                .map_err(|e| create.write_error(e))?;
            let job_name = created.metadata.name.unwrap_or_default();
            response.message = format!("Job {ns}/{job_name} created from CronJob {name}");
            response.job = Some(job_name);
        }
        _ => {
            ctx.cluster
                .delete(
                    permit.writer(),
                    resource,
                    ns,
                    name,
                    grace_period_seconds,
                    options.dry_run,
                )
                .await
                .map_err(|e| permit.write_error(e))?;
            response.message = format!("Pod {ns}/{name} deleted");
        }
    }
    if options.dry_run {
        response.message = format!("dry run: {}", response.message);
    } else {
        let (involved, subject) = manager::involved(ctx.cluster, target.kind, &workload).await;
        let entry = Entry {
            identity,
            verb: permit.verb(),
            involved,
            subject: Some(subject),
        };
        response.audit_error = ctx.audit.record(entry, ctx.clock.now()).await.err();
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cronjob() -> DynamicObject {
        serde_json::from_value(json!({
            "apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"name": "backup", "namespace": "apps", "uid": "cj-1"},
            "spec": {"schedule": "0 * * * *", "jobTemplate": {
                "metadata": {"labels": {"app": "backup"}, "annotations": {"team": "data"}},
                "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}}},
            }},
        }))
        .unwrap()
    }

    #[test]
    fn a_job_from_a_cronjob_carries_its_template_the_marks_and_the_owner() {
        let job = job_from(&cronjob(), "Alice").unwrap();
        assert_eq!(job["metadata"]["generateName"], "backup-");
        assert_eq!(job["metadata"]["labels"], json!({"app": "backup"}));
        assert_eq!(
            job["metadata"]["annotations"],
            json!({"team": "data", INSTANTIATE: "manual", CREATED_BY: "Alice"})
        );
        assert_eq!(
            job["spec"]["template"]["metadata"]["annotations"][CREATED_BY],
            "Alice"
        );
        assert_eq!(job["spec"]["template"]["spec"]["restartPolicy"], "Never");
        assert_eq!(
            job["metadata"]["ownerReferences"][0],
            json!({"apiVersion": "batch/v1", "kind": "CronJob", "name": "backup", "uid": "cj-1",
                   "controller": true, "blockOwnerDeletion": true})
        );
    }

    #[test]
    fn job_names_fit_in_63_characters() {
        assert_eq!(job_prefix("nightly"), "nightly-");
        let long = "a".repeat(80);
        assert_eq!(job_prefix(&long).len() + 5, 63);
        // A cut that would end in a dash or dot does not leave a double separator.
        let awkward = format!("{}-b", "a".repeat(56));
        assert_eq!(job_prefix(&awkward), format!("{}-", "a".repeat(56)));
    }

    #[test]
    fn a_restart_applies_only_the_pod_template_annotation() {
        let deployments = ApiResource {
            group: "apps".into(),
            version: "v1".into(),
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            plural: "deployments".into(),
        };
        assert_eq!(
            restart_body(&deployments, "web", "2026-11-23T22:00:00Z"),
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                   "spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: "2026-11-23T22:00:00Z"}}}}})
        );
    }
}
