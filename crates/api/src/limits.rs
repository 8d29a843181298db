//! Caps on what a client may hold open at once: live-update streams, followed logs and bulk
//! runs each hold a connection, memory and (for follows) streams of the API server for as
//! long as they last. One holder — a user, or without a login an address — may hold
//! `perUser` of each kind, and everyone together `total` (`spec.limits`); past either the
//! request is a 429 with `Retry-After`. A [`Pass`] holds a place until it is dropped, with
//! the stream or run it was given to. Counted per replica.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use crate::config::{Cap, Limits};
use crate::error::ApiError;
use crate::identity::Identity;

/// What a pass is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    Streams,
    LogFollows,
    BulkRuns,
}

impl Class {
    fn cap(self, limits: &Limits) -> Cap {
        match self {
            Class::Streams => limits.streams,
            Class::LogFollows => limits.log_follows,
            Class::BulkRuns => limits.bulk_runs,
        }
    }

    fn what(self) -> &'static str {
        match self {
            Class::Streams => "live-update streams",
            Class::LogFollows => "followed logs",
            Class::BulkRuns => "bulk runs",
        }
    }

    /// When to ask again: streams and follows last long, runs seconds.
    fn retry_after(self) -> u64 {
        match self {
            Class::Streams | Class::LogFollows => 30,
            Class::BulkRuns => 10,
        }
    }
}

/// The address a connection comes from, put on each of its requests by the server.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

/// Who holds a pass: the user when there is one, else the address (behind a proxy, every
/// caller without a login shares the proxy's).
pub fn holder(user: Option<&Identity>, peer: Option<&Peer>) -> String {
    match (user, peer) {
        (Some(identity), _) => format!("user {}", identity.username),
        (None, Some(peer)) => format!("address {}", peer.0.ip()),
        (None, None) => "an unknown address".to_owned(),
    }
}

#[derive(Debug, Default)]
struct Counts {
    held: HashMap<(Class, String), usize>,
    total: HashMap<Class, usize>,
}

/// The places held now, shared by every configuration the server goes through.
#[derive(Debug, Clone, Default)]
pub struct Gates {
    counts: Arc<Mutex<Counts>>,
    limits: Limits,
}

impl Gates {
    pub fn new(limits: Limits) -> Self {
        Self {
            counts: Arc::default(),
            limits,
        }
    }

    /// The same places held, under new limits (a reloaded configuration).
    pub fn with_limits(&self, limits: Limits) -> Self {
        Self {
            counts: self.counts.clone(),
            limits,
        }
    }

    /// A place of `class` for `holder`, or the 429 that says which cap is reached.
    pub fn enter(&self, class: Class, holder: &str) -> Result<Pass, ApiError> {
        let cap = class.cap(&self.limits);
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let key = (class, holder.to_owned());
        let held = counts.held.get(&key).copied().unwrap_or_default();
        let total = counts.total.get(&class).copied().unwrap_or_default();
        let full = if held >= cap.per_user {
            Some(format!(
                "{holder} holds {held} {} already, the most one may (spec.limits)",
                class.what()
            ))
        } else if total >= cap.total {
            Some(format!(
                "this server holds {total} {} already, the most it takes (spec.limits)",
                class.what()
            ))
        } else {
            None
        };
        if let Some(detail) = full {
            return Err(ApiError::TooManyRequests {
                detail: format!("{detail}; close one or try again later"),
                retry_after: class.retry_after(),
            });
        }
        *counts.held.entry(key.clone()).or_default() += 1;
        *counts.total.entry(class).or_default() += 1;
        Ok(Pass {
            counts: self.counts.clone(),
            key,
        })
    }
}

/// A place held until this is dropped.
#[derive(Debug)]
pub struct Pass {
    counts: Arc<Mutex<Counts>>,
    key: (Class, String),
}

impl Drop for Pass {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(held) = counts.held.get_mut(&self.key) {
            *held -= 1;
            if *held == 0 {
                counts.held.remove(&self.key);
            }
        }
        if let Some(total) = counts.total.get_mut(&self.key.0) {
            *total = total.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gates() -> Gates {
        Gates::new(Limits {
            streams: Cap {
                per_user: 2,
                total: 3,
            },
            ..Limits::default()
        })
    }

    #[test]
    fn a_holder_gets_its_share_everyone_the_total_and_a_dropped_pass_frees_its_place() {
        let gates = gates();
        let a1 = gates.enter(Class::Streams, "user a").unwrap();
        let _a2 = gates.enter(Class::Streams, "user a").unwrap();
        let refused = gates.enter(Class::Streams, "user a").unwrap_err();
        assert_eq!(refused.status(), 429);
        assert!(refused.to_string().contains("user a holds 2"), "{refused}");
        // Another kind of place is counted apart.
        let _run = gates.enter(Class::BulkRuns, "user a").unwrap();
        let _b1 = gates.enter(Class::Streams, "user b").unwrap();
        let full = gates.enter(Class::Streams, "user c").unwrap_err();
        assert!(full.to_string().contains("this server holds 3"), "{full}");
        drop(a1);
        let _c1 = gates.enter(Class::Streams, "user c").unwrap();
        // A reloaded configuration keeps counting the places held.
        let reloaded = gates.with_limits(Limits::default());
        assert!(reloaded.enter(Class::Streams, "user c").is_ok());
        let tight = gates.with_limits(gates.limits);
        assert!(tight.enter(Class::Streams, "user d").is_err());
    }

    #[test]
    fn the_holder_is_the_user_else_the_address() {
        let peer = Peer("10.0.0.7:5000".parse().unwrap());
        let alice = Identity {
            username: "alice".into(),
            groups: vec![],
            display_name: "Alice".into(),
        };
        assert_eq!(holder(Some(&alice), Some(&peer)), "user alice");
        assert_eq!(holder(None, Some(&peer)), "address 10.0.0.7");
    }
}
