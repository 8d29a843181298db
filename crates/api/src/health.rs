//! Readiness: whether the server can do its job, which needs the Kubernetes API. A
//! background monitor keeps it current, so a probe (`/readyz`) never makes a request to
//! Kubernetes of its own.

use std::time::Duration;

use tokio::sync::watch;

use crate::cluster::Cluster;

const RECHECK_WHEN_READY: Duration = Duration::from_secs(5);
const RECHECK_WHEN_DOWN: Duration = Duration::from_secs(1);

/// The last known readiness: `Err` carries why the server is not ready.
#[derive(Clone)]
pub struct Readiness(watch::Receiver<Result<(), String>>);

impl Readiness {
    /// A readiness that stays as given, and the sender to change it; for tests and callers
    /// that decide readiness themselves.
    pub fn fixed(initial: Result<(), String>) -> (watch::Sender<Result<(), String>>, Self) {
        let (tx, rx) = watch::channel(initial);
        (tx, Self(rx))
    }

    /// Starts a task that pings the cluster for as long as the returned value lives.
    pub fn monitor(cluster: Cluster) -> Self {
        let (tx, readiness) = Self::fixed(Err("Kubernetes API not checked yet".to_owned()));
        tokio::spawn(async move {
            loop {
                let now = cluster.ping().await.map(drop).map_err(|e| e.to_string());
                let changed = *tx.borrow() != now;
                if changed {
                    match &now {
                        Ok(()) => tracing::info!(url = cluster.url(), "Kubernetes API reachable"),
                        Err(reason) => tracing::warn!(%reason, "not ready"),
                    }
                }
                let pause = if now.is_ok() {
                    RECHECK_WHEN_READY
                } else {
                    RECHECK_WHEN_DOWN
                };
                tx.send_modify(|state| *state = now);
                tokio::select! {
                    () = tokio::time::sleep(pause) => {}
                    () = tx.closed() => return,
                }
            }
        });
        readiness
    }

    /// What the monitor last found: `Err` says why the server is not ready.
    pub fn current(&self) -> Result<(), String> {
        self.0.borrow().clone()
    }
}
