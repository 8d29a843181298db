//! The OIDC login of a browser and the identities it yields:
//!
//! 1. `GET /oauth2/authorize`: a fresh `state`, `nonce` and PKCE verifier are sealed into a
//!    cookie scoped to `/oauth2/` for ten minutes, and the browser goes to the provider;
//! 2. `GET /oauth2/callback`: the `state` must match the cookie's (double submit) and be
//!    unused, the code is exchanged with the verifier, the ID token verified with the nonce,
//!    the claims mapped, and the session cookie set;
//! 3. each API request: the session is opened, its absolute expiry enforced, and the ID token
//!    refreshed with the refresh token once it expires;
//! 4. `POST /logout`: the cookies are cleared, the refresh token revoked at the provider and
//!    refused on this replica, and the provider's end-session endpoint visited when it has
//!    one. A copy of the cookie on another replica dies at its next refresh, which comes at
//!    most [`RECHECK`] after the last: the session is short-lived, bound to a refresh that
//!    logout revoked.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use flux_web_shared::problem::Code;
use sha2::{Digest, Sha256};
use url::Url;

use super::oidc::{Provider, TokenError};
use super::session::{
    self, Cookies, LOGIN_COOKIE, LOGIN_TTL, Login, SESSION_COOKIE, Sealer, Session,
};
use super::{Caught, Identity};
use crate::clock::Clock;
use crate::config::OAuth2;
use crate::error::ApiError;
use crate::identity::claims::{Mapping, Refusal};

pub const CALLBACK_PATH: &str = "/oauth2/callback";
const LOGIN_PATH: &str = "/oauth2/";
/// The longest `originalPath` kept across a login.
const MAX_ORIGINAL_PATH: usize = 2048;
/// A session is renewed at the provider at least this often, whatever the ID token's
/// lifetime, so a logout (which revokes the refresh token) ends it on every replica by then.
pub const RECHECK: i64 = 300;

pub struct Oidc {
    pub provider: Provider,
    mapping: Mapping,
    sealer: Sealer,
    cookies: Cookies,
    redirect_uri: String,
    base_url: Url,
    /// The path flux-web is served under (`""` or `/flux`): its cookies' paths start with it
    /// and a login comes back under it.
    prefix: String,
    session_path: String,
    login_path: String,
    scopes: String,
    session_duration: Duration,
    clock: Arc<dyn Clock>,
    /// States already used on this replica, until they would expire anyway.
    used: Mutex<HashMap<String, i64>>,
    /// Digests of refresh tokens logged out on this replica, with the end of their session:
    /// their cookies are refused here at once, elsewhere at the next refresh.
    revoked: Mutex<HashMap<Vec<u8>, i64>>,
}

impl std::fmt::Debug for Oidc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Oidc")
            .field("provider", &self.provider)
            .finish_non_exhaustive()
    }
}

/// Where a login sends the browser, and the cookies to set on the way.
#[derive(Debug)]
pub struct Redirect {
    pub location: String,
    pub cookies: Vec<HeaderValue>,
}

impl Oidc {
    pub fn new(
        oauth2: &OAuth2,
        base_url: Option<&Url>,
        insecure: bool,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, String> {
        let mapping = Mapping::compile(&oauth2.claims).map_err(|errors| {
            errors
                .into_iter()
                .map(|(path, message)| format!("{path}: {message}"))
                .collect::<Vec<_>>()
                .join("; ")
        })?;
        let base_url = base_url.cloned().ok_or("OAuth2 needs .spec.baseURL")?;
        let prefix = crate::config::prefix_of(Some(&base_url));
        Ok(Self {
            provider: Provider::new(
                oauth2.issuer_url.clone(),
                oauth2.client_id.clone(),
                oauth2.client_secret.clone(),
            ),
            mapping,
            sealer: Sealer::new(oauth2.sealing_secret().as_bytes()),
            cookies: Cookies { secure: !insecure },
            redirect_uri: format!("{}{CALLBACK_PATH}", base_url.as_str().trim_end_matches('/')),
            base_url,
            session_path: format!("{prefix}/"),
            login_path: format!("{prefix}{LOGIN_PATH}"),
            prefix,
            scopes: oauth2.scopes.join(" "),
            session_duration: oauth2.session_duration,
            clock,
            used: Mutex::default(),
            revoked: Mutex::default(),
        })
    }

    /// Unix seconds now, by the server's clock.
    fn now(&self) -> i64 {
        self.clock.now().as_second()
    }

    /// Starts a login that comes back to `original_path` (a local path, else `/`).
    pub async fn authorize(&self, original_path: Option<&str>) -> Result<Redirect, ApiError> {
        let metadata = self.provider.metadata().await.map_err(provider_error)?;
        let login = Login {
            state: session::random(24),
            nonce: session::random(24),
            verifier: session::random(48),
            original_path: local_path(original_path).to_owned(),
            expires: self.now() + LOGIN_TTL,
        };
        let challenge = B64.encode(Sha256::digest(login.verifier.as_bytes()));
        let mut location = metadata.authorization_endpoint.clone();
        location
            .query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", self.provider.client_id())
            .append_pair("redirect_uri", &self.redirect_uri)
            .append_pair("scope", &self.scopes)
            .append_pair("state", &login.state)
            .append_pair("nonce", &login.nonce)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        let sealed = self.sealer.seal_json(LOGIN_COOKIE, &login);
        Ok(Redirect {
            location: location.into(),
            cookies: self
                .cookies
                .set(LOGIN_COOKIE, &self.login_path, &sealed, LOGIN_TTL, 0),
        })
    }

    /// Finishes a login: checks the state, exchanges the code, verifies the ID token and
    /// sets the session. Every failure leaves no session behind.
    pub async fn callback(
        &self,
        headers: &HeaderMap,
        code: &str,
        state: &str,
    ) -> Result<Redirect, ApiError> {
        let unauthenticated = |code, detail: &str| ApiError::Unauthenticated {
            code,
            detail: detail.to_owned(),
        };
        let login: Login = self
            .cookies
            .read(headers, LOGIN_COOKIE, &self.login_path)
            .and_then(|(sealed, _)| self.sealer.open_json(LOGIN_COOKIE, &sealed))
            .ok_or_else(|| {
                unauthenticated(
                    Code::LoginStateMissing,
                    "this login was not started here, or its cookie is gone; start again",
                )
            })?;
        if login.expires <= self.now() {
            return Err(unauthenticated(
                Code::LoginExpired,
                "the login took longer than ten minutes; start again",
            ));
        }
        if !constant_time_eq(login.state.as_bytes(), state.as_bytes()) {
            return Err(unauthenticated(
                Code::StateMismatch,
                "the login's state does not match: start again",
            ));
        }
        if !self.first_use(&login) {
            return Err(unauthenticated(
                Code::StateReplayed,
                "this login was already completed; start again",
            ));
        }
        let tokens = self
            .provider
            .exchange(code, &login.verifier, &self.redirect_uri)
            .await
            .map_err(token_error)?;
        let id_token = tokens.id_token.ok_or_else(|| {
            ApiError::IdentityProvider("the token endpoint returned no ID token".into())
        })?;
        let claims = self
            .provider
            .verify(&id_token, Some(&login.nonce))
            .await
            .map_err(token_error)?;
        let identity = self.mapping.identity(&claims).map_err(refusal)?;
        let session = Session {
            username: identity.username,
            groups: identity.groups,
            name: identity.display_name,
            expires: self.now() + self.session_duration.as_secs() as i64,
            token_expires: self.recheck_at(&claims),
            refresh_token: tokens.refresh_token,
        };
        let had = self
            .cookies
            .read(headers, SESSION_COOKIE, &self.session_path)
            .map_or(0, |(_, n)| n);
        let mut cookies = self.session_cookies(&session, had);
        cookies.extend(self.cookies.clear(LOGIN_COOKIE, &self.login_path, 1));
        Ok(Redirect {
            location: format!("{}{}", self.prefix, login.original_path),
            cookies,
        })
    }

    /// When the session must next be renewed: the ID token's expiry, or [`RECHECK`] from now
    /// if that is sooner.
    fn recheck_at(&self, claims: &serde_json::Value) -> i64 {
        let expiry = claims["exp"].as_i64().unwrap_or_default();
        expiry.min(self.now() + RECHECK)
    }

    fn digest(refresh_token: &str) -> Vec<u8> {
        Sha256::digest(refresh_token.as_bytes()).to_vec()
    }

    fn is_revoked(&self, session: &Session) -> bool {
        let Some(token) = &session.refresh_token else {
            return false;
        };
        let revoked = self.revoked.lock().unwrap_or_else(PoisonError::into_inner);
        revoked.contains_key(&Self::digest(token))
    }

    /// Records `login`'s state as used; false if it was already.
    fn first_use(&self, login: &Login) -> bool {
        let mut used = self.used.lock().unwrap_or_else(PoisonError::into_inner);
        let now = self.now();
        used.retain(|_, expires| *expires > now);
        used.insert(login.state.clone(), login.expires).is_none()
    }

    fn session_cookies(&self, session: &Session, had: usize) -> Vec<HeaderValue> {
        let sealed = self.sealer.seal_json(SESSION_COOKIE, session);
        let max_age = (session.expires - self.now()).max(0);
        self.cookies
            .set(SESSION_COOKIE, &self.session_path, &sealed, max_age, had)
    }

    /// Clears the session; the provider's end-session endpoint is where the browser goes
    /// next when there is one, so the provider's own session ends too.
    pub async fn logout(&self, headers: &HeaderMap) -> Redirect {
        let read = self
            .cookies
            .read(headers, SESSION_COOKIE, &self.session_path);
        let had = read.as_ref().map_or(1, |(_, n)| *n);
        let session =
            read.and_then(|(sealed, _)| self.sealer.open_json::<Session>(SESSION_COOKIE, &sealed));
        if let Some(Session {
            refresh_token: Some(token),
            expires,
            ..
        }) = session
        {
            {
                let now = self.now();
                let mut revoked = self.revoked.lock().unwrap_or_else(PoisonError::into_inner);
                revoked.retain(|_, until| *until > now);
                revoked.insert(Self::digest(&token), expires);
            }
            match self.provider.revoke(&token).await {
                Ok(true) => {}
                Ok(false) => tracing::warn!(
                    "logout: the provider has no revocation endpoint; other replicas accept \
                     a copy of the cookie until its ID token expires"
                ),
                Err(e) => tracing::warn!("logout: revoking the refresh token failed: {e}"),
            }
        }
        let home = self.base_url.as_str().to_owned();
        let location = match self.provider.metadata().await {
            Ok(metadata) => match &metadata.end_session_endpoint {
                Some(endpoint) => {
                    let mut url = endpoint.clone();
                    url.query_pairs_mut()
                        .append_pair("client_id", self.provider.client_id())
                        .append_pair("post_logout_redirect_uri", &home);
                    url.into()
                }
                None => home,
            },
            Err(_) => home,
        };
        Redirect {
            location,
            cookies: self.cookies.clear(SESSION_COOKIE, &self.session_path, had),
        }
    }

    /// The identity of an `Authorization: Bearer <ID token>` header.
    pub async fn bearer(&self, value: &HeaderValue) -> Result<Caught, ApiError> {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::Unauthenticated {
                code: Code::InvalidToken,
                detail: "the Authorization header must be `Bearer <ID token>`".into(),
            })?;
        let claims = self
            .provider
            .verify(token, None)
            .await
            .map_err(token_error)?;
        let identity = self.mapping.identity(&claims).map_err(refusal)?;
        Ok(Caught {
            identity,
            session_expires: None,
            // Taken through the second of its `exp` and the skew allowed: a stream it opens
            // lasts until the next one begins.
            proof_expires: claims["exp"]
                .as_i64()
                .map(|exp| exp.saturating_add_unsigned(super::oidc::LEEWAY + 1)),
            bearer: true,
        })
    }

    /// The identity of the session cookie, refreshing its ID token when it expired.
    pub async fn session(
        &self,
        headers: &HeaderMap,
    ) -> (Result<Caught, ApiError>, Vec<HeaderValue>) {
        let Some((sealed, had)) = self
            .cookies
            .read(headers, SESSION_COOKIE, &self.session_path)
        else {
            return (Err(ApiError::NotLoggedIn), Vec::new());
        };
        let over = |code, detail: String| {
            (
                Err(ApiError::Unauthenticated { code, detail }),
                self.cookies.clear(SESSION_COOKIE, &self.session_path, had),
            )
        };
        let Some(session) = self.sealer.open_json::<Session>(SESSION_COOKIE, &sealed) else {
            return over(
                Code::InvalidSession,
                "the session cookie is not one of this server's; log in again".into(),
            );
        };
        let now = self.now();
        if self.is_revoked(&session) {
            return over(
                Code::SessionExpired,
                "this session was logged out; log in again".into(),
            );
        }
        if session.expires <= now {
            return over(
                Code::SessionExpired,
                "the session is over; log in again".into(),
            );
        }
        if session.token_expires > now {
            let caught = Caught {
                identity: session.identity(),
                session_expires: Some(session.expires),
                proof_expires: Some(session.token_expires.min(session.expires)),
                bearer: false,
            };
            return (Ok(caught), Vec::new());
        }
        let Some(refresh_token) = &session.refresh_token else {
            return over(
                Code::SessionExpired,
                "the ID token expired and the provider gave no refresh token; log in again".into(),
            );
        };
        match self.refreshed(&session, refresh_token).await {
            Ok(renewed) => {
                let cookies = self.session_cookies(&renewed, had);
                let caught = Caught {
                    identity: renewed.identity(),
                    session_expires: Some(renewed.expires),
                    proof_expires: Some(renewed.token_expires.min(renewed.expires)),
                    bearer: false,
                };
                (Ok(caught), cookies)
            }
            // The provider is down: the session may work again later, so it stays.
            Err(e @ ApiError::IdentityProvider(_)) => (Err(e), Vec::new()),
            Err(e) => over(
                Code::SessionExpired,
                format!("the session could not be renewed ({e}); log in again"),
            ),
        }
    }

    async fn refreshed(&self, session: &Session, refresh_token: &str) -> Result<Session, ApiError> {
        let tokens = self
            .provider
            .refresh_tokens(refresh_token)
            .await
            .map_err(token_error)?;
        let id_token = tokens
            .id_token
            .ok_or_else(|| ApiError::IdentityProvider("the refresh returned no ID token".into()))?;
        let claims = self
            .provider
            .verify(&id_token, None)
            .await
            .map_err(token_error)?;
        // Mapped again: a user removed from a group loses it at the next refresh.
        let identity: Identity = self.mapping.identity(&claims).map_err(refusal)?;
        Ok(Session {
            username: identity.username,
            groups: identity.groups,
            name: identity.display_name,
            expires: session.expires,
            token_expires: self.recheck_at(&claims),
            refresh_token: tokens
                .refresh_token
                .or_else(|| session.refresh_token.clone()),
        })
    }
}

/// `path` if it is a path of this server, else `/`: never `//host`, `/\host`, a scheme, or
/// the login routes themselves.
pub fn local_path(path: Option<&str>) -> &str {
    match path {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.contains('\\')
                && !p.starts_with(LOGIN_PATH)
                && p.len() <= MAX_ORIGINAL_PATH
                && !p.chars().any(|c| c.is_control() || c.is_whitespace()) =>
        {
            p
        }
        _ => "/",
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn provider_error(e: TokenError) -> ApiError {
    ApiError::IdentityProvider(e.to_string())
}

fn token_error(e: TokenError) -> ApiError {
    match e {
        TokenError::Provider(_) => ApiError::IdentityProvider(e.to_string()),
        TokenError::Refused(_) => ApiError::Unauthenticated {
            code: Code::LoginFailed,
            detail: e.to_string(),
        },
        TokenError::Invalid(_) => ApiError::Unauthenticated {
            code: Code::InvalidToken,
            detail: e.to_string(),
        },
    }
}

fn refusal(e: Refusal) -> ApiError {
    match e {
        Refusal::Unusable(detail) => ApiError::bad_request(Code::InvalidIdentity, detail),
        Refusal::Validation(_) | Refusal::Mapping(_) => {
            ApiError::LoginRefused(format!("login refused: {e}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_survive_a_login() {
        for (given, kept) in [
            (
                Some("/resources?namespace=apps"),
                "/resources?namespace=apps",
            ),
            (Some("/"), "/"),
            (None, "/"),
            (Some("//evil.example"), "/"),
            (Some("/\\evil.example"), "/"),
            (Some("https://evil.example"), "/"),
            (Some("evil"), "/"),
            (Some("/oauth2/authorize"), "/"),
            (Some("/a\nb"), "/"),
            (Some("/%2F%2Fevil"), "/%2F%2Fevil"),
        ] {
            assert_eq!(local_path(given), kept, "{given:?}");
        }
    }

    #[test]
    fn equal_texts_compare_equal_and_others_do_not() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
