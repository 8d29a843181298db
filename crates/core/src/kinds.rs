//! The kinds flux-web acts on and how each differs (spec section 3), as data: how it
//! suspends and reconciles, where its sources are named, how it holds artifacts, how its
//! readiness is counted, and which workload action it takes. Everything else asks this table
//! instead of comparing kind names.

pub use flux_web_shared::actions::Action;

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
    /// Forced, and a `reset` also clears the failure counters (`reconcile.fluxcd.io/resetAt`):
    /// a Helm release.
    Release,
}

/// Where an object names the sources a `pull` reconciles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sources {
    None,
    /// `spec.sourceRef` (Kustomization).
    SourceRef,
    /// `spec.chartRef`, or the HelmChart made for `spec.chart` and that chart's own
    /// `spec.chart.spec.sourceRef` (HelmRelease).
    Chart,
}

/// How an object holds the artifact a `download` streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Artifacts {
    None,
    /// `status.artifact` (the sources, ExternalArtifact).
    Status,
    /// `status.inventory` names ExternalArtifacts, each downloaded by name
    /// (ArtifactGenerator).
    Inventory,
}

/// How an object's readiness is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readiness {
    /// The Ready condition (Flux kinds).
    Conditions,
    /// None by design: notification-controller's v1beta3 Alert and Provider are static
    /// objects without a status. Ready unless suspended, as `flux get` shows them; a Ready
    /// condition, when an older version set one, still counts.
    Static,
    /// `status.readyReplicas` of `spec.replicas` (Deployment, StatefulSet).
    Replicas,
    /// `status.numberReady` of `status.desiredNumberScheduled` (DaemonSet).
    Scheduled,
    /// Healthy unless `spec.suspend` (CronJob).
    Schedule,
    /// Its phase (Pod).
    Phase,
}

impl Readiness {
    /// Whether the kind's state comes from its conditions (`summary`), not from its
    /// replicas, schedule or phase (`workloads::state`).
    pub fn by_conditions(self) -> bool {
        matches!(self, Readiness::Conditions | Readiness::Static)
    }
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
    /// Names upstream sources that `pull` reconciles (Kustomization, HelmRelease).
    pub sources: Sources,
    pub artifacts: Artifacts,
    pub readiness: Readiness,
    pub workload: Option<Workload>,
}

/// The one action a workload kind takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    Restart,
    RunJob,
    Delete,
}

impl Kind {
    /// The actions this kind takes, in the order the UI shows them.
    pub fn actions(&self) -> Vec<Action> {
        let mut actions = Vec::new();
        if self.reconcile != Reconcile::No {
            actions.push(Action::Reconcile);
        }
        if self.reconcile == Reconcile::Release {
            actions.push(Action::Reset);
        }
        if self.sources != Sources::None {
            actions.push(Action::Pull);
        }
        // A preview builds a `sourceRef`'s artifact: a pull held for one is a Kustomization's.
        if self.sources == Sources::SourceRef {
            actions.push(Action::Stage);
        }
        if self.suspend != Suspend::No {
            actions.extend([Action::Suspend, Action::Resume]);
        }
        if self.artifacts != Artifacts::None {
            actions.push(Action::Download);
        }
        actions.extend(self.workload.map(|w| match w {
            Workload::Restart => Action::Restart,
            Workload::RunJob => Action::RunJob,
            Workload::Delete => Action::Delete,
        }));
        actions
    }

    /// Whether it keeps Helm releases (`status.history` of helm-controller's snapshots).
    pub fn releases(&self) -> bool {
        self.reconcile == Reconcile::Release
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
        sources: Sources::None,
        artifacts: Artifacts::None,
        readiness: Readiness::Conditions,
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
        artifacts: if download {
            Artifacts::Status
        } else {
            Artifacts::None
        },
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
    readiness: Readiness,
) -> Kind {
    Kind {
        workload: Some(action),
        readiness,
        ..flux(group, kind, plural, short, "v1", Reconcile::No, Suspend::No)
    }
}

/// The group of the source kinds (HelmChart and HelmRepository among them).
pub const SOURCE: &str = "source.toolkit.fluxcd.io";
const NOTIFICATION: &str = "notification.toolkit.fluxcd.io";
const IMAGE: &str = "image.toolkit.fluxcd.io";
const CONTROLPLANE: &str = "fluxcd.controlplane.io";
const CONTROLPLANE_RECONCILE: &str = "fluxcd.controlplane.io/reconcile";

pub static KINDS: [Kind; 23] = [
    Kind {
        sources: Sources::SourceRef,
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
        sources: Sources::Chart,
        ..flux(
            "helm.toolkit.fluxcd.io",
            "HelmRelease",
            "helmreleases",
            &["hr"],
            "v2",
            Reconcile::Release,
            Suspend::Spec,
        )
    },
    source("GitRepository", "gitrepositories", &["gitrepo"], true),
    source("OCIRepository", "ocirepositories", &["ocirepo"], true),
    source("Bucket", "buckets", &[], true),
    source("HelmChart", "helmcharts", &["hc"], true),
    source("HelmRepository", "helmrepositories", &["helmrepo"], false),
    Kind {
        artifacts: Artifacts::Status,
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
        artifacts: Artifacts::Inventory,
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
    Kind {
        readiness: Readiness::Static,
        ..flux(
            NOTIFICATION,
            "Alert",
            "alerts",
            &[],
            "v1beta3",
            Reconcile::No,
            Suspend::Spec,
        )
    },
    Kind {
        readiness: Readiness::Static,
        ..flux(
            NOTIFICATION,
            "Provider",
            "providers",
            &[],
            "v1beta3",
            Reconcile::No,
            Suspend::Spec,
        )
    },
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
        Readiness::Replicas,
    ),
    workload(
        "apps",
        "StatefulSet",
        "statefulsets",
        &["sts"],
        Workload::Restart,
        Readiness::Replicas,
    ),
    workload(
        "apps",
        "DaemonSet",
        "daemonsets",
        &["ds"],
        Workload::Restart,
        Readiness::Scheduled,
    ),
    workload(
        "batch",
        "CronJob",
        "cronjobs",
        &["cj"],
        Workload::RunJob,
        Readiness::Schedule,
    ),
    workload(
        "",
        "Pod",
        "pods",
        &["po"],
        Workload::Delete,
        Readiness::Phase,
    ),
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

/// The Flux kinds (every kind that is not a workload), in the order the UI offers them.
pub fn flux_kinds() -> impl Iterator<Item = &'static Kind> {
    KINDS.iter().filter(|k| k.workload.is_none())
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
    fn the_flux_and_workload_kinds_are_the_ones_the_ui_offers() {
        let kinds: Vec<_> = flux_kinds().map(|k| k.kind).collect();
        let mut offered = flux_web_shared::objects::FLUX_KINDS.to_vec();
        let mut registered = kinds.clone();
        offered.sort();
        registered.sort();
        assert_eq!(registered, offered);
        let workloads: Vec<_> = KINDS
            .iter()
            .filter(|k| k.workload.is_some())
            .map(|k| k.kind)
            .collect();
        assert_eq!(workloads, flux_web_shared::objects::WORKLOAD_KINDS);
    }

    #[test]
    fn the_actions_of_each_kind_follow_the_spec_table() {
        use Action::*;
        let cases: [(&str, &[Action]); 12] = [
            ("Kustomization", &[Reconcile, Pull, Stage, Suspend, Resume]),
            ("HelmRelease", &[Reconcile, Reset, Pull, Suspend, Resume]),
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
}
