//! Flux objects and workloads on the test bed: create, read, and the API paths of flux-web.

use std::time::Duration;

use k8s_openapi::api::core::v1::Event;
use kube::api::{Api, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::{Value, json};

use super::{Testbed, User, app::call, eventually};

/// Creates a Flux object of `resource` with `spec` as admin.
pub async fn create(
    bed: &Testbed,
    ns: &str,
    resource: &ApiResource,
    name: &str,
    spec: Value,
) -> DynamicObject {
    let object = json!({
        "apiVersion": resource.api_version, "kind": resource.kind,
        "metadata": {"name": name}, "spec": spec,
    });
    create_object(bed, ns, resource, object).await
}

/// The label that keeps the bed's Flux controllers off an object: they watch only objects
/// without a shard key (`--watch-label-selector=!sharding.fluxcd.io/key`, as Flux's main shard
/// does), and no controller runs this shard. Tests that set statuses themselves need it; those
/// of real Flux (support::flux) create their objects without it.
pub const INERT: (&str, &str) = ("sharding.fluxcd.io/key", "inert");

/// Creates any object as admin; a Flux object in the [`INERT`] shard.
pub async fn create_object(
    bed: &Testbed,
    ns: &str,
    resource: &ApiResource,
    mut object: Value,
) -> DynamicObject {
    if resource.group.ends_with(".fluxcd.io") {
        object["metadata"]["labels"][INERT.0] = json!(INERT.1);
    }
    create_as_is(bed, ns, resource, object).await
}

/// Creates any object as admin, as it is.
pub async fn create_as_is(
    bed: &Testbed,
    ns: &str,
    resource: &ApiResource,
    object: Value,
) -> DynamicObject {
    let object: DynamicObject = serde_json::from_value(object).unwrap();
    dynamic(bed, ns, resource)
        .await
        .create(&PostParams::default(), &object)
        .await
        .unwrap()
}

pub async fn dynamic(bed: &Testbed, ns: &str, resource: &ApiResource) -> Api<DynamicObject> {
    Api::namespaced_with(bed.client(User::Admin).await, ns, resource)
}

pub async fn read(bed: &Testbed, ns: &str, resource: &ApiResource, name: &str) -> DynamicObject {
    dynamic(bed, ns, resource).await.get(name).await.unwrap()
}

pub fn version(object: &DynamicObject) -> String {
    object.metadata.resource_version.clone().unwrap()
}

pub fn listing(resource: &ApiResource, ns: &str, name: &str) -> String {
    let group = if resource.group.is_empty() {
        "core"
    } else {
        &resource.group
    };
    format!("/api/v1/{group}/{}/{ns}/{name}/actions", resource.plural)
}

pub fn path(resource: &ApiResource, ns: &str, name: &str, action: &str) -> String {
    format!("{}/{action}", listing(resource, ns, name))
}

/// RBAC reaches the authorizer through an informer: wait until alice's grant counts.
pub async fn until_allowed(app: &axum::Router, path: &str) {
    eventually(
        "the grant to take effect",
        Duration::from_secs(10),
        || async {
            let (status, body) = call(app, "GET", path, None).await;
            (status == 200
                && body["actions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|a| a["allowed"] == true))
            .then_some(())
        },
    )
    .await;
}

pub async fn web_events(bed: &Testbed, ns: &str) -> Vec<Event> {
    bed_events(bed, ns, "WebAction").await
}

pub async fn bed_events(bed: &Testbed, ns: &str, reason: &str) -> Vec<Event> {
    let events = Api::<Event>::namespaced(bed.client(User::Admin).await, ns)
        .list(&ListParams::default())
        .await
        .unwrap();
    let items = events.items.into_iter();
    items
        .filter(|e| e.reason.as_deref() == Some(reason))
        .collect()
}

/// Merge-patches the status subresource as admin, as a controller would.
pub async fn set_status(
    bed: &Testbed,
    ns: &str,
    resource: &ApiResource,
    name: &str,
    status: Value,
) {
    dynamic(bed, ns, resource)
        .await
        .patch_status(
            name,
            &PatchParams::default(),
            &Patch::Merge(&json!({"status": status})),
        )
        .await
        .unwrap();
}

/// An admission policy that refuses every Event created in `ns`, until it is deleted.
/// Returns the bindings' resource: deleting `no-events-<ns>` lets Events in again.
pub async fn refuse_events(bed: &Testbed, ns: &str) -> ApiResource {
    let policies = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk(
            "admissionregistration.k8s.io",
            "v1",
            "ValidatingAdmissionPolicy",
        ),
        "validatingadmissionpolicies",
    );
    let bindings = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk(
            "admissionregistration.k8s.io",
            "v1",
            "ValidatingAdmissionPolicyBinding",
        ),
        "validatingadmissionpolicybindings",
    );
    bed.apply(&policies, None, json!({
        "apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicy",
        "metadata": {"name": format!("no-events-{ns}")},
        "spec": {
            "failurePolicy": "Fail",
            "matchConstraints": {
                "resourceRules": [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["events"]}],
                "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": ns}},
            },
            "validations": [{"expression": "false", "message": "events are frozen in this namespace"}],
        },
    }))
    .await;
    bed.apply(&bindings, None, json!({
        "apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicyBinding",
        "metadata": {"name": format!("no-events-{ns}")},
        "spec": {"policyName": format!("no-events-{ns}"), "validationActions": ["Deny"]},
    }))
    .await;
    // The policy counts once the API server's informer has it: probe with an Event.
    let events = ApiResource::erase::<Event>(&());
    eventually("the policy to refuse Events", Duration::from_secs(20), || async {
        let probe: DynamicObject = serde_json::from_value(json!({
            "apiVersion": "v1", "kind": "Event", "metadata": {"generateName": "probe-"},
            "involvedObject": {"apiVersion": "v1", "kind": "ConfigMap", "namespace": ns, "name": "probe"},
            "reason": "Probe", "message": "probe",
        }))
        .unwrap();
        let api = Api::<DynamicObject>::namespaced_with(bed.client(User::Admin).await, ns, &events);
        api.create(&PostParams::default(), &probe)
            .await
            .is_err()
            .then_some(())
    })
    .await;
    bindings
}

/// alice (in devs) may do every Flux action in `ns`.
pub async fn grant_alice_everything(bed: &Testbed, ns: &str) {
    bed.grant_rules(
        ns,
        "devs-flux",
        json!([{
            "apiGroups": super::FLUX_GROUPS, "resources": ["*"],
            "verbs": ["get", "list", "patch", "reconcile", "suspend", "resume"],
        }]),
        ("Group", "devs"),
    )
    .await;
}

/// Creates the inert Kustomization `name` of [`super::kustomization`] in `ns`.
pub async fn add_kustomization(bed: &Testbed, ns: &str, name: &str) -> DynamicObject {
    let object = serde_json::to_value(super::kustomization(name)).unwrap();
    create_object(bed, ns, &super::kustomizations(), object).await
}
