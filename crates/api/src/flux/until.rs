//! When a suspension ends by itself: the `until` of a suspend, resolved against the clock
//! and the server's maximum into the time written on the object.

use std::time::Duration;

use jiff::Timestamp;

/// The end of a suspension, checked: in the future and within the maximum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Until {
    /// As written in the annotation: RFC 3339, UTC, whole seconds.
    pub rfc3339: String,
    /// The same, as Unix seconds, for the label.
    pub seconds: i64,
}

impl Until {
    fn at(seconds: i64) -> Option<Self> {
        let time = Timestamp::from_second(seconds).ok()?;
        Some(Self {
            rfc3339: time.to_string(),
            seconds,
        })
    }
}

/// Resolves `text`, an RFC 3339 time or a Go duration from `now`, into the end of a
/// suspension; the message says which rule it breaks.
pub fn resolve(text: &str, now: Timestamp, max: Duration) -> Result<Until, String> {
    let text = text.trim();
    let end = match text.parse::<Timestamp>() {
        Ok(time) => time,
        Err(_) => {
            let ahead = flux_web_shared::duration::parse(text).map_err(|_| {
                format!(
                    "until: {text:?} is neither an RFC 3339 time (2026-12-24T18:00:00Z) nor a \
                     duration such as 90m or 2h30m"
                )
            })?;
            let ahead = jiff::SignedDuration::try_from(ahead)
                .map_err(|_| format!("until: {text:?} is too far ahead"))?;
            now.checked_add(ahead)
                .map_err(|_| format!("until: {text:?} is too far ahead"))?
        }
    };
    // Whole seconds, rounded up: never earlier than asked.
    let seconds = end.as_second() + i64::from(end.subsec_nanosecond() > 0);
    if seconds <= now.as_second() {
        return Err(format!("until: {end} is not in the future"));
    }
    let limit = now
        .as_second()
        .saturating_add(max.as_secs().try_into().unwrap_or(i64::MAX));
    if seconds > limit {
        return Err(format!(
            "until: {end} is more than {} from now, the longest a suspension may be given \
             (userActions.maxSuspension)",
            go_duration(max)
        ));
    }
    Until::at(seconds).ok_or_else(|| format!("until: {end} is out of range"))
}

/// `max` as people write it in the config: `720h`, `90m`, `45s`.
fn go_duration(max: Duration) -> String {
    let seconds = max.as_secs();
    match seconds {
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// The end of a suspension as written on an object, when it is one.
pub fn written(annotation: &str) -> Option<Timestamp> {
    annotation.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Duration = Duration::from_secs(24 * 3600);

    fn now() -> Timestamp {
        "2026-12-02T12:00:00Z".parse().unwrap_or_default()
    }

    #[test]
    fn a_time_or_a_duration_becomes_whole_seconds_in_utc() {
        let until = resolve("2h30m", now(), 30 * DAY).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(until.rfc3339, "2026-12-02T14:30:00Z");
        assert_eq!(until.seconds, now().as_second() + 9000);
        let until = resolve("2026-12-03T09:00:00.2+01:00", now(), 30 * DAY)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(until.rfc3339, "2026-12-03T08:00:01Z", "rounded up, in UTC");
        assert_eq!(
            written(&until.rfc3339).map(|t| t.as_second()),
            Some(until.seconds)
        );
    }

    #[test]
    fn the_past_now_beyond_the_maximum_and_nonsense_are_refused_with_the_rule() {
        for (text, rule) in [
            ("2026-12-02T11:59:59Z", "not in the future"),
            ("0s", "not in the future"),
            ("-5m", "neither"),
            ("721h", "more than 720h from now"),
            ("2027-01-02T12:00:01Z", "userActions.maxSuspension"),
            ("tomorrow", "neither an RFC 3339 time"),
            ("", "neither"),
        ] {
            let error = resolve(text, now(), 30 * DAY).unwrap_err();
            assert!(error.contains(rule), "{text}: {error}");
        }
        assert!(resolve("720h", now(), 30 * DAY).is_ok());
    }
}
