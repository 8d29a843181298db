//! What a reconcile would do to each object: a server-side apply dry run of what the
//! controller applies, under its field manager (`kustomize-controller`, forced as it would
//! force), as the caller — then the live object and the dry run's result compared as the
//! controller's drift detection compares them. And what it would prune: the inventory's
//! objects the build no longer holds, when the Kustomization prunes.
//!
//! The dry run applies as the controller would: as the Kustomization's service account where
//! the server may impersonate it, else as the caller (an object they may not write is then
//! `forbidden`, which says nothing of the controller).
//!
//! Read-only: every write is a dry run (`dryRun=All`), and only what the caller may get is
//! shown, whoever the dry run applied as (a body they may not get is never shown).

use std::collections::HashSet;

use flux_web_core::inventory::entries;
use flux_web_core::preview::{self as decide, Ignore};
use flux_web_shared::preview::{PreviewFate, PreviewObject};
use futures::future::join_all;
use kube::api::DynamicObject;
use serde_json::Value;

use crate::cluster::{Applier, ClusterError, Reader};
use crate::context::Context;
use crate::identity::Identity;

/// The field manager kustomize-controller applies with.
const MANAGER: &str = "kustomize-controller";
/// Dry runs at once.
const AT_ONCE: usize = 8;

/// What the build's objects and the Kustomization's inventory have in store.
pub struct Plan<'a> {
    pub kustomization: &'a DynamicObject,
    /// As whom the dry runs apply.
    pub applier: Applier<'a>,
    /// What the controller applies, in the build's order.
    pub objects: &'a [Value],
    /// Values substituted from Secrets: redacted wherever they would appear.
    pub secrets: &'a [String],
}

pub async fn fates(ctx: &Context<'_>, identity: &Identity, plan: Plan<'_>) -> Vec<PreviewObject> {
    let staged = Staged::of(plan.objects);
    let ignore = decide::ignore_rules(&plan.kustomization.data);
    let mut out = Vec::with_capacity(plan.objects.len());
    for chunk in plan.objects.chunks(AT_ONCE) {
        let fates = chunk
            .iter()
            .map(|object| fate(ctx, identity, &plan, object, &staged, &ignore));
        out.extend(join_all(fates).await);
    }
    if plan.kustomization.data["spec"]["prune"].as_bool() == Some(true) {
        out.extend(pruned(ctx, identity, &plan).await);
    }
    for object in &mut out {
        object.message = decide::redact(&object.message, plan.secrets);
        object.diff = object.diff.take().map(|d| decide::redact(&d, plan.secrets));
    }
    out
}

/// The Namespaces and custom kinds the build itself creates: the controller applies them
/// first, so what lives in them is a create, not an error.
struct Staged {
    namespaces: HashSet<String>,
    kinds: HashSet<(String, String)>,
}

impl Staged {
    fn of(objects: &[Value]) -> Self {
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        let of_kind = |kind: &'static str| objects.iter().filter(move |o| o["kind"] == kind);
        Self {
            namespaces: of_kind("Namespace")
                .map(|o| text(&o["metadata"]["name"]))
                .collect(),
            kinds: of_kind("CustomResourceDefinition")
                .map(|o| (text(&o["spec"]["group"]), text(&o["spec"]["names"]["kind"])))
                .collect(),
        }
    }
}

async fn fate(
    ctx: &Context<'_>,
    identity: &Identity,
    plan: &Plan<'_>,
    object: &Value,
    staged: &Staged,
    ignore: &[Ignore],
) -> PreviewObject {
    let mut named = decide::named(object, PreviewFate::Unchanged);
    let said = |mut named: PreviewObject, fate: PreviewFate, message: String| {
        named.fate = fate;
        named.message = message;
        named
    };
    if let Some(rule) = decide::skipped(object) {
        return said(named, PreviewFate::Skipped, rule);
    }
    let (group, version) = named
        .api_version
        .rsplit_once('/')
        .unwrap_or(("", &named.api_version));
    let resource = match ctx.cluster.resource_of(group, version, &named.kind).await {
        Ok((resource, _)) => resource,
        Err(ClusterError::NotFound(_))
            if staged
                .kinds
                .contains(&(group.to_owned(), named.kind.clone())) =>
        {
            named.diff = Some(shown(None, object, ignore));
            let why = "its CustomResourceDefinition is created by this build".to_owned();
            return said(named, PreviewFate::Create, why);
        }
        Err(e) => return said(named, PreviewFate::Error, e.to_string()),
    };
    let reader = Reader::User(identity);
    let live = match ctx
        .cluster
        .get(reader, &resource, &named.namespace, &named.name)
        .await
    {
        Ok(live) => Some(whole(&live)),
        Err(ClusterError::NotFound(_)) => None,
        Err(ClusterError::Forbidden(e)) => {
            return said(
                named,
                PreviewFate::Forbidden,
                format!("you may not get it: {e}"),
            );
        }
        Err(e) => return said(named, PreviewFate::Error, e.to_string()),
    };
    if live.is_some() && decide::if_not_present(object) {
        let why = "kustomize.toolkit.fluxcd.io/ssa: IfNotPresent, and it exists".to_owned();
        return said(named, PreviewFate::Skipped, why);
    }
    // The controller always takes the fields it applies (forced ownership); its `force` is
    // for what cannot change in place, which it deletes and creates anew.
    let applied = ctx
        .cluster
        .dry_run_apply(plan.applier, &resource, object, MANAGER)
        .await;
    match applied {
        Ok(after) => {
            let after = whole(&after);
            let diff = shown(live.as_ref(), &after, ignore);
            named.fate = match (&live, diff.is_empty()) {
                (None, _) => PreviewFate::Create,
                (Some(_), true) => PreviewFate::Unchanged,
                (Some(_), false) => PreviewFate::Update,
            };
            named.diff = (!diff.is_empty()).then_some(diff);
            named
        }
        Err(ClusterError::NotFound(_))
            if live.is_none() && staged.namespaces.contains(&named.namespace) =>
        {
            named.diff = Some(shown(None, object, ignore));
            let why = "its Namespace is created by this build".to_owned();
            said(named, PreviewFate::Create, why)
        }
        Err(ClusterError::Forbidden(e)) => {
            let why = match plan.applier {
                Applier::Caller(_) => {
                    format!("the dry run applies as you, and Kubernetes refused: {e}")
                }
                Applier::ServiceAccount { namespace, name } => format!(
                    "the controller applies as service account {namespace}/{name}, which may not: \
                     a reconcile would fail here ({e})"
                ),
            };
            said(named, PreviewFate::Forbidden, why)
        }
        Err(ClusterError::Invalid(e))
            if live.is_some() && decide::forced(&plan.kustomization.data, object) =>
        {
            named.diff = Some(shown(live.as_ref(), object, ignore));
            let why = format!("recreated: it cannot change in place ({e}), and force is on");
            said(named, PreviewFate::Update, why)
        }
        Err(e) => said(named, PreviewFate::Error, e.to_string()),
    }
}

/// The inventory's objects the build no longer holds, as the prune would leave them.
async fn pruned(ctx: &Context<'_>, identity: &Identity, plan: &Plan<'_>) -> Vec<PreviewObject> {
    let built: HashSet<String> = plan.objects.iter().map(decide::id).collect();
    let gone = entries(plan.kustomization)
        .into_iter()
        .filter(|entry| !built.contains(&entry.id));
    let mut out = Vec::new();
    for entry in gone {
        let object = serde_json::json!({
            "apiVersion": match entry.group.as_str() {
                "" => entry.version.clone(),
                group => format!("{group}/{}", entry.version),
            },
            "kind": entry.kind,
            "metadata": {"name": entry.name, "namespace": entry.namespace},
        });
        let mut named = decide::named(&object, PreviewFate::Delete);
        let found = match ctx
            .cluster
            .resource_of(&entry.group, &entry.version, &entry.kind)
            .await
        {
            Ok((resource, _)) => {
                let reader = Reader::User(identity);
                ctx.cluster
                    .get(reader, &resource, &entry.namespace, &entry.name)
                    .await
            }
            Err(e) => Err(e),
        };
        match found {
            Ok(live) if decide::kept(&whole(&live)) => {
                named.fate = PreviewFate::Skipped;
                named.message = "kustomize.toolkit.fluxcd.io/prune: disabled".to_owned();
            }
            Ok(_) => {}
            // Gone already: nothing to prune.
            Err(ClusterError::NotFound(_)) => continue,
            Err(ClusterError::Forbidden(e)) => {
                named.fate = PreviewFate::Forbidden;
                named.message = format!("you may not get it: {e}");
            }
            Err(e) => {
                named.fate = PreviewFate::Error;
                named.message = e.to_string();
            }
        }
        out.push(named);
    }
    out
}

/// An object as JSON, with its kind and metadata.
fn whole(object: &DynamicObject) -> Value {
    serde_json::to_value(object).unwrap_or_default()
}

/// The diff of `live` (none: nothing yet) to `after`, as compared: empty when they are equal.
fn shown(live: Option<&Value>, after: &Value, ignore: &[Ignore]) -> String {
    let yaml =
        |v: &Value| serde_yaml_ng::to_string(&decide::compared(v, ignore)).unwrap_or_default();
    decide::diff(&live.map(yaml).unwrap_or_default(), &yaml(after))
}
