//! One watch per kind for the whole server, started when the first page (or reconcile) asks
//! for that kind and kept while the server runs, and one of Events in every namespace for the
//! events page. Each change is summarised once and broadcast to every subscriber; what a
//! subscriber may see is decided on its side (see [`super::visible`] and `events::live`).
//! Each watch also keeps the objects it has seen, without their `managedFields` (but for
//! who wrote a suspending annotation last), so that a
//! reconcile can decide without reading the object again: requests see them through
//! [`crate::context::Watched`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use flux_web_shared::watch::Change;
use futures::StreamExt;
use k8s_openapi::api::core::v1::Event;
use kube::ResourceExt;
use kube::api::DynamicObject;
use kube::core::ApiResource;
use kube::runtime::reflector::{self, Store, store::Writer};
use kube::runtime::watcher::Event as WatchEvent;
use tokio::sync::broadcast;

use crate::cluster::{Cluster, ClusterError};
use crate::context::Watched;
use crate::context::wire_target;
use flux_web_core::kinds::Kind;
use flux_web_core::summary;
use flux_web_core::view::{View, slim_managed_fields};

/// Changes a slow subscriber may fall behind by before it is told to resync.
const BACKLOG: usize = 1024;
/// How long to wait before asking discovery again for a kind that is not installed.
const RETRY: Duration = Duration::from_secs(30);

/// One change as broadcast: the wire form, and what a subscriber filters on.
#[derive(Debug)]
pub struct Update {
    /// The kind changed, and its resource as served; none for a resync.
    pub kind: Option<&'static Kind>,
    pub resource: Option<Arc<ApiResource>>,
    pub namespace: String,
    pub name: String,
    pub change: Change,
    /// For the `resync` that ends a list of one kind: that kind's plural.
    pub listed: Option<&'static str>,
}

impl Update {
    /// A `resync`: after the list of `listed`, or (`None`) when changes were dropped.
    pub fn resync(listed: Option<&'static str>) -> Arc<Update> {
        Arc::new(Update {
            kind: None,
            resource: None,
            namespace: String::new(),
            name: String::new(),
            change: Change::Resync,
            listed,
        })
    }
}

struct Channel {
    sender: broadcast::Sender<Arc<Update>>,
    /// True once the watch has listed every object: from then on no change is missed.
    listed: Arc<AtomicBool>,
    cache: Arc<Cache>,
}

/// The objects of one kind as the watch last saw them.
#[derive(Default)]
struct Cache {
    /// Set once the kind's resource is known.
    store: OnceLock<(Store<DynamicObject>, ApiResource)>,
    /// True from the end of a list, or the first change after a broken watch, until the
    /// watch breaks or lists again: while it is, the store lags Kubernetes by no more than
    /// the watch's delivery.
    fresh: AtomicBool,
    /// Objects this server wrote whose new version the watch has not delivered yet, with
    /// that version: until it has, the store is behind on them, so it does not answer for
    /// them (a reconcile right after a suspend through flux-web sees the suspend).
    written: Mutex<HashMap<(String, String), String>>,
}

impl Cache {
    fn get(&self, namespace: &str, name: &str) -> Option<Arc<DynamicObject>> {
        if !self.fresh.load(Ordering::Acquire) {
            return None;
        }
        let key = (namespace.to_owned(), name.to_owned());
        if self.written().contains_key(&key) {
            return None;
        }
        let (store, resource) = self.store.get()?;
        store.get(&reflector::ObjectRef::new_with(name, resource.clone()).within(namespace))
    }

    fn written(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), String>> {
        self.written.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The watch delivered `event`: what it brings up to date is no longer behind.
    fn caught_up(&self, event: &WatchEvent<DynamicObject>) {
        match event {
            WatchEvent::Apply(object) | WatchEvent::Delete(object) => {
                let key = (object.namespace().unwrap_or_default(), object.name_any());
                let mut written = self.written();
                if written.get(&key) == object.metadata.resource_version.as_ref()
                    || matches!(event, WatchEvent::Delete(_))
                {
                    written.remove(&key);
                }
            }
            // A list is the state of everything as of its end.
            WatchEvent::InitDone => self.written().clear(),
            WatchEvent::Init | WatchEvent::InitApply(_) => {}
        }
    }
}

/// An Event written or updated, or (`None`) the end of a (re-)list of Events: what happened
/// while the watch was broken is unknown, so pages read again.
pub type Fresh = Option<Arc<Event>>;

#[derive(Clone)]
pub struct Hub {
    cluster: Cluster,
    channels: Arc<Mutex<HashMap<(&'static str, &'static str), Channel>>>,
    /// The watch of Events, started by its first subscriber.
    events: Arc<Mutex<Option<broadcast::Sender<Fresh>>>>,
}

impl Hub {
    pub fn new(cluster: Cluster) -> Self {
        Self {
            cluster,
            channels: Arc::default(),
            events: Arc::default(),
        }
    }

    /// A receiver of every Event written or updated in any namespace from now on.
    pub fn subscribe_events(&self) -> broadcast::Receiver<Fresh> {
        let mut events = self.events.lock().unwrap_or_else(PoisonError::into_inner);
        events
            .get_or_insert_with(|| {
                let (sender, _) = broadcast::channel(BACKLOG);
                tokio::spawn(run_events(self.cluster.clone(), sender.clone()));
                sender
            })
            .subscribe()
    }

    /// A receiver of the changes of `kind`, and whether its watch has already listed.
    /// Subscribing before reading the flag means no change falls between the two.
    pub fn subscribe(&self, kind: &'static Kind) -> (broadcast::Receiver<Arc<Update>>, bool) {
        self.channel(kind, |channel| {
            let receiver = channel.sender.subscribe();
            (receiver, channel.listed.load(Ordering::Acquire))
        })
    }

    /// `f` of the channel of `kind`, whose watch starts with the first call.
    fn channel<T>(&self, kind: &'static Kind, f: impl FnOnce(&Channel) -> T) -> T {
        let mut channels = self.channels.lock().unwrap_or_else(PoisonError::into_inner);
        let channel = channels
            .entry((kind.group, kind.plural))
            .or_insert_with(|| {
                let (sender, _) = broadcast::channel(BACKLOG);
                let channel = Channel {
                    sender,
                    listed: Arc::default(),
                    cache: Arc::default(),
                };
                tokio::spawn(run(
                    self.cluster.clone(),
                    kind,
                    channel.sender.clone(),
                    channel.listed.clone(),
                    channel.cache.clone(),
                ));
                channel
            });
        f(channel)
    }
}

impl Watched for Hub {
    fn cached(
        &self,
        kind: &'static Kind,
        namespace: &str,
        name: &str,
    ) -> Option<Arc<DynamicObject>> {
        self.channel(kind, |channel| channel.cache.clone())
            .get(namespace, name)
    }

    fn wrote(&self, resource: &ApiResource, object: &DynamicObject) {
        let channels = self.channels.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(channel) = channels.get(&(resource.group.as_str(), resource.plural.as_str()))
        else {
            return; // not watched: nothing cached to be behind
        };
        if let Some(version) = &object.metadata.resource_version {
            channel.cache.written().insert(
                (object.namespace().unwrap_or_default(), object.name_any()),
                version.clone(),
            );
        }
    }
}

/// Watches `kind` for as long as the server runs.
async fn run(
    cluster: Cluster,
    kind: &'static Kind,
    sender: broadcast::Sender<Arc<Update>>,
    listed: Arc<AtomicBool>,
    cache: Arc<Cache>,
) {
    let resource = loop {
        match cluster.resource(kind).await {
            Ok(resource) => break Arc::new(resource),
            Err(e) => {
                // A kind that is not installed has nothing to list: its subscribers need not
                // wait for it. Installed later, its watch's list resyncs them again.
                if matches!(e, ClusterError::NotFound(_)) && !listed.swap(true, Ordering::AcqRel) {
                    let _ = sender.send(Update::resync(Some(kind.plural)));
                }
                tracing::info!(kind = kind.kind, error = %e, "cannot watch this kind yet");
                tokio::time::sleep(RETRY).await;
            }
        }
    };
    let mut writer = Writer::new((*resource).clone());
    let _ = cache.store.set((writer.as_reader(), (*resource).clone()));
    let mut events = std::pin::pin!(cluster.watch(&resource));
    while let Some(event) = events.next().await {
        let event =
            event.map(|e| e.modify(|object| slim_managed_fields(kind, &mut object.metadata)));
        if let Ok(e) = &event {
            writer.apply_watcher_event(e);
            cache.caught_up(e);
        }
        // A (re-)list in progress or a broken watch: the store may be behind until the
        // list ends or a change arrives on the watch resumed.
        let fresh = matches!(
            event,
            Ok(WatchEvent::Apply(_) | WatchEvent::Delete(_) | WatchEvent::InitDone)
        );
        cache.fresh.store(fresh, Ordering::Release);
        let update = match event {
            Ok(WatchEvent::Apply(object)) => changed(kind, &resource, &object),
            Ok(WatchEvent::Delete(object)) => deleted(kind, &resource, &object),
            // A (re-)list: the changes it hides are unknown, so every page refetches once it
            // is complete. The objects it lists are not news.
            Ok(WatchEvent::InitDone) => {
                listed.store(true, Ordering::Release);
                Update::resync(Some(kind.plural))
            }
            Ok(WatchEvent::Init | WatchEvent::InitApply(_)) => continue,
            Err(e) => {
                tracing::warn!(kind = kind.kind, error = %e, "watch failed; retrying");
                continue;
            }
        };
        // Nobody listening is not an error: the watch stays warm for the next page.
        let _ = sender.send(update);
    }
}

/// Watches Events for as long as the server runs. The Events a list returns are not news;
/// nor is a deleted one (Events expire), which changes no page.
async fn run_events(cluster: Cluster, sender: broadcast::Sender<Fresh>) {
    let mut events = std::pin::pin!(cluster.watch_events());
    while let Some(event) = events.next().await {
        let fresh = match event {
            Ok(WatchEvent::Apply(event)) => Some(Arc::new(event)),
            Ok(WatchEvent::InitDone) => None,
            Ok(WatchEvent::Init | WatchEvent::InitApply(_) | WatchEvent::Delete(_)) => continue,
            Err(e) => {
                tracing::warn!(error = %e, "watch of Events failed; retrying");
                continue;
            }
        };
        let _ = sender.send(fresh);
    }
}

fn changed(
    kind: &'static Kind,
    resource: &Arc<ApiResource>,
    object: &DynamicObject,
) -> Arc<Update> {
    update(kind, resource, object, |target| Change::Changed {
        target,
        summary: summary::summarize(&View::parse(kind, object)),
    })
}

fn deleted(
    kind: &'static Kind,
    resource: &Arc<ApiResource>,
    object: &DynamicObject,
) -> Arc<Update> {
    update(kind, resource, object, |target| Change::Deleted { target })
}

fn update(
    kind: &'static Kind,
    resource: &Arc<ApiResource>,
    object: &DynamicObject,
    change: impl FnOnce(flux_web_shared::actions::Target) -> Change,
) -> Arc<Update> {
    let (namespace, name) = (object.namespace().unwrap_or_default(), object.name_any());
    Arc::new(Update {
        change: change(wire_target(resource, &namespace, &name)),
        kind: Some(kind),
        resource: Some(resource.clone()),
        namespace,
        name,
        listed: None,
    })
}
