//! Time and randomness, injected: the server runs on the real clock and random ids; tests
//! give it a [`TestClock`] and [`SeededIds`], so that timestamps and audit tokens are known
//! in advance.

use std::sync::atomic::{AtomicU64, Ordering};

use jiff::{SignedDuration, Timestamp};

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}

/// The real time.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// Time for tests: starts where it is told and moves one millisecond each time it is read,
/// so that two actions never write the same `requestedAt` and a run writes the same ones
/// every time.
#[derive(Debug)]
pub struct TestClock {
    start: Timestamp,
    reads: AtomicU64,
}

impl TestClock {
    pub fn starting_at(start: Timestamp) -> Self {
        Self {
            start,
            reads: AtomicU64::new(0),
        }
    }
}

impl Clock for TestClock {
    fn now(&self) -> Timestamp {
        let read = self.reads.fetch_add(1, Ordering::Relaxed);
        let millis = i64::try_from(read).unwrap_or(i64::MAX);
        self.start
            .saturating_add(SignedDuration::from_millis(millis))
            .unwrap_or(self.start)
    }
}

/// Where the ids that name audit Events come from.
pub trait Ids: Send + Sync + 'static {
    /// A new id in the UUID text form.
    fn next(&self) -> String;
}

/// Random (version 4) UUIDs.
#[derive(Debug, Default)]
pub struct RandomIds;

impl Ids for RandomIds {
    fn next(&self) -> String {
        uuid::Uuid::new_v4().to_string()
    }
}

/// Ids for tests: a fixed sequence from `seed` (splitmix64), so that two sources with
/// different seeds never meet and one seed always gives the same ids.
#[derive(Debug)]
pub struct SeededIds(AtomicU64);

impl SeededIds {
    pub fn new(seed: u64) -> Self {
        Self(AtomicU64::new(seed))
    }
}

impl Ids for SeededIds {
    fn next(&self) -> String {
        let mix = |mut z: u64| {
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        let state = self
            .0
            .fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed)
            .wrapping_add(0x9e37_79b9_7f4a_7c15);
        let bits = (u128::from(mix(state)) << 64) | u128::from(mix(state ^ 0x5555));
        uuid::Builder::from_random_bytes(bits.to_be_bytes())
            .into_uuid()
            .to_string()
    }
}

/// RFC 3339 in UTC with as many fractional digits as needed, as the `flux` CLI writes
/// `reconcile.fluxcd.io/requestedAt`: two requests in the same second still differ.
pub fn rfc3339(at: Timestamp) -> String {
    at.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_rfc3339_with_the_fraction_when_there_is_one() {
        let at: Timestamp = "2026-11-23T21:55:00.5+01:00".parse().unwrap();
        assert_eq!(rfc3339(at), "2026-11-23T20:55:00.5Z");
        let whole: Timestamp = "2026-11-23T21:55:00Z".parse().unwrap();
        assert_eq!(rfc3339(whole), "2026-11-23T21:55:00Z");
    }

    #[test]
    fn the_test_clock_moves_a_millisecond_a_read() {
        let clock = TestClock::starting_at("2026-12-01T10:00:00Z".parse().unwrap());
        assert_eq!(rfc3339(clock.now()), "2026-12-01T10:00:00Z");
        assert_eq!(rfc3339(clock.now()), "2026-12-01T10:00:00.001Z");
    }

    #[test]
    fn seeded_ids_repeat_per_seed_and_differ_between_seeds() {
        let first: Vec<_> = (0..3).map(|_| SeededIds::new(7).next()).collect();
        assert!(first.iter().all(|id| id == &first[0]), "{first:?}");
        let one = SeededIds::new(7);
        let ids: Vec<_> = (0..100).map(|_| one.next()).collect();
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 100);
        assert_ne!(SeededIds::new(8).next(), ids[0]);
        assert!(uuid::Uuid::parse_str(&ids[0]).is_ok());
    }
}
