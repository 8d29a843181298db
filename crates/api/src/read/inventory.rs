//! A Kustomization's or a HelmRelease's whole inventory (`GET .../{name}/inventory`): every object it applied,
//! each read as the caller and judged by [`flux_web_core::inventory::health`], or by the
//! owner's `spec.healthCheckExprs` for the kinds it names. The owner is
//! read first (who may not see it may not see what it applied); an object the caller may
//! not read is listed as the owner's status names it, with no health; one that is gone says
//! so. At most [`READ`] objects are read, a few at a time. One object's YAML is served only
//! for an id of the owner's inventory, read as the caller, a Secret's values masked.

use flux_web_shared::objects::{InventoryItem, InventoryList, InventoryObject, State};
use futures::StreamExt;
use serde::Deserialize;

use crate::auth::Caller;
use crate::cluster::ClusterError;
use crate::context::{Context, reader};
use crate::error::ApiError;
use flux_web_core::address::ObjectRef;
use flux_web_core::inventory::exprs::{self, Exprs};
use flux_web_core::inventory::{Entry, entries, health, shown};

/// The most objects one answer reads; the rest are listed without health.
const READ: usize = 500;
/// How many reads run at once.
const AT_ONCE: usize = 8;

pub async fn inventory(
    ctx: &Context<'_>,
    caller: &Caller,
    target: &ObjectRef,
) -> Result<InventoryList, ApiError> {
    let read = ctx.read_target(caller, target).await?;
    let all = entries(&read.found);
    let partial = all.len() > READ;
    let judges = &exprs::of(&read.found);
    let items = futures::stream::iter(all.into_iter().enumerate())
        .map(|(index, entry)| async move {
            match index < READ {
                true => item(ctx, caller, judges, entry).await,
                false => unread(entry),
            }
        })
        .buffered(AT_ONCE)
        .collect()
        .await;
    Ok(InventoryList { items, partial })
}

/// The owner's health check expressions, and the CEL environment they were compiled in.
type Judges = (Vec<Exprs>, std::sync::Arc<cel::Env>);

async fn item(ctx: &Context<'_>, caller: &Caller, judges: &Judges, entry: Entry) -> InventoryItem {
    let resource = match ctx
        .cluster
        .resource_of(&entry.group, &entry.version, &entry.kind)
        .await
    {
        Ok((resource, _)) => resource,
        Err(e) => return judged(entry, State::Unknown, e.to_string()),
    };
    let found = ctx
        .cluster
        .get(reader(caller), &resource, &entry.namespace, &entry.name)
        .await;
    match found {
        Ok(object) => {
            let (exprs, env) = judges;
            let (state, message) = exprs::judge(exprs, env, &entry, &object)
                .unwrap_or_else(|| health(&entry.group, &entry.kind, &object));
            judged(entry, state, message)
        }
        Err(ClusterError::NotFound(_)) => judged(
            entry,
            State::Unknown,
            "not found: pruned, or not applied yet".to_owned(),
        ),
        Err(ClusterError::Forbidden(_)) => unread(entry),
        Err(e) => judged(entry, State::Unknown, e.to_string()),
    }
}

/// `?id=` of one applied object's YAML.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ObjectQuery {
    /// An id of the owner's inventory: `<namespace>_<name>_<group>_<Kind>`.
    #[param(max_length = 600)]
    pub id: String,
}

impl ObjectQuery {
    /// The longest id: a namespace (63), a name (253), a group (253) and a Kind (63), joined.
    pub const MAX_ID: usize = 600;
}

/// The object `id` names in the inventory of `target`, as YAML.
pub async fn object(
    ctx: &Context<'_>,
    caller: &Caller,
    target: &ObjectRef,
    query: &ObjectQuery,
) -> Result<InventoryObject, ApiError> {
    let read = ctx.read_target(caller, target).await?;
    // Only what the owner applied: this is no way to read any object by its name.
    let entry = entries(&read.found)
        .into_iter()
        .find(|e| e.id == query.id)
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "{} lists no {:?} in its inventory",
                target.describe(),
                flux_web_shared::names::shortened(&query.id, flux_web_shared::names::QUOTED_MAX)
            ))
        })?;
    let (resource, _) = ctx
        .cluster
        .resource_of(&entry.group, &entry.version, &entry.kind)
        .await?;
    let found = ctx
        .cluster
        .get(reader(caller), &resource, &entry.namespace, &entry.name)
        .await?;
    // A value read as JSON always writes as YAML.
    let yaml =
        serde_yaml_ng::to_string(&shown(&entry.group, &entry.kind, found)).unwrap_or_default();
    Ok(InventoryObject {
        target: unread(entry).target,
        yaml,
    })
}

fn judged(entry: Entry, state: State, message: String) -> InventoryItem {
    InventoryItem {
        state: Some(state),
        message,
        ..unread(entry)
    }
}

fn unread(entry: Entry) -> InventoryItem {
    InventoryItem {
        id: entry.id,
        target: flux_web_shared::actions::Target {
            group: entry.group,
            version: entry.version,
            kind: entry.kind,
            namespace: entry.namespace,
            name: entry.name,
        },
        state: None,
        message: String::new(),
    }
}
