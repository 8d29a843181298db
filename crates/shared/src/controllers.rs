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
