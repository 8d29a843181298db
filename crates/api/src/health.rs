//! Probes: `/healthz` says the process serves; `/readyz` says it can do its job, which needs
//! the Kubernetes API. Readiness is kept current by a background monitor, so a probe never
//! makes a request to Kubernetes of its own.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use flux_web_shared::health::Health;
use tokio::sync::watch;

use crate::cluster::Cluster;
use crate::error::ApiError;

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

    fn current(&self) -> Result<(), String> {
        self.0.borrow().clone()
    }
}

/// The process serves.
#[utoipa::path(get, path = "/healthz", operation_id = "healthz", tag = "probes",
    responses((status = 200, description = "Serving", body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health::ok())
}

/// The server can do its job: the Kubernetes API answers.
#[utoipa::path(get, path = "/readyz", operation_id = "readyz", tag = "probes",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "Not ready, and why", body = flux_web_shared::problem::Problem, content_type = "application/problem+json"),
    ))]
pub async fn readyz(State(readiness): State<Readiness>) -> Result<Json<Health>, ApiError> {
    readiness.current().map_err(ApiError::NotReady)?;
    Ok(Json(Health::ok()))
}
