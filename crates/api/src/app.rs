//! Start-up and shut-down: reads the configuration, connects to Kubernetes, serves until
//! SIGTERM or Ctrl-C, then drains requests in flight.

use std::sync::Arc;

use axum::Router;
use futures::StreamExt;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::audit::journal::{self, Journal};
use crate::auth::Auth;
use crate::auth::oidc::REFRESH_EVERY;
use crate::cli::Args;
use crate::clock::{RandomIds, SystemClock};
use crate::cluster::{Cluster, ConnectError};
use crate::config::secret::SecretRef;
use crate::config::{Authentication, Config, ConfigError};
use crate::health::Readiness;
use crate::http;
use crate::resumer;
use crate::state::AppState;
use crate::ui::{self, Assets};

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
    #[error("cannot read the config Secret {at}: {source}")]
    ConfigSecret {
        at: SecretRef,
        source: crate::cluster::ClusterError,
    },
    #[error("cannot open the audit journal {}: {source}", path.display())]
    Journal {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("cannot listen for SIGTERM and SIGINT: {0}")]
    Signal(std::io::Error),
    #[error("server stopped: {0}")]
    Serve(std::io::Error),
}

/// How long a stopping server waits for its audit journal to empty into Kubernetes.
const DRAIN: std::time::Duration = std::time::Duration::from_secs(5);
/// How long bulk runs stopped between targets have to finish the targets in hand: with the
/// default grace (`--shutdown-grace`, 10 s) and the journal's drain, within Kubernetes'
/// default 30 s grace period.
const RUNS_BOUND: std::time::Duration = std::time::Duration::from_secs(10);

pub async fn run(args: Args) -> Result<(), StartError> {
    let stop = shutdown_signal().map_err(StartError::Signal)?;
    let file = args.config.as_deref().map(Config::load).transpose()?;
    let cluster = Cluster::connect(args.kubeconfig.as_deref()).await?;
    let (config, version) = match (file, &args.config_secret) {
        (Some(config), _) => (config, None),
        (None, Some(at)) => {
            let secret = cluster
                .secret(&at.namespace, &at.name)
                .await
                .map_err(|source| StartError::ConfigSecret {
                    at: at.clone(),
                    source,
                })?;
            (at.config(&secret)?, secret.metadata.resource_version)
        }
        (None, None) => (Config::default(), None),
    };
    warn_if_read_only(&config);
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
    if let Some(path) = &args.audit_journal {
        let key = journal::Key::derive(journal_secret(&state.config).as_bytes());
        let journal = Journal::open(path, key, state.cluster.clone()).map_err(|source| {
            StartError::Journal {
                path: path.clone(),
                source,
            }
        })?;
        state = state.with_journal(journal);
    }
    let journal = state.journal.clone();
    let (runs, grace) = (state.runs.clone(), args.shutdown_grace);
    state.ui = Assets::choose(args.ui.as_deref());
    if matches!(state.ui, Assets::None) {
        tracing::warn!("no UI: {}", ui::embedded_summary());
    }
    keep_provider_fresh(&state);
    // Lists are answered from the watches once they have listed: start them now, not at
    // the first page.
    state.watches.warm();
    // Suspensions end by themselves only where actions can be taken at all.
    if state.config.authentication != Authentication::None {
        let me = format!(
            "{}_{}",
            state.instance(),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let parts = resumer::Parts {
            settings: state.config.resumer.clone(),
            clock: state.clock.clone(),
            cluster: state.cluster.clone(),
            audit: state.audit.clone(),
            status: state.resumer.clone(),
        };
        resumer::start(parts, me);
    }
    if let Some(addr) = args.metrics_listen {
        state.metrics_elsewhere = true;
        let metrics = TcpListener::bind(addr)
            .await
            .map_err(|source| StartError::Listen { addr, source })?;
        tracing::info!(listen = %addr, "metrics served");
        // Scrapes need no draining: this listener ends with the process.
        tokio::spawn(http::serve(
            metrics,
            http::metrics::router(),
            std::future::pending(),
        ));
    }
    let app = match args.config_secret {
        Some(at) => {
            let (routers, current) = watch::channel(http::router(state.clone()));
            tokio::spawn(follow_secret(state, at, version, routers));
            http::reloadable(current)
        }
        None => http::router(state),
    };
    // The runs' grace counts from the signal, while connections drain beside them.
    let (stopped, signalled) = tokio::sync::oneshot::channel();
    let stop = async move {
        stop.await;
        let _ = stopped.send(());
    };
    let runs_down = tokio::spawn(async move {
        if signalled.await.is_ok() {
            runs.shut_down(grace, RUNS_BOUND).await
        } else {
            0
        }
    });
    http::serve(listener, app, stop)
        .await
        .map_err(StartError::Serve)?;
    match runs_down.await {
        Ok(0) => {}
        Ok(left) => tracing::warn!(runs = left, "stopping with bulk runs still running"),
        Err(e) => tracing::warn!("bulk runs not shut down: {e}"),
    }
    if let Some(journal) = journal {
        // What is left is written by the next start, if the journal's volume outlives us.
        journal.drain(DRAIN).await;
        if journal.pending() > 0 {
            tracing::warn!(
                events = journal.pending(),
                "stopping with audit Events in the journal"
            );
        }
    }
    tracing::info!("flux-web stopped");
    Ok(())
}

/// What the audit journal's lines are signed with: OAuth2's session secret, which every
/// replica of the configuration shares and the journal's volume does not hold. Anonymous
/// mode has no secret (anyone who reaches it acts as its one identity already), so there
/// the signature only tells a whole line from a cut one (docs/decisions.md).
fn journal_secret(config: &Config) -> &str {
    match &config.authentication {
        Authentication::OAuth2(oauth2) => oauth2.sealing_secret(),
        Authentication::Anonymous { .. } | Authentication::None => "",
    }
}

fn warn_if_read_only(config: &Config) {
    if config.authentication == Authentication::None {
        tracing::warn!("no authentication configured: read-only, every action is refused");
    }
}

/// Swaps in each valid new version of the config Secret, from the next request on; logs an
/// invalid one with all its errors and keeps the last good configuration.
async fn follow_secret(
    mut current: AppState,
    at: SecretRef,
    mut version: Option<String>,
    routers: watch::Sender<Router>,
) {
    let changes = current.cluster.watch_secret(&at.namespace, &at.name);
    let mut changes = std::pin::pin!(changes);
    while let Some(change) = changes.next().await {
        let secret = match change {
            Ok(Some(secret)) => secret,
            Ok(None) => {
                tracing::warn!(secret = %at, "config Secret deleted; keeping the configuration");
                continue;
            }
            Err(e) => {
                tracing::warn!(secret = %at, "watching the config Secret failed; retrying: {e}");
                continue;
            }
        };
        // The first event of a watch is the version read at start.
        if secret.metadata.resource_version == version {
            continue;
        }
        version.clone_from(&secret.metadata.resource_version);
        match at.config(&secret) {
            Ok(config) => {
                warn_if_read_only(&config);
                current = current.reload(config);
                keep_provider_fresh(&current);
                if routers.send(http::router(current.clone())).is_err() {
                    return;
                }
                tracing::info!(secret = %at, version = ?version, "configuration reloaded");
            }
            Err(e) => tracing::error!(
                secret = %at,
                version = ?version,
                "configuration not reloaded, the last good one is kept: {e}"
            ),
        }
    }
}

/// Refreshes discovery and keys ahead of need, so a login or a rotated key rarely waits
/// for the identity provider; stops once the configuration that wanted it is replaced.
fn keep_provider_fresh(state: &AppState) {
    let Auth::Oidc(oidc) = &*state.auth else {
        return;
    };
    let oidc = Arc::downgrade(oidc);
    tokio::spawn(async move {
        while let Some(oidc) = oidc.upgrade() {
            if let Err(e) = oidc.provider.refresh().await {
                tracing::warn!(error = %e, "identity provider refresh failed; retrying later");
            }
            drop(oidc);
            tokio::time::sleep(REFRESH_EVERY).await;
        }
    });
}

/// Listens for SIGTERM (what Kubernetes sends) and SIGINT (Ctrl-C) from the moment it is
/// called, not from the first poll of the future it returns: a signal that arrives while the
/// server is starting, or before its accept loop first waits, stops it gracefully instead of
/// killing it with the default action (seen in CI: a SIGTERM right after the first answer).
fn shutdown_signal() -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => tracing::info!("SIGTERM: shutting down"),
            _ = interrupt.recv() => tracing::info!("Ctrl-C: shutting down"),
        }
    })
}
