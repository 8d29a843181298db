//! An object as the core reads it: parsed once from its JSON into what flux-web decides on
//! (suspension and who did it, sources, artifact, conditions, the last handled reconcile,
//! an ArtifactGenerator's inventory, a CronJob's job template). Nothing else indexes
//! `spec` or `status` of a Flux object.

use flux_web_shared::actions::{ArtifactRef, Condition};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{FieldsV1, ManagedFieldsEntry, ObjectMeta};
use kube_core::DynamicObject;
use serde_json::{Value, json};

use super::address::ObjectRef;
use super::kinds::{self, Artifacts, Kind, Sources, Suspend};

/// Who suspended an object, as the Flux Operator and the flux CLI record it.
pub const SUSPENDED_BY: &str = "fluxcd.controlplane.io/suspendedBy";
/// Our choice: the reason kept beside `suspendedBy` (see docs/decisions.md).
pub const SUSPENDED_REASON: &str = "fluxcd.controlplane.io/suspendedReason";
/// Our choice: the suspension our record of it (the reason, the end, the username) belongs
/// to, `<generation>:<suspendedBy>` as our suspend left them. Another tool's resume and
/// suspend leave our record behind; this tells it from the record of the suspension in force.
pub const SUSPENDED_REASON_OF: &str = "fluxcd.controlplane.io/suspendedReasonOf";
/// Ours: the username of who suspended (`suspendedBy` is the display name, which the Flux
/// Operator's UI shows and two people may share).
pub const SUSPENDED_BY_USER: &str = "web.fluxcd.controlplane.io/suspendedByUser";
/// Ours: the username of who set the end in force, when someone extended it.
pub const SUSPENDED_UNTIL_BY: &str = "web.fluxcd.controlplane.io/suspendedUntilBy";
/// The field manager of flux-web's writes: the owner, in `managedFields`, of what it wrote.
pub const FIELD_MANAGER: &str = "flux-web";
/// Ours: when a suspension ends by itself (RFC 3339, UTC); flux-web's resumer lifts it then.
/// The Flux controllers ignore it.
pub const SUSPENDED_UNTIL: &str = "web.fluxcd.controlplane.io/suspendedUntil";
/// Ours: the same end as Unix seconds, a label, so that the resumer lists only suspensions
/// that end (a label can be selected, an annotation cannot).
pub const EXPIRES_LABEL: &str = "web.fluxcd.controlplane.io/suspended-until";

/// Label prefixes of the Flux appliers, in the order the spec checks them, with the group
/// and Kind of the object they name.
const MANAGERS: [(&str, &str, &str); 3] = [
    (
        "kustomize.toolkit.fluxcd.io",
        "kustomize.toolkit.fluxcd.io",
        "Kustomization",
    ),
    (
        "helm.toolkit.fluxcd.io",
        "helm.toolkit.fluxcd.io",
        "HelmRelease",
    ),
    (
        "resourceset.fluxcd.controlplane.io",
        "fluxcd.controlplane.io",
        "ResourceSet",
    ),
];

/// Whether our record belongs to the suspension in force, as `of` ([`SUSPENDED_REASON_OF`])
/// binds it: suspended by the same name and, for a kind suspended in its spec, at the same
/// generation (another tool's resume and suspend, or any edit of the spec, move it on); for a
/// kind suspended by an annotation, whose writes leave the generation alone, with that
/// annotation written by flux-web last (`kubectl annotate` takes it over).
fn belongs(kind: &Kind, of: Option<&str>, by: Option<&str>, meta: &ObjectMeta) -> bool {
    let Some((at, who)) = of.and_then(|of| of.split_once(':')) else {
        return false;
    };
    let same_suspension = match kind.suspend {
        Suspend::Spec => at.parse::<i64>().ok() == meta.generation,
        Suspend::Annotation(key) => !written_by_another(key, meta.managed_fields.as_deref()),
        Suspend::No => true,
    };
    same_suspension && by == Some(who)
}

/// `f:metadata` / `f:annotations` / `f:<key>`: where `managedFields` records an annotation.
fn annotation_field(entry: &ManagedFieldsEntry, key: &str) -> bool {
    entry.fields_v1.as_ref().is_some_and(|fields| {
        fields.0["f:metadata"]["f:annotations"]
            .get(format!("f:{key}"))
            .is_some()
    })
}

/// Whether a manager other than flux-web owns the annotation `key`: another tool wrote it
/// since flux-web did (an update that changes a field takes it from its other owners).
/// Objects read without their managed fields tell nothing, and count as not.
fn written_by_another(key: &str, managed: Option<&[ManagedFieldsEntry]>) -> bool {
    managed.into_iter().flatten().any(|entry| {
        entry.manager.as_deref() != Some(FIELD_MANAGER) && annotation_field(entry, key)
    })
}

/// Drops what the view does not read of an object's `managedFields` (most of a watched
/// object's size): only the owners of the annotation that suspends a kind suspended by one
/// are kept, each reduced to that field.
pub fn slim_managed_fields(kind: &Kind, meta: &mut ObjectMeta) {
    let entries = meta.managed_fields.take();
    let Suspend::Annotation(key) = kind.suspend else {
        return;
    };
    let kept: Vec<ManagedFieldsEntry> = entries
        .into_iter()
        .flatten()
        .filter(|entry| annotation_field(entry, key))
        .map(|entry| owner(entry.manager, key))
        .collect();
    meta.managed_fields = (!kept.is_empty()).then_some(kept);
}

/// A managed-fields entry of `manager` owning the annotation `key`, and nothing else.
pub fn owner(manager: Option<String>, key: &str) -> ManagedFieldsEntry {
    let field = format!("f:{key}");
    ManagedFieldsEntry {
        manager,
        fields_type: Some("FieldsV1".to_owned()),
        fields_v1: Some(FieldsV1(
            json!({"f:metadata": {"f:annotations": {field: {}}}}),
        )),
        ..ManagedFieldsEntry::default()
    }
}

/// The Flux object a workload's labels name as the one that applied it; the namespace label
/// defaults to the workload's own.
pub fn manager_of(workload: &DynamicObject, namespace: &str) -> Option<ObjectRef> {
    let labels = workload.metadata.labels.as_ref()?;
    MANAGERS.iter().find_map(|(prefix, group, kind)| {
        let name = labels.get(&format!("{prefix}/name"))?;
        let ns = labels
            .get(&format!("{prefix}/namespace"))
            .map_or(namespace, String::as_str);
        Some(ObjectRef::new(kinds::by_kind(group, kind)?, ns, name))
    })
}

/// What `status.artifact` says of a file in storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    pub url: String,
    pub digest: String,
    pub revision: String,
    pub size: Option<u64>,
    pub last_update_time: Option<String>,
}

/// The parts of an object flux-web decides on.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    pub object: ObjectRef,
    pub uid: Option<String>,
    pub suspended: bool,
    pub suspended_by: Option<String>,
    /// The username of who suspended, when flux-web did and the record belongs to the
    /// suspension in force.
    pub suspended_by_user: Option<String>,
    /// Who set the end in force, when the record belongs to the suspension in force.
    pub until_set_by: Option<String>,
    /// Our reason, when it belongs to the suspension in force (see [`SUSPENDED_REASON_OF`]).
    pub suspended_reason: Option<String>,
    /// When the suspension in force ends by itself ([`SUSPENDED_UNTIL`]), when the end
    /// belongs to it as a reason does: a stale end never lifts another tool's suspension.
    pub suspended_until: Option<String>,
    /// A record of a suspension that is over is left (our reason or its binding, or a
    /// `suspendedBy` on an object that is not suspended, which `flux resume` leaves): the next
    /// write of ours removes it.
    pub stale_suspension: bool,
    pub generation: Option<i64>,
    /// The sources a pull reconciles, upstream last; why there are none otherwise.
    pub sources: Result<Vec<ObjectRef>, String>,
    /// A Kustomization's or HelmRelease's `dependsOn`: objects of its own kind, in its own
    /// namespace unless named.
    pub depends_on: Vec<ObjectRef>,
    pub artifact: Option<Artifact>,
    /// An ArtifactGenerator's ExternalArtifacts.
    pub inventory: Vec<ArtifactRef>,
    pub conditions: Vec<Condition>,
    pub last_handled: Option<String>,
    /// A CronJob's `spec.jobTemplate`, and its labels and annotations.
    pub job_template: Option<Value>,
    /// A source's `spec.url`.
    pub url: Option<String>,
    /// The sources the spec names, whatever their kind: who takes a source is read from these.
    pub references: Vec<SourceReference>,
}

/// A reference to a source as a spec writes it: `sourceRef`, or a HelmRelease's `chartRef`
/// or its chart template's `sourceRef`; the namespace is the object's own when not written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceReference {
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl SourceReference {
    /// Whether this names `object`.
    pub fn names(&self, object: &ObjectRef) -> bool {
        self.kind == object.kind.kind
            && self.name == object.name
            && self.namespace == object.namespace
    }
}

fn references(spec: &Value, namespace: &str) -> Vec<SourceReference> {
    ["/sourceRef", "/chartRef", "/chart/spec/sourceRef"]
        .iter()
        .filter_map(|at| spec.pointer(at))
        .filter_map(|reference| {
            Some(SourceReference {
                kind: reference["kind"].as_str()?.to_owned(),
                name: reference["name"].as_str()?.to_owned(),
                namespace: reference["namespace"]
                    .as_str()
                    .unwrap_or(namespace)
                    .to_owned(),
            })
        })
        .collect()
}

impl View {
    /// Reads `found`, an object of `kind`.
    pub fn parse(kind: &'static Kind, found: &DynamicObject) -> Self {
        let namespace = found.metadata.namespace.clone().unwrap_or_default();
        let name = found.metadata.name.clone().unwrap_or_default();
        let annotation = |key: &str| {
            found
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(key))
                .cloned()
        };
        let spec = &found.data["spec"];
        let status = &found.data["status"];
        let suspended = match kind.suspend {
            Suspend::No => false,
            Suspend::Spec => spec["suspend"] == Value::Bool(true),
            Suspend::Annotation(key) => annotation(key).as_deref() == Some("disabled"),
        };
        let suspended_by = annotation(SUSPENDED_BY);
        let (reason, of) = (
            annotation(SUSPENDED_REASON),
            annotation(SUSPENDED_REASON_OF),
        );
        let belongs = suspended
            && belongs(
                kind,
                of.as_deref(),
                suspended_by.as_deref(),
                &found.metadata,
            );
        let until = annotation(SUSPENDED_UNTIL);
        let (user, until_by) = (
            annotation(SUSPENDED_BY_USER),
            annotation(SUSPENDED_UNTIL_BY),
        );
        let ours = [&reason, &of, &until, &user, &until_by];
        let stale_suspension = (ours.iter().any(|a| a.is_some()) && !belongs)
            || (!suspended && suspended_by.is_some());
        Self {
            sources: sources(kind, spec, status, &namespace, &name),
            depends_on: match kind.sources {
                Sources::None => Vec::new(),
                _ => depends_on(kind, spec, &namespace),
            },
            artifact: artifact(&status["artifact"]),
            inventory: match kind.artifacts {
                Artifacts::Inventory => inventory(status),
                _ => Vec::new(),
            },
            conditions: status["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| serde_json::from_value(c.clone()).ok())
                .collect(),
            last_handled: status["lastHandledReconcileAt"].as_str().map(str::to_owned),
            job_template: spec["jobTemplate"]
                .is_object()
                .then(|| spec["jobTemplate"].clone()),
            url: spec["url"].as_str().map(str::to_owned),
            references: references(spec, &namespace),
            uid: found.metadata.uid.clone(),
            suspended_reason: reason.filter(|_| belongs),
            suspended_until: until.filter(|_| belongs),
            suspended_by_user: user.filter(|_| belongs),
            until_set_by: until_by.filter(|_| belongs),
            stale_suspension,
            generation: found.metadata.generation,
            // Who suspended it, only while it is.
            suspended_by: suspended_by.filter(|_| suspended),
            suspended,
            object: ObjectRef {
                kind,
                namespace,
                name,
            },
        }
    }

    pub fn ready(&self) -> Option<&Condition> {
        self.condition("Ready")
    }

    pub fn condition(&self, kind: &str) -> Option<&Condition> {
        self.conditions.iter().find(|c| c.kind == kind)
    }
}

/// The object's `spec` as it stands, for pages that show it whole.
pub fn spec(found: &DynamicObject) -> Value {
    found.data["spec"].clone()
}

fn artifact(artifact: &Value) -> Option<Artifact> {
    let text = |key: &str| artifact[key].as_str().map(str::to_owned);
    Some(Artifact {
        url: text("url").filter(|u| !u.is_empty())?,
        digest: text("digest").unwrap_or_default(),
        revision: text("revision").unwrap_or_default(),
        size: artifact["size"].as_u64(),
        last_update_time: text("lastUpdateTime"),
    })
}

/// The ExternalArtifacts an ArtifactGenerator's `status.inventory` names.
fn inventory(status: &Value) -> Vec<ArtifactRef> {
    status["inventory"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|entry| {
            Some(ArtifactRef {
                name: entry["name"].as_str()?.to_owned(),
                namespace: entry["namespace"].as_str()?.to_owned(),
            })
        })
        .collect()
}

/// The sources a pull reconciles, upstream last: a HelmRelease with `spec.chart` pulls the
/// HelmChart generated for it and that chart's own source.
fn depends_on(kind: &'static Kind, spec: &Value, namespace: &str) -> Vec<ObjectRef> {
    spec["dependsOn"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| {
            let name = d["name"].as_str().filter(|n| !n.is_empty())?;
            Some(ObjectRef::new(
                kind,
                d["namespace"].as_str().unwrap_or(namespace),
                name,
            ))
        })
        .collect()
}

fn sources(
    kind: &Kind,
    spec: &Value,
    status: &Value,
    namespace: &str,
    name: &str,
) -> Result<Vec<ObjectRef>, String> {
    let reference = |r: &Value| -> Result<ObjectRef, String> {
        let source_kind = r["kind"].as_str().unwrap_or_default();
        let kind = kinds::by_kind(kinds::SOURCE, source_kind)
            .filter(|k| k.reconcile != kinds::Reconcile::No)
            .ok_or_else(|| {
                format!("the source is a {source_kind}, which cannot be reconciled from here")
            })?;
        Ok(ObjectRef::new(
            kind,
            r["namespace"].as_str().unwrap_or(namespace),
            r["name"].as_str().unwrap_or_default(),
        ))
    };
    let chart_source = &spec["chart"]["spec"]["sourceRef"];
    match kind.sources {
        Sources::SourceRef if spec["sourceRef"].is_object() => {
            Ok(vec![reference(&spec["sourceRef"])?])
        }
        Sources::Chart if spec["chartRef"].is_object() => Ok(vec![reference(&spec["chartRef"])?]),
        Sources::Chart if chart_source.is_object() => {
            let upstream = reference(chart_source)?;
            // helm-controller reports the chart it made; before it has, its name is derived.
            let (chart_ns, chart_name) = status["helmChart"]
                .as_str()
                .and_then(|s| s.split_once('/'))
                .map(|(n, c)| (n.to_owned(), c.to_owned()))
                .unwrap_or_else(|| (upstream.namespace.clone(), format!("{namespace}-{name}")));
            let chart = kinds::by_kind(kinds::SOURCE, "HelmChart")
                .ok_or_else(|| "the HelmChart kind is not known".to_owned())?;
            Ok(vec![
                ObjectRef::new(chart, &chart_ns, &chart_name),
                upstream,
            ])
        }
        _ => Err(format!(
            "{}/{namespace}/{name} names no source to pull",
            kind.kind
        )),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::kinds::{SOURCE as SOURCE_GROUP, find};

    fn view(group: &str, kind: &str, spec: Value, status: Value) -> View {
        let kind = find(group, kind).unwrap();
        let object: DynamicObject = serde_json::from_value(json!({
            "metadata": {"name": "web", "namespace": "apps", "generation": 2,
                "annotations": {SUSPENDED_BY: "ada", SUSPENDED_REASON: "INC-1", SUSPENDED_REASON_OF: "2:ada"}},
            "spec": spec, "status": status,
        }))
        .unwrap();
        View::parse(kind, &object)
    }

    fn names(view: &View) -> Result<Vec<String>, String> {
        view.sources
            .clone()
            .map(|s| s.iter().map(ObjectRef::describe).collect())
    }

    #[test]
    fn a_reference_names_a_source_by_kind_name_and_namespace_its_own_by_default() {
        let source = ObjectRef::parse(SOURCE_GROUP, "GitRepository", "apps", "repo").unwrap();
        let ks = "kustomize.toolkit.fluxcd.io";
        let hr = "helm.toolkit.fluxcd.io";
        let cases = [
            (
                ks,
                json!({"sourceRef": {"kind": "GitRepository", "name": "repo"}}),
                true,
            ),
            (
                ks,
                json!({"sourceRef": {"kind": "GitRepository", "name": "repo", "namespace": "apps"}}),
                true,
            ),
            (
                ks,
                json!({"sourceRef": {"kind": "GitRepository", "name": "repo", "namespace": "flux"}}),
                false,
            ),
            (
                ks,
                json!({"sourceRef": {"kind": "OCIRepository", "name": "repo"}}),
                false,
            ),
            (
                ks,
                json!({"sourceRef": {"kind": "GitRepository", "name": "other"}}),
                false,
            ),
            (ks, json!({"sourceRef": "repo"}), false),
            (
                hr,
                json!({"chart": {"spec": {"chart": "web", "sourceRef": {"kind": "GitRepository", "name": "repo"}}}}),
                true,
            ),
            (
                hr,
                json!({"chartRef": {"kind": "GitRepository", "name": "repo"}}),
                true,
            ),
        ];
        for (group, spec, expected) in cases {
            let taker = view(
                group,
                if group == ks { "ks" } else { "hr" },
                spec.clone(),
                json!({}),
            );
            assert_eq!(
                taker.references.iter().any(|r| r.names(&source)),
                expected,
                "{spec}"
            );
        }
        // A HelmChart takes its source too, though it has no sources to pull.
        let chart = view(
            SOURCE_GROUP,
            "HelmChart",
            json!({"chart": "web", "sourceRef": {"kind": "GitRepository", "name": "repo"}}),
            json!({}),
        );
        assert!(chart.references.iter().any(|r| r.names(&source)));
    }

    #[test]
    fn a_dependency_names_an_object_by_name_and_namespace_its_own_by_default() {
        let ks = "kustomize.toolkit.fluxcd.io";
        let infra = |ns: &str| ObjectRef::parse(ks, "Kustomization", ns, "infra").unwrap();
        let depends =
            |entry: Value| view(ks, "ks", json!({"dependsOn": [entry]}), json!({})).depends_on;
        assert!(depends(json!({"name": "infra"})).contains(&infra("apps")));
        assert!(!depends(json!({"name": "infra"})).contains(&infra("flux-system")));
        assert!(
            depends(json!({"name": "infra", "namespace": "flux-system"}))
                .contains(&infra("flux-system"))
        );
        assert!(!depends(json!({"name": "other"})).contains(&infra("apps")));
        assert!(depends(json!("infra")).is_empty());
    }

    #[test]
    fn sources_come_from_the_kinds_own_references_upstream_last() {
        let ks = "kustomize.toolkit.fluxcd.io";
        let hr = "helm.toolkit.fluxcd.io";
        let cases = [
            (
                view(
                    ks,
                    "ks",
                    json!({"sourceRef": {"kind": "GitRepository", "name": "repo"}}),
                    json!({}),
                ),
                Ok(vec!["GitRepository/apps/repo".to_owned()]),
            ),
            (
                view(
                    ks,
                    "ks",
                    json!({"sourceRef": {"kind": "OCIRepository", "name": "o", "namespace": "flux"}}),
                    json!({}),
                ),
                Ok(vec!["OCIRepository/flux/o".to_owned()]),
            ),
            (
                view(
                    hr,
                    "hr",
                    json!({"chartRef": {"kind": "OCIRepository", "name": "chart"}}),
                    json!({}),
                ),
                Ok(vec!["OCIRepository/apps/chart".to_owned()]),
            ),
            (
                view(
                    hr,
                    "hr",
                    json!({"chart": {"spec": {"sourceRef": {"kind": "HelmRepository", "name": "charts", "namespace": "flux"}}}}),
                    json!({}),
                ),
                Ok(vec![
                    "HelmChart/flux/apps-web".to_owned(),
                    "HelmRepository/flux/charts".to_owned(),
                ]),
            ),
            (
                view(
                    hr,
                    "hr",
                    json!({"chart": {"spec": {"sourceRef": {"kind": "HelmRepository", "name": "charts"}}}}),
                    json!({"helmChart": "flux/apps-web-x"}),
                ),
                Ok(vec![
                    "HelmChart/flux/apps-web-x".to_owned(),
                    "HelmRepository/apps/charts".to_owned(),
                ]),
            ),
            (
                view(
                    ks,
                    "ks",
                    json!({"sourceRef": {"kind": "ExternalArtifact", "name": "ea"}}),
                    json!({}),
                ),
                Err(
                    "the source is a ExternalArtifact, which cannot be reconciled from here"
                        .to_owned(),
                ),
            ),
            (
                view(ks, "ks", json!({}), json!({})),
                Err("Kustomization/apps/web names no source to pull".to_owned()),
            ),
            (
                view(
                    "source.toolkit.fluxcd.io",
                    "gitrepo",
                    json!({"sourceRef": {"kind": "GitRepository", "name": "x"}}),
                    json!({}),
                ),
                Err("GitRepository/apps/web names no source to pull".to_owned()),
            ),
        ];
        for (view, expected) in cases {
            assert_eq!(names(&view), expected, "{:?}", view.object);
        }
    }

    #[test]
    fn a_reason_shows_only_while_the_suspension_it_was_written_with_lasts() {
        let ks = find("kustomize.toolkit.fluxcd.io", "ks").unwrap();
        let parse = |generation: i64, suspend: bool, by: &str, of: &str| {
            let object: DynamicObject = serde_json::from_value(json!({
                "metadata": {"name": "web", "namespace": "apps", "generation": generation,
                    "annotations": {SUSPENDED_BY: by, SUSPENDED_REASON: "INC-1", SUSPENDED_REASON_OF: of}},
                "spec": {"suspend": suspend},
            }))
            .unwrap();
            let view = View::parse(ks, &object);
            (view.suspended_reason, view.stale_suspension)
        };
        let (ours, stale) = parse(2, true, "ada", "2:ada");
        assert_eq!((ours.as_deref(), stale), (Some("INC-1"), false));
        // Resumed and suspended again by another tool, by someone else or by ada herself.
        assert_eq!(parse(4, true, "bob", "2:ada"), (None, true));
        assert_eq!(parse(4, true, "ada", "2:ada"), (None, true));
        // Resumed by a tool that left the annotations behind.
        assert_eq!(parse(3, false, "ada", "2:ada"), (None, true));
        // Written by an older flux-web, without a binding: not shown, since nothing says whose.
        assert_eq!(parse(2, true, "ada", ""), (None, true));
        // `flux resume` leaves `suspendedBy`: not shown once the object is not suspended.
        let resumed: DynamicObject = serde_json::from_value(json!({
            "metadata": {"name": "web", "namespace": "apps", "generation": 3,
                "annotations": {SUSPENDED_BY: "ada"}},
            "spec": {"suspend": false},
        }))
        .unwrap();
        let resumed = View::parse(ks, &resumed);
        assert_eq!(
            (resumed.suspended_by, resumed.stale_suspension),
            (None, true)
        );
        // A display name with a colon still binds.
        assert_eq!(
            parse(2, true, "ada: ops", "2:ada: ops").0.as_deref(),
            Some("INC-1")
        );
    }

    #[test]
    fn an_end_counts_only_for_the_suspension_it_was_written_with() {
        let ks = find("kustomize.toolkit.fluxcd.io", "ks").unwrap();
        let parse = |generation: i64, suspend: bool, by: &str| {
            let object: DynamicObject = serde_json::from_value(json!({
                "metadata": {"name": "web", "namespace": "apps", "generation": generation,
                    "annotations": {SUSPENDED_BY: by, SUSPENDED_REASON_OF: "2:ada",
                        SUSPENDED_UNTIL: "2026-12-02T14:00:00Z"}},
                "spec": {"suspend": suspend},
            }))
            .unwrap();
            let view = View::parse(ks, &object);
            (view.suspended_until, view.stale_suspension)
        };
        assert_eq!(
            parse(2, true, "ada"),
            (Some("2026-12-02T14:00:00Z".to_owned()), false)
        );
        // `flux resume` left it, `flux suspend` suspended again: the old end must not lift
        // that suspension.
        assert_eq!(parse(4, true, "bob"), (None, true));
        assert_eq!(parse(3, false, "ada"), (None, true));
    }

    /// kubectl's `annotate` (a resume, then a suspend again) leaves `suspendedBy` and our
    /// binding in place on a kind suspended by an annotation, and the generation too: its
    /// ownership of the annotation is what tells the suspension is another's now.
    #[test]
    fn on_a_kind_suspended_by_an_annotation_an_end_counts_until_another_tool_writes_it() {
        let rset = find("fluxcd.controlplane.io", "rset").unwrap();
        let key = "fluxcd.controlplane.io/reconcile";
        let parse = |owners: &[&str]| {
            let managed: Vec<Value> = owners
                .iter()
                .map(|m| serde_json::to_value(owner(Some((*m).to_owned()), key)).unwrap())
                .chain(
                    [json!({"manager": "kubectl-annotate", "operation": "Update",
                    "fieldsV1": {"f:metadata": {"f:annotations": {"f:team": {}}}}})],
                )
                .collect();
            let object: DynamicObject = serde_json::from_value(json!({
                "metadata": {"name": "r", "namespace": "apps", "generation": 1,
                    "managedFields": managed,
                    "annotations": {key: "disabled", SUSPENDED_BY: "ada", SUSPENDED_BY_USER: "ada@x",
                        SUSPENDED_REASON_OF: "1:ada", SUSPENDED_UNTIL: "2026-12-02T14:00:00Z"}},
            }))
            .unwrap();
            let view = View::parse(rset, &object);
            (
                view.suspended_until.is_some(),
                view.suspended_by_user.is_some(),
                view.stale_suspension,
            )
        };
        assert_eq!(parse(&[FIELD_MANAGER]), (true, true, false), "ours");
        assert_eq!(
            parse(&["kubectl-annotate"]),
            (false, false, true),
            "kubectl's"
        );
        assert_eq!(
            parse(&[FIELD_MANAGER, "kubectl-annotate"]),
            (false, false, true)
        );
        assert_eq!(
            parse(&[]),
            (true, true, false),
            "no record of the field: ours"
        );

        // Slimmed as the watch keeps objects, the owners of the annotation stay, alone.
        let mut meta: ObjectMeta = serde_json::from_value(json!({"managedFields": [
            {"manager": "kubectl-annotate", "operation": "Update", "time": "2026-12-02T12:00:00Z",
             "fieldsV1": {"f:metadata": {"f:annotations": {format!("f:{key}"): {}, "f:team": {}}}}},
            {"manager": "flux-operator", "operation": "Update", "fieldsV1": {"f:status": {}}},
        ]}))
        .unwrap();
        slim_managed_fields(rset, &mut meta);
        assert_eq!(
            meta.managed_fields,
            Some(vec![owner(Some("kubectl-annotate".into()), key)])
        );
        let ks = find("kustomize.toolkit.fluxcd.io", "ks").unwrap();
        let mut meta = ObjectMeta {
            managed_fields: Some(vec![owner(Some("x".into()), key)]),
            ..ObjectMeta::default()
        };
        slim_managed_fields(ks, &mut meta);
        assert_eq!(
            meta.managed_fields, None,
            "a kind suspended in its spec keeps none"
        );
    }

    #[test]
    fn suspension_artifact_inventory_and_conditions_are_read_once() {
        let ks = view(
            "kustomize.toolkit.fluxcd.io",
            "ks",
            json!({"suspend": true}),
            json!({"lastHandledReconcileAt": "t1", "conditions": [
                {"type": "Ready", "status": "False", "reason": "BuildFailed", "message": "m"}]}),
        );
        assert!(ks.suspended);
        assert_eq!(ks.suspended_by.as_deref(), Some("ada"));
        assert_eq!(ks.suspended_reason.as_deref(), Some("INC-1"));
        assert_eq!(ks.last_handled.as_deref(), Some("t1"));
        assert_eq!(ks.ready().map(|c| c.reason.as_str()), Some("BuildFailed"));
        let repo = view(
            "source.toolkit.fluxcd.io",
            "gitrepo",
            json!({"url": "https://git.example.com/x"}),
            json!({"artifact": {"url": "http://s.flux-system.svc/a.tar.gz", "digest": "sha256:ab", "revision": "r", "size": 5}}),
        );
        assert!(!repo.suspended);
        assert_eq!(repo.artifact.as_ref().map(|a| a.size), Some(Some(5)));
        assert_eq!(repo.url.as_deref(), Some("https://git.example.com/x"));
        let generator = view(
            "source.extensions.fluxcd.io",
            "ag",
            json!({}),
            json!({"inventory": [{"name": "out", "namespace": "apps", "digest": "d"}]}),
        );
        assert_eq!(
            generator.inventory,
            [ArtifactRef {
                name: "out".into(),
                namespace: "apps".into()
            }]
        );
        let empty = view("source.toolkit.fluxcd.io", "gitrepo", json!({}), json!({}));
        assert_eq!(empty.artifact, None);
        let annotated = {
            let kind = find("fluxcd.controlplane.io", "rset").unwrap();
            let object: DynamicObject = serde_json::from_value(json!({"metadata": {"name": "r",
                "annotations": {"fluxcd.controlplane.io/reconcile": "disabled"}}}))
            .unwrap();
            View::parse(kind, &object)
        };
        assert!(annotated.suspended);
    }
}
