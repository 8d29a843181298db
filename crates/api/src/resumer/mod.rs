//! The resumer: a background task that lifts every suspension whose end (`until`) has come,
//! with the same plan as a user's resume, as the server, audited as a resume on behalf of
//! who suspended. With several replicas, the one that holds the Lease ([`lease`]) acts; the
//! others wait, and one of them takes over within the Lease's duration when it lapses. Ends
//! that came while no replica ran are resumed at the first look.
//!
//! It finds the objects by the label [`EXPIRES_LABEL`] the suspend wrote beside the
//! annotation, so a look lists only suspensions that end, never every Flux object; and a
//! resume is written at the resourceVersion the look read, so a suspension extended meanwhile
//! is not lifted.
//!
//! - [`lease`] — which replica acts.

pub mod lease;

use std::sync::{Arc, Mutex, PoisonError};

use jiff::Timestamp;
use kube::api::DynamicObject;
use kube::core::ApiResource;

use crate::access::Permit;
use crate::audit::Auditor;
use crate::audit::{Entry, Involved, Scheduled};
use crate::clock::{Clock, rfc3339};
use crate::cluster::{Cluster, ClusterError, Reader};
use crate::config::Resumer as Settings;
use crate::identity::Identity;
use crate::metrics::METRICS;
use flux_web_core::kinds::{KINDS, Kind, Suspend};
use flux_web_core::plan::{self, Action, Input, Mode, Op};
use flux_web_core::until;
use flux_web_core::view::{EXPIRES_LABEL, View};

/// Whether some replica resumes: until when the Lease, as last read or written here, is held.
#[derive(Clone, Debug, Default)]
pub struct Status(Arc<Mutex<Option<Timestamp>>>);

impl Status {
    fn held_until(&self, until: Option<Timestamp>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = until;
    }

    /// A replica holds the Lease and renewed it in time.
    pub fn running(&self, now: Timestamp) -> bool {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some_and(|until| until > now)
    }
}

/// What the resumer works with, handed over at start-up: it needs no request's state.
#[derive(Clone)]
pub struct Parts {
    pub settings: Settings,
    pub clock: Arc<dyn Clock>,
    pub cluster: Cluster,
    pub audit: Arc<Auditor>,
    /// Where it says whether it holds the Lease, for `/api/v1/userinfo`.
    pub status: Status,
}

/// Whom the resumer's writes and Events name.
pub const USERNAME: &str = "flux-web:resumer";

/// Starts the resumer for as long as the process runs; `me` names this replica in the Lease.
pub fn start(parts: Parts, me: String) {
    tokio::spawn(async move {
        let settings = parts.settings.clone();
        tracing::info!(replica = me, lease = %format!("{}/{}", settings.lease_namespace, lease::NAME), "resumer started");
        let mut ticks = tokio::time::interval(settings.period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut leading = false;
        loop {
            ticks.tick().await;
            let now = parts.clock.now();
            let holds = match hold(&parts, &settings, &me, now).await {
                Ok(holds) => holds,
                Err(e) => {
                    tracing::warn!("resumer: the Lease could not be read or written: {e}");
                    false
                }
            };
            if holds != leading {
                tracing::info!(replica = me, leading = holds, "resumer leadership changed");
                leading = holds;
            }
            METRICS.resumer_leader.set(i64::from(holds));
            if holds {
                resume_due(&parts, now).await;
            }
        }
    });
}

/// Creates, renews or takes over the Lease when it may; answers whether this replica holds it.
async fn hold(
    parts: &Parts,
    settings: &Settings,
    me: &str,
    now: Timestamp,
) -> Result<bool, ClusterError> {
    let found = parts
        .cluster
        .lease(&settings.lease_namespace, lease::NAME)
        .await?;
    let step = lease::decide(found.as_ref().and_then(|l| l.spec.as_ref()), me, now);
    if step == lease::Step::Wait {
        parts
            .status
            .held_until(found.as_ref().and_then(lease::held_until));
        return Ok(false);
    }
    let next = lease::next(
        found,
        &settings.lease_namespace,
        step,
        me,
        settings.lease_duration,
        now,
    );
    match parts
        .cluster
        .write_lease(&settings.lease_namespace, &next)
        .await
    {
        Ok(written) => {
            parts.status.held_until(lease::held_until(&written));
            Ok(true)
        }
        // Another replica wrote it first: it holds it.
        Err(ClusterError::Conflict(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Resumes every suspension of every kind whose end has come.
async fn resume_due(parts: &Parts, now: Timestamp) {
    for kind in KINDS.iter().filter(|k| k.suspend != Suspend::No) {
        let resource = match parts.cluster.resource(kind).await {
            Ok(resource) => resource,
            // A kind not installed has nothing to resume.
            Err(ClusterError::NotFound(_)) => continue,
            Err(e) => {
                tracing::warn!(kind = kind.kind, "resumer: {e}");
                continue;
            }
        };
        let ending: Vec<DynamicObject> = match parts
            .cluster
            .list(Reader::Server, &resource, None, Some(EXPIRES_LABEL))
            .await
        {
            Ok(objects) => objects,
            Err(e) => {
                tracing::warn!(kind = kind.kind, "resumer: cannot list: {e}");
                continue;
            }
        };
        for found in ending {
            let view = View::parse(kind, &found);
            let due = view
                .suspended_until
                .as_deref()
                .and_then(until::written)
                .is_some_and(|end| end <= now);
            if view.suspended && due {
                let what = view.object.describe();
                match resume(parts, kind, &resource, &found, &view, now).await {
                    Ok(()) => tracing::info!("resumer: {what} resumed, its suspension ended"),
                    Err(e) => tracing::warn!("resumer: {what} not resumed: {e}"),
                }
            }
        }
    }
}

/// On whose behalf a due suspension is resumed: who suspended (by username when flux-web
/// recorded it), and who extended it when that was someone else.
fn scheduled(view: &View) -> Scheduled<'_> {
    let by = view
        .suspended_by_user
        .as_deref()
        .or(view.suspended_by.as_deref())
        .unwrap_or("someone");
    Scheduled {
        by,
        until: view.suspended_until.as_deref().unwrap_or_default(),
        extended_by: view.until_set_by.as_deref().filter(|setter| *setter != by),
    }
}

/// One scheduled resume: the resume plan, written as the server at the version read, then
/// audited on behalf of who suspended.
async fn resume(
    parts: &Parts,
    kind: &'static Kind,
    resource: &ApiResource,
    found: &DynamicObject,
    view: &View,
    now: Timestamp,
) -> Result<(), String> {
    let identity = Identity {
        username: USERNAME.to_owned(),
        groups: Vec::new(),
        display_name: USERNAME.to_owned(),
    };
    let at = rfc3339(now);
    let input = Input {
        now: &at,
        by: &identity.display_name,
        user: &identity.username,
        ..Input::default()
    };
    let plan = plan::plan(Action::Resume, view, &[], &input, Mode::FineGrained)
        .map_err(|refusal| refusal.message)?;
    for write in &plan.writes {
        let Op::MergePatch { patch, .. } = &write.op else {
            return Err("a resume is one patch".to_owned());
        };
        let mut patch = patch.clone();
        // Extended or changed since the look: leave it to the next look.
        patch["metadata"]["resourceVersion"] = found.metadata.resource_version.clone().into();
        let permit = Permit::scheduled(&identity, &plan.checks[write.permit]);
        let written = parts
            .cluster
            .merge_patch(&permit, resource, &patch, false)
            .await
            .map_err(|e| e.to_string())?;
        METRICS.action(Action::Resume.name(), kind.kind, "scheduled");
        let entry = Entry {
            identity: &identity,
            verb: Action::Resume.verb(),
            involved: Involved::of(resource, &written),
            subject: None,
            run: None,
            scheduled: Some(scheduled(view)),
        };
        parts.audit.record(entry, now).await?;
    }
    Ok(())
}
