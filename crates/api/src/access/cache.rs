//! Access-review answers kept for a few seconds per identity, so a page that lists eight
//! actions twice does not cost sixteen reviews.

use flux_web_shared::actions::Verb;
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::Decision;
use crate::identity::Identity;
use crate::metrics::METRICS;
use flux_web_core::plan::Check;

/// Beyond this many entries the expired ones are dropped; it bounds memory, not correctness.
/// The next sweep waits until the map has doubled what the last one left, so a list that
/// asks about a thousand namespaces does not sweep at every answer.
const SWEEP_AT: usize = 10_000;

/// Every part of a review's question, kept apart: joining them into one string would let
/// `["team", "x"]` and `["team,x"]` (or a name holding the separator) share an answer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    username: String,
    // The same user with other groups is another subject.
    groups: Vec<String>,
    verb: Verb,
    group: String,
    plural: String,
    namespace: String,
    name: String,
}

impl Key {
    pub fn new(identity: &Identity, check: &Check) -> Self {
        Key {
            username: identity.username.clone(),
            groups: identity.groups.clone(),
            verb: check.verb,
            group: check.on.group().to_owned(),
            plural: check.on.plural().to_owned(),
            namespace: check.namespace.clone(),
            name: check.name.clone(),
        }
    }
}

#[derive(Default)]
pub struct Reviews(Mutex<Kept>);

#[derive(Default)]
pub struct Kept {
    answers: HashMap<Key, (Decision, Instant)>,
    /// The size at which the next sweep runs.
    sweep_at: usize,
}

impl Reviews {
    pub fn get(&self, key: &Key) -> Option<Decision> {
        let map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let kept = map
            .answers
            .get(key)
            .filter(|(_, until)| Instant::now() < *until)
            .map(|(decision, _)| decision.clone());
        if kept.is_some() {
            METRICS.access_review("cache");
        }
        kept
    }

    /// Drops every answer about `identity`.
    pub fn forget(&self, identity: &Identity) {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        map.answers
            .retain(|key, _| key.username != identity.username || key.groups != identity.groups);
    }

    pub fn put(&self, key: Key, decision: Decision, keep: Duration) {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if map.answers.len() >= map.sweep_at.max(SWEEP_AT) {
            let now = Instant::now();
            map.answers.retain(|_, (_, until)| now < *until);
            map.sweep_at = map.answers.len() * 2;
        }
        map.answers.insert(key, (decision, Instant::now() + keep));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(groups: &[&str]) -> Key {
        let identity = Identity {
            username: "u".into(),
            groups: groups.iter().map(|g| (*g).to_owned()).collect(),
            display_name: "u".into(),
        };
        let check = Check {
            verb: Verb::Get,
            on: flux_web_core::plan::On::Jobs,
            namespace: "ns".into(),
            name: "n".into(),
        };
        Key::new(&identity, &check)
    }

    #[test]
    fn forgetting_an_identity_drops_its_answers_and_no_one_elses() {
        let cache = Reviews::default();
        let keep = Duration::from_secs(60);
        cache.put(key(&["a"]), Decision::Allowed, keep);
        cache.put(key(&["b"]), Decision::Allowed, keep);
        let a = Identity {
            username: "u".into(),
            groups: vec!["a".into()],
            display_name: "u".into(),
        };
        cache.forget(&a);
        assert_eq!(cache.get(&key(&["a"])), None);
        assert_eq!(cache.get(&key(&["b"])), Some(Decision::Allowed));
    }

    #[test]
    fn expired_answers_are_swept_once_the_map_has_doubled_and_live_ones_stay() {
        let cache = Reviews::default();
        let check = |i: usize| Check {
            verb: Verb::List,
            on: flux_web_core::plan::On::Jobs,
            namespace: format!("ns-{i}"),
            name: String::new(),
        };
        let identity = Identity {
            username: "u".into(),
            groups: Vec::new(),
            display_name: "u".into(),
        };
        for i in 0..SWEEP_AT {
            cache.put(
                Key::new(&identity, &check(i)),
                Decision::Allowed,
                Duration::ZERO,
            );
        }
        let live = Key::new(&identity, &check(SWEEP_AT));
        cache.put(live.clone(), Decision::Allowed, Duration::from_secs(60));
        let kept = |cache: &Reviews| cache.0.lock().unwrap().answers.len();
        assert_eq!(kept(&cache), 1, "the expired answers were swept");
        assert_eq!(cache.get(&live), Some(Decision::Allowed));
        // Live answers past the threshold: the next sweep waits for twice what is left.
        for i in 0..SWEEP_AT + 5 {
            let key = Key::new(&identity, &check(SWEEP_AT + 1 + i));
            cache.put(key, Decision::Allowed, Duration::from_secs(60));
        }
        assert_eq!(kept(&cache), SWEEP_AT + 6);
        assert_eq!(cache.0.lock().unwrap().sweep_at, 2 * SWEEP_AT);
    }

    #[test]
    fn groups_that_would_join_to_the_same_text_are_different_keys() {
        assert_ne!(key(&["team", "x"]), key(&["team,x"]));
        assert_ne!(key(&["a\0b"]), key(&["a", "b"]));
        assert_eq!(key(&["team", "x"]), key(&["team", "x"]));
        let cache = Reviews::default();
        cache.put(
            key(&["team", "x"]),
            Decision::Allowed,
            Duration::from_secs(60),
        );
        assert_eq!(cache.get(&key(&["team,x"])), None);
        assert_eq!(cache.get(&key(&["team", "x"])), Some(Decision::Allowed));
    }
}
