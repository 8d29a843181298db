//! The only place that talks to Kubernetes. Everything else asks this module for what it
//! needs, so the rest of the server can be tested without a cluster.

use std::path::Path;
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig};

/// How long a liveness check of the API server may take before it counts as down.
const PING_TIMEOUT: Duration = Duration::from_secs(3);

/// A connection to one Kubernetes API server, as the server's own identity.
#[derive(Clone)]
pub struct Cluster {
    client: kube::Client,
    url: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("cannot read kubeconfig {path}: {source}")]
    Kubeconfig {
        path: String,
        source: kube::config::KubeconfigError,
    },
    #[error(
        "no Kubernetes configuration found: pass --kubeconfig, set KUBECONFIG, or run in a \
         cluster ({0})"
    )]
    Infer(kube::config::InferConfigError),
    #[error("cannot build a Kubernetes client for {url}: {source}")]
    Client { url: String, source: kube::Error },
}

/// Why the API server could not be reached.
#[derive(Debug, thiserror::Error)]
#[error("Kubernetes API at {url} unreachable: {reason}")]
pub struct Unreachable {
    pub url: String,
    pub reason: String,
}

impl Cluster {
    /// Connects with the given kubeconfig file, or else `KUBECONFIG`, `~/.kube/config` or the
    /// in-cluster service account, in kube-rs's order. Does not contact the API server.
    pub async fn connect(kubeconfig: Option<&Path>) -> Result<Self, ConnectError> {
        let config = match kubeconfig {
            Some(path) => {
                let kubeconfig_error = |source| ConnectError::Kubeconfig {
                    path: path.display().to_string(),
                    source,
                };
                let file = Kubeconfig::read_from(path).map_err(kubeconfig_error)?;
                kube::Config::from_custom_kubeconfig(file, &KubeConfigOptions::default())
                    .await
                    .map_err(kubeconfig_error)?
            }
            None => kube::Config::infer().await.map_err(ConnectError::Infer)?,
        };
        let url = config.cluster_url.to_string();
        let client = kube::Client::try_from(config).map_err(|source| ConnectError::Client {
            url: url.clone(),
            source,
        })?;
        Ok(Self { client, url })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Asks the API server for its version: cheap, and allowed to every identity.
    pub async fn ping(&self) -> Result<String, Unreachable> {
        let unreachable = |reason: String| Unreachable {
            url: self.url.clone(),
            reason,
        };
        match tokio::time::timeout(PING_TIMEOUT, self.client.apiserver_version()).await {
            Ok(Ok(info)) => Ok(info.git_version),
            Ok(Err(e)) => Err(unreachable(e.to_string())),
            Err(_) => Err(unreachable(format!("no answer within {PING_TIMEOUT:?}"))),
        }
    }
}
