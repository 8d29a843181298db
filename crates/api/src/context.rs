//! What a request needs of the server while it is handled: the adapter, access reviews, the
//! audit trail, the download policy and the clock; and the one way objects are read into the
//! core's views.

use flux_web_shared::actions::Target as WireTarget;
use kube::api::DynamicObject;
use kube::core::ApiResource;

use crate::access::Access;
use crate::audit::Auditor;
use crate::clock::Clock;
use crate::cluster::{Cluster, Reader};
use crate::config::DownloadPolicy;
use crate::error::ApiError;
use crate::flux::kinds::Kind;
use crate::flux::plan::{self, Action, Input, Plan};
use crate::flux::view::{ObjectRef, View};
use crate::identity::Identity;
use crate::target::Target;

pub struct Context<'a> {
    pub cluster: &'a Cluster,
    pub download: &'a DownloadPolicy,
    pub access: &'a Access,
    pub audit: &'a Auditor,
    pub clock: &'a dyn Clock,
    /// The bulk run this request's actions belong to, named in their audit Events.
    pub run: Option<&'a str>,
    /// The longest a suspend's `until` may reach.
    pub max_suspension: std::time::Duration,
}

/// An object as read, and its view.
pub struct Read {
    pub resource: ApiResource,
    pub found: DynamicObject,
    pub view: View,
}

/// Whose permissions a read uses: the caller's, or the server's when there is no caller
/// (read-only mode).
pub fn reader(caller: &Result<Identity, ApiError>) -> Reader<'_> {
    match caller {
        Ok(identity) => Reader::User(identity),
        Err(_) => Reader::Server,
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

    /// The views a plan of `action` on `view` needs beside it: the sources of a pull of an
    /// object that is not suspended, read as the user.
    pub async fn sources(
        &self,
        identity: &Identity,
        action: Action,
        view: &View,
    ) -> Result<Vec<View>, ApiError> {
        match (action, &view.sources) {
            (Action::Pull, Ok(sources)) if !view.suspended => {
                self.read_all(Reader::User(identity), sources).await
            }
            _ => Ok(Vec::new()),
        }
    }

    /// Reads what `action` decides on, as the user, and plans it: the first steps of every
    /// action (the listing takes the same steps one by one).
    pub async fn plan(
        &self,
        identity: &Identity,
        target: &Target,
        action: Action,
        input: &Input<'_>,
    ) -> Result<(Read, Plan), ApiError> {
        plan::applicable(target.kind, action)?;
        let read = self.read(Reader::User(identity), &target.object()).await?;
        let sources = self.sources(identity, action, &read.view).await?;
        let plan = plan::plan(action, &read.view, &sources, input, self.access.mode())?;
        Ok((read, plan))
    }

    /// Reads the object a request is aimed at as the caller, or as the server when there is
    /// no caller.
    pub async fn read_target(
        &self,
        caller: &Result<Identity, ApiError>,
        target: &Target,
    ) -> Result<Read, ApiError> {
        self.read(reader(caller), &target.object()).await
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
