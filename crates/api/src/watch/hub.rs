//! One watch per kind for the whole server, started when the first page (or reconcile) asks
//! for that kind and kept while the server runs, and one of Events in every namespace for the
//! events page. Each change is summarised once and broadcast to every subscriber; what a
//! subscriber may see is decided on its side (see [`super::visible`] and `events::live`).
//! Each watch also keeps what it has seen of every object, parsed once on arrival
//! ([`Cached`]: a list's row and the core's view, never the whole object), so that lists,
//! counts, search and the overview are answered from memory and a reconcile decides without
//! reading the object again: requests see them through [`crate::context::Watched`]. The
//! objects pages read lately are kept whole besides, as JSON (up to [`KEPT_BYTES`] a kind), up
//! to date with the watch, so that a page read again (an open page is, on every change of its
//! object) costs no call.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use flux_web_shared::watch::Change;
use futures::StreamExt;
use k8s_openapi::api::core::v1::Event;
use kube::ResourceExt;
use kube::api::DynamicObject;
use kube::core::ApiResource;
use kube::runtime::watcher::Event as WatchEvent;
use tokio::sync::broadcast;

use crate::cluster::{Cluster, ClusterError};
use crate::context::{Cached, Watched, wire_target};
use flux_web_core::kinds::{Kind, flux_kinds};
use flux_web_core::view::slim_managed_fields;

/// Changes a slow subscriber may fall behind by before it is told to resync.
const BACKLOG: usize = 1024;
/// How long to wait before asking discovery again for a kind that is not installed.
const RETRY: Duration = Duration::from_secs(30);
/// How long a write of this server may take to come back on the watch before the cache
/// stops waiting for it: a write that changed nothing (or whose event came before the
/// answer) never comes back, and must not keep the cache from answering for good.
const WRITE_ARRIVES: Duration = Duration::from_secs(5);
/// The JSON of whole objects a kind's cache keeps for pages, the least lately read given up
/// first: some 1,000 small Flux objects, a hundred with large inventories.
const KEPT_BYTES: usize = 2 << 20;

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

type Key = (String, String);

/// The objects of one kind as the watch last saw them, by namespace and name.
#[derive(Default)]
struct Cache {
    objects: RwLock<BTreeMap<Key, Arc<Cached>>>,
    /// True from the end of a list, or the first change after a broken watch, until the
    /// watch breaks or lists again: while it is, the cache lags Kubernetes by no more than
    /// the watch's delivery.
    fresh: AtomicBool,
    /// Objects this server wrote whose new version the watch has not delivered yet, with
    /// that version and when it was written: until it has, the cache is behind on them, so
    /// it does not answer for them (a reconcile right after a suspend through flux-web sees
    /// the suspend), nor lists their kind.
    written: Mutex<HashMap<Key, (String, Instant)>>,
    /// The objects pages read lately, whole (the watch replaces them as it delivers).
    kept: Mutex<Kept>,
}

/// Whole objects pages read lately, as JSON, and how many bytes they hold in all.
#[derive(Default)]
struct Kept {
    pages: HashMap<Key, Page>,
    bytes: usize,
}

struct Page {
    json: Arc<[u8]>,
    resource_version: Option<String>,
    /// When a page last read it.
    read_at: Instant,
}

impl Kept {
    /// `object` in place of what was kept at `key`; the least lately read given up while
    /// the kept are over [`KEPT_BYTES`] (but for this one).
    fn put(&mut self, key: Key, object: &DynamicObject) {
        let Ok(json) = serde_json::to_vec(object) else {
            return;
        };
        let page = Page {
            json: json.into(),
            resource_version: object.metadata.resource_version.clone(),
            read_at: Instant::now(),
        };
        self.bytes += page.json.len();
        if let Some(old) = self.pages.insert(key.clone(), page) {
            self.bytes -= old.json.len();
        }
        while self.bytes > KEPT_BYTES {
            let oldest = self
                .pages
                .iter()
                .filter(|(k, _)| **k != key)
                .min_by_key(|(_, page)| page.read_at)
                .map(|(k, _)| k.clone());
            match oldest {
                Some(oldest) => self.remove(&oldest),
                None => break,
            }
        }
    }

    fn remove(&mut self, key: &Key) {
        if let Some(old) = self.pages.remove(key) {
            self.bytes -= old.json.len();
        }
    }
}

impl Cache {
    fn objects(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<Key, Arc<Cached>>> {
        self.objects.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn get(&self, namespace: &str, name: &str) -> Option<Arc<Cached>> {
        if !self.fresh.load(Ordering::Acquire) {
            return None;
        }
        let key = (namespace.to_owned(), name.to_owned());
        if self.written().contains_key(&key) {
            return None;
        }
        self.objects().get(&key).cloned()
    }

    /// Whether the cache knows there is no such object: fresh, without it, and not waiting
    /// for a write of this server to it.
    fn absent(&self, namespace: &str, name: &str) -> bool {
        let key = (namespace.to_owned(), name.to_owned());
        self.fresh.load(Ordering::Acquire)
            && !self.written().contains_key(&key)
            && !self.objects().contains_key(&key)
    }

    fn kept(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The object whole and as cached, when `get` would answer for it and a page read that
    /// very version lately.
    fn whole(&self, namespace: &str, name: &str) -> Option<(Arc<Cached>, DynamicObject)> {
        let cached = self.get(namespace, name)?;
        let key = (namespace.to_owned(), name.to_owned());
        let json = {
            let mut kept = self.kept();
            let page = kept.pages.get_mut(&key)?;
            if page.resource_version != cached.resource_version {
                return None;
            }
            page.read_at = Instant::now();
            page.json.clone()
        };
        let object = serde_json::from_slice(&json).ok()?;
        Some((cached, object))
    }

    /// A page read `object` whole: kept when it is the version the cache has (an older or
    /// newer one would disagree with the watch's).
    fn keep(&self, key: Key, object: &DynamicObject) {
        let version = self.objects().get(&key).map(|c| c.resource_version.clone());
        if version == Some(object.metadata.resource_version.clone()) {
            self.kept().put(key, object);
        }
    }

    fn all(&self, namespace: Option<&str>) -> Option<Vec<Arc<Cached>>> {
        if !self.fresh.load(Ordering::Acquire) || !self.written().is_empty() {
            return None;
        }
        let objects = self.objects();
        Some(match namespace {
            None => objects.values().cloned().collect(),
            Some(namespace) => objects
                .range((namespace.to_owned(), String::new())..)
                .take_while(|((ns, _), _)| ns == namespace)
                .map(|(_, cached)| cached.clone())
                .collect(),
        })
    }

    /// The writes still on their way, once those that should have arrived long ago are
    /// dropped.
    fn written(&self) -> std::sync::MutexGuard<'_, HashMap<Key, (String, Instant)>> {
        let mut written = self.written.lock().unwrap_or_else(PoisonError::into_inner);
        written.retain(|_, (_, at)| at.elapsed() < WRITE_ARRIVES);
        written
    }

    /// This server wrote `version` of the object at `key`; nothing to wait for when the
    /// cache has that version already.
    fn wrote(&self, key: Key, version: &str) {
        let has = self
            .objects()
            .get(&key)
            .and_then(|c| c.resource_version.clone());
        if has.as_deref() != Some(version) {
            self.written()
                .insert(key, (version.to_owned(), Instant::now()));
        }
    }

    /// The watch delivered `object` (`None`: deleted): what it brings up to date is no
    /// longer behind.
    fn put(&self, key: Key, object: Option<(Arc<Cached>, DynamicObject)>) {
        let (object, whole) = object.unzip();
        let mut written = self.written();
        let version = object.as_ref().and_then(|o| o.resource_version.as_ref());
        if object.is_none() || written.get(&key).map(|(v, _)| v) == version {
            written.remove(&key);
        }
        drop(written);
        let mut kept = self.kept();
        if kept.pages.contains_key(&key) {
            match whole {
                Some(whole) => kept.put(key.clone(), &whole),
                None => kept.remove(&key),
            }
        }
        drop(kept);
        let mut objects = self.objects.write().unwrap_or_else(PoisonError::into_inner);
        match object {
            Some(object) => objects.insert(key, object),
            None => objects.remove(&key),
        };
    }

    /// A list ended: it is the state of everything as of its end.
    fn replace(&self, listed: BTreeMap<Key, Arc<Cached>>) {
        *self.objects.write().unwrap_or_else(PoisonError::into_inner) = listed;
        self.written().clear();
        // What the pages kept may have changed while the watch was broken: read anew.
        *self.kept() = Kept::default();
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

    /// Starts the watch of every Flux kind, so that the first list is answered from memory.
    pub fn warm(&self) {
        for kind in flux_kinds() {
            self.channel(kind, |_| ());
        }
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
    fn cached(&self, kind: &'static Kind, namespace: &str, name: &str) -> Option<Arc<Cached>> {
        self.channel(kind, |channel| channel.cache.clone())
            .get(namespace, name)
    }

    fn absent(&self, kind: &'static Kind, namespace: &str, name: &str) -> bool {
        self.channel(kind, |channel| channel.cache.clone())
            .absent(namespace, name)
    }

    fn kept(
        &self,
        kind: &'static Kind,
        namespace: &str,
        name: &str,
    ) -> Option<(Arc<Cached>, DynamicObject)> {
        self.channel(kind, |channel| channel.cache.clone())
            .whole(namespace, name)
    }

    fn keep(&self, kind: &'static Kind, mut object: DynamicObject) {
        slim_managed_fields(kind, &mut object.metadata);
        let key = (object.namespace().unwrap_or_default(), object.name_any());
        self.channel(kind, |channel| channel.cache.clone())
            .keep(key, &object);
    }

    fn listed(&self, kind: &'static Kind, namespace: Option<&str>) -> Option<Vec<Arc<Cached>>> {
        // Fresh implies listed: a watch delivers changes only after its first list.
        self.channel(kind, |channel| channel.cache.clone())
            .all(namespace)
    }

    fn wrote(&self, resource: &ApiResource, object: &DynamicObject) {
        let channels = self.channels.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(channel) = channels.get(&(resource.group.as_str(), resource.plural.as_str()))
        else {
            return; // not watched: nothing cached to be behind
        };
        if let Some(version) = &object.metadata.resource_version {
            let key = (object.namespace().unwrap_or_default(), object.name_any());
            channel.cache.wrote(key, version);
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
    let mut events = std::pin::pin!(cluster.watch(&resource));
    // The objects of a (re-)list in progress: the cache keeps the last state until it ends.
    let mut relist = BTreeMap::new();
    while let Some(event) = events.next().await {
        let parse = |mut object: DynamicObject| {
            slim_managed_fields(kind, &mut object.metadata);
            let key = (object.namespace().unwrap_or_default(), object.name_any());
            let cached = Arc::new(Cached::new(kind, &resource, &object));
            (key, cached, object)
        };
        // A (re-)list in progress or a broken watch: the cache may be behind until the
        // list ends or a change arrives on the watch resumed.
        let fresh = matches!(
            event,
            Ok(WatchEvent::Apply(_) | WatchEvent::Delete(_) | WatchEvent::InitDone)
        );
        let update = match event {
            Ok(WatchEvent::Apply(object)) => {
                let (key, cached, object) = parse(object);
                cache.put(key, Some((cached.clone(), object)));
                changed(&resource, &cached)
            }
            Ok(WatchEvent::Delete(object)) => {
                let (key, cached, _) = parse(object);
                cache.put(key, None);
                deleted(&resource, &cached)
            }
            // A (re-)list: the changes it hides are unknown, so every page refetches once it
            // is complete. The objects it lists are not news.
            Ok(WatchEvent::InitDone) => {
                cache.replace(std::mem::take(&mut relist));
                listed.store(true, Ordering::Release);
                Update::resync(Some(kind.plural))
            }
            Ok(WatchEvent::Init) => {
                relist.clear();
                cache.fresh.store(false, Ordering::Release);
                continue;
            }
            Ok(WatchEvent::InitApply(object)) => {
                let (key, cached, _) = parse(object);
                relist.insert(key, cached);
                continue;
            }
            Err(e) => {
                cache.fresh.store(false, Ordering::Release);
                tracing::warn!(kind = kind.kind, error = %e, "watch failed; retrying");
                continue;
            }
        };
        cache.fresh.store(fresh, Ordering::Release);
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

fn changed(resource: &Arc<ApiResource>, cached: &Cached) -> Arc<Update> {
    update(resource, cached, |target| Change::Changed {
        target,
        summary: cached.row.summary.clone(),
    })
}

fn deleted(resource: &Arc<ApiResource>, cached: &Cached) -> Arc<Update> {
    update(resource, cached, |target| Change::Deleted { target })
}

fn update(
    resource: &Arc<ApiResource>,
    cached: &Cached,
    change: impl FnOnce(flux_web_shared::actions::Target) -> Change,
) -> Arc<Update> {
    let (namespace, name) = (
        cached.view.object.namespace.clone(),
        cached.view.object.name.clone(),
    );
    Arc::new(Update {
        change: change(wire_target(resource, &namespace, &name)),
        kind: Some(cached.view.object.kind),
        resource: Some(resource.clone()),
        namespace,
        name,
        listed: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(name: &str, version: &str) -> (Key, Arc<Cached>, DynamicObject) {
        let kind = flux_web_core::kinds::find("kustomize.toolkit.fluxcd.io", "kustomizations")
            .expect("a Flux kind");
        let resource = ApiResource::from_gvk_with_plural(
            &kube::core::GroupVersionKind::gvk(kind.group, "v1", kind.kind),
            kind.plural,
        );
        let object: DynamicObject = serde_json::from_value(serde_json::json!({
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": name, "namespace": "apps", "resourceVersion": version},
            "spec": {"interval": version},
        }))
        .expect("an object");
        let key = ("apps".to_owned(), name.to_owned());
        (key, Arc::new(Cached::new(kind, &resource, &object)), object)
    }

    fn fresh_with(objects: &[(Key, Arc<Cached>, DynamicObject)]) -> Cache {
        let cache = Cache::default();
        cache.replace(
            objects
                .iter()
                .map(|(key, cached, _)| (key.clone(), cached.clone()))
                .collect(),
        );
        cache.fresh.store(true, Ordering::Release);
        cache
    }

    fn interval(kept: Option<(Arc<Cached>, DynamicObject)>) -> Option<String> {
        kept.map(|(_, whole)| {
            whole.data["spec"]["interval"]
                .as_str()
                .unwrap_or("")
                .to_owned()
        })
    }

    #[test]
    fn a_page_is_kept_at_the_cached_version_brought_up_to_date_and_dropped_when_deleted() {
        let (key, cached, whole) = object("web", "1");
        let cache = fresh_with(&[(key.clone(), cached, whole.clone())]);
        assert_eq!(interval(cache.whole("apps", "web")), None, "not read yet");
        // A read of another version than the cache's is not kept.
        let (_, _, newer) = object("web", "2");
        cache.keep(key.clone(), &newer);
        assert_eq!(interval(cache.whole("apps", "web")), None);
        cache.keep(key.clone(), &whole);
        assert_eq!(interval(cache.whole("apps", "web")).as_deref(), Some("1"));
        let (_, cached, whole) = object("web", "2");
        cache.put(key.clone(), Some((cached, whole)));
        assert_eq!(interval(cache.whole("apps", "web")).as_deref(), Some("2"));
        // Written by this server and not back yet, or the watch broken: read anew.
        cache.wrote(key.clone(), "3");
        assert_eq!(interval(cache.whole("apps", "web")), None);
        cache.written().clear();
        cache.fresh.store(false, Ordering::Release);
        assert_eq!(interval(cache.whole("apps", "web")), None);
        cache.fresh.store(true, Ordering::Release);
        assert!(!cache.absent("apps", "web"));
        cache.put(key.clone(), None);
        assert_eq!(interval(cache.whole("apps", "web")), None);
        assert_eq!(cache.kept().bytes, 0);
        // Gone: known absent, but not while a write of this server is on its way, nor stale.
        assert!(cache.absent("apps", "web"));
        cache.wrote(key, "4");
        assert!(!cache.absent("apps", "web"));
        cache.written().clear();
        cache.fresh.store(false, Ordering::Release);
        assert!(!cache.absent("apps", "web"));
    }

    #[test]
    fn past_its_bytes_the_page_read_least_lately_is_given_up() {
        let one = serde_json::to_vec(&object("web-00000", "1").2)
            .unwrap()
            .len();
        let fit = KEPT_BYTES / one;
        let objects: Vec<_> = (0..=fit)
            .map(|i| object(&format!("web-{i:05}"), "1"))
            .collect();
        let cache = fresh_with(&objects);
        for (i, (key, _, whole)) in objects[..fit].iter().enumerate() {
            cache.keep(key.clone(), whole);
            if i == 1 {
                // web-0 and web-1 read before every other.
                std::thread::sleep(Duration::from_millis(2));
            }
        }
        assert_eq!(cache.kept().pages.len(), fit);
        // web-0 read again: web-1 is now the least lately read.
        assert!(cache.whole("apps", "web-00000").is_some());
        let (key, _, whole) = &objects[fit];
        cache.keep(key.clone(), whole);
        let kept = cache.kept().bytes;
        assert!(kept <= KEPT_BYTES, "{kept}");
        assert!(cache.whole("apps", "web-00001").is_none());
        assert!(cache.whole("apps", "web-00000").is_some());
        assert!(cache.whole("apps", &format!("web-{fit:05}")).is_some());
    }
}
