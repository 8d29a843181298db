//! Start-up and shut-down: reads the configuration, connects to Kubernetes, serves until
//! SIGTERM or Ctrl-C, then drains requests in flight.

use std::sync::Arc;

use tokio::net::TcpListener;

use crate::auth::Auth;
use crate::auth::login::Oidc;
use crate::auth::oidc::REFRESH_EVERY;
use crate::cli::Args;
use crate::clock::{RandomIds, SystemClock};
use crate::cluster::{Cluster, ConnectError};
use crate::config::{Authentication, Config, ConfigError};
use crate::health::Readiness;
use crate::server::{self, AppState};

/// Why the server could not start or stopped on its own.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("server stopped: {0}")]
    Serve(std::io::Error),
}

pub async fn run(args: Args) -> Result<(), StartError> {
    let config = match &args.config {
        Some(path) => Config::load(path)?,
        None => Config::default(),
    };
    if config.authentication == Authentication::None {
        tracing::warn!("no authentication configured: read-only, every action is refused");
    }
    let cluster = Cluster::connect(args.kubeconfig.as_deref()).await?;
    // The API server may come up after us; readiness reports it until then.
    let readiness = Readiness::monitor(cluster.clone());
    let listener = TcpListener::bind(args.listen)
        .await
        .map_err(|source| StartError::Listen {
            addr: args.listen,
            source,
        })?;
    tracing::info!(listen = %args.listen, kubernetes = cluster.url(), "flux-web serving");
    let instance = std::env::var("HOSTNAME").unwrap_or_else(|_| "flux-web".to_owned());
    let real = (Arc::new(SystemClock) as _, Arc::new(RandomIds) as _);
    let mut state = AppState::new(config, cluster, readiness, real, instance);
    state.ui = args.ui.as_deref().map(Arc::from);
    if let Auth::Oidc(oidc) = &*state.auth {
        tokio::spawn(keep_provider_fresh(oidc.clone()));
    }
    let app = server::router(state);
    server::serve(listener, app, shutdown_signal())
        .await
        .map_err(StartError::Serve)?;
    tracing::info!("flux-web stopped");
    Ok(())
}

/// Refreshes discovery and keys ahead of need, so a login or a rotated key rarely waits
/// for the identity provider.
async fn keep_provider_fresh(oidc: Arc<Oidc>) {
    loop {
        if let Err(e) = oidc.provider.refresh().await {
            tracing::warn!(error = %e, "identity provider refresh failed; retrying later");
        }
        tokio::time::sleep(REFRESH_EVERY).await;
    }
}

/// Completes at the first SIGTERM (what Kubernetes sends) or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!("cannot listen for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C: shutting down"),
        () = terminate => tracing::info!("SIGTERM: shutting down"),
    }
}
