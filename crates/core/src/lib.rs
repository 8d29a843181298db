//! The Flux core of flux-web: what it knows about Flux and Kubernetes kinds, and what it
//! decides about them, with no I/O. A crate of its own so that nothing here can reach the
//! Kubernetes client, the HTTP server or a runtime: its dependencies are the wire types,
//! serde, jiff, Kubernetes' types and a CEL interpreter (for Flux's health check
//! expressions). The server (`flux-web`) reads objects through its adapter, hands them to
//! this core as views, and executes the plans it gets back.
//!
//! - [`kinds`] — the registry: each kind's differences as data.
//! - [`address`] — an object by kind, namespace and name, checked.
//! - [`view`] — an object parsed once into what flux-web decides on.
//! - [`summary`] — one word for how an object is doing.
//! - [`blocked`] — why a failed object waits for another: dependency, source, health.
//! - [`facts`] — the reconciler's facts about an object, as its page lists them.
//! - [`patch`] — the bodies of every write.
//! - [`plan`] — one plan per action: checks, writes, audit, wait; or the refusal.
//! - [`until`] — when a suspension ends by itself.
//! - [`workloads`] — workloads, Pods and Jobs as read.
//! - [`controllers`] — the Flux controllers the cluster runs, from their Deployments.
//! - [`inventory`] — every object a Kustomization applied, and each one's health.
//! - [`owners`] — the owner kinds a workload's manager is found through.
//! - [`audit`] — the audit trail's words: Event reasons and annotations.
//! - [`history`] — an object's past as timeline entries: `status.history` and Events.
//! - [`release`] — a HelmRelease's releases, what each changed, where its attempt stands.
//! - [`values`] — a HelmRelease's values: the engine's input, Secrets masked, each key's sources.

pub mod address;
pub mod audit;
pub mod blocked;
pub mod controllers;
pub mod facts;
pub mod history;
pub mod inventory;
pub mod kinds;
pub mod owners;
pub mod patch;
pub mod plan;
pub mod preview;
pub mod release;
pub mod summary;
pub mod until;
pub mod values;
pub mod view;
pub mod workloads;
