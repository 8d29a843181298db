//! The only place that talks to Kubernetes. Everything else asks this module for what it
//! needs and gets errors already mapped to what they mean for flux-web ([`ClusterError`]),
//! blame included: a 403 of a call made as the user is theirs, one made as the server is the
//! admin's. Reads name their [`Reader`]; writes take the [`Grant`] that authorized them and
//! go only to the object it was granted for, as whom the permit says.

mod discovery;
mod lanes;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use futures::{Stream, StreamExt};
use http::{HeaderName, HeaderValue};
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec, SubjectAccessReview,
    SubjectAccessReviewSpec, SubjectAccessReviewStatus,
};
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{ConfigMap, Event, Pod, Secret};
use kube::Resource;
use kube::api::{Api, DeleteParams, DynamicObject, LogParams, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::core::{ApiResource, Request};
use kube::runtime::{WatchStreamExt, watcher};

use crate::identity::Identity;
use flux_web_core::kinds::Kind;
use flux_web_core::plan::{Check, On};
use flux_web_core::view::FIELD_MANAGER;

/// Objects a list asks the API server for at once.
const LIST_PAGE: u32 = 500;
/// A list longer than this many pages (a million objects) is refused rather than read.
const MAX_LIST_PAGES: u32 = 2000;

/// How long a liveness check of the API server may take before it counts as down.
const PING_TIMEOUT: Duration = Duration::from_secs(3);
/// The deadline of every other call, unless the config sets one.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// A connection to one Kubernetes API server, as the server's own identity.
#[derive(Clone)]
pub struct Cluster {
    client: kube::Client,
    url: String,
    versions: Arc<discovery::Versions>,
    served: Arc<discovery::ServedKinds>,
    /// Every call gets this long: a frozen API server never holds a request forever.
    timeout: Duration,
    /// Writes of one object go one at a time.
    lanes: Arc<lanes::Lanes>,
    /// Lists of every namespace go one at a time: each may be tens of thousands of objects
    /// (a page read before the watches have listed), and side by side they multiply this
    /// replica's memory and the API server's work (a restart's first pages all at once).
    wide_lists: Arc<tokio::sync::Semaphore>,
    /// The cluster of the kubeconfig's current context, when one was used.
    name: Option<String>,
}

/// The two kinds whose data Flux objects take values from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataKind {
    ConfigMap,
    Secret,
}

impl DataKind {
    pub fn name(self) -> &'static str {
        match self {
            DataKind::ConfigMap => "ConfigMap",
            DataKind::Secret => "Secret",
        }
    }
}

/// Whose permissions a read uses.
#[derive(Debug, Clone, Copy)]
pub enum Reader<'a> {
    /// The caller's own, impersonated: every read of a caller, in every access mode.
    User(&'a Identity),
    /// The server's: read-only mode (no caller), and the audit trail's own lookups.
    Server,
}

/// As whom a preview's dry run applies.
#[derive(Debug, Clone, Copy)]
pub enum Applier<'a> {
    /// The caller, impersonated.
    Caller(&'a Identity),
    /// The service account kustomize-controller applies as (`spec.serviceAccountName`), which
    /// the server impersonates only where an operator granted it that.
    ServiceAccount { namespace: &'a str, name: &'a str },
}

impl<'a> From<Applier<'a>> for Who<'a> {
    fn from(applier: Applier<'a>) -> Self {
        match applier {
            Applier::Caller(identity) => Who::User(identity),
            Applier::ServiceAccount { namespace, name } => Who::Account { namespace, name },
        }
    }
}

/// Whose permissions a request is made with. Kubernetes does not look groups up for an
/// impersonated user, so they are always sent; a service account's groups are fixed, and the
/// API server adds them itself.
#[derive(Debug, Clone, Copy)]
enum Who<'a> {
    Server,
    User(&'a Identity),
    Account { namespace: &'a str, name: &'a str },
}

impl<'a> From<Reader<'a>> for Who<'a> {
    fn from(reader: Reader<'a>) -> Self {
        match reader {
            Reader::User(identity) => Who::User(identity),
            Reader::Server => Who::Server,
        }
    }
}

/// What a write needs of the permit that allows it: the check it passed (the write goes
/// there and nowhere else) and whom it impersonates. `access::Permit` is the one
/// implementation, and only a passed access review makes one; the trait is sealed, so no
/// code outside this crate can make a write's permit of its own.
pub trait Grant: sealed::Sealed {
    fn check(&self) -> &Check;
    /// The user a write impersonates, or none when the server writes (FineGrained).
    fn impersonates(&self) -> Option<&Identity>;
}

/// The seal of [`Grant`]: only this crate can implement it.
pub(crate) mod sealed {
    pub trait Sealed {}
}

impl<'a> Who<'a> {
    fn of(permit: &'a (dyn Grant + Sync)) -> Self {
        match permit.impersonates() {
            Some(identity) => Who::User(identity),
            None => Who::Server,
        }
    }

    /// A 403 of a call made as the server is the admin's to fix, not the user's.
    fn blame(self, error: impl Into<ClusterError>) -> ClusterError {
        match (self, error.into()) {
            (Who::Server, ClusterError::Forbidden(message)) => {
                ClusterError::ServerForbidden(message)
            }
            (_, other) => other,
        }
    }
}

/// A failed Kubernetes call, by what it means to the caller.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ClusterError {
    #[error("{0}")]
    NotFound(String),
    /// The user may not.
    #[error("{0}")]
    Forbidden(String),
    /// The server's own identity may not: for the admin to fix.
    #[error("{0}")]
    ServerForbidden(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Unavailable(String),
    /// No answer within the deadline; the message says whether a write may have been made.
    #[error("{0}")]
    Timeout(String),
}

impl From<kube::Error> for ClusterError {
    fn from(error: kube::Error) -> Self {
        // By HTTP code: a bare 404 (no such path) carries no NotFound reason.
        match error {
            kube::Error::Api(status) => match status.code {
                404 => Self::NotFound(status.message),
                403 => Self::Forbidden(status.message),
                409 => Self::Conflict(status.message),
                400 | 422 => Self::Invalid(status.message),
                _ => Self::Unavailable(status.message),
            },
            other => Self::Unavailable(other.to_string()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("cannot read kubeconfig {path}: {source}")]
    Kubeconfig {
        path: String,
        source: kube::config::KubeconfigError,
    },
    #[error(
        "no Kubernetes configuration found: pass --kubeconfig, set KUBECONFIG, or run in a \
         cluster ({0})"
    )]
    Infer(kube::config::InferConfigError),
    #[error("cannot build a Kubernetes client for {url}: {source}")]
    Client { url: String, source: kube::Error },
}

/// The cluster of the kubeconfig's current context.
fn context_cluster(file: &Kubeconfig) -> Option<String> {
    let current = file.current_context.as_deref()?;
    file.contexts
        .iter()
        .find(|c| c.name == current)
        .and_then(|c| c.context.as_ref())
        .map(|c| c.cluster.clone())
        .filter(|name| !name.is_empty())
}

/// Why the API server could not be reached.
#[derive(Debug, thiserror::Error)]
#[error("Kubernetes API at {url} unreachable: {reason}")]
pub struct Unreachable {
    pub url: String,
    pub reason: String,
}

impl Cluster {
    /// Connects with the given kubeconfig file, or else `KUBECONFIG`, `~/.kube/config` or the
    /// in-cluster service account, in kube-rs's order. Does not contact the API server.
    pub async fn connect(kubeconfig: Option<&Path>) -> Result<Self, ConnectError> {
        let (config, name) = match kubeconfig {
            Some(path) => {
                let kubeconfig_error = |source| ConnectError::Kubeconfig {
                    path: path.display().to_string(),
                    source,
                };
                let file = Kubeconfig::read_from(path).map_err(kubeconfig_error)?;
                let name = context_cluster(&file);
                let config =
                    kube::Config::from_custom_kubeconfig(file, &KubeConfigOptions::default())
                        .await
                        .map_err(kubeconfig_error)?;
                (config, name)
            }
            None => {
                let config = kube::Config::infer().await.map_err(ConnectError::Infer)?;
                // kube-rs prefers a kubeconfig to the service account: the same file, if any.
                let name = Kubeconfig::read().ok().and_then(|f| context_cluster(&f));
                (config, name)
            }
        };
        Ok(Self {
            name,
            ..Self::from_config(config)?
        })
    }

    /// The cluster's name in the kubeconfig it was reached by, if any.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// A client for an explicit configuration; makes no request.
    pub fn from_config(config: kube::Config) -> Result<Self, ConnectError> {
        let url = config.cluster_url.to_string();
        let client = kube::client::ClientBuilder::try_from(config)
            .map_err(|source| ConnectError::Client {
                url: url.clone(),
                source,
            })?
            // Every call is timed and counted, whoever makes it.
            .with_layer(&crate::metrics::kubernetes::TimeCalls)
            .build();
        Ok(Self {
            client,
            url,
            versions: Arc::default(),
            served: Arc::default(),
            timeout: DEFAULT_TIMEOUT,
            lanes: Arc::default(),
            wide_lists: Arc::new(tokio::sync::Semaphore::new(1)),
            name: None,
        })
    }

    /// The same connection with another deadline for each call.
    pub fn with_timeout(self, timeout: Duration) -> Self {
        Self { timeout, ..self }
    }

    /// Runs one call within the deadline. A write that times out may still be applied by an
    /// API server that wakes up later: the error says its outcome is unknown.
    async fn bounded<T>(
        &self,
        write: bool,
        call: impl Future<Output = Result<T, kube::Error>>,
    ) -> Result<T, ClusterError> {
        match tokio::time::timeout(self.timeout, call).await {
            Ok(result) => Ok(result?),
            Err(_) if write => Err(ClusterError::Timeout(format!(
                "the Kubernetes API did not answer within {:?}; the write may or may not have \
                 been made: look at the object before trying again",
                self.timeout
            ))),
            Err(_) => Err(ClusterError::Timeout(format!(
                "the Kubernetes API did not answer within {:?}",
                self.timeout
            ))),
        }
    }

    /// The deadline of each call.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// The addresses the API server's URL resolves to, which a download must never reach.
    pub async fn addresses(&self) -> Vec<std::net::SocketAddr> {
        let Ok(url) = url::Url::parse(&self.url) else {
            return Vec::new();
        };
        let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
            return Vec::new();
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        match tokio::time::timeout(PING_TIMEOUT, tokio::net::lookup_host((host, port))).await {
            Ok(Ok(found)) => found.collect(),
            _ => Vec::new(),
        }
    }

    /// Asks the API server for its version: cheap, and allowed to every identity.
    pub async fn ping(&self) -> Result<String, Unreachable> {
        let unreachable = |reason: String| Unreachable {
            url: self.url.clone(),
            reason,
        };
        match tokio::time::timeout(PING_TIMEOUT, self.client.apiserver_version()).await {
            Ok(Ok(info)) => Ok(info.git_version),
            Ok(Err(e)) => Err(unreachable(e.to_string())),
            Err(_) => Err(unreachable(format!("no answer within {PING_TIMEOUT:?}"))),
        }
    }

    /// The resource of `kind` at the version the API server prefers. `NotFound` when the kind
    /// is not installed; asked again later, so a CRD installed after start-up is found.
    pub async fn resource(&self, kind: &Kind) -> Result<ApiResource, ClusterError> {
        let version =
            match tokio::time::timeout(self.timeout, self.versions.preferred(&self.client, kind))
                .await
            {
                Ok(version) => version.map_err(|e| Who::Server.blame(e))?,
                Err(_) => {
                    return Err(ClusterError::Timeout(format!(
                        "the Kubernetes API did not answer within {:?}",
                        self.timeout
                    )));
                }
            };
        Ok(ApiResource {
            group: kind.group.to_owned(),
            version: version.clone(),
            api_version: kind.api_version(&version),
            kind: kind.kind.to_owned(),
            plural: kind.plural.to_owned(),
        })
    }

    /// The resource of any `group`/`version`/`kind` (one flux-web does not know: an inventory
    /// names them so), and whether it is namespaced. `NotFound` when it is not served.
    pub async fn resource_of(
        &self,
        group: &str,
        version: &str,
        kind: &str,
    ) -> Result<(ApiResource, bool), ClusterError> {
        let asked = self.served.plural(&self.client, group, version, kind);
        let (plural, namespaced) = match tokio::time::timeout(self.timeout, asked).await {
            Ok(found) => found.map_err(|e| Who::Server.blame(e))?,
            Err(_) => {
                return Err(ClusterError::Timeout(format!(
                    "the Kubernetes API did not answer within {:?}",
                    self.timeout
                )));
            }
        };
        let api_version = match group {
            "" => version.to_owned(),
            _ => format!("{group}/{version}"),
        };
        let resource = ApiResource {
            group: group.to_owned(),
            version: version.to_owned(),
            api_version,
            kind: kind.to_owned(),
            plural,
        };
        Ok((resource, namespaced))
    }

    /// The resource a check or a write is on: a kind at its served version, Jobs or Events.
    pub async fn resource_on(&self, on: On) -> Result<ApiResource, ClusterError> {
        let (version, api_version) = match on {
            On::Kind(kind) => return self.resource(kind).await,
            On::Jobs => ("v1", "batch/v1"),
            On::Events => ("v1", "v1"),
        };
        Ok(ApiResource {
            group: on.group().into(),
            version: version.into(),
            api_version: api_version.into(),
            kind: on.kind().into(),
            plural: on.plural().into(),
        })
    }

    pub async fn get(
        &self,
        reader: Reader<'_>,
        resource: &ApiResource,
        namespace: &str,
        name: &str,
    ) -> Result<DynamicObject, ClusterError> {
        // A cluster-scoped object (an inventory's Namespace) has no namespace.
        let scope = Some(namespace).filter(|n| !n.is_empty());
        let request = Request::new(DynamicObject::url_path(resource, scope))
            .get(name, &Default::default())
            .map_err(|e| ClusterError::Invalid(e.to_string()))?;
        self.send(reader.into(), request).await
    }

    /// The data of a ConfigMap, or of a Secret decoded (its bytes read as UTF-8, as the Flux
    /// controllers that take text from them read them); a key whose value is not text is left
    /// out.
    pub async fn data(
        &self,
        reader: Reader<'_>,
        kind: DataKind,
        namespace: &str,
        name: &str,
    ) -> Result<std::collections::BTreeMap<String, String>, ClusterError> {
        let resource = match kind {
            DataKind::ConfigMap => ApiResource::erase::<ConfigMap>(&()),
            DataKind::Secret => ApiResource::erase::<Secret>(&()),
        };
        let object = self.get(reader, &resource, namespace, name).await?;
        let data = object.data["data"].as_object().cloned().unwrap_or_default();
        Ok(data
            .into_iter()
            .filter_map(|(key, value)| {
                let text = value.as_str()?;
                Some(match kind {
                    DataKind::ConfigMap => (key, text.to_owned()),
                    DataKind::Secret => {
                        let bytes = base64::engine::general_purpose::STANDARD
                            .decode(text)
                            .ok()?;
                        (key, String::from_utf8_lossy(&bytes).into_owned())
                    }
                })
            })
            .collect())
    }

    /// Every object of `resource` in `namespace` (or in all) that matches `labels`, a label
    /// selector (or all), read as `T`: a `DynamicObject`, or a type with only the fields the
    /// caller needs, so that large lists are not held whole.
    pub async fn list<T: serde::de::DeserializeOwned>(
        &self,
        reader: Reader<'_>,
        resource: &ApiResource,
        namespace: Option<&str>,
        labels: Option<&str>,
    ) -> Result<Vec<T>, ClusterError> {
        self.list_each(reader, resource, namespace, labels, |item| item)
            .await
    }

    /// [`Cluster::list`], each object made into what the caller keeps of it as its page
    /// arrives: of a list of thousands, one page is ever held as read.
    pub async fn list_each<T: serde::de::DeserializeOwned, U>(
        &self,
        reader: Reader<'_>,
        resource: &ApiResource,
        namespace: Option<&str>,
        labels: Option<&str>,
        each: impl FnMut(T) -> U,
    ) -> Result<Vec<U>, ClusterError> {
        let mut params = kube::api::ListParams::default();
        if let Some(labels) = labels {
            params = params.labels(labels);
        }
        let path = DynamicObject::url_path(resource, namespace);
        // Held until the list is read; closed never (the semaphore lives with the client).
        let _turn = match namespace {
            None => self.wide_lists.acquire().await.ok(),
            Some(_) => None,
        };
        self.pages(reader, &path, params, &resource.plural, each)
            .await
    }

    /// A list read in pages of [`LIST_PAGE`] from one consistent snapshot, so a page's JSON
    /// is all that is ever in memory at once, each item made `each` of as its page arrives.
    async fn pages<T: serde::de::DeserializeOwned, U>(
        &self,
        reader: Reader<'_>,
        path: &str,
        params: kube::api::ListParams,
        what: &str,
        mut each: impl FnMut(T) -> U,
    ) -> Result<Vec<U>, ClusterError> {
        #[derive(serde::Deserialize)]
        struct Page<T> {
            items: Vec<T>,
            #[serde(default)]
            metadata: kube::core::ListMeta,
        }
        let mut params = params.limit(LIST_PAGE);
        let who = Who::from(reader);
        let mut items = Vec::new();
        for _ in 0..MAX_LIST_PAGES {
            let mut request = Request::new(path)
                .list(&params)
                .map_err(|e| ClusterError::Invalid(e.to_string()))?;
            impersonate(who, &mut request)?;
            let page: Page<T> = self
                .bounded(false, self.client.request(request))
                .await
                .map_err(|e| who.blame(e))?;
            items.extend(page.items.into_iter().map(&mut each));
            match page.metadata.continue_ {
                Some(token) if !token.is_empty() => params = params.continue_token(&token),
                _ => return Ok(items),
            }
        }
        Err(ClusterError::Unavailable(format!(
            "more than {} {what} to list",
            LIST_PAGE * MAX_LIST_PAGES,
        )))
    }

    /// Every change to objects of `resource` in all namespaces, as the server sees them;
    /// re-lists and backs off by itself when the watch breaks.
    pub fn watch(
        &self,
        resource: &ApiResource,
    ) -> impl Stream<Item = Result<watcher::Event<DynamicObject>, watcher::Error>> + Send + use<>
    {
        let api = Api::<DynamicObject>::all_with(self.client.clone(), resource);
        watcher::watcher(api, watcher::Config::default()).default_backoff()
    }

    /// The Secret `namespace/name`, as the server reads it (its own configuration).
    pub async fn secret(&self, namespace: &str, name: &str) -> Result<Secret, ClusterError> {
        let api = Api::<Secret>::namespaced(self.client.clone(), namespace);
        self.bounded(false, api.get(name))
            .await
            .map_err(|e| Who::Server.blame(e))
    }

    /// The Secret `namespace/name` at every change (`None`: deleted), as the server sees
    /// it; re-lists and backs off by itself when the watch breaks.
    pub fn watch_secret(
        &self,
        namespace: &str,
        name: &str,
    ) -> impl Stream<Item = Result<Option<Secret>, ClusterError>> + Send + use<> {
        let api = Api::<Secret>::namespaced(self.client.clone(), namespace);
        let only = watcher::Config::default().fields(&format!("metadata.name={name}"));
        watcher::watcher(api, only)
            .default_backoff()
            .filter_map(|event| {
                std::future::ready(match event {
                    Ok(watcher::Event::Apply(secret) | watcher::Event::InitApply(secret)) => {
                        Some(Ok(Some(secret)))
                    }
                    Ok(watcher::Event::Delete(_)) => Some(Ok(None)),
                    Ok(watcher::Event::Init | watcher::Event::InitDone) => None,
                    Err(e) => Some(Err(ClusterError::Unavailable(e.to_string()))),
                })
            })
    }

    /// The Lease `namespace/name`, if there is one, as the server reads it.
    pub async fn lease(&self, namespace: &str, name: &str) -> Result<Option<Lease>, ClusterError> {
        let api = Api::<Lease>::namespaced(self.client.clone(), namespace);
        self.bounded(false, api.get_opt(name))
            .await
            .map_err(|e| Who::Server.blame(e))
    }

    /// Creates `lease`, or replaces it when it carries the resourceVersion it was read at:
    /// a Lease changed by another since is a [`ClusterError::Conflict`], which is how only
    /// one replica can win it.
    pub async fn write_lease(&self, namespace: &str, lease: &Lease) -> Result<Lease, ClusterError> {
        let api = Api::<Lease>::namespaced(self.client.clone(), namespace);
        let name = lease.metadata.name.clone().unwrap_or_default();
        let write = async {
            match lease.metadata.resource_version {
                Some(_) => api.replace(&name, &PostParams::default(), lease).await,
                None => api.create(&PostParams::default(), lease).await,
            }
        };
        self.bounded(true, write)
            .await
            .map_err(|e| Who::Server.blame(e))
    }

    /// The names of all namespaces, as the server sees them.
    pub async fn namespaces(&self) -> Result<Vec<String>, ClusterError> {
        let api = Api::<k8s_openapi::api::core::v1::Namespace>::all(self.client.clone());
        let list = self
            .bounded(false, api.list(&Default::default()))
            .await
            .map_err(|e| Who::Server.blame(e))?;
        Ok(list
            .items
            .into_iter()
            .filter_map(|n| n.metadata.name)
            .collect())
    }

    /// A JSON merge patch (RFC 7386, `null` removes a field) of the permit's object.
    pub async fn merge_patch(
        &self,
        permit: &(dyn Grant + Sync),
        resource: &ApiResource,
        patch: &serde_json::Value,
        dry_run: bool,
    ) -> Result<DynamicObject, ClusterError> {
        let (namespace, name) = granted(permit, resource)?;
        let params = PatchParams {
            dry_run,
            field_manager: Some(FIELD_MANAGER.to_owned()),
            ..Default::default()
        };
        let request = Request::new(DynamicObject::url_path(resource, Some(namespace)))
            .patch(name, &params, &Patch::Merge(patch))
            .map_err(|e| ClusterError::Invalid(e.to_string()))?;
        let _turn = self.turn(resource, namespace, name, dry_run).await?;
        self.send(Who::of(permit), request).await
    }

    /// The turn of a write of `namespace/name` of `resource` (see [`lanes`]), waited for no
    /// longer than a call may take; a dry run changes nothing and waits for none.
    async fn turn(
        &self,
        resource: &ApiResource,
        namespace: &str,
        name: &str,
        dry_run: bool,
    ) -> Result<Option<lanes::Turn>, ClusterError> {
        if dry_run {
            return Ok(None);
        }
        let key = format!("{}/{}/{namespace}/{name}", resource.group, resource.plural);
        tokio::time::timeout(self.timeout, self.lanes.enter(key))
            .await
            .map(Some)
            .map_err(|_| {
                ClusterError::Timeout(format!(
                    "other writes of {namespace}/{name} held it for longer than {:?}; nothing was written",
                    self.timeout
                ))
            })
    }

    /// A server-side apply of `body` to the permit's object, owned by field manager
    /// `flux-web`, forced: flux-web takes the fields it sets even if another manager set them
    /// before.
    pub async fn apply(
        &self,
        permit: &(dyn Grant + Sync),
        resource: &ApiResource,
        body: &serde_json::Value,
        dry_run: bool,
    ) -> Result<DynamicObject, ClusterError> {
        let (namespace, name) = granted(permit, resource)?;
        let mut params = PatchParams::apply(FIELD_MANAGER).force();
        params.dry_run = dry_run;
        let request = Request::new(DynamicObject::url_path(resource, Some(namespace)))
            .patch(name, &params, &Patch::Apply(body))
            .map_err(|e| ClusterError::Invalid(e.to_string()))?;
        let _turn = self.turn(resource, namespace, name, dry_run).await?;
        self.send(Who::of(permit), request).await
    }

    /// What a server-side apply of `body` by `manager`, taking every field it sets (forced),
    /// would make of the object, with nothing written (`dryRun=All`): as `reader`, whose
    /// `patch` Kubernetes checks. A preview's only use: no permit, since nothing changes.
    pub async fn dry_run_apply(
        &self,
        applier: Applier<'_>,
        resource: &ApiResource,
        body: &serde_json::Value,
        manager: &str,
    ) -> Result<DynamicObject, ClusterError> {
        let namespace = body["metadata"]["namespace"]
            .as_str()
            .filter(|n| !n.is_empty());
        let name = body["metadata"]["name"].as_str().unwrap_or_default();
        let mut params = PatchParams::apply(manager).force();
        params.dry_run = true;
        let request = Request::new(DynamicObject::url_path(resource, namespace))
            .patch(name, &params, &Patch::Apply(body))
            .map_err(|e| ClusterError::Invalid(e.to_string()))?;
        self.send(applier.into(), request).await
    }

    /// Creates `body` in the namespace the permit was granted for.
    pub async fn create(
        &self,
        permit: &(dyn Grant + Sync),
        resource: &ApiResource,
        body: &serde_json::Value,
        dry_run: bool,
    ) -> Result<DynamicObject, ClusterError> {
        let (namespace, _) = granted(permit, resource)?;
        let params = PostParams {
            dry_run,
            field_manager: Some(FIELD_MANAGER.to_owned()),
        };
        let bytes = serde_json::to_vec(body).map_err(|e| ClusterError::Invalid(e.to_string()))?;
        let request = Request::new(DynamicObject::url_path(resource, Some(namespace)))
            .create(&params, bytes)
            .map_err(|e| ClusterError::Invalid(e.to_string()))?;
        self.send(Who::of(permit), request).await
    }

    /// Deletes the permit's object.
    pub async fn delete(
        &self,
        permit: &(dyn Grant + Sync),
        resource: &ApiResource,
        grace_period_seconds: Option<u32>,
        dry_run: bool,
    ) -> Result<(), ClusterError> {
        let (namespace, name) = granted(permit, resource)?;
        let who = Who::of(permit);
        let params = DeleteParams {
            dry_run,
            grace_period_seconds,
            ..Default::default()
        };
        let mut request = Request::new(DynamicObject::url_path(resource, Some(namespace)))
            .delete(name, &params)
            .map_err(|e| ClusterError::Invalid(e.to_string()))?;
        impersonate(who, &mut request)?;
        // The answer is the object or a Status, depending on the kind: only success matters.
        self.bounded(true, self.client.request_text(request))
            .await
            .map_err(|e| who.blame(e))?;
        Ok(())
    }

    /// Kubernetes' answer to an access review: allowed and not denied.
    async fn allowed<R>(
        &self,
        review: &R,
        status: fn(R) -> Option<SubjectAccessReviewStatus>,
    ) -> Result<bool, ClusterError>
    where
        R: kube::Resource<DynamicType = ()>
            + Clone
            + std::fmt::Debug
            + serde::Serialize
            + serde::de::DeserializeOwned,
    {
        let api = Api::<R>::all(self.client.clone());
        let answer = self
            .bounded(false, api.create(&PostParams::default(), review))
            .await
            .map_err(|e| Who::Server.blame(e))?;
        let status = status(answer).unwrap_or_default();
        Ok(status.allowed && !status.denied.unwrap_or(false))
    }

    /// Asks whether the server itself may impersonate service account `namespace/name` (a
    /// SelfSubjectAccessReview).
    pub async fn may_impersonate(&self, namespace: &str, name: &str) -> Result<bool, ClusterError> {
        let review = SelfSubjectAccessReview {
            spec: SelfSubjectAccessReviewSpec {
                resource_attributes: Some(attributes(
                    "",
                    "serviceaccounts",
                    namespace,
                    name,
                    "impersonate",
                )),
                ..Default::default()
            },
            ..Default::default()
        };
        self.allowed(&review, |r| r.status).await
    }

    /// Asks whether `username` in `groups` passes `check` (a SubjectAccessReview).
    pub async fn review(
        &self,
        username: &str,
        groups: &[String],
        check: &Check,
    ) -> Result<bool, ClusterError> {
        let review = SubjectAccessReview {
            spec: SubjectAccessReviewSpec {
                user: Some(username.to_owned()),
                groups: Some(groups.to_vec()),
                resource_attributes: Some(attributes(
                    check.on.group(),
                    check.on.plural(),
                    &check.namespace,
                    &check.name,
                    check.verb.as_str(),
                )),
                ..Default::default()
            },
            ..Default::default()
        };
        self.allowed(&review, |r| r.status).await
    }

    /// The Events of `namespace` (or of all) that match a field selector.
    pub async fn events(
        &self,
        reader: Reader<'_>,
        namespace: Option<&str>,
        fields: &str,
    ) -> Result<Vec<Event>, ClusterError> {
        let params = kube::api::ListParams::default().fields(fields);
        self.pages(
            reader,
            &Event::url_path(&(), namespace),
            params,
            "events",
            |event| event,
        )
        .await
    }

    /// Every Event written or updated in any namespace, as the server sees them; re-lists
    /// and backs off by itself when the watch breaks.
    pub fn watch_events(
        &self,
    ) -> impl Stream<Item = Result<watcher::Event<Event>, watcher::Error>> + Send + use<> {
        let api = Api::<Event>::all(self.client.clone());
        watcher::watcher(api, watcher::Config::default()).default_backoff()
    }

    /// A followed container log: its lines as the container writes them. The deadline bounds
    /// the wait for the answer to start; the stream then lasts until the container stops or
    /// its reader drops it.
    pub async fn pod_log_stream(
        &self,
        reader: Reader<'_>,
        namespace: &str,
        pod: &str,
        params: &LogParams,
    ) -> Result<impl futures::AsyncBufRead + Send + Unpin + use<>, ClusterError> {
        let who = Who::from(reader);
        let request = self.log_request(who, namespace, pod, params)?;
        self.bounded(false, self.client.request_stream(request))
            .await
            .map_err(|e| who.blame(e))
    }

    fn log_request(
        &self,
        who: Who<'_>,
        namespace: &str,
        pod: &str,
        params: &LogParams,
    ) -> Result<http::Request<Vec<u8>>, ClusterError> {
        let mut request = Request::new(Pod::url_path(&(), Some(namespace)))
            .logs(pod, params)
            .map_err(|e| ClusterError::Invalid(e.to_string()))?;
        impersonate(who, &mut request)?;
        Ok(request)
    }

    /// Creates an Event as the server.
    pub async fn create_event(&self, event: &Event) -> Result<(), ClusterError> {
        let namespace = event.metadata.namespace.as_deref().unwrap_or("default");
        let api = Api::<Event>::namespaced(self.client.clone(), namespace);
        self.bounded(true, api.create(&PostParams::default(), event))
            .await
            .map_err(|e| Who::Server.blame(e))?;
        Ok(())
    }

    async fn send(
        &self,
        who: Who<'_>,
        mut request: http::Request<Vec<u8>>,
    ) -> Result<DynamicObject, ClusterError> {
        impersonate(who, &mut request)?;
        let write = request.method() != http::Method::GET;
        self.bounded(write, self.client.request::<DynamicObject>(request))
            .await
            .map_err(|e| who.blame(e))
    }
}

/// What an access review asks about: `verb` on one object.
fn attributes(
    group: &str,
    plural: &str,
    namespace: &str,
    name: &str,
    verb: &str,
) -> ResourceAttributes {
    ResourceAttributes {
        group: Some(group.to_owned()),
        resource: Some(plural.to_owned()),
        namespace: Some(namespace.to_owned()),
        name: Some(name.to_owned()),
        verb: Some(verb.to_owned()),
        ..Default::default()
    }
}

fn impersonate(who: Who<'_>, request: &mut http::Request<Vec<u8>>) -> Result<(), ClusterError> {
    let headers = request.headers_mut();
    match who {
        Who::Server => {}
        Who::User(identity) => {
            headers.insert(IMPERSONATE_USER, header_value(&identity.username)?);
            for group in &identity.groups {
                headers.append(IMPERSONATE_GROUP, header_value(group)?);
            }
        }
        Who::Account { namespace, name } => {
            let username = format!("system:serviceaccount:{namespace}:{name}");
            headers.insert(IMPERSONATE_USER, header_value(&username)?);
        }
    }
    Ok(())
}

/// The namespace and name a write may go to: the permit's, and only for its resource.
fn granted<'a>(
    permit: &'a (dyn Grant + Sync),
    resource: &ApiResource,
) -> Result<(&'a str, &'a str), ClusterError> {
    let check = permit.check();
    if check.on.group() != resource.group || check.on.plural() != resource.plural {
        return Err(ClusterError::Invalid(format!(
            "a permit for {} is no permit for {}",
            check.on.plural(),
            resource.plural
        )));
    }
    Ok((&check.namespace, &check.name))
}

const IMPERSONATE_USER: HeaderName = HeaderName::from_static("impersonate-user");
const IMPERSONATE_GROUP: HeaderName = HeaderName::from_static("impersonate-group");

fn header_value(text: &str) -> Result<HeaderValue, ClusterError> {
    HeaderValue::from_str(text)
        .map_err(|_| ClusterError::Invalid(format!("{text:?} cannot be sent as an HTTP header")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster() -> Cluster {
        crate::tls::init();
        let config = kube::Config::new("http://127.0.0.1:9".parse().unwrap());
        Cluster::from_config(config)
            .unwrap()
            .with_timeout(Duration::from_secs(2))
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_past_its_deadline_times_out_and_a_write_says_its_outcome_is_unknown() {
        let cluster = cluster();
        let never = || std::future::pending::<Result<(), kube::Error>>();
        let started = tokio::time::Instant::now();
        let read = cluster.bounded(false, never()).await.unwrap_err();
        assert_eq!(started.elapsed(), Duration::from_secs(2));
        let ClusterError::Timeout(read) = read else {
            panic!("{read:?}")
        };
        assert!(!read.contains("may or may not"), "{read}");
        let Err(ClusterError::Timeout(write)) = cluster.bounded(true, never()).await else {
            panic!("a write must time out too")
        };
        assert!(write.contains("may or may not have been made"), "{write}");
    }

    #[test]
    fn a_user_is_impersonated_with_their_groups_and_an_account_with_none() {
        let identity = Identity {
            username: "alice".to_owned(),
            groups: vec!["devs".to_owned(), "ops".to_owned()],
            display_name: "Alice".to_owned(),
        };
        let account = Applier::ServiceAccount {
            namespace: "apps",
            name: "dev-team",
        };
        let cases: [(Who, Option<&str>, Vec<&str>); 3] = [
            (Who::Server, None, vec![]),
            (
                Applier::Caller(&identity).into(),
                Some("alice"),
                vec!["devs", "ops"],
            ),
            (
                account.into(),
                Some("system:serviceaccount:apps:dev-team"),
                vec![],
            ),
        ];
        for (who, user, groups) in cases {
            let mut request = http::Request::new(Vec::new());
            impersonate(who, &mut request).unwrap();
            let headers = request.headers();
            let sent = |name| {
                headers
                    .get_all(name)
                    .iter()
                    .map(|v| v.to_str().unwrap())
                    .collect::<Vec<_>>()
            };
            assert_eq!(
                headers.get(IMPERSONATE_USER).map(|v| v.to_str().unwrap()),
                user
            );
            assert_eq!(sent(IMPERSONATE_GROUP), groups, "{who:?}");
        }
    }
}
