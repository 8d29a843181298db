//! `GET /api/v1/watch`: live changes to what a page shows, as Server-Sent Events, so the SPA
//! updates without polling.
//!
//! The server holds one watch per kind ([`hub`]), never one per browser tab. Each subscriber
//! receives only the changes it may see: when reads are made as the user, a change passes if
//! the user may `list` that kind in the object's namespace, or `get` the object when the page
//! watches one object. The answers come from the access-review cache, so a user who loses
//! access stops receiving changes once the cached answer expires.
//!
//! - [`hub`] — the shared watches.

pub mod hub;

use flux_web_shared::actions::Verb;
use flux_web_shared::names::quoted;
use std::collections::HashSet;
use std::sync::Arc;

use flux_web_shared::problem::Code;
use flux_web_shared::watch::Change;
use futures::stream::{self, Stream, StreamExt};
use tokio::sync::broadcast;

use crate::access::Access;
use crate::error::ApiError;
use crate::identity::Identity;
use flux_web_core::kinds::{KINDS, Kind, flux_kinds};
use flux_web_core::plan::{Check, On};
pub use hub::Hub;
use hub::Update;

/// `?kind=&namespace=&name=`: which objects a page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct WatchQuery {
    pub kinds: Vec<&'static Kind>,
    pub namespace: Option<String>,
    pub name: Option<String>,
}

impl WatchQuery {
    pub fn parse(query: &str) -> Result<Self, ApiError> {
        let invalid = |detail: String| ApiError::bad_request(Code::InvalidQuery, detail);
        let mut kinds = Vec::new();
        let (mut namespace, mut name) = (None, None);
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            match &*key {
                "kind" => {
                    let kind = KINDS.iter().find(|k| k.is_named(&value)).ok_or_else(|| {
                        invalid(format!("kind: flux-web knows no kind {}", quoted(&value)))
                    })?;
                    if !kinds.contains(&kind) {
                        kinds.push(kind);
                    }
                }
                "namespace" => {
                    flux_web_shared::names::check_namespace(&value)
                        .map_err(|e| invalid(e.to_string()))?;
                    namespace = Some(value.into_owned());
                }
                "name" => {
                    flux_web_shared::names::check_object_name(&value)
                        .map_err(|e| invalid(e.to_string()))?;
                    name = Some(value.into_owned());
                }
                other => {
                    return Err(invalid(format!(
                        "unknown query parameter {}; known: kind, namespace, name",
                        quoted(other)
                    )));
                }
            }
        }
        if name.is_some() && namespace.is_none() {
            return Err(invalid("name: needs a namespace too".into()));
        }
        if kinds.is_empty() {
            kinds = flux_kinds().collect();
        }
        Ok(Self {
            kinds,
            namespace,
            name,
        })
    }

    fn matches(&self, update: &Update) -> bool {
        self.namespace
            .as_ref()
            .is_none_or(|ns| *ns == update.namespace)
            && self.name.as_ref().is_none_or(|n| *n == update.name)
    }
}

/// The changes `viewer` may see, starting with one `resync` once every watched kind has been
/// listed, so the page knows when a fetch can no longer miss a change (the lists of the
/// kinds not yet watched end in one `resync` each; only the last is passed on). `viewer` is
/// `None` when reads are the server's (read-only mode).
pub fn changes(
    hub: &Hub,
    access: Access,
    viewer: Option<Identity>,
    query: WatchQuery,
) -> impl Stream<Item = Change> + Send + use<> {
    let mut unlisted = HashSet::new();
    let receivers: Vec<_> = query
        .kinds
        .iter()
        .map(|kind| {
            let (receiver, listed) = hub.subscribe(kind);
            if !listed {
                unlisted.insert(kind.plural);
            }
            receiver_stream(receiver)
        })
        .collect();
    let first = unlisted.is_empty().then(|| Update::resync(None));
    stream::iter(first)
        .chain(stream::select_all(receivers))
        .filter(move |update| {
            let pass = match update.listed {
                Some(kind) if !unlisted.is_empty() => {
                    unlisted.remove(kind);
                    unlisted.is_empty()
                }
                // Before the first resync the page has fetched nothing a change could update.
                _ => unlisted.is_empty(),
            };
            std::future::ready(pass)
        })
        .filter_map(move |update| {
            let (access, viewer, query) = (access.clone(), viewer.clone(), query.clone());
            async move {
                let shown = query.matches(&update) || update.change == Change::Resync;
                (shown && visible(&access, viewer.as_ref(), &query, &update).await)
                    .then(|| update.change.clone())
            }
        })
}

/// A receiver as a stream; falling behind becomes a `resync`, since changes were dropped.
fn receiver_stream(
    receiver: broadcast::Receiver<Arc<Update>>,
) -> impl Stream<Item = Arc<Update>> + Send + Unpin {
    Box::pin(stream::unfold(receiver, |mut receiver| async move {
        match receiver.recv().await {
            Ok(update) => Some((update, receiver)),
            Err(broadcast::error::RecvError::Lagged(_)) => Some((Update::resync(None), receiver)),
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }))
}

/// May `viewer` see this change? Asked of the access-review cache.
async fn visible(
    access: &Access,
    viewer: Option<&Identity>,
    query: &WatchQuery,
    update: &Update,
) -> bool {
    let Some(kind) = update.kind else {
        return true; // a resync
    };
    let (verb, name) = match query.name {
        Some(_) => (Verb::Get, update.name.clone()),
        None => (Verb::List, String::new()),
    };
    let check = Check {
        verb,
        on: On::Kind(kind),
        namespace: update.namespace.clone(),
        name,
    };
    access.lets_see(viewer, &check).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_names_kinds_of_any_sort_a_namespace_and_an_object() {
        let all = WatchQuery::parse("").unwrap();
        assert_eq!(all.kinds.len(), 18);
        let q =
            WatchQuery::parse("kind=ks&kind=Deployment&kind=pods&kind=ks&namespace=apps&name=web")
                .unwrap();
        assert_eq!(
            q.kinds.iter().map(|k| k.kind).collect::<Vec<_>>(),
            ["Kustomization", "Deployment", "Pod"]
        );
        assert_eq!(q.namespace.as_deref(), Some("apps"));
        assert_eq!(q.name.as_deref(), Some("web"));
        for bad in [
            "kind=secrets",
            "namespace=Apps",
            "name=web",
            "namespace=a&name=a_b",
            "since=1",
        ] {
            assert_eq!(
                WatchQuery::parse(bad).unwrap_err().code(),
                "invalid_query",
                "{bad}"
            );
        }
    }

    proptest::proptest! {
        /// Whatever the query: read, or a 400 `invalid_query` whose text is bounded.
        #[test]
        fn any_watch_query_is_read_or_an_invalid_query_of_bounded_text(
            query in "((kind|namespace|name)=[a-zA-Z0-9%.-]{0,20}&?){0,4}|\\PC{0,300}",
        ) {
            if let Err(e) = WatchQuery::parse(&query) {
                proptest::prop_assert_eq!(e.code(), Code::InvalidQuery);
                let text = e.to_string();
                proptest::prop_assert!(text.chars().count() < 1_000, "{}", text);
            }
        }
    }
}
