//! The configuration document exactly as users write it: the Flux Operator web config
//! (`web.fluxcd.controlplane.io/v1`, kind `Config`) plus our optional additions.
//!
//! Every struct refuses unknown fields so that a typo is an error that names its path rather
//! than a setting silently ignored. Nothing here is checked beyond its shape; `super::Config`
//! turns a document into settings the server can trust.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ConfigFile {
    pub api_version: String,
    pub kind: String,
    #[serde(default)]
    pub spec: Spec,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Spec {
    #[serde(rename = "baseURL")]
    pub base_url: Option<String>,
    #[serde(default)]
    pub insecure: bool,
    pub authentication: Option<Authentication>,
    pub user_actions: Option<UserActions>,
    pub download: Option<Download>,
    pub notification_controller: Option<NotificationController>,
    pub kubernetes: Option<Kubernetes>,
    pub resumer: Option<Resumer>,
    pub limits: Option<Limits>,
}

/// Our addition: how much one user, and everyone together, may hold open at once.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Limits {
    /// Live-update streams (`/api/v1/watch`, `/api/v1/events/watch`).
    pub streams: Option<Cap>,
    /// Followed logs (`.../logs?follow=true`).
    pub log_follows: Option<Cap>,
    /// Bulk runs in flight.
    pub bulk_runs: Option<Cap>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Cap {
    pub per_user: Option<u32>,
    pub total: Option<u32>,
}

/// Our addition: the task that resumes suspensions whose end has come.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Resumer {
    /// Where the Lease that elects the one replica that resumes lives.
    pub lease_namespace: Option<String>,
    /// How often the elected replica looks for ends that have come, a Go duration.
    pub period: Option<String>,
    /// How long a replica's leadership lasts without renewal, a Go duration.
    pub lease_duration: Option<String>,
}

/// Our addition: how flux-web talks to the Kubernetes API.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Kubernetes {
    /// The deadline of every call, as a Go duration (`15s` without it).
    pub timeout: Option<String>,
    /// The cluster's name as people know it, shown in the UI's header (without it: the
    /// kubeconfig context's cluster, if a kubeconfig is used).
    pub cluster_name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Authentication {
    #[serde(rename = "type")]
    pub kind: AuthenticationType,
    pub session_duration: Option<String>,
    pub anonymous: Option<Anonymous>,
    pub oauth2: Option<OAuth2>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum AuthenticationType {
    OAuth2,
    Anonymous,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Anonymous {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub groups: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct OAuth2 {
    pub provider: OAuth2Provider,
    #[serde(rename = "issuerURL")]
    pub issuer_url: Option<String>,
    #[serde(rename = "clientID", default)]
    pub client_id: String,
    #[serde(default)]
    pub client_secret: String,
    pub scopes: Option<Vec<String>>,
    #[serde(default)]
    pub variables: Vec<Variable>,
    #[serde(default)]
    pub validations: Vec<Validation>,
    pub profile: Option<Profile>,
    pub impersonation: Option<Impersonation>,
    /// Our addition: the secret the session cookie is sealed with (at least 32 characters);
    /// without it, one is derived from `clientSecret`.
    pub session_key: Option<String>,
    /// Our addition: let claims map to `system:` users and groups (refused without it).
    #[serde(default)]
    pub allow_system_identities: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum OAuth2Provider {
    #[serde(rename = "OIDC")]
    Oidc,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variable {
    pub name: String,
    pub expression: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Validation {
    pub expression: String,
    pub message: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Impersonation {
    pub username: Option<String>,
    pub groups: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UserActions {
    #[serde(default)]
    pub audit: Vec<String>,
    pub access: Option<Access>,
    #[serde(default)]
    pub audit_denied: bool,
    pub bulk: Option<Bulk>,
    /// Our addition: the longest `until` a suspend may give, a Go duration (`720h`).
    pub max_suspension: Option<String>,
}

/// `userActions.bulk`: the limits of one bulk action.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Bulk {
    pub concurrency: Option<u32>,
    pub max_targets: Option<u32>,
}

/// `userActions.access`: how the write of an action is made (the core's [`Mode`]).
pub use flux_web_core::plan::Mode as Access;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Download {
    pub max_size: Option<String>,
    #[serde(default)]
    pub allow_loopback: bool,
    /// The longest a whole download may take, as a Go duration (`10m` without it).
    pub timeout: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationController {
    pub address: String,
}
