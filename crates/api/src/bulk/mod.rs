//! Bulk actions: one action on many objects, each target taken exactly as a single action
//! takes it (read as the user, planned by the core, checked, written with its permits,
//! audited), a bounded number at a time.
//!
//! The pre-flight (`?dryRun=true`) plans every target and passes its checks, writes nothing,
//! and answers each target's [`Fate`] with a sealed token of the targets that would change.
//! The run streams each target's fate as it completes; with the token it acts on approved
//! targets only. Every audit Event of a run carries its correlation id
//! ([`RUN_ANNOTATION`](flux_web_shared::bulk::RUN_ANNOTATION)), and the run is logged with
//! its size and outcome.
//!
//! - [`approval`] — the pre-flight token.
//! - [`runs`] — the runs in flight, which shutdown waits for and stops between targets.

pub mod approval;
pub mod runs;

use flux_web_shared::names::quoted;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use axum::body::Body;
use flux_web_shared::actions::{Action, Target as WireTarget};
use flux_web_shared::bulk::{BulkRequest, Fate, Item, Preflight, Progress, Selector, Tally};
use flux_web_shared::problem::Code;
use futures::StreamExt;
use futures::stream;

use crate::actions::ActionOptions;
use crate::actions::{self, Prepared};
use crate::audit::{Outcome, log_refusal};
use crate::auth::Caller;
use crate::auth::session::Sealer;
use crate::clock::Ids;
use crate::clock::rfc3339;
use crate::config::Bulk as BulkLimits;
use crate::context::wire_target;
use crate::context::{Context, Services};
use crate::error::ApiError;
use crate::identity::Identity;
use crate::limits::Pass;
use crate::read::resources::{self, ResourceQuery, ResourcesParams};
use approval::Approved;
use flux_web_core::address::ObjectRef;
use flux_web_core::plan::Input;
use flux_web_core::until::End;
use runs::Runs;

/// The targets a request names, each once, in the order named (a selector's in the order
/// `/api/v1/resources` lists them); more than `limits.max_targets` is a 400.
pub async fn targets(
    ctx: &Context<'_>,
    identity: &Identity,
    request: &BulkRequest,
    limits: BulkLimits,
) -> Result<Vec<ObjectRef>, ApiError> {
    let invalid = |detail: String| ApiError::bad_request(Code::InvalidBody, detail);
    request.check().map_err(invalid)?;
    let too_many = |count: usize| {
        ApiError::bad_request(
            Code::TooManyTargets,
            format!(
                "{count} targets; one bulk action takes at most {}: narrow the selection",
                limits.max_targets
            ),
        )
    };
    let targets = match (&request.targets, &request.selector) {
        (Some(named), _) => {
            if named.len() > limits.max_targets {
                return Err(too_many(named.len()));
            }
            named
                .iter()
                .enumerate()
                .map(|(i, address)| {
                    parse_address(address)
                        .map_err(|e| invalid(format!("targets[{i}]: {}: {e}", quoted(address))))
                })
                .collect::<Result<Vec<_>, _>>()?
        }
        (None, Some(selector)) => {
            let (list, _) = resources::list(
                ctx,
                &Caller::User(identity.clone()),
                &selection(selector, limits.max_targets)?,
            )
            .await?;
            if list.total > limits.max_targets {
                return Err(too_many(list.total));
            }
            list.items
                .iter()
                .map(|item| {
                    let t = &item.target;
                    let group = if t.group.is_empty() { "core" } else { &t.group };
                    ObjectRef::parse(group, &t.kind, &t.namespace, &t.name)
                })
                .collect::<Result<Vec<_>, _>>()?
        }
        (None, None) => Vec::new(),
    };
    let mut seen = HashSet::new();
    Ok(targets
        .into_iter()
        .filter(|t| {
            seen.insert((
                t.kind.group,
                t.kind.plural,
                t.namespace.clone(),
                t.name.clone(),
            ))
        })
        .collect())
}

/// `group/kind/namespace/name`, checked as a path is.
fn parse_address(address: &str) -> Result<ObjectRef, String> {
    let parts: Vec<&str> = address.split('/').collect();
    match parts.as_slice() {
        [group, kind, namespace, name] => {
            ObjectRef::parse(group, kind, namespace, name).map_err(|e| e.to_string())
        }
        _ => Err("not group/kind/namespace/name".into()),
    }
}

/// The selector as the query of `/api/v1/resources`, every match on one page.
fn selection(selector: &Selector, max_targets: usize) -> Result<ResourceQuery, ApiError> {
    let params = ResourcesParams {
        kind: selector.kind.clone(),
        namespace: selector.namespace.clone(),
        status: selector.status,
        q: selector.q.clone(),
        ..ResourcesParams::default()
    };
    let mut query = ResourceQuery::from_params(params, Code::InvalidBody)
        .map_err(|e| ApiError::bad_request(Code::InvalidBody, format!("selector: {e}")))?;
    query.limit = max_targets;
    Ok(query)
}

/// What bulk actions need of the server: a request's context, for as long as a run lasts,
/// the limits, the key that seals pre-flights, run ids, and the runs in flight.
#[derive(Clone)]
pub struct Bulk {
    pub services: Arc<dyn Services>,
    pub limits: BulkLimits,
    pub sealer: Arc<Sealer>,
    pub ids: Arc<dyn Ids>,
    pub runs: Runs,
}

/// The pre-flight: every target's fate and the token of those that would change.
pub async fn preflight(
    bulk: &Bulk,
    identity: &Identity,
    action: Action,
    (request, until): (&BulkRequest, Option<&End>),
    targets: &[ObjectRef],
) -> Preflight {
    let ctx = bulk.services.context();
    let concurrency = bulk.limits.concurrency;
    let ctx = &ctx;
    let mut fates: Vec<(usize, Item)> = stream::iter(0..targets.len())
        .map(|index| async move {
            let target = &targets[index];
            let asked = (request, until);
            let (item, _) = fate(ctx, identity, target, action, asked, Step::Preflight).await;
            (index, item)
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    fates.sort_by_key(|(index, _)| *index);
    let mut tally = Tally::default();
    let mut approved = Vec::new();
    let items = fates
        .into_iter()
        .map(|(index, item)| {
            tally.add(item.fate);
            if item.fate == Fate::WillChange {
                approved.push(&targets[index]);
            }
            item
        })
        .collect();
    let token = approval::issue(
        &bulk.sealer,
        identity,
        action,
        approved.into_iter(),
        ctx.clock.now(),
    );
    Preflight {
        action,
        items,
        tally,
        token,
    }
}

/// The run: each target's fate as a line of NDJSON as soon as it is known. The run goes on
/// to its end when the client goes away: what was confirmed is carried out, and logged. A
/// server shutting down stops it between targets ([`runs`]): the end says so, and the log
/// has its tally and what was not taken.
pub fn run(
    bulk: Bulk,
    (identity, pass): (Identity, Pass),
    action: Action,
    (request, until): (BulkRequest, Option<End>),
    targets: Vec<ObjectRef>,
    approved: Option<Approved>,
) -> Body {
    let (tx, rx) = tokio::sync::mpsc::channel::<Progress>(targets.len() + 2);
    let run_id = bulk.ids.next();
    let runs = bulk.runs.clone();
    runs.spawn(async move {
        // The run's place among those the limits allow, held until it ends.
        let _pass = pass;
        let ctx = Context {
            run: Some(&run_id),
            ..bulk.services.context()
        };
        let total = targets.len();
        tracing::info!(run = run_id, user = identity.username, %action, targets = total, "bulk run started");
        // A client that left drops the receiver; the run does not need it.
        let _ = tx
            .send(Progress::Start {
                run: run_id.clone(),
                action,
                total,
            })
            .await;
        let step = Step::Run(approved.as_ref());
        let (ctx, identity, targets) = (&ctx, &identity, &targets);
        let asked = (&request, until.as_ref());
        // No target is taken once the server stops; those taken are carried to their end.
        let mut results = std::pin::pin!(stream::iter(0..total)
            .take_until(bulk.runs.stopping())
            .map(|index| async move {
                let (item, refused) =
                    fate(ctx, identity, &targets[index], action, asked, step).await;
                (index, item, refused)
            })
            .buffer_unordered(bulk.limits.concurrency));
        let (mut tally, mut taken, mut refusals) = (Tally::default(), 0, Vec::new());
        while let Some((index, item, refused)) = results.next().await {
            tally.add(item.fate);
            taken += 1;
            refusals.extend(refused.map(|error| (&targets[index], error)));
            let _ = tx.send(Progress::Result { index, item }).await;
        }
        record_refusals(ctx, identity, action, &refusals).await;
        let stopped = (taken < total).then(|| "the server is shutting down".to_owned());
        let (run, user) = (&run_id, &identity.username);
        let (changed, unchanged, refused) = (tally.changed, tally.unchanged, tally.refused);
        let (not_applicable, failed) = (tally.not_applicable, tally.failed);
        match &stopped {
            None => tracing::info!(
                run, user, %action, targets = total, changed, unchanged, refused,
                not_applicable, failed, "bulk run done"
            ),
            Some(why) => tracing::warn!(
                run, user, %action, targets = total, changed, unchanged, refused,
                not_applicable, failed, not_taken = total - taken, "bulk run stopped: {why}"
            ),
        }
        let _ = tx
            .send(Progress::End {
                run: run_id.clone(),
                tally,
                stopped,
            })
            .await;
    });
    crate::ndjson::body(rx, None)
}

/// How far a target is taken.
#[derive(Clone, Copy)]
enum Step<'a> {
    /// Planned and checked, nothing written.
    Preflight,
    /// Carried out; with a pre-flight's approval, only if it approved the target.
    Run(Option<&'a Approved>),
}

/// One target's fate: planned and checked as a single action is, then carried out when the
/// step says so. A refusal or failure of the run is logged as a single action's is, and
/// answered beside the item: the run records them together ([`record_refusals`]).
async fn fate(
    ctx: &Context<'_>,
    identity: &Identity,
    target: &ObjectRef,
    action: Action,
    (request, until): (&BulkRequest, Option<&End>),
    step: Step<'_>,
) -> (Item, Option<ApiError>) {
    let now = rfc3339(ctx.clock.now());
    let input = Input {
        now: &now,
        by: &identity.display_name,
        user: &identity.username,
        reason: request.reason.as_deref(),
        until,
        ..Input::default()
    };
    let outcome = match actions::prepare(ctx, identity, target, action, &input).await {
        Ok(prepared) => carry(ctx, identity, target, prepared, step).await,
        Err(error) => Err(error),
    };
    match outcome {
        Ok(item) => (item, None),
        Err(error) => {
            let fate = fate_of(&error);
            let item = Item {
                target: addressed(target),
                fate,
                code: Some(error.code()),
                message: error.to_string(),
            };
            if matches!(step, Step::Run(_)) && matches!(fate, Fate::Refused | Fate::Failed) {
                log_refusal(&actions::entry(ctx, identity, target, action), &error);
                return (item, Some(error));
            }
            (item, None)
        }
    }
}

/// Objects a run's refusal Event names; the rest are counted.
const NAMED_REFUSALS: usize = 10;

/// The refusals and failures of a run (target, problem), as one Warning Event per
/// namespace with `auditDenied`: each was logged already.
async fn record_refusals(
    ctx: &Context<'_>,
    identity: &Identity,
    action: Action,
    refused: &[(&ObjectRef, ApiError)],
) {
    let mut by_namespace: BTreeMap<&str, Vec<&(&ObjectRef, ApiError)>> = BTreeMap::new();
    for refusal in refused {
        by_namespace
            .entry(&refusal.0.namespace)
            .or_default()
            .push(refusal);
    }
    for refusals in by_namespace.into_values() {
        let (first, error) = refusals[0];
        let mut names: Vec<String> = refusals
            .iter()
            .take(NAMED_REFUSALS)
            .map(|(t, _)| format!("{}/{}", t.kind.kind, t.name))
            .collect();
        if refusals.len() > NAMED_REFUSALS {
            names.push(format!("and {} more", refusals.len() - NAMED_REFUSALS));
        }
        let outcome = Outcome::RefusedMany {
            first: error,
            count: refusals.len(),
            names: &names.join(", "),
        };
        let entry = actions::entry(ctx, identity, first, action);
        ctx.audit
            .record_run_refusals(entry, outcome, ctx.clock.now())
            .await;
    }
}

/// A prepared target's fate at `step`.
async fn carry(
    ctx: &Context<'_>,
    identity: &Identity,
    target: &ObjectRef,
    prepared: Prepared,
    step: Step<'_>,
) -> Result<Item, ApiError> {
    let wire = wire_target(&prepared.read.resource, &target.namespace, &target.name);
    // Already in the state asked for: the code says which (`suspended`, `not_suspended`).
    if let Some(code) = prepared.plan.unchanged {
        return Ok(Item {
            target: wire,
            fate: Fate::Unchanged,
            code: Some(code),
            message: prepared.plan.message,
        });
    }
    let approved = match step {
        Step::Preflight => {
            return Ok(Item {
                target: wire,
                fate: Fate::WillChange,
                code: None,
                message: prepared.plan.message,
            });
        }
        Step::Run(approval) => approval.is_none_or(|a| a.contains(target)),
    };
    if !approved {
        return Err(ApiError::State {
            code: Code::NotApproved,
            detail: "not among the targets the pre-flight approved".into(),
        });
    }
    let response = actions::carry_out(ctx, identity, prepared, &ActionOptions::default()).await?;
    let message = match response.audit_error {
        Some(audit_error) => format!("{}; {audit_error}", response.message),
        None => response.message,
    };
    Ok(Item {
        target: wire,
        fate: Fate::Changed,
        code: None,
        message,
    })
}

/// What a refusal or failure means for one target of many.
pub fn fate_of(error: &ApiError) -> Fate {
    match error {
        ApiError::State {
            code: Code::NotApproved,
            ..
        }
        | ApiError::Forbidden(_)
        | ApiError::NotLoggedIn
        | ApiError::Unauthenticated { .. }
        | ApiError::ActionsDisabled => Fate::Refused,
        ApiError::State { .. }
        | ApiError::BadRequest { .. }
        | ApiError::MethodNotAllowed { .. }
        | ApiError::NotFound(_)
        | ApiError::NoArtifact(_) => Fate::NotApplicable,
        _ => Fate::Failed,
    }
}

/// A target as answers name it before (or without) reading it: at the version flux-web
/// addresses its kind by.
fn addressed(target: &ObjectRef) -> WireTarget {
    WireTarget {
        group: target.kind.group.to_owned(),
        version: target.kind.version.to_owned(),
        kind: target.kind.kind.to_owned(),
        namespace: target.namespace.clone(),
        name: target.name.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_that_refuses_is_not_applicable_and_a_missing_rule_is_refused() {
        let state = |code| ApiError::State {
            code,
            detail: String::new(),
        };
        let cases = [
            (state(Code::Suspended), Fate::NotApplicable),
            (state(Code::SourceSuspended), Fate::NotApplicable),
            (state(Code::NotApproved), Fate::Refused),
            (ApiError::Forbidden("rule".into()), Fate::Refused),
            (
                ApiError::bad_request(Code::NotApplicable, "no"),
                Fate::NotApplicable,
            ),
            (ApiError::NotFound("gone".into()), Fate::NotApplicable),
            (ApiError::ServerForbidden("admin".into()), Fate::Failed),
            (ApiError::UpstreamTimeout("slow".into()), Fate::Failed),
        ];
        for (error, fate) in cases {
            assert_eq!(fate_of(&error), fate, "{error:?}");
        }
    }

    #[test]
    fn addresses_name_group_kind_namespace_and_name() {
        let target = parse_address("core/pods/apps/web-1").unwrap();
        assert_eq!((target.kind.kind, target.name.as_str()), ("Pod", "web-1"));
        let ks = parse_address("kustomize.toolkit.fluxcd.io/ks/apps/web").unwrap();
        assert_eq!(addressed(&ks).kind, "Kustomization");
        for bad in [
            "apps/web",
            "core/pods/apps/web/extra",
            "core/widgets/apps/web",
            "core/pods/Apps/web",
            "",
        ] {
            assert!(parse_address(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_selector_is_checked_as_the_resources_query_is() {
        let query = selection(
            &Selector {
                kind: Some("hr".into()),
                ..Selector::default()
            },
            500,
        )
        .unwrap();
        assert_eq!(query.kinds[0].kind, "HelmRelease");
        assert_eq!(query.limit, 500);
        let bad = selection(
            &Selector {
                kind: Some("pods".into()),
                ..Selector::default()
            },
            500,
        )
        .unwrap_err();
        assert_eq!(bad.code(), Code::InvalidBody);
        assert!(bad.to_string().starts_with("selector: kind"), "{bad}");
    }

    proptest::proptest! {
        /// A bulk target's address: an object whose parts are the address's, or a refusal.
        #[test]
        fn any_address_is_an_object_or_a_refusal(
            address in "kustomize\\.toolkit\\.fluxcd\\.io/(ks|Kustomization|x)/[a-z0-9-]{0,10}/[a-z0-9.-]{0,10}|\\PC{0,60}",
        ) {
            match parse_address(&address) {
                Ok(object) => {
                    let parts: Vec<&str> = address.split('/').collect();
                    proptest::prop_assert_eq!(parts.len(), 4);
                    proptest::prop_assert_eq!(&object.namespace, parts[2]);
                    proptest::prop_assert_eq!(&object.name, parts[3]);
                }
                Err(message) => proptest::prop_assert!(!message.is_empty()),
            }
        }
    }
}
