//! One plan per action: [`plan`] decides, without I/O, what an action on an object will do:
//! which access checks it needs, which writes it makes (with whose permissions), what its
//! audit Event says and where, and what `?wait=` waits for; or why it is refused. The POST
//! of an action executes the plan; the listing of actions runs the same plan and the same
//! checks without executing it, so "allowed" there and "200" here cannot disagree.

pub use flux_web_shared::actions::Action;
use flux_web_shared::actions::{ArtifactRef, Suspension, Verb};
use flux_web_shared::problem::Code;
use serde_json::Value;

use super::address::ObjectRef;
use super::kinds::{Artifacts, Kind, Workload};
use super::patch::{self, Suspender};
use super::until::{self, End};
use super::view::{Artifact, View};
/// How the write of an action is made once the custom verb is allowed (spec 4.3); the
/// config's `userActions.access`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
pub enum Mode {
    /// The write impersonates the user, who also needs the native verbs.
    #[default]
    Impersonated,
    /// The write is made by the server's own identity.
    FineGrained,
}

/// What a check or a write is about: a kind flux-web addresses, the Jobs it creates, or
/// the Events it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum On {
    Kind(&'static Kind),
    Jobs,
    Events,
}

impl On {
    pub fn group(self) -> &'static str {
        match self {
            On::Kind(kind) => kind.group,
            On::Jobs => "batch",
            On::Events => "",
        }
    }

    pub fn plural(self) -> &'static str {
        match self {
            On::Kind(kind) => kind.plural,
            On::Jobs => "jobs",
            On::Events => "events",
        }
    }

    pub fn kind(self) -> &'static str {
        match self {
            On::Kind(kind) => kind.kind,
            On::Jobs => "Job",
            On::Events => "Event",
        }
    }
}

/// An access review the action must pass: may the user `verb` this object (or, with an
/// empty name, create in this namespace)?
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub verb: Verb,
    pub on: On,
    pub namespace: String,
    pub name: String,
}

impl Check {
    pub fn of(verb: Verb, object: &ObjectRef) -> Self {
        Self {
            verb,
            on: On::Kind(object.kind),
            namespace: object.namespace.clone(),
            name: object.name.clone(),
        }
    }

    /// May the subject list `on` in `namespace` (every namespace when it is empty, which is
    /// what authorises a cluster-wide LIST)?
    pub fn list(on: On, namespace: &str) -> Self {
        Self {
            verb: Verb::List,
            on,
            namespace: namespace.to_owned(),
            name: String::new(),
        }
    }
}

/// A write, made with the permit that check number `permit` grants.
#[derive(Debug, Clone, PartialEq)]
pub struct Write {
    pub permit: usize,
    pub op: Op,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// A JSON merge patch (RFC 7386).
    MergePatch { object: ObjectRef, patch: Value },
    /// A forced server-side apply by field manager `flux-web`.
    Apply { object: ObjectRef, body: Value },
    /// A Job created in the namespace.
    CreateJob { namespace: String, body: Value },
    Delete {
        object: ObjectRef,
        grace_period_seconds: Option<u32>,
    },
}

/// Whose permissions the writes use (spec 4.3); reads are always the user's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writer {
    User,
    Server,
}

/// Where an audit Event goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditOn {
    /// On this Flux object.
    Object(ObjectRef),
    /// On the Flux object that manages this workload, naming the workload as the subject
    /// (the manager is found at run time, from labels and owners).
    ManagerOf(ObjectRef),
}

/// An audit Event the action leaves once done (spec 4.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audit {
    pub verb: Verb,
    pub on: AuditOn,
}

/// What a download streams.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Download {
    /// The object's own `status.artifact`.
    Own(Artifact),
    /// The artifact of an ExternalArtifact an ArtifactGenerator's inventory names.
    External(ArtifactRef),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub action: Action,
    pub target: ObjectRef,
    pub checks: Vec<Check>,
    pub writer: Writer,
    pub writes: Vec<Write>,
    pub audits: Vec<Audit>,
    /// `reconcile.fluxcd.io/requestedAt` (or `restartedAt`) as written.
    pub requested_at: Option<String>,
    /// With `?wait=`: the objects whose `lastHandledReconcileAt` must reach `requested_at`.
    pub wait_for: Vec<ObjectRef>,
    pub download: Option<Download>,
    /// What the answer says once it is done.
    pub message: String,
    /// The object is in the state asked for already (a suspend of a suspended object, a
    /// resume of a running one): nothing is written, and this says which.
    pub unchanged: Option<Code>,
    /// A suspend's: the suspension in force once the plan is carried out.
    pub suspension: Option<Suspension>,
}

/// Why an action is refused before anything is asked of Kubernetes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub why: Why,
    /// The stable problem code.
    pub code: Code,
    pub message: String,
}

/// The kind of a refusal, which decides its HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// The request does not fit the object (400).
    Input,
    /// The object's state refuses the action (409).
    State,
    /// There is no artifact to download (404).
    NoArtifact,
}

/// What the request brings beside the object: the time, who acts, and its options.
#[derive(Debug, Clone, Default)]
pub struct Input<'a> {
    pub now: &'a str,
    /// The caller's display name: `suspendedBy`, `createdBy`.
    pub by: &'a str,
    /// The caller's username: who suspended, and who set a suspension's end.
    pub user: &'a str,
    pub reason: Option<&'a str>,
    pub grace_period_seconds: Option<u32>,
    /// `?artifact=` of an ArtifactGenerator's download.
    pub artifact: Option<&'a str>,
    /// When a suspend ends by itself (resolved and checked), or that it has no end.
    pub until: Option<&'a End>,
}

fn refuse(why: Why, code: Code, message: impl Into<String>) -> Refusal {
    Refusal {
        why,
        code,
        message: message.into(),
    }
}

fn by(view: &View) -> String {
    view.suspended_by
        .as_deref()
        .map(|by| format!(" by {by}"))
        .unwrap_or_default()
}

/// Whether `kind` takes `action` at all: known before anything is read.
pub fn applicable(kind: &Kind, action: Action) -> Result<(), Refusal> {
    if kind.takes(action) {
        return Ok(());
    }
    Err(refuse(
        Why::Input,
        Code::NotApplicable,
        match action {
            Action::Download => format!("{} has no artifact to download", kind.kind),
            _ => format!("{} does not take the action {action}", kind.kind),
        },
    ))
}

/// Plans `action` on `target`. `sources` are the views of `target.sources` for a pull of an
/// object that is not suspended or a staged pull (read by the caller, in order), and nothing
/// otherwise.
pub fn plan(
    action: Action,
    target: &View,
    sources: &[View],
    input: &Input<'_>,
    mode: Mode,
) -> Result<Plan, Refusal> {
    let kind = target.object.kind;
    let what = target.object.describe();
    applicable(kind, action)?;
    let writer = match mode {
        Mode::Impersonated => Writer::User,
        Mode::FineGrained => Writer::Server,
    };
    let mut plan = Plan {
        action,
        target: target.object.clone(),
        checks: Vec::new(),
        writer,
        writes: Vec::new(),
        audits: Vec::new(),
        requested_at: None,
        wait_for: Vec::new(),
        download: None,
        message: String::new(),
        unchanged: None,
        suspension: None,
    };
    let patch = |plan: &mut Plan, verb, object: &ObjectRef, body: Value| {
        let permit = may_patch(plan, mode, verb, object);
        merge_patch(plan, permit, verb, object, body);
    };
    let now = input.now.to_owned();
    match action {
        Action::Reconcile | Action::Reset if target.suspended => {
            return Err(refuse(
                Why::State,
                Code::Suspended,
                format!("{what} is suspended{}: resume it first", by(target)),
            ));
        }
        Action::Reconcile | Action::Reset => {
            let (mut body, message) = match action {
                Action::Reset => (
                    patch::reset_patch(kind, &now),
                    " with its failure counts reset",
                ),
                _ => (patch::reconcile_patch(kind, &now), ""),
            };
            // Another tool resumed and left the record of the suspension behind: gone now.
            if target.stale_suspension {
                patch::forget_stale_suspension(&mut body);
            }
            patch(&mut plan, action.verb(), &target.object, body);
            plan.wait_for.push(target.object.clone());
            plan.requested_at = Some(now);
            plan.message = format!("{what} asked to reconcile{message}");
        }
        Action::Suspend => suspend(&mut plan, target, input, mode),
        Action::Resume if !target.suspended => {
            may_patch(&mut plan, mode, action.verb(), &target.object);
            plan.unchanged = Some(Code::NotSuspended);
            plan.message = format!("{what} is not suspended");
        }
        Action::Resume => {
            let body = patch::resume_patch(kind, &now);
            patch(&mut plan, action.verb(), &target.object, body);
            plan.wait_for.push(target.object.clone());
            plan.requested_at = Some(now);
            plan.message = format!("{what} resumed");
        }
        Action::Pull => {
            if target.suspended {
                return Err(refuse(
                    Why::State,
                    Code::Suspended,
                    format!("{what} is suspended{}: resume it first", by(target)),
                ));
            }
            let names = pull(&mut plan, target, sources, now, mode)?;
            plan.message = format!("asked {names} to reconcile");
        }
        Action::Stage => {
            let held = if target.suspended {
                // Nothing is written to it, but a staged pull is a suspension's right.
                plan.checks
                    .push(Check::of(Action::Suspend.verb(), &target.object));
                plan.suspension = Some(holding(target));
                format!("{what} stays suspended{}", by(target))
            } else {
                let reason = input.reason.filter(|r| !r.trim().is_empty());
                let staged = Input {
                    reason: Some(reason.unwrap_or(STAGED)),
                    ..*input
                };
                suspend(&mut plan, target, &staged, mode);
                std::mem::take(&mut plan.message)
            };
            let names = pull(&mut plan, target, sources, now, mode)?;
            plan.message = format!(
                "{held}; asked {names} to reconcile: preview the new revision, then resume to apply it"
            );
        }
        Action::Download => {
            plan.download = Some(download(target, input.artifact)?);
            plan.checks.push(Check::of(action.verb(), &target.object));
            plan.audits.push(Audit {
                verb: action.verb(),
                on: AuditOn::Object(target.object.clone()),
            });
            plan.message = format!("{what} downloaded");
        }
        Action::Restart | Action::RunJob | Action::Delete => {
            workload(&mut plan, target, input, mode)?;
        }
    }
    Ok(plan)
}

/// The reason a staged pull's suspension gives when the caller gives none.
pub const STAGED: &str = "preview";

/// A pull's writes: each source of `target` asked to reconcile (none may be suspended), and
/// waited for. Answers their names, for the message.
fn pull(
    plan: &mut Plan,
    target: &View,
    sources: &[View],
    now: String,
    mode: Mode,
) -> Result<String, Refusal> {
    let refs = target
        .sources
        .clone()
        .map_err(|why| refuse(Why::Input, Code::NotApplicable, why))?;
    let verb = Action::Pull.verb();
    for (reference, source) in refs.iter().zip(sources) {
        if source.suspended {
            return Err(refuse(
                Why::State,
                Code::SourceSuspended,
                format!(
                    "the source {} is suspended: resume it first",
                    reference.describe()
                ),
            ));
        }
        let permit = may_patch(plan, mode, verb, reference);
        merge_patch(
            plan,
            permit,
            verb,
            reference,
            patch::reconcile_patch(reference.kind, &now),
        );
    }
    let names: Vec<_> = refs.iter().map(ObjectRef::describe).collect();
    plan.wait_for = refs;
    plan.requested_at = Some(now);
    Ok(names.join(" and "))
}

/// The checks of a write of `object` by `verb`: the custom verb and, when the write
/// impersonates the user, the native `patch` too. Answers the custom verb's check, whose
/// permit the write uses.
fn may_patch(plan: &mut Plan, mode: Mode, verb: Verb, object: &ObjectRef) -> usize {
    let permit = plan.checks.len();
    plan.checks.push(Check::of(verb, object));
    if mode == Mode::Impersonated {
        plan.checks.push(Check::of(Verb::Patch, object));
    }
    permit
}

/// A merge patch of `object` with the permit of check `permit`, audited as `verb`.
fn merge_patch(plan: &mut Plan, permit: usize, verb: Verb, object: &ObjectRef, body: Value) {
    plan.writes.push(Write {
        permit,
        op: Op::MergePatch {
            object: object.clone(),
            patch: body,
        },
    });
    plan.audits.push(Audit {
        verb,
        on: AuditOn::Object(object.clone()),
    });
}

/// `suspend`: of a running object, with who, why and until when; of a suspended one, a later
/// end extends it and `never` takes its end off; anything else leaves it as it is. An end
/// asked for needs `resume` too: the server will resume the object then, and reconcile it.
fn suspend(plan: &mut Plan, target: &View, input: &Input<'_>, mode: Mode) {
    let verb = Action::Suspend.verb();
    let object = &target.object;
    let what = object.describe();
    let permit = may_patch(plan, mode, verb, object);
    let asked = match input.until {
        Some(End::At(until)) => {
            plan.checks.push(Check::of(Action::Resume.verb(), object));
            Some(until)
        }
        Some(End::Never) | None => None,
    };
    if !target.suspended {
        let reason = input.reason.filter(|r| !r.trim().is_empty());
        let generation = target.generation.unwrap_or_default();
        let by = Suspender {
            display_name: input.by,
            username: input.user,
        };
        let body = patch::suspend_patch(object.kind, generation, by, reason, asked);
        merge_patch(plan, permit, verb, object, body);
        plan.message = match asked {
            Some(until) => format!("{what} suspended until {}", until.rfc3339),
            None => format!("{what} suspended"),
        };
        plan.suspension = Some(Suspension {
            by: Some(input.by.to_owned()),
            by_user: Some(input.user.to_owned()),
            reason: reason.map(str::to_owned),
            until: asked.map(|u| u.rfc3339.clone()),
        });
        return;
    }
    let mut holds = holding(target);
    let current = target.suspended_until.as_deref().and_then(until::written);
    match (input.until, current) {
        (Some(End::At(until)), Some(current)) if until.seconds > current.as_second() => {
            let body = patch::end_patch(Some(until), input.user);
            merge_patch(plan, permit, verb, object, body);
            plan.message = format!(
                "{what} stays suspended{}, now until {}",
                by(target),
                until.rfc3339
            );
            holds.until = Some(until.rfc3339.clone());
        }
        (Some(End::Never), Some(_)) => {
            merge_patch(
                plan,
                permit,
                verb,
                object,
                patch::end_patch(None, input.user),
            );
            plan.message = format!("{what} stays suspended{}, with no end now", by(target));
            holds.until = None;
        }
        (_, current) => {
            let hint = match current {
                Some(current) => {
                    format!(" until {current}: a later until extends it, never takes its end off")
                }
                None => String::new(),
            };
            plan.unchanged = Some(Code::Suspended);
            plan.message = format!("{what} is already suspended{}{hint}", by(target));
        }
    }
    plan.suspension = Some(holds);
}

/// The suspension `target` is under, as it was written.
fn holding(target: &View) -> Suspension {
    Suspension {
        by: target.suspended_by.clone(),
        by_user: target.suspended_by_user.clone(),
        reason: target.suspended_reason.clone(),
        until: target.suspended_until.clone(),
    }
}

fn download(target: &View, artifact: Option<&str>) -> Result<Download, Refusal> {
    let what = target.object.describe();
    match (target.object.kind.artifacts, artifact) {
        (Artifacts::Inventory, _) if target.inventory.is_empty() => Err(refuse(
            Why::NoArtifact,
            Code::NoArtifact,
            format!("{what} has no artifact to download yet"),
        )),
        (Artifacts::Inventory, Some(name)) => target
            .inventory
            .iter()
            .find(|a| a.name == name)
            .cloned()
            .map(Download::External)
            .ok_or_else(|| {
                refuse(
                    Why::NoArtifact,
                    Code::NoArtifact,
                    format!("{name} is not in the inventory of {what}"),
                )
            }),
        (Artifacts::Status, None) => target.artifact.clone().map(Download::Own).ok_or_else(|| {
            refuse(
                Why::NoArtifact,
                Code::NoArtifact,
                format!("{what} has no artifact yet"),
            )
        }),
        _ => Err(refuse(
            Why::Input,
            Code::InvalidQuery,
            "?artifact= names an ExternalArtifact of an ArtifactGenerator, and only there",
        )),
    }
}

/// Restart, run-job and delete: their audit Event goes on the workload's manager.
fn workload(plan: &mut Plan, target: &View, input: &Input<'_>, mode: Mode) -> Result<(), Refusal> {
    let object = &target.object;
    let (ns, name) = (&object.namespace, &object.name);
    plan.checks.push(Check::of(plan.action.verb(), object));
    let op = match object.kind.workload {
        Some(Workload::Restart) => {
            if mode == Mode::Impersonated {
                plan.checks.push(Check::of(Verb::Patch, object));
            }
            plan.requested_at = Some(input.now.to_owned());
            plan.message = format!("{}/{ns}/{name} restarted", object.kind.kind);
            Op::Apply {
                object: object.clone(),
                body: patch::restart_body(object.kind, name, input.now),
            }
        }
        Some(Workload::RunJob) => {
            // A Job runs code: creating one is a permission of its own in both modes.
            plan.checks.push(Check {
                verb: Verb::Create,
                on: On::Jobs,
                namespace: ns.clone(),
                name: String::new(),
            });
            let body = patch::job_from(target, input.by).ok_or_else(|| {
                refuse(
                    Why::State,
                    Code::NoJobTemplate,
                    format!("{} has no spec.jobTemplate", object.describe()),
                )
            })?;
            plan.message = format!("a Job created from CronJob {name}");
            Op::CreateJob {
                namespace: ns.clone(),
                body,
            }
        }
        Some(Workload::Delete) | None => {
            plan.message = format!("{} {ns}/{name} deleted", object.kind.kind);
            Op::Delete {
                object: object.clone(),
                grace_period_seconds: input.grace_period_seconds,
            }
        }
    };
    plan.writes.push(Write {
        permit: plan.checks.len() - 1,
        op,
    });
    plan.audits.push(Audit {
        verb: plan.action.verb(),
        on: AuditOn::ManagerOf(object.clone()),
    });
    Ok(())
}

#[cfg(test)]
mod tests;
