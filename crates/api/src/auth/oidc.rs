//! The OpenID Connect provider as flux-web uses it: discovery, the JWKS, the code exchange and
//! refresh at the token endpoint, and ID token verification.
//!
//! Discovery and keys are fetched on first use and refreshed in the background; a token
//! signed with a key id the cached JWKS lacks makes one refetch (at most every
//! [`JWKS_REFETCH`]), so a key rotation at the provider costs no failed login.

use flux_web_shared::names::quoted;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use url::Url;

/// How often discovery and keys are refreshed in the background.
pub const REFRESH_EVERY: Duration = Duration::from_secs(600);
/// The fastest the JWKS is refetched for an unknown key id.
const JWKS_REFETCH: Duration = Duration::from_secs(10);
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);
/// Clock skew tolerated between flux-web and the provider: a token is taken until this long
/// after its `exp`.
pub const LEEWAY: u64 = 30;
/// Asymmetric algorithms only: `none` and the HMAC family (whose "key" could be the public
/// key) are never accepted.
const ALGORITHMS: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// The parts of the discovery document flux-web uses.
#[derive(Debug, Clone, Deserialize)]
pub struct Metadata {
    pub issuer: String,
    pub authorization_endpoint: Url,
    pub token_endpoint: Url,
    pub jwks_uri: Url,
    pub end_session_endpoint: Option<Url>,
    /// RFC 7009: where logout revokes the session's refresh token.
    #[serde(default)]
    pub revocation_endpoint: Option<Url>,
}

/// What the token endpoint answers.
#[derive(Debug, Clone, Deserialize)]
pub struct Tokens {
    pub id_token: Option<String>,
    pub refresh_token: Option<String>,
}

/// Why a token or an exchange failed. `Provider` errors are the provider's or the network's;
/// the others are the token's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the identity provider is unavailable: {0}")]
    Provider(String),
    #[error("the token endpoint refused: {0}")]
    Refused(String),
    #[error("invalid token: {0}")]
    Invalid(String),
}

/// OIDC Core 3.1.3.7: a token for several audiences must name this client as the party it
/// was issued to (`azp`), and an `azp` that names another client is refused: such a token was
/// issued to that client, which could replay it here.
fn check_azp(claims: &Claims, client_id: &str) -> Result<(), TokenError> {
    let audiences = match &claims["aud"] {
        serde_json::Value::Array(list) => list.len(),
        _ => 1,
    };
    match claims["azp"].as_str() {
        Some(azp) if azp != client_id => Err(TokenError::Invalid(format!(
            "the token was issued to client {azp:?}, not to this one"
        ))),
        None if audiences > 1 => Err(TokenError::Invalid(
            "a token for several audiences must name this client in azp".into(),
        )),
        _ => Ok(()),
    }
}

/// A key of the issuer's JWKS, decoded once when the set is fetched rather than at every
/// verification.
struct Key {
    kid: Option<String>,
    /// Why the key cannot verify anything, for a symmetric or malformed one.
    key: Result<DecodingKey, String>,
}

impl Key {
    fn of(jwk: &jsonwebtoken::jwk::Jwk) -> Self {
        let key = if matches!(jwk.algorithm, AlgorithmParameters::OctetKey(_)) {
            Err("the JWKS offers a symmetric key".to_owned())
        } else {
            DecodingKey::from_jwk(jwk).map_err(|e| format!("unusable key in the JWKS: {e}"))
        };
        Self {
            kid: jwk.common.key_id.clone(),
            key,
        }
    }
}

/// The claims a verified ID token carries, with the registered ones checked.
pub type Claims = serde_json::Value;

pub struct Provider {
    http: reqwest::Client,
    issuer: Url,
    client_id: String,
    client_secret: String,
    metadata: RwLock<Option<(Arc<Metadata>, Instant)>>,
    keys: RwLock<Vec<Key>>,
    keys_fetched: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("issuer", &self.issuer.as_str())
            .finish_non_exhaustive()
    }
}

impl Provider {
    pub fn new(issuer: Url, client_id: String, client_secret: String) -> Self {
        crate::tls::init();
        let http = reqwest::Client::builder()
            .timeout(HTTP_TIMEOUT)
            // The provider's endpoints answer directly; a redirect is not followed with the
            // client's credentials.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self {
            http,
            issuer,
            client_id,
            client_secret,
            metadata: RwLock::default(),
            keys: RwLock::default(),
            keys_fetched: Mutex::default(),
        }
    }

    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The issuer exactly as configured: what `iss` must equal.
    pub fn issuer(&self) -> &str {
        self.issuer.as_str().trim_end_matches('/')
    }

    /// The discovery document, fetched when missing or older than [`REFRESH_EVERY`]; a
    /// stale one is used when the provider cannot be reached.
    pub async fn metadata(&self) -> Result<Arc<Metadata>, TokenError> {
        let cached = self
            .metadata
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        match cached {
            Some((metadata, at)) if at.elapsed() < REFRESH_EVERY => Ok(metadata),
            stale => match self.discover().await {
                Ok(metadata) => Ok(metadata),
                Err(e) => match stale {
                    Some((metadata, _)) => {
                        tracing::warn!(error = %e, "discovery failed; using the last document");
                        Ok(metadata)
                    }
                    None => Err(e),
                },
            },
        }
    }

    /// Fetches discovery and keys now.
    pub async fn refresh(&self) -> Result<(), TokenError> {
        let metadata = self.discover().await?;
        self.fetch_keys(&metadata).await
    }

    async fn discover(&self) -> Result<Arc<Metadata>, TokenError> {
        let url = format!("{}/.well-known/openid-configuration", self.issuer());
        let metadata: Metadata = self.get_json(&url).await?;
        // OIDC Discovery: the document's issuer must be the one asked about, or tokens
        // from one issuer could pass as another's.
        if metadata.issuer.trim_end_matches('/') != self.issuer() {
            return Err(TokenError::Provider(format!(
                "discovery at {url} names issuer {:?}, not {:?}",
                metadata.issuer,
                self.issuer()
            )));
        }
        let metadata = Arc::new(metadata);
        *self
            .metadata
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some((metadata.clone(), Instant::now()));
        Ok(metadata)
    }

    async fn fetch_keys(&self, metadata: &Metadata) -> Result<(), TokenError> {
        *self
            .keys_fetched
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
        let set: JwkSet = self.get_json(metadata.jwks_uri.as_str()).await?;
        let keys = set.keys.iter().map(Key::of).collect();
        *self.keys.write().unwrap_or_else(PoisonError::into_inner) = keys;
        Ok(())
    }

    async fn get_json<T: for<'de> Deserialize<'de>>(&self, url: &str) -> Result<T, TokenError> {
        let unavailable = |e: &dyn std::fmt::Display| TokenError::Provider(format!("{url}: {e}"));
        let response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| unavailable(&e))?;
        if !response.status().is_success() {
            return Err(unavailable(&response.status()));
        }
        response.json().await.map_err(|e| unavailable(&e))
    }

    /// The key `kid` names, refetching the JWKS once if it is new to us.
    async fn key(&self, kid: Option<&str>) -> Result<DecodingKey, TokenError> {
        if let Some(key) = self.cached_key(kid)? {
            return Ok(key);
        }
        let recently = self
            .keys_fetched
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some_and(|at| at.elapsed() < JWKS_REFETCH);
        if !recently {
            let metadata = self.metadata().await?;
            self.fetch_keys(&metadata).await?;
            if let Some(key) = self.cached_key(kid)? {
                return Ok(key);
            }
        }
        Err(TokenError::Invalid(format!(
            "signed with key {}, which the issuer's JWKS does not have",
            quoted(kid.unwrap_or("(no kid)"))
        )))
    }

    fn cached_key(&self, kid: Option<&str>) -> Result<Option<DecodingKey>, TokenError> {
        let keys = self.keys.read().unwrap_or_else(PoisonError::into_inner);
        let found = match kid {
            Some(kid) => keys.iter().find(|k| k.kid.as_deref() == Some(kid)),
            // Without a kid, only a JWKS of one key is unambiguous.
            None if keys.len() == 1 => keys.first(),
            None => None,
        };
        let Some(found) = found else { return Ok(None) };
        found.key.clone().map(Some).map_err(TokenError::Invalid)
    }

    /// Verifies an ID token: signature by the issuer's key with an allowed algorithm,
    /// `iss`, `aud` (this client), `exp`, `nbf`, and the login's `nonce` when given.
    pub async fn verify(&self, token: &str, nonce: Option<&str>) -> Result<Claims, TokenError> {
        let invalid = |e: &dyn std::fmt::Display| TokenError::Invalid(e.to_string());
        let header = jsonwebtoken::decode_header(token).map_err(|e| invalid(&e))?;
        if !ALGORITHMS.contains(&header.alg) {
            return Err(TokenError::Invalid(format!(
                "algorithm {:?} is not accepted",
                header.alg
            )));
        }
        let key = self.key(header.kid.as_deref()).await?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[self.issuer()]);
        validation.set_audience(&[&self.client_id]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY;
        let data =
            jsonwebtoken::decode::<Claims>(token, &key, &validation).map_err(|e| invalid(&e))?;
        let claims = data.claims;
        if let Some(nonce) = nonce
            && claims["nonce"].as_str() != Some(nonce)
        {
            return Err(TokenError::Invalid("the nonce is not this login's".into()));
        }
        check_azp(&claims, &self.client_id)?;
        Ok(claims)
    }

    /// Exchanges an authorization code (with its PKCE verifier) for tokens.
    pub async fn exchange(
        &self,
        code: &str,
        verifier: &str,
        redirect_uri: &str,
    ) -> Result<Tokens, TokenError> {
        self.token(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("code_verifier", verifier),
            ("redirect_uri", redirect_uri),
        ])
        .await
    }

    pub async fn refresh_tokens(&self, refresh_token: &str) -> Result<Tokens, TokenError> {
        self.token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ])
        .await
    }

    /// Revokes a refresh token (RFC 7009), so no replica can renew a session with it.
    /// Answers whether the provider confirmed; a provider without the endpoint cannot.
    pub async fn revoke(&self, refresh_token: &str) -> Result<bool, TokenError> {
        let metadata = self.metadata().await?;
        let Some(endpoint) = metadata.revocation_endpoint.clone() else {
            return Ok(false);
        };
        let form = [
            ("token", refresh_token),
            ("token_type_hint", "refresh_token"),
        ];
        let response = self.post_form(endpoint, &form).await?;
        Ok(response.status().is_success())
    }

    /// POSTs `form` to an endpoint of the provider, authenticated as this client.
    async fn post_form(
        &self,
        endpoint: Url,
        form: &[(&str, &str)],
    ) -> Result<reqwest::Response, TokenError> {
        let mut request = self.http.post(endpoint);
        let mut form = form.to_vec();
        if self.client_secret.is_empty() {
            form.push(("client_id", &self.client_id));
        } else {
            request = request.basic_auth(
                form_encode(&self.client_id),
                Some(form_encode(&self.client_secret)),
            );
        }
        request
            .form(&form)
            .send()
            .await
            .map_err(|e| TokenError::Provider(e.to_string()))
    }

    async fn token(&self, form: &[(&str, &str)]) -> Result<Tokens, TokenError> {
        let metadata = self.metadata().await?;
        let response = self
            .post_form(metadata.token_endpoint.clone(), form)
            .await?;
        let status = response.status();
        if status.is_server_error() {
            return Err(TokenError::Provider(format!(
                "token endpoint answered {status}"
            )));
        }
        if !status.is_success() {
            let body: serde_json::Value = response.json().await.unwrap_or_default();
            let error = body["error"].as_str().unwrap_or("error");
            let description = body["error_description"].as_str().unwrap_or_default();
            return Err(TokenError::Refused(
                format!("{error} {description}").trim().to_owned(),
            ));
        }
        response
            .json()
            .await
            .map_err(|e| TokenError::Provider(format!("token endpoint answer: {e}")))
    }
}

/// RFC 6749 2.3.1: the client id and secret are form-encoded before Basic authentication.
fn form_encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[cfg(test)]
mod tests;
