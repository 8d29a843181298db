//! A HelmRelease's values as helm-controller composes them (`spec.valuesFrom` in order, then
//! `spec.values`), read as the caller, with where each came from and the values of Secrets
//! masked until revealed.

use serde::{Deserialize, Serialize};

/// What stands in a masked leaf: the value came from a Secret and was not revealed.
pub const MASK: &str = "••••••";

/// The values of a HelmRelease, as the caller may read them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct HelmValues {
    /// Where the values come from, in the order helm-controller reads them: each
    /// `spec.valuesFrom` reference, then `spec.values`.
    pub sources: Vec<ValuesSource>,
    /// The composed values, each leaf from a Secret replaced by [`MASK`] unless revealed; none
    /// when helm-controller could not compose them either (`error` says why).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub values: Option<serde_json::Value>,
    /// The same, as YAML.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub yaml: String,
    /// Each top-level key and the sources whose values it holds (what a later source
    /// overwrote is not), by their index in `sources`.
    pub keys: Vec<ValuesKey>,
    /// helm-controller's own error composing them, as it words it (a reference missing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Whether every reference was read: one the caller may not read is left out of the
    /// values (and named in `sources`), so they are not the controller's.
    pub complete: bool,
    /// helm-controller's digest of these values (`sha256:…`, as it records `configDigest`),
    /// when they are complete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// Whether they differ from the newest release's (`status.history[0].configDigest`): none
    /// when there is no digest or no release to compare with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed_since_release: Option<bool>,
    /// The Secret whose values this answer shows unmasked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revealed: Option<String>,
}

/// One source of values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ValuesSource {
    /// `ConfigMap`, `Secret`, or `HelmRelease` for its own `spec.values`.
    pub kind: String,
    pub name: String,
    /// The data key read (`values.yaml` unless the reference names another).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub values_key: String,
    /// Where a single value is set (`--set` path syntax); empty merges the whole document.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub target_path: String,
    #[serde(default)]
    pub optional: bool,
    #[serde(default)]
    pub literal: bool,
    pub state: SourceState,
}

/// What became of a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum SourceState {
    /// Read, and shown.
    Read,
    /// A Secret read, its values masked.
    Masked,
    /// A Secret read, its values shown in this answer (the reveal was audited).
    Revealed,
    /// Its object or its key does not exist: skipped when optional, else the controller fails.
    Missing,
    /// The caller may not get it: left out, and the values are not complete.
    Forbidden,
}

/// A top-level key of the values and the sources its values come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ValuesKey {
    pub key: String,
    pub from: Vec<usize>,
}

/// Which Secret's values to show: a separate request, audited, needing `get` on that Secret.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reveal {
    /// The name of a Secret the HelmRelease takes values from.
    pub secret: String,
}
