//! A reader of Server-Sent Events from the in-process router, as a browser's EventSource
//! would parse them.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

pub struct Events {
    body: Body,
    buffer: String,
}

impl Events {
    /// Opens `path` and checks that it is an event stream.
    pub async fn open(app: &Router, path: &str) -> Self {
        Self::open_with(app, path, &[]).await
    }

    /// Opens `path` with these request headers, and checks that it is an event stream.
    pub async fn open_with(app: &Router, path: &str, headers: &[(&str, &str)]) -> Self {
        let mut request = http::Request::get(path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(Body::empty()).unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(
            response.headers()["content-type"],
            "text/event-stream",
            "{path}"
        );
        Self {
            body: response.into_body(),
            buffer: String::new(),
        }
    }

    /// The next event (name and JSON data) within `timeout`, keep-alive comments skipped.
    pub async fn next(&mut self, timeout: Duration) -> Option<(String, Value)> {
        tokio::time::timeout(timeout, self.next_event()).await.ok()
    }

    /// The first event within `timeout` for which `pick` is true; the others are dropped.
    pub async fn until(
        &mut self,
        timeout: Duration,
        mut pick: impl FnMut(&str, &Value) -> bool,
    ) -> Option<(String, Value)> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let (name, data) = self.next(left).await?;
            if pick(&name, &data) {
                return Some((name, data));
            }
        }
    }

    /// Whether the stream ends within `timeout`; what it sends before is dropped.
    pub async fn ends_within(&mut self, timeout: Duration) -> bool {
        let drain = async {
            while let Some(frame) = self.body.frame().await {
                if frame.is_err() {
                    break;
                }
            }
        };
        tokio::time::timeout(timeout, drain).await.is_ok()
    }

    async fn next_event(&mut self) -> (String, Value) {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut name, mut data) = (String::from("message"), String::new());
                for line in block.lines() {
                    if let Some(value) = line.strip_prefix("event:") {
                        name = value.trim().to_owned();
                    } else if let Some(value) = line.strip_prefix("data:") {
                        data.push_str(value.trim());
                    }
                }
                if !data.is_empty() {
                    return (name, serde_json::from_str(&data).unwrap());
                }
                continue;
            }
            let Some(frame) = self.body.frame().await else {
                panic!("the event stream ended");
            };
            let frame = frame.unwrap();
            if let Ok(bytes) = frame.into_data() {
                self.buffer.push_str(std::str::from_utf8(&bytes).unwrap());
            }
        }
    }
}
