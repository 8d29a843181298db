//! A Kustomization's whole inventory (`GET .../{name}/inventory`): every object it applied,
//! each read as the caller and judged by [`flux_web_core::inventory::health`]. The owner is
//! read first (who may not see it may not see what it applied); an object the caller may
//! not read is listed as the owner's status names it, with no health; one that is gone says
//! so. At most [`READ`] objects are read, a few at a time.

use flux_web_shared::objects::{InventoryItem, InventoryList, State};
use futures::StreamExt;

use crate::auth::Caller;
use crate::cluster::ClusterError;
use crate::context::{Context, reader};
use crate::error::ApiError;
use flux_web_core::address::ObjectRef;
use flux_web_core::inventory::{Entry, entries, health};

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
    let items = futures::stream::iter(all.into_iter().enumerate())
        .map(|(index, entry)| async move {
            match index < READ {
                true => item(ctx, caller, entry).await,
                false => unread(entry),
            }
        })
        .buffered(AT_ONCE)
        .collect()
        .await;
    Ok(InventoryList { items, partial })
}

async fn item(ctx: &Context<'_>, caller: &Caller, entry: Entry) -> InventoryItem {
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
            let (state, message) = health(&entry.group, &entry.kind, &object);
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

fn judged(entry: Entry, state: State, message: String) -> InventoryItem {
    InventoryItem {
        state: Some(state),
        message,
        ..unread(entry)
    }
}

fn unread(entry: Entry) -> InventoryItem {
    InventoryItem {
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
