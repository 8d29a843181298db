//! The input idiom of every handler: the object a path names ([`Target`], checked before
//! any I/O), an action's options, an optional JSON body, and a query checked into what it
//! means ([`Checked`]). A refusal is a 400 problem naming the rule, and nothing is read.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::{header, request::Parts};
use flux_web_shared::logs::LogQuery;
use flux_web_shared::names::quoted;
use flux_web_shared::problem::Code;
use serde::de::DeserializeOwned;

use crate::actions::ActionOptions;
use crate::error::ApiError;
use crate::events::{EventsParams, KNOWN as EVENTS_QUERY};
use crate::read::graph::GraphQuery;
use crate::read::inventory::ObjectQuery;
use crate::read::resources::ResourceQuery;
use crate::read::timeline::TimelineQuery;
use crate::watch::WatchQuery;
use flux_web_core::address::ObjectRef;

/// Request bodies are small JSON documents; anything larger is refused unread.
pub const MAX_BODY: usize = 1 << 20;
/// A request body must arrive whole within this, however slowly it trickles.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest `?wait=` honoured.
const MAX_WAIT: Duration = Duration::from_secs(600);

/// The object a path names, checked before the handler runs.
#[derive(Debug)]
pub struct Object(pub ObjectRef);

impl<S: Send + Sync> FromRequestParts<S> for Object {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(path) = Path::<ObjectPath>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::bad_request(Code::InvalidPath, e.body_text()))?;
        let object = ObjectRef::parse(&path.group, &path.kind, &path.namespace, &path.name)?;
        Ok(Object(object))
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

/// A query checked into `T` before the handler runs.
#[derive(Debug)]
pub struct Checked<T>(pub T);

/// What a query string means, or the 400 that says which rule it breaks.
pub trait FromQuery: Sized {
    fn from_query(query: &str) -> Result<Self, ApiError>;
}

impl<S: Send + Sync, T: FromQuery> FromRequestParts<S> for Checked<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        T::from_query(parts.uri.query().unwrap_or_default()).map(Checked)
    }
}

impl FromQuery for ActionOptions {
    fn from_query(query: &str) -> Result<Self, ApiError> {
        let invalid = |detail: String| ApiError::bad_request(Code::InvalidQuery, detail);
        let raw: ActionQuery = serde_urlencoded::from_str(query)
            .map_err(|e| invalid(format!("{e}; known: dryRun, wait")))?;
        let dry_run = match raw.dryRun.as_deref() {
            None | Some("false") => false,
            Some("true" | "") => true,
            Some(other) => {
                return Err(invalid(format!(
                    "dryRun must be true or false, not {}",
                    quoted(other)
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

impl FromQuery for WatchQuery {
    fn from_query(query: &str) -> Result<Self, ApiError> {
        WatchQuery::parse(query)
    }
}

impl FromQuery for ResourceQuery {
    fn from_query(query: &str) -> Result<Self, ApiError> {
        ResourceQuery::parse(query)
    }
}

impl FromQuery for LogQuery {
    fn from_query(query: &str) -> Result<Self, ApiError> {
        self::query(
            query,
            "container, tailLines, sinceSeconds, previous, follow",
        )
    }
}

impl FromQuery for EventsParams {
    fn from_query(query: &str) -> Result<Self, ApiError> {
        self::query(query, EVENTS_QUERY)
    }
}

impl FromQuery for TimelineQuery {
    fn from_query(query: &str) -> Result<Self, ApiError> {
        self::query(query, "limit, before")
    }
}

impl FromQuery for GraphQuery {
    fn from_query(query: &str) -> Result<Self, ApiError> {
        let asked: Self = self::query(query, "namespace")?;
        if let Some(namespace) = &asked.namespace {
            flux_web_shared::names::check_namespace(namespace)
                .map_err(|e| ApiError::bad_request(Code::InvalidQuery, e.to_string()))?;
        }
        Ok(asked)
    }
}

impl FromQuery for ObjectQuery {
    fn from_query(query: &str) -> Result<Self, ApiError> {
        let asked: Self = self::query(query, "id")?;
        // An id is four names joined: a namespace, a name, a group and a Kind.
        if asked.id.len() > ObjectQuery::MAX_ID {
            return Err(ApiError::bad_request(
                Code::InvalidQuery,
                format!("id: at most {} characters", ObjectQuery::MAX_ID),
            ));
        }
        Ok(asked)
    }
}

/// A request's query string as `T`; a 400 that names the parameters known otherwise.
fn query<T: serde::de::DeserializeOwned>(raw: &str, known: &str) -> Result<T, ApiError> {
    serde_urlencoded::from_str(raw)
        .map_err(|e| ApiError::bad_request(Code::InvalidQuery, format!("{e}; known: {known}")))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_read_dry_run_and_wait_and_refuse_the_rest() {
        assert_eq!(
            ActionOptions::from_query("").unwrap(),
            ActionOptions::default()
        );
        let options = ActionOptions::from_query("dryRun=true&wait=30s").unwrap();
        assert!(options.dry_run);
        assert_eq!(options.wait, Some(Duration::from_secs(30)));
        for bad in ["dryRun=yes", "wait=forever", "wait=11m", "force=true"] {
            assert_eq!(
                ActionOptions::from_query(bad).unwrap_err().code(),
                Code::InvalidQuery,
                "{bad}"
            );
        }
    }

    /// A query of a few pairs, some of a known key, some of a long made-up one.
    fn any_query() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::strategy::Strategy;
        let pair = proptest::prop_oneof![
            "(container|tailLines|sinceSeconds|previous|follow|limit|before|dryRun|wait)=[a-zA-Z0-9%.-]{0,20}",
            "[a-z]{1,3000}=1",
            "\\PC{0,100}",
        ];
        proptest::collection::vec(pair, 0..4).prop_map(|pairs| pairs.join("&"))
    }

    /// Read, or a 400 `invalid_query` of bounded text: a refused key is never echoed whole
    /// (a 400's detail is cut at 1,000 characters).
    fn read_or_refused_briefly<T: FromQuery>(query: &str) -> Result<(), String> {
        match T::from_query(query) {
            Ok(_) => Ok(()),
            Err(e) if e.code() != Code::InvalidQuery => Err(format!("code {:?}", e.code())),
            Err(e) if e.to_string().chars().count() > 1_001 => Err(e.to_string()),
            Err(_) => Ok(()),
        }
    }

    proptest::proptest! {
        #[test]
        fn any_query_of_logs_timelines_events_and_actions_is_read_or_refused_briefly(query in any_query()) {
            let answers = [
                read_or_refused_briefly::<LogQuery>(&query),
                read_or_refused_briefly::<TimelineQuery>(&query),
                read_or_refused_briefly::<EventsParams>(&query),
                read_or_refused_briefly::<ActionOptions>(&query),
                read_or_refused_briefly::<ResourceQuery>(&query),
            ];
            for answer in answers {
                proptest::prop_assert!(answer.is_ok(), "{:?}", answer);
            }
            // A log query read is checked before anything is read: refused clearly, too.
            if let Ok(logs) = LogQuery::from_query(&query) {
                let checked = logs.validate();
                proptest::prop_assert!(checked.as_ref().err().is_none_or(|e| !e.is_empty() && e.len() < 1_000), "{:?}", checked);
            }
        }
    }
}
