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
}
