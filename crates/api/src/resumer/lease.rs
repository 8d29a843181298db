//! Which replica resumes: the one that holds a `coordination.k8s.io` Lease, as client-go's
//! leader election does it. The agreement is the API server's: a Lease is created once, and
//! replaced only at the resourceVersion it was read at, so of two replicas that try at once
//! one wins and the other gets a conflict. Here: the pure decision, and the Lease to write.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};

/// The Lease's name, in the configured namespace.
pub const NAME: &str = "flux-web-resumer";

/// What a replica does about the Lease as it finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// There is none: create it, holding it.
    Create,
    /// It holds it: renew.
    Renew,
    /// Its holder let it lapse (or gave it up): take it over.
    TakeOver,
    /// Another holds it and renewed it in time.
    Wait,
}

pub fn decide(lease: Option<&LeaseSpec>, me: &str, now: Timestamp) -> Step {
    let Some(spec) = lease else {
        return Step::Create;
    };
    let holder = spec.holder_identity.as_deref().unwrap_or_default();
    if holder == me {
        return Step::Renew;
    }
    match until(spec) {
        Some(until) if !holder.is_empty() && until > now => Step::Wait,
        _ => Step::TakeOver,
    }
}

/// Until when a Lease is held: its last renewal and its duration.
fn until(spec: &LeaseSpec) -> Option<Timestamp> {
    let lasts = SignedDuration::from_secs(i64::from(spec.lease_duration_seconds.unwrap_or(0)));
    spec.renew_time
        .as_ref()
        .and_then(|renewed| renewed.0.checked_add(lasts).ok())
}

/// Until when `lease` is held by someone; none when nobody holds it.
pub fn held_until(lease: &Lease) -> Option<Timestamp> {
    let spec = lease.spec.as_ref()?;
    spec.holder_identity
        .as_deref()
        .filter(|h| !h.is_empty())
        .and_then(|_| until(spec))
}

/// The Lease `me` writes for `step` (not `Wait`), from the one read (`found`, which carries
/// its resourceVersion: the write is then a replace that fails if another wrote first).
pub fn next(
    found: Option<Lease>,
    namespace: &str,
    step: Step,
    me: &str,
    lasts: Duration,
    now: Timestamp,
) -> Lease {
    let mut lease = found.unwrap_or_else(|| Lease {
        metadata: ObjectMeta {
            name: Some(NAME.to_owned()),
            namespace: Some(namespace.to_owned()),
            ..ObjectMeta::default()
        },
        spec: None,
    });
    let previous = lease.spec.take().unwrap_or_default();
    let transitions = previous.lease_transitions.unwrap_or(0);
    lease.spec = Some(LeaseSpec {
        holder_identity: Some(me.to_owned()),
        lease_duration_seconds: Some(i32::try_from(lasts.as_secs()).unwrap_or(i32::MAX)),
        acquire_time: match step {
            Step::Renew => previous.acquire_time,
            _ => Some(MicroTime(now)),
        },
        renew_time: Some(MicroTime(now)),
        lease_transitions: Some(match step {
            Step::TakeOver => transitions + 1,
            _ => transitions,
        }),
        ..LeaseSpec::default()
    });
    lease
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap_or_default()
    }

    fn held(by: &str, renewed: &str) -> LeaseSpec {
        LeaseSpec {
            holder_identity: Some(by.to_owned()),
            lease_duration_seconds: Some(15),
            renew_time: Some(MicroTime(at(renewed))),
            ..LeaseSpec::default()
        }
    }

    #[test]
    fn a_replica_waits_while_another_renews_in_time_and_takes_over_after() {
        let now = at("2026-12-02T12:00:10Z");
        assert_eq!(decide(None, "a", now), Step::Create);
        assert_eq!(
            decide(Some(&held("a", "2026-12-02T12:00:00Z")), "a", now),
            Step::Renew
        );
        assert_eq!(
            decide(Some(&held("b", "2026-12-02T12:00:00Z")), "a", now),
            Step::Wait
        );
        assert_eq!(
            decide(Some(&held("b", "2026-12-02T11:59:50Z")), "a", now),
            Step::TakeOver
        );
        assert_eq!(
            decide(Some(&held("", "2026-12-02T12:00:09Z")), "a", now),
            Step::TakeOver
        );
        assert_eq!(
            decide(Some(&LeaseSpec::default()), "a", now),
            Step::TakeOver
        );
    }

    #[test]
    fn a_take_over_counts_a_transition_and_a_renewal_keeps_the_acquire_time() {
        let now = at("2026-12-02T12:00:10Z");
        let lasts = Duration::from_secs(15);
        let created = next(None, "ns", Step::Create, "a", lasts, now);
        assert_eq!(created.metadata.name.as_deref(), Some(NAME));
        let spec = created.spec.clone().unwrap_or_default();
        assert_eq!(spec.holder_identity.as_deref(), Some("a"));
        assert_eq!(spec.lease_duration_seconds, Some(15));
        assert_eq!(spec.lease_transitions, Some(0));
        let later = at("2026-12-02T12:00:20Z");
        let renewed = next(Some(created.clone()), "ns", Step::Renew, "a", lasts, later);
        let renewed = renewed.spec.unwrap_or_default();
        assert_eq!(renewed.acquire_time, Some(MicroTime(now)));
        assert_eq!(renewed.renew_time, Some(MicroTime(later)));
        let taken = next(Some(created), "ns", Step::TakeOver, "b", lasts, later);
        let taken = taken.spec.unwrap_or_default();
        assert_eq!(taken.holder_identity.as_deref(), Some("b"));
        assert_eq!(taken.lease_transitions, Some(1));
        assert_eq!(taken.acquire_time, Some(MicroTime(later)));
        let held = next(None, "ns", Step::Create, "a", lasts, now);
        assert_eq!(held_until(&held), Some(at("2026-12-02T12:00:25Z")));
        let mut given_up = held;
        if let Some(spec) = given_up.spec.as_mut() {
            spec.holder_identity = None;
        }
        assert_eq!(held_until(&given_up), None, "nobody holds it");
    }
}
