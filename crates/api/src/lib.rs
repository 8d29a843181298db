//! flux-web: act on Flux CD resources and Kubernetes workloads from a browser, curl or
//! generated API clients, with Kubernetes RBAC deciding who may do what.
//!
//! A request flows one way: extractor → auth → access → action → cluster → audit → response.
//!
//! - [`app`] — start-up and graceful shut-down.
//! - [`cli`] — flags and their environment variables.
//! - [`config`] — the YAML configuration, validated once.
//! - [`cluster`] — the only module that talks to Kubernetes.
//! - [`server`] — routes and the layers around them.
//! - [`health`] — `/healthz` and `/readyz`.
//! - [`error`] — `ApiError`, rendered as problem+json.
//! - [`telemetry`] — logging.

pub mod app;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod error;
pub mod health;
pub mod server;
pub mod telemetry;
