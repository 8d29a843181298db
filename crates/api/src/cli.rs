//! Command line of the `flux-web` binary. Every flag can also be set by an environment
//! variable, which is how a Deployment usually sets them.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::LazyLock;
use std::time::Duration;

use clap::Parser;

use crate::config::secret::SecretRef;
use crate::telemetry::LogFormat;

/// What `--version` prints: the release, the commit and whether the UI is inside.
pub static VERSION: LazyLock<String> = LazyLock::new(|| {
    format!(
        "{} (commit {}, UI {})",
        env!("CARGO_PKG_VERSION"),
        env!("FLUX_WEB_COMMIT"),
        crate::ui::embedded_summary()
    )
});

#[derive(Debug, Parser)]
#[command(
    name = "flux-web",
    version = VERSION.as_str(),
    about = "Act on Flux resources and workloads, safely."
)]
pub struct Args {
    /// Configuration file (apiVersion web.fluxcd.controlplane.io/v1, kind Config). Without
    /// one the server runs read-only: no authentication, so no actions.
    #[arg(long, env = "FLUX_WEB_CONFIG")]
    pub config: Option<PathBuf>,

    /// The configuration from this Secret's key `config.yaml` (`<namespace>/<name>`), read
    /// as the server and watched: a valid change applies without a restart, an invalid one
    /// is logged and the last good configuration kept.
    #[arg(long, env = "FLUX_WEB_CONFIG_SECRET", conflicts_with = "config")]
    pub config_secret: Option<SecretRef>,

    /// Kubeconfig file to connect with. Without it: KUBECONFIG, ~/.kube/config, or the
    /// in-cluster service account.
    #[arg(long, env = "FLUX_WEB_KUBECONFIG")]
    pub kubeconfig: Option<PathBuf>,

    /// Address and port to serve HTTP on.
    #[arg(long, env = "FLUX_WEB_LISTEN", default_value = "127.0.0.1:9080")]
    pub listen: SocketAddr,

    /// Serve the UI from this directory (`crates/ui/build` writes crates/ui/dist) instead of
    /// the one in the binary, for working on the UI.
    #[arg(long, env = "FLUX_WEB_UI")]
    pub ui: Option<PathBuf>,

    /// Keep audit Events in this file until Kubernetes has them, and answer actions once an
    /// Event is on disk rather than in Kubernetes (`audit: pending`): actions are quicker and
    /// an Event survives a crash of the server. Put it on a volume that outlives the process
    /// (deploy/ uses an emptyDir); without it, each Event is written before the answer.
    #[arg(long, env = "FLUX_WEB_AUDIT_JOURNAL")]
    pub audit_journal: Option<PathBuf>,

    /// After SIGTERM, how long bulk runs in flight may go on (a Go duration) before they
    /// are stopped between targets; the targets in hand are carried out and audited, and
    /// the log has each run's tally. Keep it under the pod's grace period less 15 s.
    #[arg(long, env = "FLUX_WEB_SHUTDOWN_GRACE", default_value = "10s", value_parser = go_duration)]
    pub shutdown_grace: Duration,

    /// Serve `/metrics` (Prometheus) on this address only, instead of on the main port.
    #[arg(long, env = "FLUX_WEB_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,

    /// Print the OpenAPI document of the API and exit.
    #[arg(long)]
    pub print_openapi: bool,

    /// Log line format: text for people, json for log collectors.
    #[arg(long, env = "FLUX_WEB_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

fn go_duration(text: &str) -> Result<Duration, String> {
    flux_web_shared::duration::parse(text).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Args::command().debug_assert();
    }

    #[test]
    fn defaults_listen_on_loopback_with_text_logs() {
        let args = Args::try_parse_from(["flux-web"]).unwrap();
        assert_eq!(args.listen, "127.0.0.1:9080".parse().unwrap());
        assert_eq!(args.log_format, LogFormat::Text);
        assert_eq!(args.shutdown_grace, Duration::from_secs(10));
        assert!(args.config.is_none());
    }

    #[test]
    fn the_version_names_the_release_the_commit_and_the_ui() {
        let version = VERSION.as_str();
        assert!(version.starts_with(env!("CARGO_PKG_VERSION")), "{version}");
        assert!(version.contains("commit "), "{version}");
        assert!(version.contains("UI "), "{version}");
    }

    #[test]
    fn a_config_comes_from_a_file_or_a_secret_not_both() {
        let args =
            Args::try_parse_from(["flux-web", "--config-secret", "flux-web/config"]).unwrap();
        assert_eq!(args.config_secret.unwrap().to_string(), "flux-web/config");
        let both = ["flux-web", "--config", "c.yaml", "--config-secret", "a/b"];
        assert!(Args::try_parse_from(both).is_err());
        let error = Args::try_parse_from(["flux-web", "--config-secret", "nope"]).unwrap_err();
        assert!(error.to_string().contains("<namespace>/<name>"), "{error}");
    }

    #[test]
    fn a_bad_listen_address_is_refused_by_the_parser() {
        let error = Args::try_parse_from(["flux-web", "--listen", "localhost"]).unwrap_err();
        assert!(error.to_string().contains("--listen"), "{error}");
    }
}
