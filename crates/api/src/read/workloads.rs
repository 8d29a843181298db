//! Workloads as the read API shows them: the inventory of a Flux object with each workload's
//! readiness, and a workload's own page (its Pods, a CronJob's Jobs, the Flux object that
//! manages it, its last restart). Read as the caller; what is read is parsed by
//! [`crate::flux::workloads`].

use flux_web_shared::objects::{WorkloadDetail, WorkloadSummary};
use futures::future::join_all;
use kube::api::DynamicObject;

use crate::context::{Context, wire_target};
use crate::error::ApiError;
use crate::flux::kinds::{self, Workload};
use crate::flux::plan::On;
use crate::flux::view::manager_of;
use crate::flux::workloads::{
    inventory, job_summary, match_labels, pod_summary, readiness, restarted_at,
};
use crate::identity::Identity;
use crate::target::Target;

/// The inventory's workloads with their readiness; one the caller may not read shows no count.
pub async fn summaries(
    ctx: &Context<'_>,
    caller: &Result<Identity, ApiError>,
    object: &DynamicObject,
) -> Vec<WorkloadSummary> {
    let reads = inventory(object).into_iter().map(|target| async move {
        let resource = ctx.resource(target.kind).await.ok()?;
        let workload = ctx
            .cluster
            .get(
                crate::context::reader(caller),
                &resource,
                &target.namespace,
                &target.name,
            )
            .await
            .ok();
        let (ready, healthy) = workload
            .as_ref()
            .map_or((None, false), |w| readiness(target.kind, w));
        Some(WorkloadSummary {
            target: wire_target(&resource, &target.namespace, &target.name),
            ready,
            healthy,
        })
    });
    join_all(reads).await.into_iter().flatten().collect()
}

/// The page of a Deployment, StatefulSet, DaemonSet or CronJob.
pub async fn detail(
    ctx: &Context<'_>,
    caller: &Result<Identity, ApiError>,
    target: &Target,
    workload: &DynamicObject,
) -> Result<WorkloadDetail, ApiError> {
    let pods = kinds::find("core", "pods").ok_or_else(|| ApiError::NotFound("Pod kind".into()))?;
    let pods = ctx.resource(pods).await?;
    let jobs = ctx.cluster.resource_on(On::Jobs).await?;
    let reader = crate::context::reader(caller);
    let ns = target.namespace.as_str();
    let list = |resource, labels: Option<String>| async move {
        ctx.cluster
            .list::<DynamicObject>(reader, resource, Some(ns), labels.as_deref())
            .await
            .map_err(ApiError::from)
    };
    let mut detail = WorkloadDetail {
        ready: readiness(target.kind, workload).0,
        pods: Vec::new(),
        jobs: Vec::new(),
        managed_by: manager_of(workload, ns).map(|manager| flux_web_shared::actions::Target {
            group: manager.kind.group.to_owned(),
            version: manager.kind.version.to_owned(),
            kind: manager.kind.kind.to_owned(),
            namespace: manager.namespace,
            name: manager.name,
        }),
        restarted_at: restarted_at(workload),
    };
    if target.kind.workload == Some(Workload::RunJob) {
        let uid = workload.metadata.uid.clone().unwrap_or_default();
        let owned = list(&jobs, None).await?.into_iter().filter(|job| {
            job.metadata
                .owner_references
                .iter()
                .flatten()
                .any(|o| o.uid == uid)
        });
        for job in owned {
            let name = job.metadata.name.clone().unwrap_or_default();
            let selector = format!("batch.kubernetes.io/job-name={name}");
            let pods = list(&pods, Some(selector)).await?;
            detail
                .jobs
                .push(job_summary(&job, pods.iter().map(pod_summary).collect()));
        }
        detail.jobs.sort_by(|a, b| b.created_at.cmp(&a.created_at));
    } else if let Some(selector) = match_labels(workload) {
        detail.pods = list(&pods, Some(selector))
            .await?
            .iter()
            .map(pod_summary)
            .collect();
    }
    Ok(detail)
}
