//! `GET /api/v1/controllers`: the Flux controllers the cluster runs, as their Deployments say.

use serde::{Deserialize, Serialize};

use crate::actions::Target;
use crate::objects::{ResourceSummary, State};

/// The controllers the caller may see, and the Flux Operator's FluxInstances.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ControllerList {
    /// By namespace and name.
    pub controllers: Vec<ControllerSummary>,
    /// When the caller may list Deployments neither cluster-wide nor in `flux-system`: why
    /// the list is empty, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
    /// The FluxInstances the caller may list, where the Flux Operator is installed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instances: Vec<ResourceSummary>,
    /// The Flux Operator's FluxReports the caller may list: what it found of the installation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reports: Vec<FluxReport>,
}

/// A FluxReport (`fluxcd.controlplane.io/v1`), which the Flux Operator writes from what it
/// observes of the cluster's Flux: the distribution, its components, the cluster sync and each
/// kind's reconcilers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FluxReport {
    pub target: Target,
    /// Its Ready condition, as the operator last wrote it.
    pub state: State,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// The Flux version installed (`spec.distribution.version`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flux_version: Option<String>,
    /// The distribution's status in words.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub distribution: String,
    /// Who manages the installation (`flux-operator`, `flux bootstrap`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator_version: Option<String>,
    /// The Kubernetes version, the control plane's platform and the number of nodes, in words.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cluster: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync: Option<FluxSync>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<FluxComponent>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reconcilers: Vec<ReconcilerStats>,
}

/// The cluster's sync: the source and path the installation applies itself from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FluxSync {
    pub ready: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub status: String,
}

/// One Flux component as the operator found it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FluxComponent {
    pub name: String,
    pub ready: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub image: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub status: String,
}

/// How many objects of one kind are running, failing and suspended, by the operator's count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ReconcilerStats {
    pub kind: String,
    pub running: i64,
    pub failing: i64,
    pub suspended: i64,
    /// The size of the kind's artifacts in storage (sources), as the operator writes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_size: Option<String>,
}

/// One controller: its Deployment, what it runs and how it is doing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ControllerSummary {
    /// Its Deployment, whose page has its Pods and logs.
    pub target: Target,
    /// `app.kubernetes.io/component`, or the Deployment's name.
    pub component: String,
    /// The image of its first container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// The image's tag: the controller's version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `app.kubernetes.io/version`: the Flux release it was installed from, when labelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flux_version: Option<String>,
    pub state: State,
    /// Ready replicas of those wanted ("1/1").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready: Option<String>,
    /// The Deployment's state in words.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// Container restarts of its Pods; none when the caller may not list them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restarts: Option<i64>,
}
