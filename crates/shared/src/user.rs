//! `GET /api/v1/userinfo`: who the server takes the caller to be, and so whom it
//! impersonates.

use serde::{Deserialize, Serialize};

/// How the server knows its callers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Provider {
    /// OIDC: a browser session or a bearer ID token.
    #[serde(rename = "OIDC")]
    Oidc,
    /// Every caller is the configured identity.
    Anonymous,
    /// No authentication: read-only, no identity, no actions.
    #[serde(rename = "none")]
    None,
}

impl std::fmt::Display for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Provider::Oidc => "OIDC",
            Provider::Anonymous => "Anonymous",
            Provider::None => "none",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UserInfo {
    pub provider: Provider,
    /// The name to show.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The Kubernetes user the server impersonates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The groups sent with every impersonated request.
    #[serde(default)]
    pub groups: Vec<String>,
    /// When a browser session ends (RFC 3339); absent for bearer tokens and Anonymous.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_expires_at: Option<String>,
    /// Whether a replica of flux-web lifts suspensions when their end comes (one holds the
    /// resumer's Lease and renews it); without one, a suspension with an end stays until
    /// someone resumes it.
    #[serde(default)]
    pub resumer: bool,
    /// The cluster's name as people know it (configured, or the kubeconfig's), for the UI's
    /// header; absent when the server runs in the cluster without one configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
}
