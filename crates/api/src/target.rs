//! What a request is aimed at: `/api/v1/{group}/{kind}/{namespace}/{name}`, checked before
//! any call to Kubernetes, and the request's options and body.

use flux_web_shared::names::quoted;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::{header, request::Parts};
use flux_web_shared::actions::Target as WireTarget;
use flux_web_shared::names;
use flux_web_shared::problem::Code;
use kube::core::ApiResource;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use flux_web_core::kinds::{self, Kind};
use flux_web_core::view::ObjectRef;

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
    /// The object as the core names it.
    pub fn object(&self) -> ObjectRef {
        ObjectRef::new(self.kind, &self.namespace, &self.name)
    }

    pub fn parse(group: &str, kind: &str, namespace: &str, name: &str) -> Result<Self, ApiError> {
        let kind = kinds::find(group, kind).ok_or_else(|| {
            ApiError::bad_request(
                Code::UnknownKind,
                format!(
                    "flux-web does not know kind {} in API group {}",
                    quoted(kind),
                    quoted(group)
                ),
            )
        })?;
        let invalid = |e: names::NameError| ApiError::bad_request(Code::InvalidName, e.to_string());
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
        let Path(path) = Path::<ObjectPath>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::bad_request(Code::InvalidPath, e.body_text()))?;
        Target::parse(&path.group, &path.kind, &path.namespace, &path.name)
    }
}

/// The path naming an object, as it is read and as the OpenAPI document describes it;
/// [`Target`] is what it means once checked.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
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

/// The query of a state-changing action, as it is read and as the OpenAPI document
/// describes it; [`ActionOptions`] is what it means once checked.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
#[allow(non_snake_case)] // the query's own spelling
pub struct ActionQuery {
    /// Make every check and send the write with `dryRun=All`: nothing changes, nothing is audited.
    #[param(value_type = Option<bool>)]
    pub dryRun: Option<String>,
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
        let invalid = |detail: String| ApiError::bad_request(Code::InvalidQuery, detail);
        let raw: ActionQuery = serde_urlencoded::from_str(query)
            .map_err(|e| invalid(format!("{e}; known: dryRun, wait")))?;
        let dry_run = match raw.dryRun.as_deref() {
            None | Some("false") => false,
            Some("true" | "") => true,
            Some(other) => {
                return Err(invalid(format!(
                    "dryRun must be true or false, not {other:?}"
                )));
            }
        };
        let wait = match raw.wait.as_deref() {
            None => None,
            Some(text) => {
                let wait = flux_web_shared::duration::parse(text)
                    .map_err(|e| invalid(format!("wait: {e}")))?;
                if wait > MAX_WAIT {
                    return Err(invalid(format!("wait: at most {}s", MAX_WAIT.as_secs())));
                }
                Some(wait)
            }
        };
        Ok(Self { dry_run, wait })
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
        serde_json::from_slice(&bytes).map(JsonBody).map_err(|e| {
            ApiError::bad_request(Code::InvalidBody, format!("invalid JSON body: {e}"))
        })
    }
}

/// A request's query string as `T`; a 400 that names the parameters known otherwise.
pub fn query<T: serde::de::DeserializeOwned>(
    raw: Option<&str>,
    known: &str,
) -> Result<T, ApiError> {
    serde_urlencoded::from_str(raw.unwrap_or_default())
        .map_err(|e| ApiError::bad_request(Code::InvalidQuery, format!("{e}; known: {known}")))
}

/// An object as answers name it, with the version it was read at.
pub fn wire_target(resource: &ApiResource, namespace: &str, name: &str) -> WireTarget {
    WireTarget {
        group: resource.group.clone(),
        version: resource.version.clone(),
        kind: resource.kind.clone(),
        namespace: namespace.to_owned(),
        name: name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_checked_before_anything_else() {
        let cases = [
            ("kustomize.toolkit.fluxcd.io", "ks", "apps", "web", None),
            ("nope.io", "ks", "apps", "web", Some(Code::UnknownKind)),
            (
                "kustomize.toolkit.fluxcd.io",
                "widgets",
                "apps",
                "web",
                Some(Code::UnknownKind),
            ),
            (
                "kustomize.toolkit.fluxcd.io",
                "ks",
                "..",
                "web",
                Some(Code::InvalidName),
            ),
            (
                "kustomize.toolkit.fluxcd.io",
                "ks",
                "apps",
                "..",
                Some(Code::InvalidName),
            ),
            (
                "kustomize.toolkit.fluxcd.io",
                "ks",
                "Apps",
                "web",
                Some(Code::InvalidName),
            ),
            (
                "kustomize.toolkit.fluxcd.io",
                "ks",
                "apps",
                &"x".repeat(254),
                Some(Code::InvalidName),
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
                Code::InvalidQuery,
                "{bad}"
            );
        }
    }
}
