//! Durations written the way Go's `time.ParseDuration` reads them (`168h`, `1h30m`, `2.5s`),
//! because that is how Flux objects and the Flux Operator config spell them.

use std::fmt;
use std::time::Duration;

/// Why a duration string was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DurationError {
    input: String,
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid duration {:?}: expected a positive number with a unit of ns, us, ms, s, m or h, \
             such as 30s, 5m or 1h30m",
            self.input
        )
    }
}

impl std::error::Error for DurationError {}

const UNITS: [(&str, f64); 7] = [
    ("ns", 1e-9),
    ("us", 1e-6),
    ("µs", 1e-6),
    ("ms", 1e-3),
    ("s", 1.0),
    ("m", 60.0),
    ("h", 3600.0),
];

/// Parses a non-negative Go duration. A bare `0` is accepted, as in Go.
pub fn parse(input: &str) -> Result<Duration, DurationError> {
    let error = || DurationError {
        input: input.to_owned(),
    };
    if input == "0" {
        return Ok(Duration::ZERO);
    }
    let mut rest = input;
    let mut seconds = 0.0_f64;
    if rest.is_empty() {
        return Err(error());
    }
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(error)?;
        let number: f64 = rest[..number_len].parse().map_err(|_| error())?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = UNITS
            .iter()
            .find(|(name, _)| *name == &rest[..unit_len])
            .map(|(_, scale)| *scale)
            .ok_or_else(error)?;
        seconds += number * scale;
        rest = &rest[unit_len..];
    }
    Duration::try_from_secs_f64(seconds).map_err(|_| error())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_forms_flux_users_write() {
        let cases = [
            ("0", 0.0),
            ("30s", 30.0),
            ("5m", 300.0),
            ("168h", 604_800.0),
            ("1h30m", 5_400.0),
            ("2.5s", 2.5),
            ("1m0.5s", 60.5),
            ("500ms", 0.5),
            ("10us", 0.000_01),
            ("10µs", 0.000_01),
            ("7ns", 0.000_000_007),
        ];
        for (input, expected) in cases {
            let got = parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert!(
                (got.as_secs_f64() - expected).abs() < 1e-12,
                "{input}: got {got:?}, want {expected}s"
            );
        }
    }

    #[test]
    fn refuses_what_go_refuses_and_negative_durations() {
        for input in [
            "", "5", "h", "1d", "-5m", "+5m", "1..5s", "5 m", "5mm", "1h 2m", ".",
        ] {
            assert!(parse(input).is_err(), "{input:?} should be refused");
        }
    }

    #[test]
    fn the_error_names_the_input_and_the_expected_form() {
        let message = parse("1d").unwrap_err().to_string();
        assert!(message.contains("\"1d\""), "{message}");
        assert!(message.contains("1h30m"), "{message}");
    }

    proptest::proptest! {
        /// Any text, the grammar's characters more often: read, or refused with an error
        /// that names it; never a panic.
        #[test]
        fn any_text_is_read_or_refused_by_name(input in "[0-9.hmsunµ]{0,12}|\\PC{0,40}") {
            if let Err(e) = parse(&input) {
                let named = format!("{input:?}");
                proptest::prop_assert!(e.to_string().contains(&named));
            }
        }

        /// What Go writes (hours, minutes, seconds, milliseconds) reads back as its sum.
        #[test]
        fn written_parts_read_back_as_their_sum(h in 0u64..100_000, m in 0u64..60, s in 0u64..60, ms in 0u64..1000) {
            let read = parse(&format!("{h}h{m}m{s}s{ms}ms")).map_err(|e| e.to_string());
            let seconds = (h * 3600 + m * 60 + s) as f64 + ms as f64 / 1000.0;
            let read = read.map(|d| d.as_secs_f64());
            proptest::prop_assert!(read.as_ref().is_ok_and(|r| (r - seconds).abs() < 1e-6), "{read:?} against {seconds}");
        }
    }
}
