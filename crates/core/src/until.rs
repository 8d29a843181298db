//! When a suspension ends by itself: the `until` of a suspend, resolved against the clock
//! and the server's maximum into the time written on the object; or `never`, which takes
//! the end off a suspension in force.

use flux_web_shared::names::quoted;
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

/// What a suspend asks of the suspension's end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// It ends at this time, by itself.
    At(Until),
    /// It lasts until someone resumes it: an end in force is taken off.
    Never,
}

/// The word of `until` that asks for no end.
pub const NEVER: &str = "never";

/// Resolves `text`, an RFC 3339 time or a Go duration from `now`, into the end of a
/// suspension, or `never`; the message says which rule it breaks.
pub fn resolve(text: &str, now: Timestamp, max: Duration) -> Result<End, String> {
    let text = text.trim();
    if text == NEVER {
        return Ok(End::Never);
    }
    at(text, now, max).map(End::At)
}

/// Resolves `text`, a time or a duration, into an end in the future within `max`.
fn at(text: &str, now: Timestamp, max: Duration) -> Result<Until, String> {
    let end = match text.parse::<Timestamp>() {
        Ok(time) => time,
        Err(_) => {
            let ahead = flux_web_shared::duration::parse(text).map_err(|_| {
                format!(
                    "until: {} is neither an RFC 3339 time (2026-12-24T18:00:00Z), a \
                     duration such as 90m or 2h30m, nor never",
                    quoted(text)
                )
            })?;
            let ahead = jiff::SignedDuration::try_from(ahead)
                .map_err(|_| format!("until: {} is too far ahead", quoted(text)))?;
            now.checked_add(ahead)
                .map_err(|_| format!("until: {} is too far ahead", quoted(text)))?
        }
    };
    // The rules hold for the time asked, before it is rounded: with a clock between two
    // seconds, `0s` is now (not a second ahead) and the maximum is allowed to the nanosecond.
    if end <= now {
        return Err(format!("until: {end} is not in the future"));
    }
    let max = jiff::SignedDuration::try_from(max).unwrap_or(jiff::SignedDuration::MAX);
    if now.checked_add(max).is_ok_and(|limit| end > limit) {
        return Err(format!(
            "until: {end} is more than {} from now, the longest a suspension may be given \
             (userActions.maxSuspension)",
            go_duration(max.unsigned_abs())
        ));
    }
    // Whole seconds, rounded up: never earlier than asked.
    let seconds = end.as_second() + i64::from(end.subsec_nanosecond() > 0);
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

    fn resolve(text: &str, now: Timestamp, max: Duration) -> Result<Until, String> {
        match super::resolve(text, now, max)? {
            End::At(until) => Ok(until),
            End::Never => Err("never".into()),
        }
    }

    #[test]
    fn never_asks_for_no_end() {
        assert_eq!(super::resolve(" never ", now(), DAY), Ok(End::Never));
        let error = super::resolve("Never", now(), DAY).unwrap_err();
        assert!(error.contains("nor never"), "{error}");
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

    /// A clock between two seconds: the rules hold for the time asked, not the rounded one.
    #[test]
    fn with_a_fraction_of_a_second_on_the_clock_0s_is_refused_and_the_maximum_allowed() {
        let now: Timestamp = "2026-12-02T12:00:00.4Z".parse().unwrap_or_default();
        let error = resolve("0s", now, 30 * DAY).unwrap_err();
        assert!(error.contains("not in the future"), "{error}");
        let until = resolve("720h", now, 30 * DAY).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            until.rfc3339, "2027-01-01T12:00:01Z",
            "rounded up after the check"
        );
        let error = resolve("720h1s", now, 30 * DAY).unwrap_err();
        assert!(error.contains("more than 720h"), "{error}");
        assert!(resolve("1ns", now, 30 * DAY).is_ok());
        let error = resolve("2026-12-02T12:00:00.4Z", now, 30 * DAY).unwrap_err();
        assert!(error.contains("not in the future"), "{error}");
    }
}
