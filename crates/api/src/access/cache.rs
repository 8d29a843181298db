//! Access-review answers kept for a few seconds per identity, so a page that lists eight
//! actions twice does not cost sixteen reviews.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use kube::core::ApiResource;

use super::Decision;
use crate::auth::Identity;

/// Beyond this many entries the expired ones are dropped; it bounds memory, not correctness.
const SWEEP_AT: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key(String);

impl Key {
    pub fn new(
        identity: &Identity,
        verb: &str,
        resource: &ApiResource,
        namespace: &str,
        name: &str,
    ) -> Self {
        // Groups are part of the key: the same user with other groups is another subject.
        Key(format!(
            "{}\0{}\0{verb}\0{}\0{}\0{namespace}\0{name}",
            identity.username,
            identity.groups.join(","),
            resource.group,
            resource.plural
        ))
    }
}

#[derive(Default)]
pub struct Reviews(Mutex<HashMap<Key, (Decision, Instant)>>);

impl Reviews {
    pub fn get(&self, key: &Key) -> Option<Decision> {
        let map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(key)
            .filter(|(_, until)| Instant::now() < *until)
            .map(|(decision, _)| decision.clone())
    }

    pub fn put(&self, key: Key, decision: Decision, keep: Duration) {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= SWEEP_AT {
            let now = Instant::now();
            map.retain(|_, (_, until)| now < *until);
        }
        map.insert(key, (decision, Instant::now() + keep));
    }
}
