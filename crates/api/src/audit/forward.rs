//! Forwarding audit events to notification-controller, off the request path: a bounded
//! queue and one worker that retries with backoff. A full queue or a controller that is down
//! costs forwarded copies, never an action and never the Kubernetes Event.

use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc;
use url::Url;

use crate::metrics::METRICS;

const QUEUE: usize = 1024;
const ATTEMPTS: u32 = 4;
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const TIMEOUT: Duration = Duration::from_secs(5);

pub struct Forwarder(mpsc::Sender<Value>);

impl Forwarder {
    /// Starts the worker; it stops when the forwarder is dropped.
    pub fn start(address: Url) -> Self {
        let (tx, mut rx) = mpsc::channel::<Value>(QUEUE);
        tokio::spawn(async move {
            let client = match reqwest::Client::builder()
                .timeout(TIMEOUT)
                .redirect(reqwest::redirect::Policy::none())
                .build()
            {
                Ok(client) => client,
                Err(e) => {
                    tracing::error!("audit forwarding disabled: {e}");
                    return;
                }
            };
            while let Some(event) = rx.recv().await {
                deliver(&client, &address, &event).await;
            }
        });
        Self(tx)
    }

    pub fn send(&self, event: Value) {
        if let Err(e) = self.0.try_send(event) {
            METRICS.audit("forward_dropped");
            tracing::warn!("audit event not forwarded to notification-controller: {e}");
        }
    }
}

async fn deliver(client: &reqwest::Client, address: &Url, event: &Value) {
    let mut backoff = FIRST_BACKOFF;
    for attempt in 1..=ATTEMPTS {
        let outcome = client.post(address.clone()).json(event).send().await;
        match outcome {
            Ok(response) if response.status().is_success() => {
                return METRICS.audit("forwarded");
            }
            Ok(response) => {
                tracing::warn!(attempt, status = %response.status(), "notification-controller refused an audit event")
            }
            Err(e) => tracing::warn!(attempt, "notification-controller unreachable: {e}"),
        }
        if attempt < ATTEMPTS {
            METRICS.audit("forward_retried");
            tokio::time::sleep(backoff).await;
            backoff *= 2;
        }
    }
    METRICS.audit("forward_dropped");
    tracing::error!(message = %event["message"], "audit event dropped after {ATTEMPTS} attempts");
}
