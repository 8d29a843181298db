//! Answers streamed as NDJSON: one JSON document a line, as a producer sends them.

use std::convert::Infallible;

use axum::body::{Body, Bytes};
use futures::stream;
use serde::Serialize;
use tokio::sync::mpsc::Receiver;
use tokio::time::Instant;

/// The body that sends each document `rx` receives as a line, until the sender is gone or
/// `until` passes.
pub fn body<T: Serialize + Send + 'static>(rx: Receiver<T>, until: Option<Instant>) -> Body {
    let lines = stream::unfold(rx, move |mut rx| async move {
        let next = match until {
            Some(until) => tokio::time::timeout_at(until, rx.recv()).await.ok()?,
            None => rx.recv().await,
        }?;
        let mut line = serde_json::to_vec(&next).unwrap_or_default();
        line.push(b'\n');
        Some((Ok::<_, Infallible>(Bytes::from(line)), rx))
    });
    Body::from_stream(lines)
}
