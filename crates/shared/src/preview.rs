//! `GET .../kustomizations/{namespace}/{name}/preview`: what a reconcile would apply, built from
//! the source's artifact in the cluster exactly as kustomize-controller builds it.

use serde::{Deserialize, Serialize};

/// The build of a Kustomization's current artifact, and how it compares with the controller's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Preview {
    /// The artifact's revision (`main@sha1:…`).
    pub revision: String,
    /// `sha256:<hex>` of the build's YAML, as kustomize-controller digests it.
    pub digest: String,
    /// The digest kustomize-controller recorded for this revision (`status.history`), when it
    /// has applied it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applied_digest: Option<String>,
    /// Whether this build is the controller's, byte for byte; none when the controller has not
    /// built this revision. False means skew (another controller version, decryption): the
    /// preview may differ from what it applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matches: Option<bool>,
    /// The objects the build holds, in its order.
    pub objects: Vec<PreviewObject>,
}

/// One object of the build.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PreviewObject {
    pub api_version: String,
    pub kind: String,
    /// Empty for a cluster-scoped object.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    pub name: String,
}
