//! A HelmRelease as a Helm user reads it: the releases helm-controller recorded
//! (`status.history`), what each changed from the one before, and where the current attempt
//! stands (its action, revision and failure counts).

use serde::{Deserialize, Serialize};

/// What helm-controller says of a HelmRelease's releases.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Release {
    /// `status.history`, newest first.
    pub history: Vec<ReleaseSnapshot>,
    /// The last release action attempted (`install` or `upgrade`): which retry or remediation
    /// strategy applies.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub last_attempted_action: String,
    /// The chart revision of the last attempt.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub last_attempted_revision: String,
    /// Whether the last attempt's values differ from the newest release's, by the two digests
    /// helm-controller computed itself; none when either is missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values_changed: Option<bool>,
    /// Failures against the desired state, cleared by a success or a reset.
    pub failures: i64,
    pub install_failures: i64,
    pub upgrade_failures: i64,
}

/// One release, as helm-controller's snapshot of it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ReleaseSnapshot {
    /// The Helm release's version in its storage (1, 2, …).
    pub version: i64,
    /// Helm's status of it: `deployed`, `superseded`, `failed`, `uninstalled`, …
    pub status: String,
    /// What made it: `install`, `upgrade`, `rollback`, `uninstall`, `uninstall-remediation`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub action: String,
    pub chart_name: String,
    pub chart_version: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub app_version: String,
    /// `<algo>:<checksum>` of its values.
    pub config_digest: String,
    /// `<algo>:<checksum>` of the release object in storage.
    pub digest: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub oci_digest: String,
    /// RFC 3339.
    pub first_deployed: String,
    pub last_deployed: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub deleted: String,
    /// Its test hooks as the controller saw them run, by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tests: Vec<TestHook>,
    /// What it changed from the release before it, in words ("chart 1.2.0 → 1.3.0", "values
    /// changed", "tests passed"); the oldest one says what it started with.
    pub changes: Vec<String>,
}

/// A test hook of a release.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TestHook {
    pub name: String,
    /// `Succeeded`, `Failed`, `Running`, or empty when it has not run.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub phase: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub last_started: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub last_completed: String,
}
