//! Command line of the `flux-web` binary. Every flag can also be set by an environment
//! variable, which is how a Deployment usually sets them.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "flux-web",
    version,
    about = "Act on Flux resources and workloads, safely."
)]
pub struct Args {
    /// Configuration file (apiVersion web.fluxcd.controlplane.io/v1, kind Config). Without
    /// one the server runs read-only: no authentication, so no actions.
    #[arg(long, env = "FLUX_WEB_CONFIG")]
    pub config: Option<PathBuf>,

    /// Kubeconfig file to connect with. Without it: KUBECONFIG, ~/.kube/config, or the
    /// in-cluster service account.
    #[arg(long, env = "FLUX_WEB_KUBECONFIG")]
    pub kubeconfig: Option<PathBuf>,

    /// Address and port to serve HTTP on.
    #[arg(long, env = "FLUX_WEB_LISTEN", default_value = "127.0.0.1:9080")]
    pub listen: SocketAddr,

    /// The built UI to serve (`crates/ui/build` writes crates/ui/dist); without it, the API only.
    #[arg(long, env = "FLUX_WEB_UI")]
    pub ui: Option<PathBuf>,

    /// Print the OpenAPI document of the API and exit.
    #[arg(long)]
    pub print_openapi: bool,

    /// Log line format: text for people, json for log collectors.
    #[arg(long, env = "FLUX_WEB_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
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
        assert!(args.config.is_none());
    }

    #[test]
    fn a_bad_listen_address_is_refused_by_the_parser() {
        let error = Args::try_parse_from(["flux-web", "--listen", "localhost"]).unwrap_err();
        assert!(error.to_string().contains("--listen"), "{error}");
    }
}
