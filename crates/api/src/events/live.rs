//! The Events written from now on, as the events page follows them: from the server's one
//! watch of Events ([`crate::watch::Hub`]), each passed to a subscriber only when its filter
//! keeps it and the subscriber may list Events in its namespace (asked of the access-review
//! cache, so a user who loses the right stops receiving them once the answer expires).

use flux_web_shared::events::ClusterEvent;
use futures::stream::{self, Stream, StreamExt};
use k8s_openapi::api::core::v1::Event;
use tokio::sync::broadcast;

use super::{Filter, cluster_event};
use crate::access::Access;
use crate::identity::Identity;
use crate::watch::Hub;
use crate::watch::hub::Fresh;
use flux_web_core::plan::{Check, On};

/// What the stream carries.
#[derive(Debug, Clone, PartialEq)]
pub enum Live {
    /// An Event written, or updated (its count grew: the same `id`).
    Event(Box<ClusterEvent>),
    /// Events may have been missed (the watch broke, or this subscriber fell behind): the
    /// page reads its first page again.
    Resync,
}

/// The Events `viewer` may see that `filter` keeps; `viewer` is `None` when reads are the
/// server's (read-only mode).
pub fn stream(
    hub: &Hub,
    access: Access,
    viewer: Option<Identity>,
    filter: Filter,
) -> impl Stream<Item = Live> + Send + use<> {
    stream::unfold(hub.subscribe_events(), |mut receiver| async move {
        let fresh = match receiver.recv().await {
            Ok(fresh) => fresh,
            Err(broadcast::error::RecvError::Lagged(_)) => None,
            Err(broadcast::error::RecvError::Closed) => return None,
        };
        Some((fresh, receiver))
    })
    .filter_map(move |fresh: Fresh| {
        let (access, viewer, filter) = (access.clone(), viewer.clone(), filter.clone());
        async move {
            let Some(event) = fresh else {
                return Some(Live::Resync);
            };
            // Who may read an Event is decided where it is kept.
            let namespace = event.metadata.namespace.clone().unwrap_or_default();
            let (_, event) = cluster_event(Event::clone(&event))?;
            (filter.keeps(&event) && visible(&access, viewer.as_ref(), namespace).await)
                .then(|| Live::Event(Box::new(event)))
        }
    })
}

/// May `viewer` list Events in `namespace`? Asked of the access-review cache.
async fn visible(access: &Access, viewer: Option<&Identity>, namespace: String) -> bool {
    access
        .lets_see(viewer, &Check::list(On::Events, &namespace))
        .await
}
