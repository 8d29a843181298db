//! What a request is aimed at: `/api/v1/{group}/{kind}/{namespace}/{name}`, checked before
//! any call to Kubernetes, and the request's options and body.

use std::collections::HashMap;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::{header, request::Parts};
use flux_web_shared::names;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::flux::kinds::{self, Kind};

/// Request bodies are small JSON documents; anything larger is refused unread.
pub const MAX_BODY: usize = 1 << 20;
/// A request body must arrive whole within this, however slowly it trickles.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest `?wait=` honoured.
pub const MAX_WAIT: Duration = Duration::from_secs(600);

/// A valid address of an object of a known kind.
#[derive(Debug, Clone)]
pub struct Target {
    pub kind: &'static Kind,
    pub namespace: String,
    pub name: String,
}

impl Target {
    pub fn parse(group: &str, kind: &str, namespace: &str, name: &str) -> Result<Self, ApiError> {
        let kind = kinds::find(group, kind).ok_or_else(|| {
            ApiError::bad_request(
                "unknown_kind",
                format!("flux-web does not know kind {kind:?} in API group {group:?}"),
            )
        })?;
        let invalid = |e: names::NameError| ApiError::bad_request("invalid_name", e.to_string());
        names::check_namespace(namespace).map_err(invalid)?;
        names::check_object_name(name).map_err(invalid)?;
        Ok(Self {
            kind,
            namespace: namespace.to_owned(),
            name: name.to_owned(),
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Target {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::bad_request("invalid_path", e.body_text()))?;
        let param = |key: &str| params.get(key).map(String::as_str).unwrap_or_default();
        Target::parse(
            param("group"),
            param("kind"),
            param("namespace"),
            param("name"),
        )
    }
}

/// The path naming an object, as the OpenAPI document describes it; [`Target`] parses it.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ObjectPath {
    /// API group of the kind; `core` for the core group.
    #[param(pattern = r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", max_length = 253)]
    pub group: String,
    /// The kind's plural (`kustomizations`), its Kind in any case, or a short name (`ks`).
    #[param(pattern = r"^[A-Za-z0-9]+$", max_length = 63)]
    pub kind: String,
    /// An RFC 1123 label.
    #[param(pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", max_length = 63)]
    pub namespace: String,
    /// An RFC 1123 subdomain.
    #[param(
        pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
        max_length = 253
    )]
    pub name: String,
}

/// The query of a state-changing action, as the OpenAPI document describes it;
/// [`ActionOptions`] parses it.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(non_snake_case)] // the query's own spelling
pub struct ActionQuery {
    /// Make every check and send the write with `dryRun=All`: nothing changes, nothing is audited.
    pub dryRun: Option<bool>,
    /// For reconcile, resume and pull: answer once the controller handled the request, or
    /// when this Go duration (at most 10m) has passed.
    pub wait: Option<String>,
}

/// `?dryRun=true&wait=30s` of a state-changing action.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionOptions {
    pub dry_run: bool,
    pub wait: Option<Duration>,
}

impl ActionOptions {
    pub fn parse(query: &str) -> Result<Self, ApiError> {
        let mut options = Self::default();
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            match &*key {
                "dryRun" => {
                    options.dry_run = match &*value {
                        "true" | "" => true,
                        "false" => false,
                        other => {
                            return Err(ApiError::bad_request(
                                "invalid_query",
                                format!("dryRun must be true or false, not {other:?}"),
                            ));
                        }
                    }
                }
                "wait" => {
                    let wait = flux_web_shared::duration::parse(&value).map_err(|e| {
                        ApiError::bad_request("invalid_query", format!("wait: {e}"))
                    })?;
                    if wait > MAX_WAIT {
                        return Err(ApiError::bad_request(
                            "invalid_query",
                            format!("wait: at most {}s", MAX_WAIT.as_secs()),
                        ));
                    }
                    options.wait = Some(wait);
                }
                other => {
                    return Err(ApiError::bad_request(
                        "invalid_query",
                        format!("unknown query parameter {other:?}; known: dryRun, wait"),
                    ));
                }
            }
        }
        Ok(options)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ActionOptions {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        Self::parse(parts.uri.query().unwrap_or_default())
    }
}

/// An optional JSON body: empty means `T::default()`. Anything else must be
/// `application/json`, at most [`MAX_BODY`] bytes, and of `T`'s shape.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request<Body>, _: &S) -> Result<Self, ApiError> {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| {
                let v = v.trim();
                v.eq_ignore_ascii_case("application/json")
            });
        let has_content_type = request.headers().contains_key(header::CONTENT_TYPE);
        // An announced length over the limit is refused before a byte is awaited.
        let announced = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if announced.is_some_and(|length| length > MAX_BODY as u64) {
            return Err(ApiError::PayloadTooLarge(MAX_BODY));
        }
        let read = axum::body::to_bytes(request.into_body(), MAX_BODY);
        let bytes = tokio::time::timeout(BODY_TIMEOUT, read)
            .await
            .map_err(|_| ApiError::BodyTimeout(BODY_TIMEOUT))?
            .map_err(|_| ApiError::PayloadTooLarge(MAX_BODY))?;
        if bytes.is_empty() && !has_content_type {
            return Ok(JsonBody(T::default()));
        }
        if !is_json {
            return Err(ApiError::UnsupportedMediaType);
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(JsonBody(T::default()));
        }
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|e| ApiError::bad_request("invalid_body", format!("invalid JSON body: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_checked_before_anything_else() {
        let cases = [
            ("kustomize.toolkit.fluxcd.io", "ks", "apps", "web", None),
            ("nope.io", "ks", "apps", "web", Some("unknown_kind")),
            (
                "kustomize.toolkit.fluxcd.io",
                "widgets",
                "apps",
                "web",
                Some("unknown_kind"),
            ),
            (
                "kustomize.toolkit.fluxcd.io",
                "ks",
                "..",
                "web",
                Some("invalid_name"),
            ),
            (
                "kustomize.toolkit.fluxcd.io",
                "ks",
                "apps",
                "..",
                Some("invalid_name"),
            ),
            (
                "kustomize.toolkit.fluxcd.io",
                "ks",
                "Apps",
                "web",
                Some("invalid_name"),
            ),
            (
                "kustomize.toolkit.fluxcd.io",
                "ks",
                "apps",
                &"x".repeat(254),
                Some("invalid_name"),
            ),
        ];
        for (group, kind, namespace, name, error) in cases {
            let got = Target::parse(group, kind, namespace, name)
                .err()
                .map(|e| e.code());
            assert_eq!(got, error, "{group}/{kind}/{namespace}/{name}");
        }
    }

    #[test]
    fn options_read_dry_run_and_wait_and_refuse_the_rest() {
        assert_eq!(ActionOptions::parse("").unwrap(), ActionOptions::default());
        let options = ActionOptions::parse("dryRun=true&wait=30s").unwrap();
        assert!(options.dry_run);
        assert_eq!(options.wait, Some(Duration::from_secs(30)));
        for bad in ["dryRun=yes", "wait=forever", "wait=11m", "force=true"] {
            assert_eq!(
                ActionOptions::parse(bad).unwrap_err().code(),
                "invalid_query",
                "{bad}"
            );
        }
    }
}
