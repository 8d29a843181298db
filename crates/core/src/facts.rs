//! The reconciler's facts about an object, as its page lists them: which controller
//! reconciles it, how often and for how long, what it last applied, and the settings of its
//! kind that decide what a reconcile does (a Kustomization's path and prune, a HelmRelease's
//! chart, a source's URL and ref, an Alert's sources). Each kind's fields are a table here;
//! one reader turns the object's fields into words.

use flux_web_shared::objects::{Fact, LAST_RUN};
use kube_core::DynamicObject;
use serde_json::Value;

use crate::kinds::Kind;

/// How a field reads as words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Read {
    /// A string or a number, as it is.
    Text,
    /// A boolean as "yes" or "no".
    YesNo,
    /// How many entries a list has.
    Count,
    /// A list of references as `Kind/name` (or `name`), joined by commas; a list of strings
    /// joined.
    Names,
    /// One reference as `Kind/name` (or `name`), `namespace/` before it when given.
    Ref,
    /// A Go duration, cut to two decimals ("1.23s").
    Took,
}

/// One fact of a kind: its label, where it is (a JSON pointer into the object) and how it
/// reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Field {
    label: &'static str,
    at: &'static str,
    read: Read,
}

const fn field(label: &'static str, at: &'static str, read: Read) -> Field {
    Field { label, at, read }
}

/// What every reconciled Flux kind has; a field the object lacks is left out.
const COMMON: &[Field] = &[
    field("Interval", "/spec/interval", Read::Text),
    field("Timeout", "/spec/timeout", Read::Text),
    field("Suspended", "/spec/suspend", Read::YesNo),
    field(
        "Last applied revision",
        "/status/lastAppliedRevision",
        Read::Text,
    ),
    field(
        "Last attempted revision",
        "/status/lastAttemptedRevision",
        Read::Text,
    ),
    field(
        "Last request handled",
        "/status/lastHandledReconcileAt",
        Read::Text,
    ),
    // The newest of `status.history`'s snapshots comes first (a Kustomization's, Flux 2.3+).
    field(
        LAST_RUN,
        "/status/history/0/lastReconciledDuration",
        Read::Took,
    ),
];

/// What every source kind with an artifact says of its last fetch, after its own fields.
const FETCHED: &[Field] = &[
    field(
        "Last fetched revision",
        "/status/artifact/revision",
        Read::Text,
    ),
    field(
        "Last fetched at",
        "/status/artifact/lastUpdateTime",
        Read::Text,
    ),
];

const KUSTOMIZATION: &[Field] = &[
    field("Source", "/spec/sourceRef", Read::Ref),
    field("Path", "/spec/path", Read::Text),
    field("Prune", "/spec/prune", Read::YesNo),
    field("Wait for all", "/spec/wait", Read::YesNo),
    field("Health checks", "/spec/healthChecks", Read::Count),
    field("Target namespace", "/spec/targetNamespace", Read::Text),
    field("Service account", "/spec/serviceAccountName", Read::Text),
    field("Decryption", "/spec/decryption/provider", Read::Text),
    field("Force", "/spec/force", Read::YesNo),
];

const HELM_RELEASE: &[Field] = &[
    field("Chart", "/spec/chart/spec/chart", Read::Text),
    field("Chart version", "/spec/chart/spec/version", Read::Text),
    field("Chart source", "/spec/chart/spec/sourceRef", Read::Ref),
    field("Chart reference", "/spec/chartRef", Read::Ref),
    field("Release name", "/spec/releaseName", Read::Text),
    field("Target namespace", "/spec/targetNamespace", Read::Text),
    field("Storage namespace", "/spec/storageNamespace", Read::Text),
    field("Installed chart", "/status/history/0/chartName", Read::Text),
    field(
        "Installed version",
        "/status/history/0/chartVersion",
        Read::Text,
    ),
    field("App version", "/status/history/0/appVersion", Read::Text),
    field("Service account", "/spec/serviceAccountName", Read::Text),
];

const GIT_REPOSITORY: &[Field] = &[
    field("URL", "/spec/url", Read::Text),
    field("Branch", "/spec/ref/branch", Read::Text),
    field("Tag", "/spec/ref/tag", Read::Text),
    field("SemVer", "/spec/ref/semver", Read::Text),
    field("Reference", "/spec/ref/name", Read::Text),
    field("Commit", "/spec/ref/commit", Read::Text),
];

const OCI_REPOSITORY: &[Field] = &[
    field("URL", "/spec/url", Read::Text),
    field("Tag", "/spec/ref/tag", Read::Text),
    field("SemVer", "/spec/ref/semver", Read::Text),
    field("Digest", "/spec/ref/digest", Read::Text),
    field("Provider", "/spec/provider", Read::Text),
];

const HELM_REPOSITORY: &[Field] = &[
    field("URL", "/spec/url", Read::Text),
    field("Type", "/spec/type", Read::Text),
    field("Provider", "/spec/provider", Read::Text),
];

const BUCKET: &[Field] = &[
    field("Endpoint", "/spec/endpoint", Read::Text),
    field("Bucket", "/spec/bucketName", Read::Text),
    field("Prefix", "/spec/prefix", Read::Text),
    field("Provider", "/spec/provider", Read::Text),
];

const HELM_CHART: &[Field] = &[
    field("Chart", "/spec/chart", Read::Text),
    field("Version", "/spec/version", Read::Text),
    field("Source", "/spec/sourceRef", Read::Ref),
    field("Values files", "/spec/valuesFiles", Read::Names),
];

const ALERT: &[Field] = &[
    field("Provider", "/spec/providerRef", Read::Ref),
    field("Severity", "/spec/eventSeverity", Read::Text),
    field("Event sources", "/spec/eventSources", Read::Names),
    field("Only messages matching", "/spec/inclusionList", Read::Names),
    field(
        "Except messages matching",
        "/spec/exclusionList",
        Read::Names,
    ),
    field("Summary", "/spec/summary", Read::Text),
];

const PROVIDER: &[Field] = &[
    field("Type", "/spec/type", Read::Text),
    field("Channel", "/spec/channel", Read::Text),
    field("Address", "/spec/address", Read::Text),
    field("Username", "/spec/username", Read::Text),
    field("Secret", "/spec/secretRef", Read::Ref),
];

const RECEIVER: &[Field] = &[
    field("Type", "/spec/type", Read::Text),
    field("Webhook path", "/status/webhookPath", Read::Text),
    field("Events", "/spec/events", Read::Names),
    field("Reconciles", "/spec/resources", Read::Names),
];

const IMAGE_REPOSITORY: &[Field] = &[
    field("Image", "/spec/image", Read::Text),
    field("Provider", "/spec/provider", Read::Text),
    field("Last scan", "/status/lastScanResult/scanTime", Read::Text),
    field("Tags found", "/status/lastScanResult/tagCount", Read::Text),
];

const IMAGE_POLICY: &[Field] = &[
    field("Image repository", "/spec/imageRepositoryRef", Read::Ref),
    field("SemVer range", "/spec/policy/semver/range", Read::Text),
    field(
        "Alphabetical order",
        "/spec/policy/alphabetical/order",
        Read::Text,
    ),
    field(
        "Numerical order",
        "/spec/policy/numerical/order",
        Read::Text,
    ),
    field("Latest image", "/status/latestRef/tag", Read::Text),
];

const IMAGE_UPDATE_AUTOMATION: &[Field] = &[
    field("Source", "/spec/sourceRef", Read::Ref),
    field(
        "Checkout branch",
        "/spec/git/checkout/ref/branch",
        Read::Text,
    ),
    field("Push branch", "/spec/git/push/branch", Read::Text),
    field("Update path", "/spec/update/path", Read::Text),
    field("Last push commit", "/status/lastPushCommit", Read::Text),
    field("Last push at", "/status/lastPushTime", Read::Text),
];

/// A kind's controller, its own fields, and whether it keeps an artifact it fetched.
fn of(kind: &Kind) -> Option<(&'static str, &'static [Field], bool)> {
    Some(match kind.kind {
        "Kustomization" => ("kustomize-controller", KUSTOMIZATION, false),
        "HelmRelease" => ("helm-controller", HELM_RELEASE, false),
        "GitRepository" => ("source-controller", GIT_REPOSITORY, true),
        "OCIRepository" => ("source-controller", OCI_REPOSITORY, true),
        "HelmRepository" => ("source-controller", HELM_REPOSITORY, true),
        "Bucket" => ("source-controller", BUCKET, true),
        "HelmChart" => ("source-controller", HELM_CHART, true),
        "ExternalArtifact" => ("source-controller", &[], false),
        "ArtifactGenerator" => ("source-watcher", &[], false),
        "Alert" => ("notification-controller", ALERT, false),
        "Provider" => ("notification-controller", PROVIDER, false),
        "Receiver" => ("notification-controller", RECEIVER, false),
        "ImageRepository" => ("image-reflector-controller", IMAGE_REPOSITORY, false),
        "ImagePolicy" => ("image-reflector-controller", IMAGE_POLICY, false),
        "ImageUpdateAutomation" => (
            "image-automation-controller",
            IMAGE_UPDATE_AUTOMATION,
            false,
        ),
        "FluxInstance" | "ResourceSet" | "ResourceSetInputProvider" => {
            ("flux-operator", &[], false)
        }
        _ => return None,
    })
}

/// The facts of `found`, an object of `kind`: the controller first, then the kind's own
/// fields, its last fetch, then those every reconciled kind has; none for a kind that is not
/// Flux's.
pub fn facts(kind: &Kind, found: &DynamicObject) -> Vec<Fact> {
    let Some((controller, own, fetches)) = of(kind) else {
        return Vec::new();
    };
    let object = serde_json::json!({ "spec": found.data["spec"], "status": found.data["status"] });
    let mut facts = vec![Fact {
        label: "Controller".to_owned(),
        value: controller.to_owned(),
    }];
    let fetched: &[Field] = if fetches { FETCHED } else { &[] };
    facts.extend(own.iter().chain(fetched).chain(COMMON).filter_map(|field| {
        let value = words(object.pointer(field.at)?, field.read)?;
        Some(Fact {
            label: field.label.to_owned(),
            value,
        })
    }));
    facts
}

/// What the controllers write when a reconcile succeeds ("Reconciliation finished in 1.2s,
/// next run in 10m0s"): the one place the kinds without a `status.history` say how long a run
/// took.
const FINISHED: &str = "Reconciliation finished in ";
/// What the API server's event correlator puts before a message it combined with similar ones.
const COMBINED: &str = "(combined from similar events): ";

/// How long the run an Event's message tells of took, cut to two decimals; none when the
/// message does not say.
pub fn took(message: &str) -> Option<String> {
    let message = message.strip_prefix(COMBINED).unwrap_or(message);
    let took = message.strip_prefix(FINISHED)?.split(',').next()?.trim();
    (!took.is_empty()).then(|| two_decimals(took))
}

/// A Go duration ("1m2.345678s", "245.318ms") cut to two decimals in each number.
fn two_decimals(duration: &str) -> String {
    let mut out = String::with_capacity(duration.len());
    let mut decimals = None::<usize>;
    for c in duration.chars() {
        match (c, decimals) {
            ('.', _) => decimals = Some(0),
            (d, Some(n)) if d.is_ascii_digit() => {
                decimals = Some(n + 1);
                if n >= 2 {
                    continue;
                }
            }
            (d, _) if d.is_ascii_digit() => {}
            _ => decimals = None,
        }
        out.push(c);
    }
    out
}

/// `value` as words, as `read` says; none when there is nothing to say.
fn words(value: &Value, read: Read) -> Option<String> {
    let text = match (read, value) {
        (Read::Text, Value::String(s)) => s.clone(),
        (Read::Text, Value::Number(n)) => n.to_string(),
        (Read::YesNo, Value::Bool(b)) => if *b { "yes" } else { "no" }.to_owned(),
        (Read::Count, Value::Array(items)) => items.len().to_string(),
        (Read::Names, Value::Array(items)) => items
            .iter()
            .filter_map(|item| match item {
                Value::String(s) => Some(s.clone()),
                other => reference(other),
            })
            .collect::<Vec<_>>()
            .join(", "),
        (Read::Ref, reference_to) => reference(reference_to)?,
        (Read::Took, Value::String(s)) => two_decimals(s),
        _ => return None,
    };
    (!text.is_empty()).then_some(text)
}

/// A reference (`{kind, name, namespace}`) as `namespace/Kind/name`, each part when given.
fn reference(value: &Value) -> Option<String> {
    let part = |key: &str| value[key].as_str().filter(|s| !s.is_empty());
    let name = part("name")?;
    Some(
        [part("namespace"), part("kind"), Some(name)]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("/"),
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::kinds::by_kind;

    fn of_kind(group: &str, kind: &str, data: Value) -> Vec<(String, String)> {
        let kind = by_kind(group, kind).unwrap();
        let mut object: DynamicObject = serde_json::from_value(json!({
            "apiVersion": "v1", "kind": kind.kind, "metadata": {"name": "x", "namespace": "ns"},
        }))
        .unwrap();
        object.data = data;
        facts(kind, &object)
            .into_iter()
            .map(|f| (f.label, f.value))
            .collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(l, v)| ((*l).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_finished_reconciles_event_says_how_long_it_took() {
        assert_eq!(
            took(
                "(combined from similar events): Reconciliation finished in 1.234567891s, next run in 10m0s"
            ),
            Some("1.23s".to_owned())
        );
        assert_eq!(
            took("Reconciliation finished in 245.318ms, next run in 1m"),
            Some("245.31ms".to_owned())
        );
        assert_eq!(two_decimals("1m2.3456s"), "1m2.34s");
        assert_eq!(took("Reconciliation finished in , next"), None);
        assert_eq!(took("Health check passed in 3.1s"), None);
        assert_eq!(took("stored artifact for commit"), None);
    }

    #[test]
    fn a_kustomization_says_its_controller_source_path_prune_and_revisions() {
        let facts = of_kind(
            "kustomize.toolkit.fluxcd.io",
            "Kustomization",
            json!({
                "spec": {"interval": "10m", "path": "./apps", "prune": true, "wait": false,
                    "sourceRef": {"kind": "GitRepository", "name": "flux-system"},
                    "healthChecks": [{"kind": "Deployment", "name": "a"}, {"kind": "Deployment", "name": "b"}],
                    "targetNamespace": "apps", "decryption": {"provider": "sops"},
                    "dependsOn": [{"name": "infra"}, {"name": "crds", "namespace": "flux-system"}]},
                "status": {"lastAppliedRevision": "main@sha1:abc", "lastAttemptedRevision": "main@sha1:def",
                    "lastHandledReconcileAt": "2026-12-06T12:00:00Z",
                    "history": [{"lastReconciledDuration": "2.345678s"}, {"lastReconciledDuration": "9s"}]},
            }),
        );
        assert_eq!(
            facts,
            pairs(&[
                ("Controller", "kustomize-controller"),
                ("Source", "GitRepository/flux-system"),
                ("Path", "./apps"),
                ("Prune", "yes"),
                ("Wait for all", "no"),
                ("Health checks", "2"),
                ("Target namespace", "apps"),
                ("Decryption", "sops"),
                ("Interval", "10m"),
                ("Last applied revision", "main@sha1:abc"),
                ("Last attempted revision", "main@sha1:def"),
                ("Last request handled", "2026-12-06T12:00:00Z"),
                ("Last run took", "2.34s"),
            ])
        );
    }

    #[test]
    fn a_helm_release_says_its_chart_the_installed_version_and_the_release() {
        let facts = of_kind(
            "helm.toolkit.fluxcd.io",
            "HelmRelease",
            json!({
                "spec": {"interval": "5m", "releaseName": "web", "targetNamespace": "apps",
                    "chart": {"spec": {"chart": "podinfo", "version": "6.x",
                        "sourceRef": {"kind": "HelmRepository", "name": "podinfo"}}}},
                "status": {"history": [{"chartName": "podinfo", "chartVersion": "6.5.4", "appVersion": "6.5.4"},
                    {"chartName": "podinfo", "chartVersion": "6.5.3"}]},
            }),
        );
        assert_eq!(
            facts,
            pairs(&[
                ("Controller", "helm-controller"),
                ("Chart", "podinfo"),
                ("Chart version", "6.x"),
                ("Chart source", "HelmRepository/podinfo"),
                ("Release name", "web"),
                ("Target namespace", "apps"),
                ("Installed chart", "podinfo"),
                ("Installed version", "6.5.4"),
                ("App version", "6.5.4"),
                ("Interval", "5m"),
            ])
        );
    }

    #[test]
    fn a_source_says_its_url_ref_and_last_fetch_and_an_alert_what_it_sends() {
        let git = of_kind(
            "source.toolkit.fluxcd.io",
            "GitRepository",
            json!({
                "spec": {"url": "https://git.example/repo", "ref": {"branch": "main"}, "interval": "1m", "suspend": false},
                "status": {"artifact": {"revision": "main@sha1:abc", "lastUpdateTime": "2026-12-06T12:00:00Z"}},
            }),
        );
        assert_eq!(
            git,
            pairs(&[
                ("Controller", "source-controller"),
                ("URL", "https://git.example/repo"),
                ("Branch", "main"),
                ("Last fetched revision", "main@sha1:abc"),
                ("Last fetched at", "2026-12-06T12:00:00Z"),
                ("Interval", "1m"),
                ("Suspended", "no"),
            ])
        );
        let alert = of_kind(
            "notification.toolkit.fluxcd.io",
            "Alert",
            json!({"spec": {"providerRef": {"name": "slack"}, "eventSeverity": "error",
                "eventSources": [{"kind": "Kustomization", "name": "*"}, {"kind": "GitRepository", "name": "flux-system", "namespace": "flux-system"}]}}),
        );
        assert_eq!(
            alert,
            pairs(&[
                ("Controller", "notification-controller"),
                ("Provider", "slack"),
                ("Severity", "error"),
                (
                    "Event sources",
                    "Kustomization/*, flux-system/GitRepository/flux-system"
                ),
            ])
        );
    }

    #[test]
    fn a_workload_has_no_reconciler_facts_and_odd_values_are_left_out() {
        assert!(of_kind("apps", "Deployment", json!({"spec": {"replicas": 2}})).is_empty());
        let odd = of_kind(
            "source.toolkit.fluxcd.io",
            "GitRepository",
            json!({"spec": {"url": true, "ref": {"branch": ""}, "interval": ["1m"]}}),
        );
        assert_eq!(odd, pairs(&[("Controller", "source-controller")]));
    }
}
