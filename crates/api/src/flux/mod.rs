//! The Flux core: what flux-web knows about Flux and Kubernetes kinds, and what it decides
//! about them, with no I/O (no axum, no Kubernetes client). The runtime (`actions/`,
//! `access/`, `read/`) reads objects through the adapter (`cluster/`), hands them to this
//! core as views, and executes the plans it gets back.
//!
//! - [`kinds`] — the registry: each kind's differences as data.
//! - [`view`] — an object parsed once into what flux-web decides on.
//! - [`patch`] — the bodies of every write.
//! - [`plan`] — one plan per action: checks, writes, audit, wait; or the refusal.
//! - [`until`] — when a suspension ends by itself.
//! - [`workloads`] — workloads, Pods and Jobs as read.

pub mod kinds;
pub mod patch;
pub mod plan;
pub mod until;
pub mod view;
pub mod workloads;
