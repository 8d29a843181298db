//! Requests and answers of the action endpoints
//! (`/api/v1/{group}/{kind}/{namespace}/{name}/actions/...`).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::problem::Code;

/// An action, as addressed in `/actions/{action}` and named in listings and answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Reconcile,
    /// A HelmRelease's reconcile that also clears its failure counters
    /// (`reconcile.fluxcd.io/resetAt`), so that remediation may run again.
    Reset,
    Pull,
    /// A pull held back: the Kustomization is suspended first (unless it is already), so that
    /// its new revision can be previewed before a resume applies it.
    Stage,
    Suspend,
    Resume,
    Download,
    Restart,
    RunJob,
    Delete,
}

impl Action {
    pub const ALL: [Action; 10] = [
        Action::Reconcile,
        Action::Reset,
        Action::Pull,
        Action::Stage,
        Action::Suspend,
        Action::Resume,
        Action::Download,
        Action::Restart,
        Action::RunJob,
        Action::Delete,
    ];

    /// The name in paths and on the wire.
    pub fn name(self) -> &'static str {
        match self {
            Action::Reconcile => "reconcile",
            Action::Reset => "reset",
            Action::Pull => "pull",
            Action::Stage => "stage",
            Action::Suspend => "suspend",
            Action::Resume => "resume",
            Action::Download => "download",
            Action::Restart => "restart",
            Action::RunJob => "run-job",
            Action::Delete => "delete",
        }
    }

    /// The RBAC verb checked, and the verb an audit event names (spec 4.4).
    pub fn verb(self) -> Verb {
        match self {
            Action::Reconcile | Action::Reset | Action::Pull => Verb::Reconcile,
            Action::Suspend | Action::Stage => Verb::Suspend,
            Action::Resume => Verb::Resume,
            Action::Download => Verb::Download,
            Action::Restart | Action::RunJob => Verb::Restart,
            Action::Delete => Verb::Delete,
        }
    }

    /// What people read on a button.
    pub fn label(self) -> &'static str {
        match self {
            Action::Reconcile => "Reconcile",
            Action::Reset => "Reset",
            Action::Pull => "Pull",
            Action::Stage => "Staged pull",
            Action::Suspend => "Suspend",
            Action::Resume => "Resume",
            Action::Download => "Download",
            Action::Restart => "Rollout restart",
            Action::RunJob => "Run job",
            Action::Delete => "Delete",
        }
    }

    pub fn parse(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The object an action was aimed at, fully resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Target {
    /// API group; empty for the core group.
    pub group: String,
    pub version: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

/// The answer to a state-changing action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ActionResponse {
    pub action: Action,
    pub target: Target,
    pub message: String,
    /// False when the object already was in the requested state (a suspend of a suspended
    /// object, a resume of a running one): nothing was written and no Event made.
    pub changed: bool,
    /// True when nothing was written: `?dryRun=true`.
    pub dry_run: bool,
    /// The timestamp written to `reconcile.fluxcd.io/requestedAt`, when one was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requested_at: Option<String>,
    /// Sources reconciled by a pull, as `Kind/namespace/name`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reconciled: Vec<String>,
    /// `run-job`: the name of the Job created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job: Option<String>,
    /// With `?wait=`: whether the controller handled the request before the wait ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handled: Option<bool>,
    /// With `?wait=`: the object's Ready condition when the wait ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ready: Option<Condition>,
    /// `suspend`: the suspension in force after it (who, why, until when), changed or not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspension: Option<Suspension>,
    /// What became of the action's audit Event by the time of this answer.
    #[serde(default)]
    pub audit: AuditState,
    /// Present when the action was done but its audit Event could not be written: why. The
    /// Event is retried in the background.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_error: Option<String>,
}

/// A suspension in force, as flux-web knows it: what another tool recorded is absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Suspension {
    /// Who suspended, as `fluxcd.controlplane.io/suspendedBy` names them (a display name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// The username of who suspended, when flux-web did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When it ends by itself (RFC 3339); absent, it lasts until someone resumes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
}

/// What became of an action's audit Event by the time of its answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum AuditState {
    /// Written to Kubernetes.
    Recorded,
    /// On the server's disk (its audit journal), written to Kubernetes moments later; a
    /// server that stops first writes it when it starts again. Also an Event that failed and
    /// is retried (see `auditError`).
    Pending,
    /// No Event: the action's verb is not audited, or nothing was done (a dry run).
    #[default]
    None,
}

/// A status condition as Flux reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    #[serde(rename = "type")]
    pub kind: String,
    pub status: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub message: String,
    /// When `status` last changed (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<String>,
}

/// The longest suspend reason taken, in characters: a sentence or a ticket reference, far
/// below Kubernetes' 256 KiB limit on all of an object's annotations together.
pub const MAX_REASON: usize = 1024;
/// The longest `until` taken: an RFC 3339 time is 35 characters at most.
pub const MAX_UNTIL: usize = 64;

/// Optional body of a state-changing action.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ActionRequest {
    /// `suspend` and `stage`: why, shown beside "Suspended by"; at most 1,024 characters. A
    /// staged pull without one says `preview`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 1024))]
    pub reason: Option<String>,
    /// `delete`: the Pod's grace period, instead of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace_period_seconds: Option<u32>,
    /// `suspend` and `stage`: when the suspension ends by itself, an RFC 3339 time or a Go duration from
    /// now (`90m`, `2h30m`); in the future and within the server's maximum (30 days unless
    /// configured). On an object suspended until some time, a later time extends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub until: Option<String>,
}

impl ActionRequest {
    /// The rules a body must keep beyond its shape; the message says which it broke.
    pub fn check(&self) -> Result<(), String> {
        check_options(self.reason.as_deref(), self.until.as_deref())
    }
}

/// The length rules of a suspend's options, one action's or many's.
pub fn check_options(reason: Option<&str>, until: Option<&str>) -> Result<(), String> {
    if let Some(reason) = reason.filter(|r| r.chars().count() > MAX_REASON) {
        return Err(format!(
            "reason: {} characters, at most {MAX_REASON}",
            reason.chars().count()
        ));
    }
    if let Some(until) = until.filter(|u| u.chars().count() > MAX_UNTIL) {
        return Err(format!(
            "until: {} characters, at most {MAX_UNTIL}",
            until.chars().count()
        ));
    }
    Ok(())
}

/// The answer of `GET .../actions`: what the caller may do to the object, and why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActionListing {
    pub target: Target,
    pub actions: Vec<ActionPermission>,
    /// An ArtifactGenerator's ExternalArtifacts, each downloadable with `?artifact=<name>`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub artifacts: Vec<ArtifactRef>,
    /// For a workload: whether the caller may delete its Pods (the namespace's `delete pods`).
    #[serde(
        rename = "deletePods",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub delete_pods: Option<ActionPermission>,
}

/// An ExternalArtifact made by an ArtifactGenerator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArtifactRef {
    pub name: String,
    pub namespace: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActionPermission {
    pub action: Action,
    /// The RBAC verb checked.
    pub verb: String,
    pub allowed: bool,
    /// Machine-readable reason when not allowed: `forbidden`, `suspended`, `not_suspended`,
    /// `source_suspended`, `not_applicable`, `no_artifact`, `actions_disabled`, `not_logged_in`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Code>,
    /// The sentence for people, naming the missing RBAC rule for `forbidden`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// An RBAC verb flux-web asks Kubernetes about: Kubernetes' own, and the custom verbs of the
/// spec that Roles grant for actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Verb {
    Get,
    List,
    Patch,
    Create,
    Delete,
    Reconcile,
    Suspend,
    Resume,
    Download,
    Restart,
    /// A Kustomization's preview: what a reconcile would apply.
    Preview,
    /// A HelmRelease's values from one Secret shown unmasked: not an RBAC verb (the reveal
    /// needs `get` on that Secret), a word of the audit trail.
    Reveal,
}

impl Verb {
    /// The verbs of actions, whose audit Events the config chooses (`userActions.audit`).
    pub const AUDITABLE: [Verb; 7] = [
        Verb::Reconcile,
        Verb::Suspend,
        Verb::Resume,
        Verb::Download,
        Verb::Restart,
        Verb::Delete,
        Verb::Reveal,
    ];

    /// As RBAC rules and access reviews spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "get",
            Verb::List => "list",
            Verb::Patch => "patch",
            Verb::Create => "create",
            Verb::Delete => "delete",
            Verb::Reconcile => "reconcile",
            Verb::Suspend => "suspend",
            Verb::Resume => "resume",
            Verb::Download => "download",
            Verb::Restart => "restart",
            Verb::Preview => "preview",
            Verb::Reveal => "reveal",
        }
    }

    /// An action's verb by its name, as the config lists them.
    pub fn auditable(name: &str) -> Option<Self> {
        Self::AUDITABLE.into_iter().find(|v| v.as_str() == name)
    }
}

impl fmt::Display for Verb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_verbs_and_the_wire_agree() {
        let verbs: Vec<_> = Action::ALL
            .iter()
            .map(|a| (a.name(), a.verb().as_str()))
            .collect();
        assert_eq!(
            verbs,
            [
                ("reconcile", "reconcile"),
                ("reset", "reconcile"),
                ("pull", "reconcile"),
                ("stage", "suspend"),
                ("suspend", "suspend"),
                ("resume", "resume"),
                ("download", "download"),
                ("restart", "restart"),
                ("run-job", "restart"),
                ("delete", "delete"),
            ]
        );
        for action in Action::ALL {
            let wire = serde_json::to_value(action).unwrap();
            assert_eq!(wire, action.name());
            assert_eq!(Action::parse(action.name()), Some(action));
        }
        assert_eq!(Action::parse("RECONCILE"), None);
    }

    #[test]
    fn a_reason_longer_than_the_limit_is_refused_by_its_length_in_characters() {
        let at = |n: usize| ActionRequest {
            reason: Some("é".repeat(n)),
            ..Default::default()
        };
        assert_eq!(at(MAX_REASON).check(), Ok(()));
        assert_eq!(
            at(MAX_REASON + 1).check(),
            Err("reason: 1025 characters, at most 1024".to_owned())
        );
        assert_eq!(ActionRequest::default().check(), Ok(()));
    }
}
