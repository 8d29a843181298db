//! What a request needs of the server while it is handled: the adapter, access reviews, the
//! audit trail, the watches, the download policy and the clock; and the one way objects are
//! read into the core's views.

use flux_web_shared::actions::Verb;
use std::sync::Arc;

use flux_web_shared::actions::Target as WireTarget;
use flux_web_shared::objects::ResourceSummary;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::DynamicObject;
use kube::core::ApiResource;

use crate::access::{Access, Decision};
use crate::audit::Auditor;
use crate::auth::Caller;
use crate::clock::Clock;
use crate::cluster::{Cluster, Reader};
use crate::config::DownloadPolicy;
use crate::error::ApiError;
use crate::identity::Identity;
use flux_web_core::address::ObjectRef;
use flux_web_core::kinds::Kind;
use flux_web_core::plan::{self, Action, Check, Input, Plan};
use flux_web_core::summary;
use flux_web_core::view::View;

pub struct Context<'a> {
    pub cluster: &'a Cluster,
    pub download: &'a DownloadPolicy,
    pub access: &'a Access,
    pub audit: &'a Auditor,
    /// The server's watches, whose objects a reconcile decides on.
    pub watches: &'a dyn Watched,
    pub clock: &'a dyn Clock,
    /// The bulk run this request's actions belong to, named in their audit Events.
    pub run: Option<&'a str>,
    /// The longest a suspend's `until` may reach.
    pub max_suspension: std::time::Duration,
}

/// What the server's watches know (`watch::Hub`), as a request needs it: the watch of a kind
/// is above the requests that use it, so they see it through this. Everything here is read
/// as the server: the caller checks the reader's rights.
pub trait Watched: Send + Sync {
    /// The object as the server's watch of its kind last saw it, when that watch is fresh
    /// and has no older copy than what this server wrote; the first ask starts the watch.
    fn cached(&self, kind: &'static Kind, namespace: &str, name: &str) -> Option<Arc<Cached>>;

    /// Whether the server's watch of the kind knows there is no such object: it is fresh, has
    /// no copy, and no write of this server to it is on its way.
    fn absent(&self, kind: &'static Kind, namespace: &str, name: &str) -> bool;

    /// Every object of `kind` (in `namespace`, when given), in namespace and name order, when
    /// the watch has listed them all, is fresh, and no write of this server is still on its
    /// way to it: else `None`, and the caller reads Kubernetes. The first ask starts the watch.
    fn listed(&self, kind: &'static Kind, namespace: Option<&str>) -> Option<Vec<Arc<Cached>>>;

    /// The object whole, with its copy in the cache, when `cached` would answer for it and
    /// a page read that same version lately ([`Watched::keep`]); the watch keeps it up to date.
    fn kept(
        &self,
        kind: &'static Kind,
        namespace: &str,
        name: &str,
    ) -> Option<(Arc<Cached>, DynamicObject)>;

    /// A page read `object` of `kind` whole: kept for the next read while the watch brings it
    /// up to date, when it is the version the cache has.
    fn keep(&self, kind: &'static Kind, object: DynamicObject);

    /// This server wrote `object` of `resource`: no copy older than that answers for it.
    fn wrote(&self, resource: &ApiResource, object: &DynamicObject);
}

/// An object as lists, counts, search, the overview, the graph and a reconcile's plan read
/// it, parsed once (when a watch delivers it, or a list reads it): its row, its view, and the
/// version it was read at. Never the whole object, so a cache of 50,000 stays small
/// (docs/decisions.md, "Reads at scale").
#[derive(Debug)]
pub struct Cached {
    pub row: ResourceSummary,
    pub view: View,
    pub resource_version: Option<String>,
}

impl Cached {
    pub fn new(kind: &'static Kind, resource: &ApiResource, object: &DynamicObject) -> Self {
        let view = View::parse(kind, object);
        let row = ResourceSummary {
            target: wire_target(resource, &view.object.namespace, &view.object.name),
            summary: summary::summarize(&view),
        };
        Self {
            row,
            view,
            resource_version: object.metadata.resource_version.clone(),
        }
    }

    pub fn namespace(&self) -> &str {
        &self.view.object.namespace
    }

    /// The object as a plan reads it: its view, and a body of nothing but what names and
    /// versions it (name, namespace, uid, resourceVersion, generation).
    pub fn read(&self, resource: ApiResource) -> Read {
        let object = &self.view.object;
        let metadata = ObjectMeta {
            name: Some(object.name.clone()),
            namespace: Some(object.namespace.clone()),
            uid: self.view.uid.clone(),
            resource_version: self.resource_version.clone(),
            generation: self.view.generation,
            ..ObjectMeta::default()
        };
        Read {
            resource,
            found: DynamicObject {
                types: None,
                metadata,
                data: serde_json::Value::Null,
            },
            view: self.view.clone(),
        }
    }
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

/// Hands out a request's [`Context`]: the server's shared state, which sits above every
/// module that needs one. A bulk run, spawned, keeps one for as long as it runs.
pub trait Services: Send + Sync + 'static {
    fn context(&self) -> Context<'_>;
}

/// An object as read, and its view.
pub struct Read {
    pub resource: ApiResource,
    pub found: DynamicObject,
    pub view: View,
}

/// What Kubernetes says of a GET of an object that is not there.
fn not_found(resource: &ApiResource, name: &str) -> String {
    match resource.group.as_str() {
        "" => format!("{} \"{name}\" not found", resource.plural),
        group => format!("{}.{group} \"{name}\" not found", resource.plural),
    }
}

/// The sources a plan of `action` on `view` decides on: those of a pull of an object that is
/// not suspended, or of a staged pull.
fn sources_planned(action: Action, view: &View) -> &[ObjectRef] {
    match (action, &view.sources) {
        (Action::Pull, Ok(sources)) if !view.suspended => sources,
        (Action::Stage, Ok(sources)) => sources,
        _ => &[],
    }
}

/// Whose permissions a read uses: the caller's, or the server's when there is no caller
/// (read-only mode).
pub fn reader(caller: &Caller) -> Reader<'_> {
    match caller {
        Caller::User(identity) => Reader::User(identity),
        Caller::ReadOnly => Reader::Server,
    }
}

impl Context<'_> {
    /// The resource of `kind` at its served version; a kind not installed is a 404.
    pub async fn resource(&self, kind: &Kind) -> Result<ApiResource, ApiError> {
        Ok(self.cluster.resource(kind).await?)
    }

    /// Reads `object` with `reader`'s permissions.
    pub async fn read(&self, reader: Reader<'_>, object: &ObjectRef) -> Result<Read, ApiError> {
        let resource = self.resource(object.kind).await?;
        let found = self
            .cluster
            .get(reader, &resource, &object.namespace, &object.name)
            .await?;
        let view = View::parse(object.kind, &found);
        Ok(Read {
            resource,
            found,
            view,
        })
    }

    /// The views a plan of `action` on `view` needs beside it, read as the user as they are
    /// now: what an action decides on.
    pub async fn sources(
        &self,
        identity: &Identity,
        action: Action,
        view: &View,
    ) -> Result<Vec<View>, ApiError> {
        self.read_all(Reader::User(identity), sources_planned(action, view))
            .await
    }

    /// The same views for a page that offers the action without taking it: each from the
    /// watch when the caller may read it (see [`Context::view`]); taking the action reads
    /// them again.
    pub async fn source_views(
        &self,
        caller: &Caller,
        action: Action,
        view: &View,
    ) -> Result<Vec<View>, ApiError> {
        let mut views = Vec::new();
        for source in sources_planned(action, view) {
            views.push(self.view(caller, source).await?);
        }
        Ok(views)
    }

    /// Reads what `action` decides on, as the user, and plans it: the first steps of every
    /// action (the listing takes the same steps one by one).
    pub async fn plan(
        &self,
        identity: &Identity,
        target: &ObjectRef,
        action: Action,
        input: &Input<'_>,
    ) -> Result<(Read, Plan), ApiError> {
        plan::applicable(target.kind, action)?;
        let read = self.read_to_act(identity, target, action).await?;
        let sources = self.sources(identity, action, &read.view).await?;
        let plan = plan::plan(action, &read.view, &sources, input, self.access.mode())?;
        Ok((read, plan))
    }

    /// Reads the object `action` decides on, with the user's rights. A reconcile decides only
    /// whether the object is there and suspended, and a lag of the watch's delivery changes
    /// nothing that matters about it (docs/decisions.md): when the server's watch of the kind
    /// is fresh and the user may `get` the object (a cached review), the watch's copy answers
    /// without a call to Kubernetes. Every other action, and a reconcile the cache cannot
    /// answer, reads the object as it is now, as the user.
    async fn read_to_act(
        &self,
        identity: &Identity,
        target: &ObjectRef,
        action: Action,
    ) -> Result<Read, ApiError> {
        let object = target.clone();
        if action == Action::Reconcile
            && let Some(cached) = self
                .watches
                .cached(object.kind, &object.namespace, &object.name)
            && let Ok(Decision::Allowed) = self
                .access
                .check(identity, &Check::of(Verb::Get, &object))
                .await
        {
            return Ok(cached.read(self.resource(object.kind).await?));
        }
        self.read(Reader::User(identity), &object).await
    }

    /// The view of `object` as the caller may read it, for a page that shows its state and
    /// not its body: the watch's when it is fresh and the caller may `get` the object, else
    /// read from Kubernetes. An object the fresh watch does not have is not found, as a GET
    /// would answer to who may `get` it (a missing source is common: named before it is made).
    pub async fn view(&self, caller: &Caller, object: &ObjectRef) -> Result<View, ApiError> {
        let watches = self.watches;
        let (kind, namespace, name) = (object.kind, &object.namespace, &object.name);
        if let Some(cached) = watches.cached(kind, namespace, name)
            && self.may_get(caller, object).await?
        {
            return Ok(cached.view.clone());
        }
        if kind.workload.is_none()
            && watches.absent(kind, namespace, name)
            && self.may_get(caller, object).await?
        {
            return Err(ApiError::NotFound(not_found(
                &self.resource(kind).await?,
                name,
            )));
        }
        Ok(self.read(reader(caller), object).await?.view)
    }

    /// Reads the object a request is aimed at as the caller, or as the server when there is
    /// no caller. A Flux object a page read lately comes whole from the watch, which keeps
    /// it up to date, when the caller may `get` it; else from Kubernetes, and is kept.
    pub async fn read_target(&self, caller: &Caller, target: &ObjectRef) -> Result<Read, ApiError> {
        // Only the Flux kinds are watched: asking for a workload would start a watch of it.
        if target.kind.workload.is_some() {
            return self.read(reader(caller), target).await;
        }
        if let Some((cached, whole)) =
            self.watches
                .kept(target.kind, &target.namespace, &target.name)
            && self.may_get(caller, target).await?
        {
            return Ok(Read {
                resource: self.resource(target.kind).await?,
                found: whole,
                view: cached.view.clone(),
            });
        }
        let read = self.read(reader(caller), target).await?;
        self.watches.keep(target.kind, read.found.clone());
        Ok(read)
    }

    /// Whether the caller may `get` `object`, by a cached review; the server reads for
    /// nobody in read-only mode.
    async fn may_get(&self, caller: &Caller, object: &ObjectRef) -> Result<bool, ApiError> {
        Ok(match caller {
            Caller::ReadOnly => true,
            Caller::User(identity) => {
                self.access
                    .check(identity, &Check::of(Verb::Get, object))
                    .await?
                    == Decision::Allowed
            }
        })
    }

    /// Reads each of `objects`, in order.
    pub async fn read_all(
        &self,
        reader: Reader<'_>,
        objects: &[ObjectRef],
    ) -> Result<Vec<View>, ApiError> {
        let mut views = Vec::with_capacity(objects.len());
        for object in objects {
            views.push(self.read(reader, object).await?.view);
        }
        Ok(views)
    }
}
