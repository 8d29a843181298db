//! Workloads as the read API shows them: the inventory of a Flux object with each workload's
//! readiness, and a workload's own page (its Pods, a CronJob's Jobs, the Flux object that
//! manages it, its last restart), and the Pods whose logs are read. Read as the caller; what is read is parsed by
//! [`flux_web_core::workloads`].

use flux_web_shared::objects::{WorkloadDetail, WorkloadSummary};
use futures::future::join_all;
use kube::api::DynamicObject;
use kube::core::ApiResource;

use crate::auth::Caller;
use crate::cluster::Reader;
use crate::context::Context;
use crate::context::wire_target;
use crate::error::ApiError;
use flux_web_core::address::ObjectRef;
use flux_web_core::kinds::{self, Workload};
use flux_web_core::plan::On;
use flux_web_core::view::manager_of;
use flux_web_core::workloads::{
    inventory, job_summary, match_labels, pod_summary, readiness, restarted_at,
};

/// The inventory's workloads with their readiness; one the caller may not read shows no count.
pub async fn summaries(
    ctx: &Context<'_>,
    caller: &Caller,
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
    caller: &Caller,
    target: &ObjectRef,
    workload: &DynamicObject,
) -> Result<WorkloadDetail, ApiError> {
    let lists = Lists::new(ctx, caller, &target.namespace).await?;
    let mut detail = WorkloadDetail {
        ready: readiness(target.kind, workload).0,
        pods: Vec::new(),
        jobs: Vec::new(),
        managed_by: manager_of(workload, &target.namespace).map(|manager| {
            flux_web_shared::actions::Target {
                group: manager.kind.group.to_owned(),
                version: manager.kind.version.to_owned(),
                kind: manager.kind.kind.to_owned(),
                namespace: manager.namespace,
                name: manager.name,
            }
        }),
        restarted_at: restarted_at(workload),
    };
    if target.kind.workload == Some(Workload::RunJob) {
        for job in lists.jobs_of(workload).await? {
            let pods = lists.pods_of_job(&job).await?;
            detail
                .jobs
                .push(job_summary(&job, pods.iter().map(pod_summary).collect()));
        }
        detail.jobs.sort_by(|a, b| b.created_at.cmp(&a.created_at));
    } else {
        detail.pods = lists
            .pods_of(workload)
            .await?
            .iter()
            .map(pod_summary)
            .collect();
    }
    Ok(detail)
}

/// The Pods of a Pod (itself), of a Deployment, StatefulSet or DaemonSet (by its selector) or
/// of a CronJob (through the Jobs it owns), read as the caller.
pub async fn pods(
    ctx: &Context<'_>,
    caller: &Caller,
    target: &ObjectRef,
    workload: &DynamicObject,
) -> Result<Vec<DynamicObject>, ApiError> {
    let lists = Lists::new(ctx, caller, &target.namespace).await?;
    match target.kind.workload {
        Some(Workload::Delete) => Ok(vec![workload.clone()]),
        Some(Workload::Restart) => lists.pods_of(workload).await,
        Some(Workload::RunJob) => {
            let mut pods = Vec::new();
            for job in lists.jobs_of(workload).await? {
                pods.extend(lists.pods_of_job(&job).await?);
            }
            Ok(pods)
        }
        None => Ok(Vec::new()),
    }
}

/// The lists of one namespace a workload's page reads, as the caller.
struct Lists<'a> {
    ctx: &'a Context<'a>,
    reader: Reader<'a>,
    namespace: &'a str,
    pods: ApiResource,
    jobs: ApiResource,
}

impl<'a> Lists<'a> {
    async fn new(
        ctx: &'a Context<'a>,
        caller: &'a Caller,
        namespace: &'a str,
    ) -> Result<Self, ApiError> {
        let pods =
            kinds::find("core", "pods").ok_or_else(|| ApiError::NotFound("Pod kind".into()))?;
        Ok(Self {
            ctx,
            reader: crate::context::reader(caller),
            namespace,
            pods: ctx.resource(pods).await?,
            jobs: ctx.cluster.resource_on(On::Jobs).await?,
        })
    }

    async fn list(
        &self,
        resource: &ApiResource,
        labels: Option<&str>,
    ) -> Result<Vec<DynamicObject>, ApiError> {
        Ok(self
            .ctx
            .cluster
            .list::<DynamicObject>(self.reader, resource, Some(self.namespace), labels)
            .await?)
    }

    /// The Pods its selector matches; none when it has no `matchLabels` (never all Pods).
    async fn pods_of(&self, workload: &DynamicObject) -> Result<Vec<DynamicObject>, ApiError> {
        match match_labels(workload) {
            Some(selector) => self.list(&self.pods, Some(&selector)).await,
            None => Ok(Vec::new()),
        }
    }

    /// The Jobs a CronJob owns.
    async fn jobs_of(&self, cron_job: &DynamicObject) -> Result<Vec<DynamicObject>, ApiError> {
        let uid = cron_job.metadata.uid.clone().unwrap_or_default();
        let owned = |job: &DynamicObject| {
            job.metadata
                .owner_references
                .iter()
                .flatten()
                .any(|o| o.uid == uid)
        };
        Ok(self
            .list(&self.jobs, None)
            .await?
            .into_iter()
            .filter(owned)
            .collect())
    }

    async fn pods_of_job(&self, job: &DynamicObject) -> Result<Vec<DynamicObject>, ApiError> {
        let name = job.metadata.name.as_deref().unwrap_or_default();
        let selector = format!("batch.kubernetes.io/job-name={name}");
        self.list(&self.pods, Some(&selector)).await
    }
}
