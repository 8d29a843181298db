//! Types that cross the wire between the flux-web API server and its clients (the WASM UI,
//! curl, generated clients), and the validation rules both sides must agree on.
//!
//! This crate depends on serde (and serde_json for free-form specs) so that it builds for
//! `wasm32-unknown-unknown`.
//!
//! - [`actions`] — requests and answers of the action endpoints.
//! - [`bulk`] — one action on many objects: the pre-flight and the run's progress.
//! - [`objects`] — what the read API answers about objects.
//! - [`controllers`] — the Flux controllers the cluster runs.
//! - [`names`] — Kubernetes name rules, checked before any request.
//! - [`logs`] — container logs of a Pod or a workload: the query's bounds and the lines.
//! - [`timeline`] — one object's history: the controller's work and people's actions.
//! - [`release`] — a HelmRelease's releases, as helm-controller recorded them.
//! - [`values`] — a HelmRelease's values as helm-controller composes them, Secrets masked.
//! - [`events`] — the cluster's Events across namespaces, for the events page.
//! - [`problem`] — the RFC 9457 problem document every error is rendered as.
//! - [`watch`] — the live changes streamed to pages.
//! - [`user`] — who the caller is taken to be.
//! - [`health`] — the bodies of `/healthz` and `/readyz`.
//! - [`duration`] — Go-style durations (`168h`, `1m30s`), the format Flux users write.

pub mod actions;
pub mod bulk;
pub mod controllers;
pub mod duration;
pub mod events;
pub mod health;
mod lines;
pub mod logs;
pub mod names;
pub mod objects;
pub mod preview;
pub mod problem;
pub mod release;
pub mod timeline;
pub mod user;
pub mod values;
pub mod watch;
