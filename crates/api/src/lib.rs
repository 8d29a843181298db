//! flux-web: act on Flux CD resources and Kubernetes workloads from a browser, curl or
//! generated API clients, with Kubernetes RBAC deciding who may do what.
//!
//! A request flows one way: host check → auth → cross-site check → extractor → access →
//! action → cluster → audit → response. Reads are always the caller's own (impersonated), in
//! every access mode; only writes may be the server's (FineGrained). The pure core (kinds,
//! views of objects, patches, one plan per action) is the crate `flux-web-core`, which can
//! reach nothing here.
//!
//! - [`app`] — start-up and graceful shut-down.
//! - [`target`] — what a request is aimed at, checked before any I/O.
//! - [`browser`] — the host check (DNS rebinding), cross-site refusals and security headers.
//! - [`auth`] — who is calling.
//! - [`access`] — may they: SubjectAccessReview, and the `Permit` to act.
//! - [`actions`] — the actions and their listing.
//! - [`bulk`] — one action on many objects: the pre-flight and the streamed run.
//! - [`download`] — artifacts streamed from source storage, checked.
//! - [`read`] — the read API: objects and their events, as the caller sees them.
//! - [`events`] — the events page: Events across the namespaces the caller may read, live.
//! - [`logs`] — container logs of a Pod or a workload, read and merged, or followed.
//! - [`limits`] — how many streams, follows and bulk runs one user and everyone may hold.
//! - [`ndjson`] — answers streamed one JSON document a line (bulk runs, followed logs).
//! - [`watch`] — live changes as Server-Sent Events, from one shared watch per kind.
//! - [`audit`] — Kubernetes Events and forwarding to notification-controller.
//! - [`resumer`] — lifts suspensions whose end has come; one replica, elected by a Lease.
//! - [`clock`] — injected time.
//! - [`cli`] — flags and their environment variables.
//! - [`config`] — the YAML configuration, validated once.
//! - [`context`] — what a request needs of the server, and how objects are read into views.
//! - [`cluster`] — the only module that talks to Kubernetes.
//! - [`server`] — routes, the layers around them, and the HTTP server.
//! - [`state`] — what every request shares, built once.
//! - [`health`] — `/healthz` and `/readyz`.
//! - [`identity`] — who a caller is to Kubernetes.
//! - [`error`] — `ApiError`, rendered as problem+json.
//! - [`telemetry`] — logging, and the span each request is served in (id, user, action).
//! - [`metrics`] — `/metrics` for Prometheus: actions, requests, reviews, Kubernetes calls.
//! - [`tls`] — the one TLS crypto provider.
//! - [`ui`] — the built SPA, from the binary or a directory: hashed assets cached for good,
//!   precompressed, every other page its index.

pub mod access;
pub mod actions;
pub mod app;
pub mod audit;
pub mod auth;
pub mod browser;
pub mod bulk;
pub mod cli;
pub mod clock;
pub mod cluster;
pub mod config;
pub mod context;
pub mod download;
pub mod error;
pub mod events;
pub mod health;
pub mod identity;
pub mod limits;
pub mod logs;
pub mod metrics;
pub mod ndjson;
pub mod read;
pub mod resumer;
pub mod server;
pub mod state;
pub mod target;
pub mod telemetry;
pub mod tls;
pub mod ui;
pub mod watch;
