//! Who is calling (spec 4.1). Identity comes from the configured authentication:
//!
//! - none: no identity; reads are the server's and every action is refused (read-only);
//! - Anonymous: the fixed identity of the config;
//! - OAuth2 (OIDC): the browser's session cookie, or on `/api/` an `Authorization: Bearer`
//!   ID token of the same issuer, mapped to an identity by the config's CEL rules.
//!
//! `http::auth::resolve` runs [`Auth::caller`] before every API handler, puts the outcome in
//! the request, and sets the renewed session cookie when it refreshed the tokens; handlers
//! take it with `http::auth::Caller`.
//!
//! - [`oidc`] — the provider: discovery, keys, tokens.
//! - [`session`] — the sealed cookies.
//! - [`login`] — the login, callback and logout flow.

pub mod login;
pub mod oidc;
pub mod session;

use std::sync::Arc;

use axum::http::{HeaderMap, HeaderValue, header};

use flux_web_shared::user::Provider;

pub use crate::identity::Identity;

use crate::clock::Clock;
use crate::config::Authentication;
use crate::error::ApiError;

/// How this server knows its callers.
#[derive(Debug)]
pub enum Auth {
    None,
    Anonymous(Identity),
    Oidc(Arc<login::Oidc>),
}

impl Auth {
    pub fn new(
        authentication: &Authentication,
        base_url: Option<&url::Url>,
        insecure: bool,
        clock: Arc<dyn Clock>,
    ) -> Self {
        match authentication {
            Authentication::None => Auth::None,
            Authentication::Anonymous { username, groups } => Auth::Anonymous(Identity {
                username: username.clone(),
                groups: groups.clone(),
                display_name: username.clone(),
            }),
            Authentication::OAuth2(oauth2) => {
                match login::Oidc::new(oauth2, base_url, insecure, clock) {
                    Ok(oidc) => Auth::Oidc(Arc::new(oidc)),
                    Err(reason) => {
                        // Config validation compiles the same expressions: this is unreachable
                        // with a loaded config, and read-only is the safe way to be wrong.
                        tracing::error!("OIDC login disabled: {reason}");
                        Auth::None
                    }
                }
            }
        }
    }

    /// How the user info names this server's way of knowing callers.
    pub fn provider(&self) -> Provider {
        match self {
            Auth::None => Provider::None,
            Auth::Anonymous(_) => Provider::Anonymous,
            Auth::Oidc(_) => Provider::Oidc,
        }
    }

    /// The caller of a request to the API, and the cookies its response must set.
    pub async fn caller(
        &self,
        headers: &HeaderMap,
    ) -> (Result<Caught, ApiError>, Vec<HeaderValue>) {
        match self {
            Auth::None => (Err(ApiError::ActionsDisabled), Vec::new()),
            Auth::Anonymous(identity) => (
                Ok(Caught {
                    identity: identity.clone(),
                    session_expires: None,
                    proof_expires: None,
                    bearer: false,
                }),
                Vec::new(),
            ),
            Auth::Oidc(oidc) => match headers.get(header::AUTHORIZATION) {
                Some(value) => (oidc.bearer(value).await, Vec::new()),
                None => oidc.session(headers).await,
            },
        }
    }
}

/// Who a request comes from: a user, or — without authentication configured — nobody, in
/// which case reads are the server's and every action is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    ReadOnly,
    User(Identity),
}

impl Caller {
    /// The user, if there is one.
    pub fn identity(&self) -> Option<&Identity> {
        match self {
            Caller::User(identity) => Some(identity),
            Caller::ReadOnly => None,
        }
    }

    /// The user, or the refusal of what only a user may do.
    pub fn user(&self) -> Result<&Identity, ApiError> {
        self.identity().ok_or(ApiError::ActionsDisabled)
    }
}

/// An identity and, for a browser session, when it ends (unix seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caught {
    pub identity: Identity,
    pub session_expires: Option<i64>,
    /// When the credential stops proving who the caller is (unix seconds): a bearer
    /// token's `exp`, or when a session's ID token must be renewed. A stream it opened ends
    /// then; the client opens it again with a credential checked anew.
    pub proof_expires: Option<i64>,
    /// Proven by a verified `Authorization: Bearer` ID token, which no browser attaches by
    /// itself: the one credential that exempts a request from the cross-site checks.
    pub bearer: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn anonymous_mode_gives_the_configured_identity() {
        let auth = Auth::new(
            &Authentication::Anonymous {
                username: "dev".into(),
                groups: vec!["devs".into()],
            },
            None,
            false,
            Arc::new(crate::clock::SystemClock),
        );
        let (caller, cookies) = auth.caller(&HeaderMap::new()).await;
        let identity = caller.unwrap().identity;
        assert_eq!(identity.username, "dev");
        assert_eq!(identity.review_groups(), ["devs", "system:authenticated"]);
        assert!(cookies.is_empty());
    }

    #[tokio::test]
    async fn without_authentication_actions_are_disabled() {
        let (caller, _) = Auth::None.caller(&HeaderMap::new()).await;
        assert_eq!(caller.unwrap_err().code(), "actions_disabled");
    }
}
