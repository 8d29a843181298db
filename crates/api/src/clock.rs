//! Time, injected: tests give actions a fixed clock so that annotations and events are exact.

use jiff::Timestamp;

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
}
