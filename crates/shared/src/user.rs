//! `GET /api/v1/userinfo`: who the server takes the caller to be, and so whom it
//! impersonates.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UserInfo {
    /// `OIDC`, `Anonymous`, or `none` (read-only: no identity, no actions).
    pub provider: String,
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
}
