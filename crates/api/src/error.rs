//! The one error type of the HTTP API. Every handler returns `Result<_, ApiError>`, and every
//! variant renders as an RFC 9457 problem with a stable `code` that clients branch on.
//!
//! Use a variant for each thing a client can act on differently. Kubernetes failures arrive
//! as [`ClusterError`] and are turned into a variant here, once, by what they mean for the
//! caller; nothing the user did becomes a 500.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use flux_web_shared::problem::{Code, PROBLEM_JSON, Problem};

use crate::cluster::ClusterError;
use flux_web_core::address::AddressError;
use flux_web_core::plan::{Refusal, Why};

#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// No route under `/api` matches the path.
    #[error("no API endpoint at {0}")]
    NoRoute(String),
    /// A page of the UI was asked of a binary that holds none.
    #[error(
        "this flux-web serves no UI: it was built without the embed-ui feature (make build \
         builds one with it) and started without --ui <dir>; the API is under /api"
    )]
    NoUi,
    #[error("{method} is not allowed on {path}")]
    MethodNotAllowed { method: String, path: String },
    /// A probe found a dependency down; `0` names what is missing.
    #[error("not ready: {0}")]
    NotReady(String),
    /// A path, query or body the server cannot take; `code` says which rule.
    #[error("{detail}")]
    BadRequest { code: Code, detail: String },
    #[error("request bodies must be application/json")]
    UnsupportedMediaType,
    #[error("the request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("the request's line and headers are larger than {0} bytes")]
    HeadTooLarge(usize),
    #[error("the request body did not arrive within {0:?}")]
    BodyTimeout(std::time::Duration),
    #[error("log in first")]
    NotLoggedIn,
    /// A credential was sent but is not good: a bad bearer token, a session that is over
    /// or cannot be read. `code` says which.
    #[error("{detail}")]
    Unauthenticated { code: Code, detail: String },
    /// The identity provider refused this user (a validation of the config said no).
    #[error("{0}")]
    LoginRefused(String),
    /// The identity provider could not be reached or answered oddly.
    #[error("{0}")]
    IdentityProvider(String),
    #[error("actions are disabled: flux-web runs without authentication, which makes it read-only")]
    ActionsDisabled,
    /// A browser-safety rule refused the request (spec 4.2).
    #[error("{0}")]
    CrossSite(String),
    /// The request's `Host` is not flux-web's own name (DNS rebinding).
    #[error("{0}")]
    MisdirectedHost(String),
    /// The caller lacks an RBAC rule; the message names user, verb and object.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// The object has no artifact (yet), or storage does not have it.
    #[error("{0}")]
    NoArtifact(String),
    #[error("{0}")]
    TooLarge(String),
    /// Source storage failed, refused the guard, or answered oddly.
    #[error("{0}")]
    Storage(String),
    #[error("{0}")]
    StorageTimeout(String),
    /// The object's state refuses the action; `code` is `suspended`, `source_suspended`...
    #[error("{detail}")]
    State { code: Code, detail: String },
    #[error("{0}")]
    Conflict(String),
    /// The server's own identity lacks RBAC: for the admin to fix, not the user.
    #[error("flux-web's own service account is not allowed to do this: {0}")]
    ServerForbidden(String),
    #[error("Kubernetes did not accept the request: {0}")]
    Upstream(String),
    #[error("the Kubernetes API is unavailable: {0}")]
    Unavailable(String),
    /// The audit Event of an action that must not happen unaudited could not be written.
    #[error("refused: the audit event could not be written: {0}")]
    AuditFailed(String),
    /// A Kubernetes call passed its deadline; the message says if a write may have happened.
    #[error("{0}")]
    UpstreamTimeout(String),
    /// A preview's build failed, as the controller's would (422).
    #[error("{0}")]
    BuildFailed(String),
    #[error("{0}")]
    BuildTimeout(String),
    /// The preview's build engine failed: flux-web's fault, the one 500.
    #[error("{0}")]
    Engine(String),
    /// The caller, or everyone, holds as many streams or runs as the limits allow: ask again
    /// after `retry_after` seconds.
    #[error("{detail}")]
    TooManyRequests { detail: String, retry_after: u64 },
}

/// The longest detail of a 400, in characters.
const MAX_DETAIL: usize = 1000;

impl ApiError {
    /// A 400. Its detail is cut at [`MAX_DETAIL`] characters: whatever a parser says of the
    /// input (serde names unknown fields whole), the answer stays small.
    pub fn bad_request(code: Code, detail: impl Into<String>) -> Self {
        let mut detail = detail.into();
        if let Some((cut, _)) = detail.char_indices().nth(MAX_DETAIL) {
            detail.truncate(cut);
            detail.push('…');
        }
        Self::BadRequest { code, detail }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::NoRoute(_) | Self::NoUi | Self::NotFound(_) | Self::NoArtifact(_) => {
                StatusCode::NOT_FOUND
            }
            Self::MisdirectedHost(_) => StatusCode::MISDIRECTED_REQUEST,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Storage(_) => StatusCode::BAD_GATEWAY,
            Self::StorageTimeout(_) | Self::UpstreamTimeout(_) | Self::BuildTimeout(_) => {
                StatusCode::GATEWAY_TIMEOUT
            }
            Self::BuildFailed(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Engine(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::NotReady(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::HeadTooLarge(_) => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Self::BodyTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            Self::NotLoggedIn | Self::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
            Self::LoginRefused(_) => StatusCode::FORBIDDEN,
            Self::IdentityProvider(_) => StatusCode::BAD_GATEWAY,
            Self::ActionsDisabled | Self::Forbidden(_) | Self::CrossSite(_) => {
                StatusCode::FORBIDDEN
            }
            Self::State { .. } | Self::Conflict(_) => StatusCode::CONFLICT,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::ServerForbidden(_)
            | Self::Upstream(_)
            | Self::Unavailable(_)
            | Self::AuditFailed(_) => StatusCode::BAD_GATEWAY,
        }
    }

    pub fn code(&self) -> Code {
        match self {
            Self::NoRoute(_) | Self::NoUi => Code::NoRoute,
            Self::MethodNotAllowed { .. } => Code::MethodNotAllowed,
            Self::NotReady(_) => Code::NotReady,
            Self::BadRequest { code, .. }
            | Self::State { code, .. }
            | Self::Unauthenticated { code, .. } => *code,
            Self::LoginRefused(_) => Code::LoginRefused,
            Self::IdentityProvider(_) => Code::IdentityProviderUnavailable,
            Self::UnsupportedMediaType => Code::UnsupportedMediaType,
            Self::PayloadTooLarge(_) => Code::PayloadTooLarge,
            Self::HeadTooLarge(_) => Code::HeadTooLarge,
            Self::BodyTimeout(_) => Code::BodyTimeout,
            Self::NotLoggedIn => Code::NotLoggedIn,
            Self::ActionsDisabled => Code::ActionsDisabled,
            Self::Forbidden(_) => Code::Forbidden,
            Self::CrossSite(_) => Code::CrossSite,
            Self::MisdirectedHost(_) => Code::MisdirectedHost,
            Self::NotFound(_) => Code::NotFound,
            Self::NoArtifact(_) => Code::NoArtifact,
            Self::TooLarge(_) => Code::ArtifactTooLarge,
            Self::Storage(_) => Code::StorageFailed,
            Self::StorageTimeout(_) => Code::StorageTimeout,
            Self::Conflict(_) => Code::Conflict,
            Self::ServerForbidden(_) => Code::ServerForbidden,
            Self::Upstream(_) => Code::UpstreamRejected,
            Self::Unavailable(_) => Code::KubernetesUnavailable,
            Self::UpstreamTimeout(_) => Code::UpstreamTimeout,
            Self::AuditFailed(_) => Code::AuditFailed,
            Self::TooManyRequests { .. } => Code::TooManyRequests,
            Self::BuildFailed(_) => Code::BuildFailed,
            Self::BuildTimeout(_) => Code::BuildTimeout,
            Self::Engine(_) => Code::EngineFailed,
        }
    }

    pub fn to_problem(&self) -> Problem {
        let status = self.status();
        Problem {
            type_uri: "about:blank".to_owned(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: self.to_string(),
            code: self.code(),
        }
    }
}

/// An address the core refused, as the caller's 400.
impl From<AddressError> for ApiError {
    fn from(refused: AddressError) -> Self {
        Self::bad_request(refused.code, refused.message)
    }
}

/// A refusal of the core, as the problem the caller gets.
impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal.why {
            Why::Input => Self::bad_request(refusal.code, refusal.message),
            Why::State => Self::State {
                code: refusal.code,
                detail: refusal.message,
            },
            Why::NoArtifact => Self::NoArtifact(refusal.message),
        }
    }
}

/// A failed Kubernetes call, blamed where it was made (a 403 as the user is theirs, one as
/// the server the admin's).
impl From<ClusterError> for ApiError {
    fn from(error: ClusterError) -> Self {
        match error {
            ClusterError::NotFound(m) => Self::NotFound(m),
            ClusterError::Forbidden(m) => Self::Forbidden(m),
            ClusterError::ServerForbidden(m) => Self::ServerForbidden(m),
            ClusterError::Conflict(m) => Self::Conflict(m),
            ClusterError::Invalid(m) => Self::Upstream(m),
            ClusterError::Unavailable(m) => Self::Unavailable(m),
            ClusterError::Timeout(m) => Self::UpstreamTimeout(m),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status().is_server_error() {
            tracing::warn!(code = self.code().as_str(), "{self}");
        }
        let problem = self.to_problem();
        let mut response = (self.status(), axum::Json(problem)).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Self::TooManyRequests { retry_after, .. } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_maps_to_its_status_and_stable_code() {
        let cases = [
            (ApiError::NoRoute("/api/x".into()), 404, Code::NoRoute),
            (ApiError::NoUi, 404, Code::NoRoute),
            (ApiError::NotReady("kubernetes".into()), 503, Code::NotReady),
            (
                ApiError::bad_request(Code::InvalidName, "bad"),
                400,
                Code::InvalidName,
            ),
            (
                ApiError::UnsupportedMediaType,
                415,
                Code::UnsupportedMediaType,
            ),
            (ApiError::PayloadTooLarge(1), 413, Code::PayloadTooLarge),
            (ApiError::HeadTooLarge(1), 431, Code::HeadTooLarge),
            (ApiError::NotLoggedIn, 401, Code::NotLoggedIn),
            (
                ApiError::Unauthenticated {
                    code: Code::SessionExpired,
                    detail: "over".into(),
                },
                401,
                Code::SessionExpired,
            ),
            (ApiError::LoginRefused("no".into()), 403, Code::LoginRefused),
            (
                ApiError::IdentityProvider("down".into()),
                502,
                Code::IdentityProviderUnavailable,
            ),
            (ApiError::ActionsDisabled, 403, Code::ActionsDisabled),
            (ApiError::Forbidden("no".into()), 403, Code::Forbidden),
            (ApiError::NotFound("gone".into()), 404, Code::NotFound),
            (
                ApiError::State {
                    code: Code::Suspended,
                    detail: "s".into(),
                },
                409,
                Code::Suspended,
            ),
            (
                ApiError::ServerForbidden("rbac".into()),
                502,
                Code::ServerForbidden,
            ),
            (
                ApiError::Unavailable("down".into()),
                502,
                Code::KubernetesUnavailable,
            ),
        ];
        for (error, status, code) in cases {
            let problem = error.to_problem();
            assert_eq!((problem.status, problem.code), (status, code));
            assert_eq!(problem.detail, error.to_string());
        }
    }

    #[test]
    fn a_403_is_the_users_when_made_as_the_user_and_the_admins_when_made_as_the_server() {
        let cases = [
            (ClusterError::Forbidden("denied".into()), Code::Forbidden),
            (
                ClusterError::ServerForbidden("denied".into()),
                Code::ServerForbidden,
            ),
            (ClusterError::NotFound("x".into()), Code::NotFound),
            (ClusterError::Timeout("x".into()), Code::UpstreamTimeout),
        ];
        for (error, code) in cases {
            assert_eq!(ApiError::from(error).code(), code);
        }
    }

    #[test]
    fn the_response_is_problem_json() {
        let response = ApiError::NotReady("kubernetes".into()).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
    }
}
