//! The integration tests: flux-web against the real test bed (`e2e/testbed up`), a module a
//! feature, in one binary (linking the server once, not once a file).
//!
//! A test that needs the test bed starts with `testbed!()`: without the bed it fails under
//! `CI=true` and is reported as skipped elsewhere.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap in a test is a failed test

#[macro_use]
mod support;

mod actions;
mod bulk;
mod cache;
mod deploy;
mod download;
mod events;
mod faults;
mod flux;
mod identity;
mod operations;
mod preview;
mod read;
mod server_process;
mod testbed;
mod values;
mod watch;
mod workloads;
