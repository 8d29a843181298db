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
    /// The Kustomization's `spec.path` in it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path: String,
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
    /// The Kustomization's `spec.serviceAccountName`: the account the controller applies as
    /// (none: it applies as itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account: Option<String>,
    /// Whether the dry runs applied as that account, which flux-web may impersonate there: a
    /// refusal is then the controller's own. Otherwise they applied as the caller, and an
    /// object the caller may not write says `forbidden`.
    #[serde(default)]
    pub as_service_account: bool,
    /// The objects the build holds, in its order.
    pub objects: Vec<PreviewObject>,
}

/// One object of the build, or of the inventory that the build no longer holds.
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
    pub fate: PreviewFate,
    /// Why, in words: the rule that skips it, the API server's refusal, what a create needs.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// The change, as lines of YAML (`-` live, `+` after the apply, ` ` around them), where the
    /// caller may read the object; a Secret's values masked, a substituted Secret's value
    /// redacted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}

/// What a reconcile would do to an object, as a server-side apply dry run under the
/// controller's field manager says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PreviewFate {
    Create,
    Update,
    Unchanged,
    /// Pruned: in the inventory, not in the build, and the Kustomization prunes.
    Delete,
    /// `kustomize.toolkit.fluxcd.io/reconcile: disabled`, `ssa: Ignore`, `ssa: IfNotPresent`
    /// on an object that exists, `prune: disabled` on one the build dropped.
    Skipped,
    /// The caller may not read it, or the dry run's identity (the service account the
    /// controller applies as, or the caller) may not apply it.
    Forbidden,
    /// The API server refused the dry run (an admission webhook, an invalid object).
    Error,
}
