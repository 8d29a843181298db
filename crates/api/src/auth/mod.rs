//! Who is calling (spec 4.1). Identity comes from the configured authentication:
//!
//! - none: no identity; reads are the server's and every action is refused (read-only);
//! - Anonymous: the fixed identity of the config;
//! - OAuth2 (OIDC): the browser's session cookie, or on `/api/` an `Authorization: Bearer`
//!   ID token of the same issuer, mapped to an identity by the config's CEL rules.
//!
//! [`resolve`] runs before every API handler, puts the outcome in the request, and sets the
//! renewed session cookie when it refreshed the tokens; handlers take it with [`Caller`].
//!
//! - [`oidc`] — the provider: discovery, keys, tokens.
//! - [`session`] — the sealed cookies.
//! - [`login`] — the login, callback and logout flow.
//! - [`handlers`] — the HTTP handlers.

pub mod handlers;
pub mod login;
pub mod oidc;
pub mod session;

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

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

/// The outcome of [`resolve`], kept in the request's extensions.
#[derive(Debug, Clone)]
pub struct Resolved(pub Result<Caught, ApiError>);

/// Finds the caller of every `/api/` request once, before the handler; sets a refreshed
/// session cookie on the way out.
pub async fn resolve(State(auth): State<Arc<Auth>>, mut request: Request, next: Next) -> Response {
    if !request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    let (caller, cookies) = auth.caller(request.headers()).await;
    if let Ok(caught) = &caller {
        crate::telemetry::record_user(&caught.identity.username);
    }
    request.extensions_mut().insert(Resolved(caller));
    let mut response = next.run(request).await;
    for cookie in cookies {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// When the caller's credential stops proving who they are (unix seconds), if it does: the
/// end of the streams it opens.
pub struct ProofExpires(pub Option<i64>);

impl ProofExpires {
    /// The moment, on the runtime's clock, when a stream opened at `now` must end.
    pub fn deadline(&self, now: jiff::Timestamp) -> Option<tokio::time::Instant> {
        let left = self.0?.saturating_sub(now.as_second()).max(0);
        let left = std::time::Duration::from_secs(u64::try_from(left).unwrap_or_default());
        Some(tokio::time::Instant::now() + left)
    }
}

/// Resolves at `deadline`, or never without one.
pub async fn passed(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ProofExpires {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ProofExpires(match parts.extensions.get::<Resolved>() {
            Some(Resolved(Ok(caught))) => caught.proof_expires,
            _ => None,
        }))
    }
}

/// The caller, or — without authentication — the reason there is none, so reads still
/// answer in read-only mode. A caller who must log in, or whose credential is bad, gets the
/// 401 here, before the handler.
pub struct Caller(pub Result<Identity, ApiError>);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        match parts.extensions.get::<Resolved>() {
            Some(Resolved(Ok(caught))) => Ok(Caller(Ok(caught.identity.clone()))),
            Some(Resolved(Err(ApiError::ActionsDisabled))) => {
                Ok(Caller(Err(ApiError::ActionsDisabled)))
            }
            Some(Resolved(Err(e))) => Err(e.clone()),
            None => Err(ApiError::NotLoggedIn),
        }
    }
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
