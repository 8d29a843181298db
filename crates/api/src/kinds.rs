//! The kinds flux-web acts on and what each one can do (spec section 3). Handlers and actions
//! ask this table instead of comparing kind names.

use std::fmt;

/// How a kind is suspended and resumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suspend {
    No,
    /// `spec.suspend: true`.
    Spec,
    /// The annotation set to `disabled` (resumed with `enabled`).
    Annotation(&'static str),
}

/// How a kind answers `reconcile`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reconcile {
    No,
    Yes,
    /// Also `reconcile.fluxcd.io/forceAt`, so the controller runs even without changes.
    Force,
}

/// Everything flux-web knows about one kind.
#[derive(Debug, PartialEq, Eq)]
pub struct Kind {
    /// API group; empty for the core group.
    pub group: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
    pub short_names: &'static [&'static str],
    /// The version served by the pinned releases; discovery may prefer another.
    pub version: &'static str,
    pub reconcile: Reconcile,
    pub suspend: Suspend,
    /// Reconciles its upstream source (Kustomization, HelmRelease).
    pub pull: bool,
    pub download: bool,
    pub workload: Option<Workload>,
}

/// The one action a workload kind takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    Restart,
    RunJob,
    Delete,
}

/// An action as addressed in `/actions/{action}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Reconcile,
    Pull,
    Suspend,
    Resume,
    Download,
    Restart,
    RunJob,
    Delete,
}

impl Action {
    pub const ALL: [Action; 8] = [
        Action::Reconcile,
        Action::Pull,
        Action::Suspend,
        Action::Resume,
        Action::Download,
        Action::Restart,
        Action::RunJob,
        Action::Delete,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Action::Reconcile => "reconcile",
            Action::Pull => "pull",
            Action::Suspend => "suspend",
            Action::Resume => "resume",
            Action::Download => "download",
            Action::Restart => "restart",
            Action::RunJob => "run-job",
            Action::Delete => "delete",
        }
    }

    /// The RBAC verb checked, and the verb an audit event names (spec 4.4).
    pub fn verb(self) -> &'static str {
        match self {
            Action::Reconcile | Action::Pull => "reconcile",
            Action::Suspend => "suspend",
            Action::Resume => "resume",
            Action::Download => "download",
            Action::Restart | Action::RunJob => "restart",
            Action::Delete => "delete",
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

impl Kind {
    /// The actions this kind takes, in the order the UI shows them.
    pub fn actions(&self) -> Vec<Action> {
        let mut actions = Vec::new();
        if self.reconcile != Reconcile::No {
            actions.push(Action::Reconcile);
        }
        if self.pull {
            actions.push(Action::Pull);
        }
        if self.suspend != Suspend::No {
            actions.extend([Action::Suspend, Action::Resume]);
        }
        if self.download {
            actions.push(Action::Download);
        }
        actions.extend(self.workload.map(|w| match w {
            Workload::Restart => Action::Restart,
            Workload::RunJob => Action::RunJob,
            Workload::Delete => Action::Delete,
        }));
        actions
    }

    pub fn takes(&self, action: Action) -> bool {
        self.actions().contains(&action)
    }

    /// Whether `name` names this kind: its plural, its Kind in any case, or a short name.
    pub fn is_named(&self, name: &str) -> bool {
        let lower = name.to_ascii_lowercase();
        self.plural == lower
            || self.kind.eq_ignore_ascii_case(name)
            || self.short_names.contains(&lower.as_str())
    }

    /// `group/version`, or `version` alone for the core group.
    pub fn api_version(&self, version: &str) -> String {
        if self.group.is_empty() {
            version.to_owned()
        } else {
            format!("{}/{version}", self.group)
        }
    }
}

const fn flux(
    group: &'static str,
    kind: &'static str,
    plural: &'static str,
    short_names: &'static [&'static str],
    version: &'static str,
    reconcile: Reconcile,
    suspend: Suspend,
) -> Kind {
    Kind {
        group,
        kind,
        plural,
        short_names,
        version,
        reconcile,
        suspend,
        pull: false,
        download: false,
        workload: None,
    }
}

const fn source(
    kind: &'static str,
    plural: &'static str,
    short: &'static [&'static str],
    download: bool,
) -> Kind {
    Kind {
        download,
        ..flux(
            SOURCE,
            kind,
            plural,
            short,
            "v1",
            Reconcile::Yes,
            Suspend::Spec,
        )
    }
}

const fn workload(
    group: &'static str,
    kind: &'static str,
    plural: &'static str,
    short: &'static [&'static str],
    action: Workload,
) -> Kind {
    Kind {
        workload: Some(action),
        ..flux(group, kind, plural, short, "v1", Reconcile::No, Suspend::No)
    }
}

const SOURCE: &str = "source.toolkit.fluxcd.io";
const NOTIFICATION: &str = "notification.toolkit.fluxcd.io";
const IMAGE: &str = "image.toolkit.fluxcd.io";
const CONTROLPLANE: &str = "fluxcd.controlplane.io";
const CONTROLPLANE_RECONCILE: &str = "fluxcd.controlplane.io/reconcile";

pub static KINDS: [Kind; 23] = [
    Kind {
        pull: true,
        ..flux(
            "kustomize.toolkit.fluxcd.io",
            "Kustomization",
            "kustomizations",
            &["ks"],
            "v1",
            Reconcile::Yes,
            Suspend::Spec,
        )
    },
    Kind {
        pull: true,
        ..flux(
            "helm.toolkit.fluxcd.io",
            "HelmRelease",
            "helmreleases",
            &["hr"],
            "v2",
            Reconcile::Force,
            Suspend::Spec,
        )
    },
    source("GitRepository", "gitrepositories", &["gitrepo"], true),
    source("OCIRepository", "ocirepositories", &["ocirepo"], true),
    source("Bucket", "buckets", &[], true),
    source("HelmChart", "helmcharts", &["hc"], true),
    source("HelmRepository", "helmrepositories", &["helmrepo"], false),
    Kind {
        download: true,
        ..flux(
            SOURCE,
            "ExternalArtifact",
            "externalartifacts",
            &["ea"],
            "v1",
            Reconcile::No,
            Suspend::No,
        )
    },
    Kind {
        download: true,
        ..flux(
            "source.extensions.fluxcd.io",
            "ArtifactGenerator",
            "artifactgenerators",
            &["ag"],
            "v1beta1",
            Reconcile::Yes,
            Suspend::Annotation("source.extensions.fluxcd.io/reconcile"),
        )
    },
    flux(
        NOTIFICATION,
        "Alert",
        "alerts",
        &[],
        "v1beta3",
        Reconcile::No,
        Suspend::Spec,
    ),
    flux(
        NOTIFICATION,
        "Provider",
        "providers",
        &[],
        "v1beta3",
        Reconcile::No,
        Suspend::Spec,
    ),
    flux(
        NOTIFICATION,
        "Receiver",
        "receivers",
        &[],
        "v1",
        Reconcile::Yes,
        Suspend::Spec,
    ),
    flux(
        IMAGE,
        "ImageRepository",
        "imagerepositories",
        &["imgrepo", "imagerepo"],
        "v1",
        Reconcile::Yes,
        Suspend::Spec,
    ),
    flux(
        IMAGE,
        "ImagePolicy",
        "imagepolicies",
        &["imgpol", "imagepol"],
        "v1",
        Reconcile::Yes,
        Suspend::Spec,
    ),
    flux(
        IMAGE,
        "ImageUpdateAutomation",
        "imageupdateautomations",
        &["iua", "imgupd", "imgauto"],
        "v1",
        Reconcile::Yes,
        Suspend::Spec,
    ),
    flux(
        CONTROLPLANE,
        "FluxInstance",
        "fluxinstances",
        &[],
        "v1",
        Reconcile::Yes,
        Suspend::Annotation(CONTROLPLANE_RECONCILE),
    ),
    flux(
        CONTROLPLANE,
        "ResourceSet",
        "resourcesets",
        &["rset"],
        "v1",
        Reconcile::Yes,
        Suspend::Annotation(CONTROLPLANE_RECONCILE),
    ),
    flux(
        CONTROLPLANE,
        "ResourceSetInputProvider",
        "resourcesetinputproviders",
        &["rsip"],
        "v1",
        Reconcile::Force,
        Suspend::Annotation(CONTROLPLANE_RECONCILE),
    ),
    workload(
        "apps",
        "Deployment",
        "deployments",
        &["deploy"],
        Workload::Restart,
    ),
    workload(
        "apps",
        "StatefulSet",
        "statefulsets",
        &["sts"],
        Workload::Restart,
    ),
    workload(
        "apps",
        "DaemonSet",
        "daemonsets",
        &["ds"],
        Workload::Restart,
    ),
    workload("batch", "CronJob", "cronjobs", &["cj"], Workload::RunJob),
    workload("", "Pod", "pods", &["po"], Workload::Delete),
];

/// Finds a kind by its group as written in a path (`core` for the core group) and its
/// plural, its Kind in any case, or a short name.
pub fn find(group: &str, kind: &str) -> Option<&'static Kind> {
    let group = if group == "core" { "" } else { group };
    KINDS.iter().find(|k| k.group == group && k.is_named(kind))
}

/// Finds a kind by its exact group and Kind, as in a `sourceRef`.
pub fn by_kind(group: &str, kind: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.group == group && k.kind == kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_kind_by_plural_kind_in_any_case_and_short_name() {
        let cases = [
            (
                "kustomize.toolkit.fluxcd.io",
                "kustomizations",
                "Kustomization",
            ),
            (
                "kustomize.toolkit.fluxcd.io",
                "Kustomization",
                "Kustomization",
            ),
            (
                "kustomize.toolkit.fluxcd.io",
                "KUSTOMIZATION",
                "Kustomization",
            ),
            ("kustomize.toolkit.fluxcd.io", "ks", "Kustomization"),
            ("helm.toolkit.fluxcd.io", "hr", "HelmRelease"),
            ("source.toolkit.fluxcd.io", "gitrepo", "GitRepository"),
            ("source.toolkit.fluxcd.io", "ocirepo", "OCIRepository"),
            ("source.toolkit.fluxcd.io", "hc", "HelmChart"),
            ("source.toolkit.fluxcd.io", "helmrepo", "HelmRepository"),
            ("source.toolkit.fluxcd.io", "ea", "ExternalArtifact"),
            ("source.extensions.fluxcd.io", "ag", "ArtifactGenerator"),
            ("fluxcd.controlplane.io", "rset", "ResourceSet"),
            ("fluxcd.controlplane.io", "rsip", "ResourceSetInputProvider"),
            ("core", "pods", "Pod"),
            ("apps", "deploy", "Deployment"),
            ("batch", "cronjobs", "CronJob"),
        ];
        for (group, name, kind) in cases {
            assert_eq!(
                find(group, name).map(|k| k.kind),
                Some(kind),
                "{group}/{name}"
            );
        }
    }

    #[test]
    fn a_kind_is_only_found_in_its_own_group() {
        assert_eq!(find("source.toolkit.fluxcd.io", "kustomizations"), None);
        assert_eq!(find("", "pods"), Some(&KINDS[22]));
        assert_eq!(find("apps", "pods"), None);
        assert_eq!(find("kustomize.toolkit.fluxcd.io", "kustomization."), None);
    }

    #[test]
    fn the_actions_of_each_kind_follow_the_spec_table() {
        use Action::*;
        let cases: [(&str, &[Action]); 12] = [
            ("Kustomization", &[Reconcile, Pull, Suspend, Resume]),
            ("HelmRelease", &[Reconcile, Pull, Suspend, Resume]),
            ("GitRepository", &[Reconcile, Suspend, Resume, Download]),
            ("HelmRepository", &[Reconcile, Suspend, Resume]),
            ("ExternalArtifact", &[Download]),
            ("ArtifactGenerator", &[Reconcile, Suspend, Resume, Download]),
            ("Alert", &[Suspend, Resume]),
            ("Receiver", &[Reconcile, Suspend, Resume]),
            ("ResourceSetInputProvider", &[Reconcile, Suspend, Resume]),
            ("Deployment", &[Restart]),
            ("CronJob", &[RunJob]),
            ("Pod", &[Delete]),
        ];
        for (kind, actions) in cases {
            let found = KINDS.iter().find(|k| k.kind == kind).unwrap();
            assert_eq!(found.actions(), actions, "{kind}");
        }
    }

    #[test]
    fn verbs_are_the_rbac_verbs_of_the_spec() {
        let verbs: Vec<_> = Action::ALL.iter().map(|a| (a.name(), a.verb())).collect();
        assert_eq!(
            verbs,
            [
                ("reconcile", "reconcile"),
                ("pull", "reconcile"),
                ("suspend", "suspend"),
                ("resume", "resume"),
                ("download", "download"),
                ("restart", "restart"),
                ("run-job", "restart"),
                ("delete", "delete"),
            ]
        );
        assert_eq!(Action::parse("run-job"), Some(Action::RunJob));
        assert_eq!(Action::parse("RECONCILE"), None);
    }
}
