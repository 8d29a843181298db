//! RFC 9457 problem details, the one shape of every error flux-web answers, and the stable
//! codes clients branch on.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Media type of a [`Problem`] body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error as the client sees it. Clients branch on `code`, which is stable across
/// releases; `detail` is for people and may change wording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    /// A URI naming the problem type; `about:blank` when the status says it all.
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code, such as `not_ready` or `forbidden`.
    pub code: Code,
}

// Written by hand rather than derived: the derived reader matches every name twice (as text
// and as bytes), the largest decoder in the UI's WASM; one look-up in `ALL` does the same.
impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Ok(Code::ALL
            .iter()
            .copied()
            .find(|code| code.as_str() == name)
            .unwrap_or(Code::Unknown))
    }
}

macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident = $name:literal,)*) => {
        /// Every problem code, and every reason a listing gives for a refused action. On the
        /// wire, its name in snake case; a name this side does not know reads as `Unknown`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[cfg_attr(feature = "openapi", schema(rename_all = "snake_case"))]
        pub enum Code {
            $($(#[$doc])* $variant,)*
            /// A code this client does not know (a newer server's).
            Unknown,
        }

        impl Code {
            pub const ALL: &[Code] = &[$(Code::$variant,)*];

            /// The code on the wire.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                    Code::Unknown => "unknown",
                }
            }
        }
    };
}

codes! {
    NoRoute = "no_route",
    MethodNotAllowed = "method_not_allowed",
    NotReady = "not_ready",
    InvalidPath = "invalid_path",
    InvalidName = "invalid_name",
    InvalidQuery = "invalid_query",
    InvalidBody = "invalid_body",
    UnknownKind = "unknown_kind",
    UnknownAction = "unknown_action",
    /// The kind does not take the action, or the object names nothing to act on.
    NotApplicable = "not_applicable",
    UnsupportedMediaType = "unsupported_media_type",
    PayloadTooLarge = "payload_too_large",
    /// The request's line and headers together are larger than the server reads.
    HeadTooLarge = "head_too_large",
    BodyTimeout = "body_timeout",
    NotLoggedIn = "not_logged_in",
    InvalidToken = "invalid_token",
    InvalidSession = "invalid_session",
    SessionExpired = "session_expired",
    LoginFailed = "login_failed",
    LoginStateMissing = "login_state_missing",
    LoginExpired = "login_expired",
    StateMismatch = "state_mismatch",
    StateReplayed = "state_replayed",
    LoginRefused = "login_refused",
    /// The token's claims map to a username or group Kubernetes cannot be sent.
    InvalidIdentity = "invalid_identity",
    /// The caller (or everyone) holds as many streams or runs as the server takes at once.
    TooManyRequests = "too_many_requests",
    IdentityProviderUnavailable = "identity_provider_unavailable",
    /// No authentication is configured: read-only.
    ActionsDisabled = "actions_disabled",
    CrossSite = "cross_site",
    MisdirectedHost = "misdirected_host",
    /// The caller lacks an RBAC rule.
    Forbidden = "forbidden",
    NotFound = "not_found",
    NoArtifact = "no_artifact",
    ArtifactTooLarge = "artifact_too_large",
    StorageFailed = "storage_failed",
    StorageTimeout = "storage_timeout",
    /// The object is suspended.
    Suspended = "suspended",
    SourceSuspended = "source_suspended",
    NotSuspended = "not_suspended",
    NoJobTemplate = "no_job_template",
    Conflict = "conflict",
    /// flux-web's own service account lacks RBAC: for the admin.
    ServerForbidden = "server_forbidden",
    UpstreamRejected = "upstream_rejected",
    KubernetesUnavailable = "kubernetes_unavailable",
    UpstreamTimeout = "upstream_timeout",
    AuditFailed = "audit_failed",
    /// The preview's build failed as the controller's would: the kustomization is wrong, uses
    /// a remote base, or needs more memory than a build may take.
    BuildFailed = "build_failed",
    BuildTimeout = "build_timeout",
    /// The preview's build engine itself failed: flux-web's fault.
    EngineFailed = "engine_failed",
    /// A bulk action names more targets than one run takes.
    TooManyTargets = "too_many_targets",
    /// A bulk run's pre-flight token is not this server's, this caller's or this action's,
    /// or is too old.
    InvalidPreflight = "invalid_preflight",
    /// A target of a bulk run that its pre-flight did not approve.
    NotApproved = "not_approved",
}

/// So that a test or a client can compare a code with its wire name.
impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_its_wire_name_and_unknown_ones_are_unknown() {
        for code in Code::ALL {
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
            let back: Code = serde_json::from_value(code.as_str().into()).unwrap();
            assert_eq!(back, *code);
        }
        let newer: Code = serde_json::from_str("\"from_the_future\"").unwrap();
        assert_eq!(newer, Code::Unknown);
    }
}
