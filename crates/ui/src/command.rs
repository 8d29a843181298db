//! The command lines that do what a page is about to do: the `curl` of the API call, and the
//! `flux` and `kubectl` commands of each object, for a runbook or a terminal.

use flux_web_shared::actions::{Action, Target};
use serde::Serialize;

/// The `curl` that POSTs `body` to `endpoint` (a path and query) at `origin`. With `bearer`,
/// it sends `$ID_TOKEN`, an ID token of the identity provider (the server's login is for
/// browsers).
pub fn curl(origin: &str, endpoint: &str, body: &impl Serialize, bearer: bool) -> String {
    let body = serde_json::to_string_pretty(body).unwrap_or_default();
    let auth = authorization(bearer);
    // A quoted here-document: nothing in the body (a reason's quotes, `$`) reaches the shell.
    format!(
        "curl -sS -N -X POST '{origin}{endpoint}'{auth} \\\n  \
         -H 'Content-Type: application/json' --data-binary @- <<'EOF'\n{body}\nEOF"
    )
}

/// The `curl` that GETs `endpoint` (a path and query) at `origin`, with `$ID_TOKEN` as
/// [`curl`] sends it.
pub fn curl_get(origin: &str, endpoint: &str, bearer: bool) -> String {
    format!("curl -sS '{origin}{endpoint}'{}", authorization(bearer))
}

/// The header line of an ID token, when the server logs people in with OIDC.
fn authorization(bearer: bool) -> &'static str {
    match bearer {
        true => " \\\n  -H \"Authorization: Bearer $ID_TOKEN\"",
        false => "",
    }
}

/// `flux diff kustomization`, the CLI's nearest to a preview: it builds a local checkout of
/// the source (`$CHECKOUT`), not the artifact in the cluster.
pub fn flux_diff(namespace: &str, name: &str, path: &str) -> String {
    let path = path.trim_start_matches("./");
    format!("flux diff kustomization {name} -n {namespace} --path \"$CHECKOUT/{path}\"")
}

/// The `flux` command of `action` on `target`, or `kubectl` where flux has none.
pub fn cli(action: Action, target: &Target) -> String {
    flux(action, target).unwrap_or_else(|| kubectl(action, target))
}

/// The `flux` command of `action` on `target`, where the flux CLI has one.
pub fn flux(action: Action, target: &Target) -> Option<String> {
    let (ns, name) = (&target.namespace, &target.name);
    let verb = match action {
        Action::Reconcile | Action::Reset | Action::Pull => "reconcile",
        Action::Suspend | Action::Stage => "suspend",
        Action::Resume => "resume",
        Action::Download => "pull artifact",
        Action::Restart | Action::RunJob | Action::Delete => return None,
    };
    // The CLI has no staged pull: its suspension, then its source's reconcile by hand. A
    // HelmRelease's reconcile here always forces, as the server's does.
    let with_source = match action {
        Action::Pull => " --with-source",
        Action::Stage => STAGE_THEN,
        Action::Reconcile if target.kind == "HelmRelease" => " --force",
        Action::Reset => " --force --reset",
        _ => "",
    };
    flux_noun(&target.kind).map(|noun| format!("flux {verb} {noun} {name} -n {ns}{with_source}"))
}

/// What follows a staged pull's suspension on the command line.
const STAGE_THEN: &str =
    "\n# then reconcile its spec.sourceRef (flux reconcile source …) and diff before a resume";

/// What the flux CLI calls a kind, for the kinds it knows.
fn flux_noun(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "Kustomization" => "kustomization",
        "HelmRelease" => "helmrelease",
        "GitRepository" => "source git",
        "OCIRepository" => "source oci",
        "HelmRepository" => "source helm",
        "HelmChart" => "source chart",
        "Bucket" => "source bucket",
        "ImageRepository" => "image repository",
        "ImageUpdateAutomation" => "image update",
        "Alert" => "alert",
        "Provider" => "alert-provider",
        "Receiver" => "receiver",
        _ => return None,
    })
}

/// The same change with kubectl: for Flux objects, what the flux CLI would write, written by
/// hand.
pub fn kubectl(action: Action, target: &Target) -> String {
    let (ns, name, kind) = (&target.namespace, &target.name, target.kind.to_lowercase());
    match action {
        Action::Restart => format!("kubectl -n {ns} rollout restart {kind}/{name}"),
        Action::RunJob => format!("kubectl -n {ns} create job --from=cronjob/{name} {name}-manual"),
        Action::Delete => format!("kubectl -n {ns} delete pod {name}"),
        Action::Suspend | Action::Resume | Action::Stage => format!(
            "kubectl -n {ns} patch {kind} {name} --type merge -p '{{\"spec\":{{\"suspend\":{}}}}}'{}",
            action != Action::Resume,
            if action == Action::Stage {
                STAGE_THEN
            } else {
                ""
            }
        ),
        // A HelmRelease's force and reset count only with the request's own value.
        _ if target.kind == "HelmRelease" => format!(
            "now=\"$(date +%s)\"; kubectl -n {ns} annotate --overwrite {kind} {name} \
             reconcile.fluxcd.io/requestedAt=\"$now\" reconcile.fluxcd.io/forceAt=\"$now\"{}",
            if action == Action::Reset {
                " reconcile.fluxcd.io/resetAt=\"$now\""
            } else {
                ""
            }
        ),
        _ => format!(
            "kubectl -n {ns} annotate --overwrite {kind} {name} \
             reconcile.fluxcd.io/requestedAt=\"$(date +%s)\""
        ),
    }
}

#[cfg(test)]
mod tests {
    use flux_web_shared::bulk::{BulkRequest, Selector};

    use super::*;

    fn target(kind: &str, name: &str) -> Target {
        Target {
            group: String::new(),
            version: "v1".into(),
            kind: kind.into(),
            namespace: "apps".into(),
            name: name.into(),
        }
    }

    #[test]
    fn a_preview_is_a_get_and_a_flux_diff_of_a_checkout() {
        assert_eq!(
            curl_get("http://h", "/api/v1/x/preview", false),
            "curl -sS 'http://h/api/v1/x/preview'"
        );
        assert!(curl_get("http://h", "/p", true).ends_with("Bearer $ID_TOKEN\""));
        assert_eq!(
            flux_diff("flux-system", "apps", "./apps/production"),
            "flux diff kustomization apps -n flux-system --path \"$CHECKOUT/apps/production\""
        );
    }

    #[test]
    fn each_kind_gets_the_flux_command_or_the_kubectl_one() {
        let cases = [
            (
                Action::Reconcile,
                "Kustomization",
                "flux reconcile kustomization web -n apps",
            ),
            (
                Action::Pull,
                "HelmRelease",
                "flux reconcile helmrelease web -n apps --with-source",
            ),
            (
                Action::Reconcile,
                "HelmRelease",
                "flux reconcile helmrelease web -n apps --force",
            ),
            (
                Action::Reset,
                "HelmRelease",
                "flux reconcile helmrelease web -n apps --force --reset",
            ),
            (
                Action::Suspend,
                "GitRepository",
                "flux suspend source git web -n apps",
            ),
            (
                Action::Resume,
                "Provider",
                "flux resume alert-provider web -n apps",
            ),
            (
                Action::Restart,
                "Deployment",
                "kubectl -n apps rollout restart deployment/web",
            ),
            (Action::Delete, "Pod", "kubectl -n apps delete pod web"),
            (
                Action::Stage,
                "Kustomization",
                "flux suspend kustomization web -n apps\n# then reconcile its spec.sourceRef (flux reconcile source …) and diff before a resume",
            ),
            (
                Action::Suspend,
                "ResourceSet",
                "kubectl -n apps patch resourceset web --type merge -p '{\"spec\":{\"suspend\":true}}'",
            ),
            (
                Action::Reconcile,
                "ArtifactGenerator",
                "kubectl -n apps annotate --overwrite artifactgenerator web reconcile.fluxcd.io/requestedAt=\"$(date +%s)\"",
            ),
        ];
        for (action, kind, want) in cases {
            assert_eq!(cli(action, &target(kind, "web")), want);
        }
    }

    #[test]
    fn a_flux_change_has_its_kubectl_form_too() {
        let apps = target("Kustomization", "web");
        assert_eq!(
            kubectl(Action::Resume, &apps),
            "kubectl -n apps patch kustomization web --type merge -p '{\"spec\":{\"suspend\":false}}'"
        );
        assert_eq!(
            kubectl(Action::Reconcile, &apps),
            "kubectl -n apps annotate --overwrite kustomization web reconcile.fluxcd.io/requestedAt=\"$(date +%s)\""
        );
        assert_eq!(
            kubectl(Action::Reset, &target("HelmRelease", "web")),
            "now=\"$(date +%s)\"; kubectl -n apps annotate --overwrite helmrelease web reconcile.fluxcd.io/requestedAt=\"$now\" reconcile.fluxcd.io/forceAt=\"$now\" reconcile.fluxcd.io/resetAt=\"$now\""
        );
        assert_eq!(flux(Action::Restart, &target("Deployment", "web")), None);
        assert_eq!(
            kubectl(Action::RunJob, &target("CronJob", "report")),
            "kubectl -n apps create job --from=cronjob/report report-manual"
        );
    }

    #[test]
    fn the_curl_sends_the_body_untouched_by_the_shell() {
        let request = BulkRequest {
            selector: Some(Selector {
                namespace: Some("apps".into()),
                ..Selector::default()
            }),
            reason: Some("it's $HOME".into()),
            ..BulkRequest::default()
        };
        let text = curl(
            "https://flux.example.com",
            "/api/v1/actions/suspend",
            &request,
            true,
        );
        assert!(
            text.starts_with(
                "curl -sS -N -X POST 'https://flux.example.com/api/v1/actions/suspend'"
            )
        );
        assert!(text.contains("Authorization: Bearer $ID_TOKEN"));
        let body = text.split_once("<<'EOF'\n").unwrap().1;
        let sent: BulkRequest = serde_json::from_str(body.strip_suffix("\nEOF").unwrap()).unwrap();
        assert_eq!(sent, request);
        assert!(
            !curl("http://x", "/api/v1/actions/resume", &request, false).contains("Authorization")
        );
    }
}
