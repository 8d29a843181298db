//! The audit trail (spec 4.4): each successful action whose verb is audited becomes a
//! Kubernetes Event of its own on the Flux object, and the same event is forwarded to Flux's
//! notification-controller so that Alerts can send it on.
//!
//! Neither ever fails an action: the Event is written before the answer (so the trail is
//! there when the client looks), forwarding happens off the request path through a bounded
//! queue with retries.

mod forward;

use std::collections::BTreeMap;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Event, EventSource, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use kube::api::DynamicObject;
use kube::core::ApiResource;
use serde_json::{Value, json};
use url::Url;

use crate::auth::Identity;
use crate::cluster::Cluster;
use crate::config::UserActions;

pub const REASON: &str = "WebAction";
pub const COMPONENT: &str = "flux-web";

/// One action to record.
pub struct Entry<'a> {
    pub identity: &'a Identity,
    /// The RBAC verb: pull is audited as `reconcile` of the source.
    pub verb: &'a str,
    pub resource: &'a ApiResource,
    /// The Flux object the event is about.
    pub involved: &'a DynamicObject,
    /// For workload actions, the workload as `Kind/namespace/name`.
    pub subject: Option<String>,
}

pub struct Auditor {
    cluster: Cluster,
    settings: UserActions,
    forward: Option<forward::Forwarder>,
    instance: String,
}

impl Auditor {
    /// `instance` names this replica in events (the pod name in a cluster).
    pub fn new(
        cluster: Cluster,
        settings: UserActions,
        notification_controller: Option<Url>,
        instance: String,
    ) -> Self {
        Self {
            cluster,
            settings,
            forward: notification_controller.map(forward::Forwarder::start),
            instance,
        }
    }

    pub async fn record(&self, entry: Entry<'_>, now: Timestamp) {
        if !self.settings.audits(entry.verb) {
            return;
        }
        let token = uuid::Uuid::new_v4().to_string();
        let event = event(&entry, now, &token, &self.instance);
        if let Err(e) = self.cluster.create_event(&event).await {
            tracing::error!(
                user = entry.identity.username,
                verb = entry.verb,
                "audit event not written: {e}"
            );
        }
        if let Some(forward) = &self.forward {
            forward.send(flux_event(&event));
        }
    }
}

/// The message Flux Alerts match with `inclusionList: [".*on the web UI$"]`.
pub fn message(username: &str, verb: &str, kind: &str, namespace: &str, name: &str) -> String {
    format!(
        "User '{username}' performed action '{verb}' for '{kind}/{namespace}/{name}' on the web UI"
    )
}

/// The Kubernetes Event of one action. Its name is unique per action, so repeats are never
/// merged into a series and the trail keeps every one.
pub fn event(entry: &Entry<'_>, now: Timestamp, token: &str, instance: &str) -> Event {
    let meta = &entry.involved.metadata;
    let namespace = meta.namespace.clone().unwrap_or_default();
    let name = meta.name.clone().unwrap_or_default();
    let mut annotations = BTreeMap::from([
        (
            "event.toolkit.fluxcd.io/action".to_owned(),
            entry.verb.to_owned(),
        ),
        (
            "event.toolkit.fluxcd.io/username".to_owned(),
            entry.identity.username.clone(),
        ),
        (
            "event.toolkit.fluxcd.io/groups".to_owned(),
            entry.identity.groups.join(","),
        ),
        (format!("{}/token", entry.resource.group), token.to_owned()),
    ]);
    if let Some(subject) = &entry.subject {
        annotations.insert(
            "event.toolkit.fluxcd.io/subject".to_owned(),
            subject.clone(),
        );
    }
    let suffix: String = token
        .chars()
        .filter(char::is_ascii_hexdigit)
        .take(16)
        .collect();
    Event {
        metadata: ObjectMeta {
            name: Some(format!("{name}.{suffix}")),
            namespace: Some(namespace.clone()),
            annotations: Some(annotations),
            ..Default::default()
        },
        involved_object: ObjectReference {
            api_version: Some(entry.resource.api_version.clone()),
            kind: Some(entry.resource.kind.clone()),
            name: Some(name.clone()),
            namespace: Some(namespace.clone()),
            uid: meta.uid.clone(),
            resource_version: meta.resource_version.clone(),
            ..Default::default()
        },
        reason: Some(REASON.to_owned()),
        message: Some(message(
            &entry.identity.username,
            entry.verb,
            &entry.resource.kind,
            &namespace,
            &name,
        )),
        type_: Some("Normal".to_owned()),
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

/// The same event in the JSON notification-controller takes from Flux controllers.
pub fn flux_event(event: &Event) -> Value {
    let involved = &event.involved_object;
    let metadata: BTreeMap<String, String> = event
        .metadata
        .annotations
        .iter()
        .flatten()
        .map(|(k, v)| (k.rsplit('/').next().unwrap_or(k).to_owned(), v.clone()))
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
        "severity": "info",
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
            verb: "reconcile",
            resource: &resource,
            involved: &involved,
            subject: None,
        };
        let now: Timestamp = "2026-11-23T22:00:00Z".parse().unwrap();
        let event = event(
            &entry,
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
        assert_eq!(forwarded["metadata"]["username"], "alice@example.com");
        assert_eq!(
            forwarded["metadata"]["token"],
            "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
        );
        assert_eq!(forwarded["reportingController"], "flux-web");
    }

    #[test]
    fn workload_actions_name_their_subject() {
        let (identity, resource, involved) = (identity(), kustomizations(), involved());
        let entry = Entry {
            identity: &identity,
            verb: "restart",
            resource: &resource,
            involved: &involved,
            subject: Some("Deployment/apps/web".into()),
        };
        let event = event(&entry, Timestamp::UNIX_EPOCH, "t", "i");
        assert_eq!(
            event.metadata.annotations.unwrap()["event.toolkit.fluxcd.io/subject"],
            "Deployment/apps/web"
        );
    }
}
