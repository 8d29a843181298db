//! The audit trail (spec 4.4): each successful action whose verb is audited becomes a
//! Kubernetes Event of its own on the Flux object, and the same event is forwarded to Flux's
//! notification-controller so that Alerts can send it on.
//!
//! The Event is made after the write succeeded (an Event for a write that failed would be
//! false) and before the answer. With an audit journal ([`journal`], `--audit-journal`) it
//! is on disk before the answer and in Kubernetes moments later (the answer says `pending`);
//! without one it is written to Kubernetes before the answer (`recorded`), so the trail is
//! there when the client looks. When it cannot be written, the action is not reported as
//! audited: its answer carries `auditError`, the Event is retried off the request path, and
//! if it never lands the whole Event is logged at error level as the record of last resort.
//! A download, which changes nothing, is refused instead when its Event cannot be written.
//! Forwarding never fails anything: it happens off the request path through a bounded queue
//! with retries.

mod forward;
pub mod journal;
pub mod manager;

use flux_web_shared::actions::Verb;
use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Event, EventSource, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use kube::api::DynamicObject;
use kube::core::ApiResource;
use serde_json::{Value, json};
use url::Url;

use flux_web_shared::actions::AuditState;
use flux_web_shared::bulk::RUN_ANNOTATION;

use flux_web_core::audit::{
    ACTION_ANNOTATION, COMPONENT, REASON, REASON_REFUSED, SUBJECT_ANNOTATION, USERNAME_ANNOTATION,
};

use crate::clock::Ids;
use crate::cluster::{Cluster, ClusterError};
use crate::config::UserActions;
use crate::error::ApiError;
use crate::identity::Identity;
use crate::metrics::METRICS;
use flux_web_core::kinds::Kind;

/// Attempts of an Event that failed on the request path, made in the background.
const RETRIES: u32 = 5;
const FIRST_RETRY: std::time::Duration = std::time::Duration::from_secs(1);

/// The object an audit event is about.
#[derive(Debug, Clone)]
pub struct Involved {
    pub group: String,
    pub api_version: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub uid: Option<String>,
    pub resource_version: Option<String>,
}

impl Involved {
    /// An object as read from the cluster.
    pub fn of(resource: &ApiResource, object: &DynamicObject) -> Self {
        Self {
            group: resource.group.clone(),
            api_version: resource.api_version.clone(),
            kind: resource.kind.clone(),
            namespace: object.metadata.namespace.clone().unwrap_or_default(),
            name: object.metadata.name.clone().unwrap_or_default(),
            uid: object.metadata.uid.clone(),
            resource_version: object.metadata.resource_version.clone(),
        }
    }

    /// An object known only by its address, as for a refused action.
    pub fn target(kind: &Kind, namespace: &str, name: &str) -> Self {
        Self {
            group: kind.group.to_owned(),
            api_version: kind.api_version(kind.version),
            kind: kind.kind.to_owned(),
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            uid: None,
            resource_version: None,
        }
    }
}

/// One action to record.
pub struct Entry<'a> {
    pub identity: &'a Identity,
    /// The RBAC verb: pull is audited as `reconcile` of the source.
    pub verb: Verb,
    pub involved: Involved,
    /// For workload actions, the workload as `Kind/namespace/name`.
    pub subject: Option<String>,
    /// The bulk run the action is part of: its correlation id.
    pub run: Option<&'a str>,
    /// A resume the resumer made when a suspension's end came: who suspended, and the end.
    pub scheduled: Option<Scheduled<'a>>,
}

/// On whose behalf, and for which end, the resumer resumed.
#[derive(Debug, Clone, Copy)]
pub struct Scheduled<'a> {
    /// Who suspended: their username, or the display name another tool recorded.
    pub by: &'a str,
    pub until: &'a str,
    /// Who set that end, when it was someone else (who extended the suspension).
    pub extended_by: Option<&'a str>,
}

/// How the action ended.
#[derive(Debug, Clone, Copy)]
pub enum Outcome<'a> {
    Done,
    /// Refused or failed, with the problem the caller got.
    Refused(&'a ApiError),
    /// Refused or failed on `count` objects of one namespace in one bulk run (the involved
    /// object is the first of them): the first problem, and the objects named in `names`.
    RefusedMany {
        first: &'a ApiError,
        count: usize,
        names: &'a str,
    },
}

pub struct Auditor {
    cluster: Cluster,
    settings: UserActions,
    forward: Option<forward::Forwarder>,
    instance: String,
    /// The tokens that name each Event.
    ids: Arc<dyn Ids>,
    journal: Option<journal::Journal>,
}

impl Auditor {
    /// `instance` names this replica in events (the pod name in a cluster).
    pub fn new(
        cluster: Cluster,
        settings: UserActions,
        notification_controller: Option<Url>,
        (instance, ids): (String, Arc<dyn Ids>),
        journal: Option<journal::Journal>,
    ) -> Self {
        Self {
            cluster,
            settings,
            forward: notification_controller.map(forward::Forwarder::start),
            instance,
            ids,
            journal,
        }
    }

    /// Records a done action: its Event written, or in the journal. `Err` says why its Event
    /// is not written yet: it is retried in the background, and the caller's answer must say
    /// so.
    pub async fn record(&self, entry: Entry<'_>, now: Timestamp) -> Result<AuditState, String> {
        if !self.settings.audits(entry.verb) {
            return Ok(AuditState::None);
        }
        let event = self.compose(&entry, Outcome::Done, now);
        if let Some(journal) = &self.journal {
            match journal.append(event.clone()).await {
                Ok(()) => return Ok(AuditState::Pending),
                // Written here instead, as without a journal.
                Err(e) => tracing::warn!("audit event not journaled: {e}"),
            }
        }
        match self.create(&entry, &event).await {
            Ok(()) => Ok(AuditState::Recorded),
            Err(e) => {
                self.retry(event);
                Err(format!(
                    "the audit event could not be written ({e}); it is retried in the background"
                ))
            }
        }
    }

    /// Records an action that has not happened yet and must not happen unaudited (a
    /// download): `Err` refuses it, and nothing is retried.
    pub async fn record_first(&self, entry: Entry<'_>, now: Timestamp) -> Result<(), ApiError> {
        if !self.settings.audits(entry.verb) {
            return Ok(());
        }
        self.write(&entry, Outcome::Done, now)
            .await
            .1
            .map_err(|e| ApiError::AuditFailed(e.to_string()))
    }

    fn retry(&self, event: Event) {
        let cluster = self.cluster.clone();
        tokio::spawn(async move {
            let mut wait = FIRST_RETRY;
            for attempt in 1..=RETRIES {
                tokio::time::sleep(wait).await;
                METRICS.audit("retried");
                match cluster.create_event(&event).await {
                    Ok(()) => {
                        METRICS.audit("written");
                        return tracing::info!(attempt, "audit event written on retry");
                    }
                    Err(e) => tracing::warn!(attempt, "audit event retry failed: {e}"),
                }
                wait *= 2;
            }
            let record = serde_json::to_string(&event).unwrap_or_default();
            METRICS.audit("lost");
            tracing::error!(event = record, "audit event lost after {RETRIES} retries");
        });
    }

    /// Logs a refused or failed action with the identity, and records it as a Warning event
    /// when `userActions.auditDenied` is on.
    pub async fn record_refusal(&self, entry: Entry<'_>, error: &ApiError, now: Timestamp) {
        log_refusal(&entry, error);
        if self.settings.audit_denied {
            // The refusal is the answer already; its Event's fate is logged.
            let _ = self.write(&entry, Outcome::Refused(error), now).await;
        }
    }

    /// Records the refusals of one bulk run in one namespace as one Warning event (when
    /// `userActions.auditDenied` is on), on the first object refused: a run of 500 made-up
    /// names makes the server write one Event, not 500. Each was logged on its own.
    pub async fn record_run_refusals(
        &self,
        entry: Entry<'_>,
        outcome: Outcome<'_>,
        now: Timestamp,
    ) {
        if self.settings.audit_denied {
            let _ = self.write(&entry, outcome, now).await;
        }
    }

    /// Makes the Event, creates it and forwards it; answers the Event and whether it was
    /// written.
    async fn write(
        &self,
        entry: &Entry<'_>,
        outcome: Outcome<'_>,
        now: Timestamp,
    ) -> (Event, Result<(), ClusterError>) {
        let event = self.compose(entry, outcome, now);
        let written = self.create(entry, &event).await;
        (event, written)
    }

    /// The Event of `entry`, forwarded to notification-controller.
    fn compose(&self, entry: &Entry<'_>, outcome: Outcome<'_>, now: Timestamp) -> Event {
        let token = self.ids.next();
        let event = event(entry, outcome, now, &token, &self.instance);
        if let Some(forward) = &self.forward {
            forward.send(flux_event(&event));
        }
        event
    }

    async fn create(&self, entry: &Entry<'_>, event: &Event) -> Result<(), ClusterError> {
        let written = self.cluster.create_event(event).await;
        match &written {
            Ok(()) => METRICS.audit("written"),
            Err(e) => tracing::error!(
                user = entry.identity.username,
                verb = %entry.verb,
                "audit event not written: {e}"
            ),
        }
        written
    }
}

/// The log line of a refused or failed attempt, with who and what.
pub fn log_refusal(entry: &Entry<'_>, error: &ApiError) {
    tracing::info!(
        user = entry.identity.username,
        groups = ?entry.identity.groups,
        verb = %entry.verb,
        target = format!("{}/{}/{}", entry.involved.kind, entry.involved.namespace, entry.involved.name),
        code = error.code().as_str(),
        run = entry.run,
        "action refused: {error}"
    );
}

/// `<group>/token` for the involved object's API group; the core group has no name to
/// prefix with (`/token` is not a valid key), so a Pod's token goes under Flux's event prefix.
fn token_key(group: &str) -> String {
    let prefix = if group.is_empty() {
        "event.toolkit.fluxcd.io"
    } else {
        group
    };
    format!("{prefix}/token")
}

/// The message Flux Alerts match with `inclusionList: [".*on the web UI$"]`. A workload
/// action names the workload it acted on, and the Flux object that manages it (the Event's
/// involved object) when that is another.
pub fn message(entry: &Entry<'_>, outcome: Outcome<'_>) -> String {
    let did = match outcome {
        Outcome::Done => "performed",
        Outcome::Refused(_) | Outcome::RefusedMany { .. } => "was refused",
    };
    let involved = &entry.involved;
    let flux_object = format!("{}/{}/{}", involved.kind, involved.namespace, involved.name);
    let what = match (&entry.subject, outcome) {
        (_, Outcome::RefusedMany { count, names, .. }) => format!(
            "{count} objects in namespace '{}' ({names}) in bulk run '{}'",
            involved.namespace,
            entry.run.unwrap_or_default()
        ),
        (Some(subject), _) if *subject != flux_object => {
            format!("'{subject}' managed by '{flux_object}'")
        }
        _ => format!("'{flux_object}'"),
    };
    let behalf = match entry.scheduled {
        Some(s) => {
            let extended = s
                .extended_by
                .map(|by| format!(" by '{by}'"))
                .unwrap_or_default();
            format!(
                " on behalf of '{}', whose suspension was set to end at {}{extended}",
                s.by, s.until
            )
        }
        None => String::new(),
    };
    format!(
        "User '{}' {did} action '{}' for {what}{behalf} on the web UI",
        entry.identity.username, entry.verb
    )
}

/// The Kubernetes Event of one action. Its name is unique per action, so repeats are never
/// merged into a series and the trail keeps every one.
pub fn event(
    entry: &Entry<'_>,
    outcome: Outcome<'_>,
    now: Timestamp,
    token: &str,
    instance: &str,
) -> Event {
    let involved = &entry.involved;
    let mut annotations = BTreeMap::from([
        (ACTION_ANNOTATION.to_owned(), entry.verb.to_string()),
        (
            USERNAME_ANNOTATION.to_owned(),
            entry.identity.username.clone(),
        ),
        (
            "event.toolkit.fluxcd.io/groups".to_owned(),
            entry.identity.groups.join(","),
        ),
        (token_key(&involved.group), token.to_owned()),
    ]);
    if let Some(subject) = &entry.subject {
        annotations.insert(SUBJECT_ANNOTATION.to_owned(), subject.clone());
    }
    if let Some(run) = entry.run {
        annotations.insert(RUN_ANNOTATION.to_owned(), run.to_owned());
    }
    if let Some(scheduled) = entry.scheduled {
        annotations.insert(
            "event.toolkit.fluxcd.io/scheduled-by".to_owned(),
            scheduled.by.to_owned(),
        );
        if let Some(by) = scheduled.extended_by {
            annotations.insert(
                "event.toolkit.fluxcd.io/extended-by".to_owned(),
                by.to_owned(),
            );
        }
    }
    let (type_, reason) = match outcome {
        Outcome::Done => ("Normal", REASON),
        Outcome::Refused(error) | Outcome::RefusedMany { first: error, .. } => {
            annotations.insert(
                "event.toolkit.fluxcd.io/error".to_owned(),
                format!("{}: {error}", error.code()),
            );
            ("Warning", REASON_REFUSED)
        }
    };
    let suffix: String = token
        .chars()
        .filter(char::is_ascii_hexdigit)
        .take(16)
        .collect();
    Event {
        metadata: ObjectMeta {
            name: Some(format!("{}.{suffix}", involved.name)),
            namespace: Some(involved.namespace.clone()),
            annotations: Some(annotations),
            ..Default::default()
        },
        involved_object: ObjectReference {
            api_version: Some(involved.api_version.clone()),
            kind: Some(involved.kind.clone()),
            name: Some(involved.name.clone()),
            namespace: Some(involved.namespace.clone()),
            uid: involved.uid.clone(),
            resource_version: involved.resource_version.clone(),
            ..Default::default()
        },
        reason: Some(reason.to_owned()),
        message: Some(message(entry, outcome)),
        type_: Some(type_.to_owned()),
        source: Some(EventSource {
            component: Some(COMPONENT.to_owned()),
            ..Default::default()
        }),
        reporting_component: Some(COMPONENT.to_owned()),
        reporting_instance: Some(instance.to_owned()),
        first_timestamp: Some(Time(now)),
        last_timestamp: Some(Time(now)),
        count: Some(1),
        ..Default::default()
    }
}

/// The same event in the JSON notification-controller takes from Flux controllers. The
/// metadata keys keep their prefixes: notification-controller forwards only keys prefixed with
/// `event.toolkit.fluxcd.io/` or the involved object's group, with the prefix stripped (Flux
/// RFC 0008), and keeps the token (`<group>/token`) to itself.
pub fn flux_event(event: &Event) -> Value {
    let involved = &event.involved_object;
    let metadata: BTreeMap<&str, &str> = event
        .metadata
        .annotations
        .iter()
        .flatten()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    json!({
        "involvedObject": {
            "apiVersion": involved.api_version,
            "kind": involved.kind,
            "name": involved.name,
            "namespace": involved.namespace,
            "uid": involved.uid,
            "resourceVersion": involved.resource_version,
        },
        "severity": if event.type_.as_deref() == Some("Warning") { "error" } else { "info" },
        "timestamp": event.last_timestamp.as_ref().map(|t| t.0.to_string()),
        "message": event.message,
        "reason": event.reason,
        "metadata": metadata,
        "reportingController": COMPONENT,
        "reportingInstance": event.reporting_instance,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity() -> Identity {
        Identity {
            username: "alice@example.com".into(),
            groups: vec!["devs".into(), "ops".into()],
            display_name: "Alice".into(),
        }
    }

    fn kustomizations() -> ApiResource {
        ApiResource {
            group: "kustomize.toolkit.fluxcd.io".into(),
            version: "v1".into(),
            api_version: "kustomize.toolkit.fluxcd.io/v1".into(),
            kind: "Kustomization".into(),
            plural: "kustomizations".into(),
        }
    }

    fn involved() -> DynamicObject {
        serde_json::from_value(json!({"metadata": {
            "name": "apps", "namespace": "flux-system", "uid": "u-1", "resourceVersion": "42"
        }}))
        .unwrap()
    }

    #[test]
    fn the_event_carries_the_exact_message_annotations_and_involved_object() {
        let (identity, resource, involved) = (identity(), kustomizations(), involved());
        let entry = Entry {
            identity: &identity,
            verb: Verb::Reconcile,
            involved: Involved::of(&resource, &involved),
            subject: None,
            run: None,
            scheduled: None,
        };
        let now: Timestamp = "2026-11-23T22:00:00Z".parse().unwrap();
        let event = event(
            &entry,
            Outcome::Done,
            now,
            "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
            "flux-web-0",
        );
        assert_eq!(
            event.message.as_deref(),
            Some(
                "User 'alice@example.com' performed action 'reconcile' for 'Kustomization/flux-system/apps' on the web UI"
            )
        );
        assert_eq!(event.reason.as_deref(), Some("WebAction"));
        assert_eq!(event.type_.as_deref(), Some("Normal"));
        assert_eq!(
            event.metadata.name.as_deref(),
            Some("apps.0f1e2d3c4b5a6978")
        );
        assert_eq!(event.metadata.namespace.as_deref(), Some("flux-system"));
        let annotations = event.metadata.annotations.clone().unwrap();
        assert_eq!(annotations["event.toolkit.fluxcd.io/action"], "reconcile");
        assert_eq!(
            annotations["event.toolkit.fluxcd.io/username"],
            "alice@example.com"
        );
        assert_eq!(annotations["event.toolkit.fluxcd.io/groups"], "devs,ops");
        assert_eq!(
            annotations["kustomize.toolkit.fluxcd.io/token"],
            "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
        );
        assert!(!annotations.contains_key("event.toolkit.fluxcd.io/subject"));
        assert_eq!(event.involved_object.uid.as_deref(), Some("u-1"));
        assert_eq!(
            event.involved_object.api_version.as_deref(),
            Some("kustomize.toolkit.fluxcd.io/v1")
        );
        assert_eq!(event.reporting_component.as_deref(), Some("flux-web"));

        let forwarded = flux_event(&event);
        assert_eq!(forwarded["severity"], "info");
        assert_eq!(forwarded["reason"], "WebAction");
        assert_eq!(forwarded["timestamp"], "2026-11-23T22:00:00Z");
        assert_eq!(forwarded["involvedObject"]["kind"], "Kustomization");
        let metadata = &forwarded["metadata"];
        assert_eq!(
            metadata["event.toolkit.fluxcd.io/username"],
            "alice@example.com"
        );
        assert_eq!(
            metadata["kustomize.toolkit.fluxcd.io/token"],
            "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
        );
        assert_eq!(forwarded["reportingController"], "flux-web");
    }

    #[test]
    fn a_refused_action_is_a_warning_that_says_why() {
        let identity = identity();
        let kind = flux_web_core::kinds::find("kustomize.toolkit.fluxcd.io", "ks").unwrap();
        let entry = Entry {
            identity: &identity,
            verb: Verb::Reconcile,
            involved: Involved::target(kind, "apps", "web"),
            subject: None,
            run: None,
            scheduled: None,
        };
        let error = ApiError::Forbidden("missing RBAC rule".into());
        let event = event(
            &entry,
            Outcome::Refused(&error),
            Timestamp::UNIX_EPOCH,
            "t",
            "i",
        );
        assert_eq!(event.type_.as_deref(), Some("Warning"));
        assert_eq!(event.reason.as_deref(), Some("WebActionRefused"));
        assert_eq!(
            event.message.as_deref(),
            Some(
                "User 'alice@example.com' was refused action 'reconcile' for 'Kustomization/apps/web' on the web UI"
            )
        );
        assert_eq!(
            event.metadata.annotations.as_ref().unwrap()["event.toolkit.fluxcd.io/error"],
            "forbidden: missing RBAC rule"
        );
        assert_eq!(
            event.involved_object.api_version.as_deref(),
            Some("kustomize.toolkit.fluxcd.io/v1")
        );
        assert_eq!(flux_event(&event)["severity"], "error");
    }

    /// A bulk run's refusals in a namespace are one Warning, naming the run, how many and
    /// which, and ending as Alerts match it.
    #[test]
    fn a_runs_refusals_in_a_namespace_are_one_warning_that_counts_them() {
        let identity = identity();
        let kind = flux_web_core::kinds::find("kustomize.toolkit.fluxcd.io", "ks").unwrap();
        let entry = Entry {
            identity: &identity,
            verb: Verb::Suspend,
            involved: Involved::target(kind, "apps", "x0"),
            subject: None,
            run: Some("run-1"),
            scheduled: None,
        };
        let error = ApiError::Forbidden("missing RBAC rule".into());
        let outcome = Outcome::RefusedMany {
            first: &error,
            count: 500,
            names: "Kustomization/x0, Kustomization/x1, and 498 more",
        };
        let event = event(&entry, outcome, Timestamp::UNIX_EPOCH, "t", "i");
        assert_eq!(event.type_.as_deref(), Some("Warning"));
        assert_eq!(
            event.message.as_deref(),
            Some(
                "User 'alice@example.com' was refused action 'suspend' for 500 objects in \
                 namespace 'apps' (Kustomization/x0, Kustomization/x1, and 498 more) in bulk \
                 run 'run-1' on the web UI"
            )
        );
        assert_eq!(
            event.metadata.annotations.as_ref().unwrap()[RUN_ANNOTATION],
            "run-1"
        );
    }

    #[test]
    fn workload_actions_name_their_subject() {
        let (identity, resource, involved) = (identity(), kustomizations(), involved());
        let entry = Entry {
            identity: &identity,
            verb: Verb::Restart,
            involved: Involved::of(&resource, &involved),
            subject: Some("Deployment/apps/web".into()),
            run: None,
            scheduled: None,
        };
        let event = event(&entry, Outcome::Done, Timestamp::UNIX_EPOCH, "t", "i");
        assert_eq!(
            event.metadata.annotations.unwrap()["event.toolkit.fluxcd.io/subject"],
            "Deployment/apps/web"
        );
        assert_eq!(
            event.message.as_deref(),
            Some(
                "User 'alice@example.com' performed action 'restart' for 'Deployment/apps/web' \
                 managed by 'Kustomization/flux-system/apps' on the web UI"
            )
        );
        // A workload without a manager is its own involved object: named once.
        let alone = Entry {
            involved: Involved::target(
                flux_web_core::kinds::find("apps", "deployments").unwrap(),
                "apps",
                "web",
            ),
            ..entry
        };
        assert_eq!(
            message(&alone, Outcome::Done),
            "User 'alice@example.com' performed action 'restart' for 'Deployment/apps/web' on the web UI"
        );
    }
}
