//! What the read API answers about objects (`GET /api/v1/{group}/{kind}/{namespace}/{name}`
//! and its `/events`): summaries made for the UI, never whole objects with their secrets.

use crate::events::Severity;
use serde::{Deserialize, Serialize};

use crate::actions::{ActionListing, Condition, Target};

/// How a Flux object is doing, in one word for a badge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum State {
    Ready,
    Failed,
    Progressing,
    Suspended,
    Unknown,
}

impl State {
    pub const ALL: [State; 5] = [
        State::Ready,
        State::Failed,
        State::Progressing,
        State::Suspended,
        State::Unknown,
    ];

    /// The word on the wire and on the badge.
    pub fn name(self) -> &'static str {
        match self {
            State::Ready => "ready",
            State::Failed => "failed",
            State::Progressing => "progressing",
            State::Suspended => "suspended",
            State::Unknown => "unknown",
        }
    }

    /// The word on the badge: `unknown` means the object reports no status (yet), which is
    /// what people are told.
    pub fn label(self) -> &'static str {
        match self {
            State::Unknown => "no status",
            other => other.name(),
        }
    }

    pub fn parse(name: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Worst first, the order a list sorted by status shows: what needs a look on top.
    pub fn urgency(self) -> u8 {
        match self {
            State::Failed => 0,
            State::Progressing => 1,
            State::Suspended => 2,
            State::Unknown => 3,
            State::Ready => 4,
        }
    }
}

/// A column a resource list can be sorted by (`?sort=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// Namespace, then kind, then name: the order without `?sort=`.
    #[default]
    Namespace,
    Kind,
    Name,
    /// Worst first: failed, progressing, suspended, no status, ready.
    Status,
    /// When the object last moved (its Ready condition changed or a reconcile was handled),
    /// oldest first.
    Updated,
}

impl SortKey {
    pub const ALL: [SortKey; 5] = [
        SortKey::Namespace,
        SortKey::Kind,
        SortKey::Name,
        SortKey::Status,
        SortKey::Updated,
    ];

    pub fn name(self) -> &'static str {
        match self {
            SortKey::Namespace => "namespace",
            SortKey::Kind => "kind",
            SortKey::Name => "name",
            SortKey::Status => "status",
            SortKey::Updated => "updated",
        }
    }
}

/// The order of a resource list: a key, and `-` before it for the reverse (`?sort=-updated`,
/// the objects that moved last on top). Ties go by namespace, kind and name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sort {
    pub key: SortKey,
    pub descending: bool,
}

impl Sort {
    /// Words the `sort` parameter takes, for a 400's detail.
    pub const KNOWN: &str =
        "namespace, kind, name, status, updated, each with - before it for the reverse";

    pub fn parse(text: &str) -> Option<Sort> {
        let (descending, name) = match text.strip_prefix('-') {
            Some(name) => (true, name),
            None => (false, text),
        };
        let key = SortKey::ALL.into_iter().find(|k| k.name() == name)?;
        Some(Sort { key, descending })
    }

    /// The parameter's value: `-updated`.
    pub fn param(self) -> String {
        let sign = if self.descending { "-" } else { "" };
        format!("{sign}{}", self.key.name())
    }

    /// The order after a click on `key`'s column: that key ascending, or reversed when it is
    /// the key already.
    pub fn toggled(self, key: SortKey) -> Sort {
        Sort {
            key,
            descending: self.key == key && !self.descending,
        }
    }
}

/// The Flux kinds flux-web lists, in the order the UI offers them. The server's kind
/// registry holds the same list (a test says so).
pub const FLUX_KINDS: [&str; 18] = [
    "Kustomization",
    "HelmRelease",
    "GitRepository",
    "OCIRepository",
    "Bucket",
    "HelmChart",
    "HelmRepository",
    "ExternalArtifact",
    "ArtifactGenerator",
    "Alert",
    "Provider",
    "Receiver",
    "ImageRepository",
    "ImagePolicy",
    "ImageUpdateAutomation",
    "FluxInstance",
    "ResourceSet",
    "ResourceSetInputProvider",
];

/// The workload kinds flux-web shows and acts on, in the order the UI offers them; the
/// server's registry holds the same (a test says so).
pub const WORKLOAD_KINDS: [&str; 5] = ["Deployment", "StatefulSet", "DaemonSet", "CronJob", "Pod"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct StatusSummary {
    pub state: State,
    /// A failure the controller tries again by itself (Ready False while Reconciling True).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub retrying: bool,
    /// The Ready condition's message, when there is one.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// `status.lastHandledReconcileAt`: the last reconcile request the controller answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_handled_reconcile_at: Option<String>,
    /// When the Ready condition last changed: with `lastHandledReconcileAt`, when the object
    /// was last seen to move.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspended_by: Option<String>,
    /// The username of who suspended, when flux-web did ("Resume all suspended by me").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspended_by_user: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspended_reason: Option<String>,
    /// When the suspension ends by itself (RFC 3339), when it was given an end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspended_until: Option<String>,
    /// For a failed object, when its controller says another object keeps it from being ready:
    /// the dependency or source it waits for, or the applied objects found unhealthy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked_by: Option<Box<BlockedBy>>,
}

/// What keeps an object from being ready, as its controller's Ready condition tells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct BlockedBy {
    pub cause: Blocker,
    /// The dependency or source waited for, when the controller names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    /// The applied objects a health check timed out on, as `Kind/namespace/name`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub objects: Vec<String>,
}

/// The kinds of [`BlockedBy`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum Blocker {
    /// A `dependsOn` entry is not ready.
    Dependency,
    /// The source (or a HelmRelease's chart) has no artifact to apply.
    Source,
    /// Objects it applied did not become healthy in time.
    Unhealthy,
}

/// A `dependsOn` entry of a Kustomization or HelmRelease, with its state when the caller may
/// read it (none: it does not exist, or the caller may not see it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dependency {
    pub target: Target,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<StatusSummary>,
}

#[cfg(test)]
impl StatusSummary {
    /// Ready, and nothing else known: what tests start from.
    pub(crate) fn ready() -> Self {
        StatusSummary {
            state: State::Ready,
            retrying: false,
            message: String::new(),
            last_handled_reconcile_at: None,
            changed_at: None,
            suspended_by: None,
            suspended_by_user: None,
            suspended_reason: None,
            suspended_until: None,
            blocked_by: None,
        }
    }
}

impl StatusSummary {
    /// When the object last moved: the later of its Ready condition's change and the last
    /// reconcile its controller handled (RFC 3339 times of one form compare as text).
    pub fn updated(&self) -> Option<&str> {
        [&self.changed_at, &self.last_handled_reconcile_at]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .max()
    }
}

/// `status.artifact` of a source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ArtifactSummary {
    pub revision: String,
    pub digest: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_update_time: Option<String>,
}

/// The source an object reconciles from, resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SourceSummary {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Absent when the caller may not read the source, or it does not exist.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusSummary>,
}

impl SourceSummary {
    /// The source as a target: every kind a Kustomization or HelmRelease takes its artifact
    /// from is in Flux's source group.
    pub fn target(&self) -> Target {
        Target {
            group: "source.toolkit.fluxcd.io".into(),
            version: String::new(),
            kind: self.kind.clone(),
            namespace: self.namespace.clone(),
            name: self.name.clone(),
        }
    }
}

/// A Flux object as the detail page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ObjectDetail {
    pub target: Target,
    pub summary: StatusSummary,
    pub conditions: Vec<Condition>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifact: Option<ArtifactSummary>,
    /// What the caller may do to it: the page needs one call.
    pub actions: ActionListing,
    /// The Deployments, StatefulSets, DaemonSets and CronJobs of `status.inventory`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub workloads: Vec<WorkloadSummary>,
    /// For a workload: its pods, Jobs, manager and last restart.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workload: Option<WorkloadDetail>,
    /// The object's spec, as stored.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub spec: serde_json::Value,
    /// The object's status, as its controller last wrote it.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub status: serde_json::Value,
    /// The spec and status as YAML, for people to read and copy.
    #[serde(default)]
    pub manifest: String,
    /// The reconciler's facts: its controller, interval, last revisions, and the settings
    /// of its kind that decide what a reconcile does. Empty for a workload.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub facts: Vec<Fact>,
    /// For a source: the Kustomizations, HelmReleases and HelmCharts that take it, among
    /// those the caller may list.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub used_by: Vec<Target>,
    /// For a Kustomization or HelmRelease: its `dependsOn`, each with its state.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<Dependency>,
    /// For a Kustomization or HelmRelease: the objects of its kind whose `dependsOn` names it,
    /// among those the caller may list.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required_by: Vec<Target>,
    /// For a HelmRelease of `spec.chart`: the HelmChart helm-controller made for it, between
    /// it and `source` (that chart's own source).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart: Option<SourceSummary>,
    /// For a HelmRelease: its releases and where the current attempt stands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<crate::release::Release>,
}

/// The label of the fact of how long the last run took: from `status.history` on the object's
/// page, else from its timeline's newest finished run (see [`crate::timeline::Timeline::last_run`]).
pub const LAST_RUN: &str = "Last run took";

/// A fact of the reconciler's about an object: "Interval", "10m".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Fact {
    pub label: String,
    pub value: String,
}

/// A Pod's `status.phase`, as Kubernetes names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PodPhase {
    Pending,
    Running,
    Succeeded,
    Failed,
    /// Not known, or a phase this version does not know.
    #[serde(other)]
    Unknown,
}

impl PodPhase {
    /// The phase `status.phase` names; `Unknown` for none or another.
    pub fn of(phase: Option<&str>) -> Self {
        match phase {
            Some("Pending") => Self::Pending,
            Some("Running") => Self::Running,
            Some("Succeeded") => Self::Succeeded,
            Some("Failed") => Self::Failed,
            _ => Self::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Running => "Running",
            Self::Succeeded => "Succeeded",
            Self::Failed => "Failed",
            Self::Unknown => "Unknown",
        }
    }
}

/// A Kubernetes Event of an object, audit events included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EventSummary {
    #[serde(rename = "type")]
    pub kind: Severity,
    pub reason: String,
    pub message: String,
    /// When it last happened (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    pub count: i32,
    /// For an audit event (`WebAction`): who acted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
}

/// One Flux object in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResourceSummary {
    pub target: Target,
    pub summary: StatusSummary,
}

/// `GET .../{name}/inventory`: every object a Kustomization applied, by kind, namespace and
/// name, each with its health as the caller may read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InventoryList {
    pub items: Vec<InventoryItem>,
    /// Health was read for the first items only: the inventory is larger than one answer
    /// reads.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub partial: bool,
}

/// One applied object and its health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InventoryItem {
    /// The inventory entry's id (`<namespace>_<name>_<group>_<Kind>`): the `id` of its YAML.
    pub id: String,
    pub target: Target,
    /// Its health as kstatus judges it; none when the caller may not read it (or it was not
    /// read: see `partial`). Unknown when it is gone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<State>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
}

/// `GET .../{name}/inventory/object?id=`: one applied object as YAML, read as the caller,
/// without its managed fields, a Secret's values masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InventoryObject {
    pub target: Target,
    pub yaml: String,
}

/// `GET /api/v1/graph`: the caller's Flux sources, Kustomizations and HelmReleases, and what
/// ties them: a source to what takes it, a dependency to what depends on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Graph {
    /// By namespace, kind and name.
    pub nodes: Vec<ResourceSummary>,
    pub edges: Vec<GraphEdge>,
}

/// `from` feeds `to`: it is its source, or a dependency it waits for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GraphEdge {
    /// None when the caller may not see it: an object they may not list is never named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Target>,
    pub to: Target,
    pub via: Via,
}

/// What an edge of the [`Graph`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum Via {
    /// `from` is `to`'s source (`sourceRef`, `chartRef`, a HelmRelease's HelmChart, a chart's
    /// repository).
    Source,
    /// `to` lists `from` in its `dependsOn`.
    DependsOn,
}

/// `GET /api/v1/namespaces`: where the caller may list Flux objects, for a namespace picker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NamespaceList {
    /// In name order.
    pub namespaces: Vec<String>,
}

/// A page of `GET /api/v1/resources`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResourceList {
    pub items: Vec<ResourceSummary>,
    /// How many objects match the filters in all.
    pub total: usize,
    /// Pass as `?continue=` for the next page; absent on the last page.
    #[serde(rename = "continue", skip_serializing_if = "Option::is_none")]
    pub continue_token: Option<String>,
    /// When nothing matched: why, so that a page can tell a filter that matches nothing from
    /// a namespace the caller may not list (or that does not exist).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub empty: Option<Empty>,
    /// How many objects of each kind are in each state, among those the kind, namespace and
    /// `q` filters match (the status filter aside): what each status would show. Only counts
    /// above zero.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub counts: Vec<KindCount>,
}

/// How many objects of one kind are in one state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KindCount {
    pub kind: String,
    pub state: State,
    pub count: usize,
}

/// Why a list is empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Empty {
    pub reason: EmptyReason,
    /// With `no_access` in a namespace: the namespaces where the caller may list Flux objects
    /// (Kustomizations), for a page to offer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EmptyReason {
    /// The caller may list these kinds here; nothing matches the filters.
    NoMatch,
    /// The caller may list none of these kinds here (or the namespace does not exist: the two
    /// look alike to a caller without the right to read namespaces, on purpose).
    NoAccess,
}

/// A workload in a Flux object's inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkloadSummary {
    pub target: Target,
    /// Ready over desired, as `2/3`; absent when it could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ready: Option<String>,
    /// All desired replicas ready (a CronJob: not suspended).
    pub healthy: bool,
}

/// A Pod of a workload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PodSummary {
    pub name: String,
    pub phase: PodPhase,
    /// Ready containers over containers, as `1/2`.
    pub ready: String,
    pub restarts: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// Who made it through flux-web (`fluxcd.controlplane.io/createdBy`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
}

/// A Job of a CronJob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct JobSummary {
    pub name: String,
    pub active: i32,
    pub succeeded: i32,
    pub failed: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    pub pods: Vec<PodSummary>,
}

/// What a workload's page shows beyond the object itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WorkloadDetail {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ready: Option<String>,
    pub pods: Vec<PodSummary>,
    /// A CronJob's Jobs, newest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub jobs: Vec<JobSummary>,
    /// The Flux object that applied it, from its labels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub managed_by: Option<Target>,
    /// The pod template's `kubectl.kubernetes.io/restartedAt`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restarted_at: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sort_reads_and_writes_its_parameter_and_a_second_click_reverses_it() {
        for key in SortKey::ALL {
            for descending in [false, true] {
                let sort = Sort { key, descending };
                assert_eq!(Sort::parse(&sort.param()), Some(sort));
            }
        }
        assert_eq!(Sort::parse("size"), None);
        assert_eq!(Sort::parse("--name"), None);
        assert_eq!(Sort::parse(""), None);
        let by_name = Sort::default().toggled(SortKey::Name);
        assert_eq!(by_name.param(), "name");
        assert_eq!(by_name.toggled(SortKey::Name).param(), "-name");
        assert_eq!(
            by_name
                .toggled(SortKey::Name)
                .toggled(SortKey::Updated)
                .param(),
            "updated"
        );
    }

    #[test]
    fn updated_is_the_later_of_the_change_and_the_handled_reconcile() {
        let mut summary = StatusSummary::ready();
        assert_eq!(summary.updated(), None);
        summary.changed_at = Some("2026-12-03T01:00:00Z".into());
        summary.last_handled_reconcile_at = Some("2026-12-03T02:00:00Z".into());
        assert_eq!(summary.updated(), Some("2026-12-03T02:00:00Z"));
        summary.changed_at = Some("2026-12-03T03:00:00Z".into());
        assert_eq!(summary.updated(), Some("2026-12-03T03:00:00Z"));
    }
}
