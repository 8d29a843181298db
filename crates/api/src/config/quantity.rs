//! Byte sizes written as Kubernetes quantities (`512Mi`, `1G`, `1048576`).

const SUFFIXES: [(&str, u64); 12] = [
    ("Ki", 1 << 10),
    ("Mi", 1 << 20),
    ("Gi", 1 << 30),
    ("Ti", 1 << 40),
    ("Pi", 1 << 50),
    ("Ei", 1 << 60),
    ("k", 1_000),
    ("M", 1_000_000),
    ("G", 1_000_000_000),
    ("T", 1_000_000_000_000),
    ("P", 1_000_000_000_000_000),
    ("E", 1_000_000_000_000_000_000),
];

/// Parses a whole-number quantity of bytes; `None` when it is not one or overflows.
pub fn parse_bytes(input: &str) -> Option<u64> {
    let digits_end = input
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(input.len());
    let (number, suffix) = input.split_at(digits_end);
    let number: u64 = number.parse().ok()?;
    if suffix.is_empty() {
        return Some(number);
    }
    let (_, scale) = SUFFIXES.iter().find(|(name, _)| *name == suffix)?;
    number.checked_mul(*scale)
}

#[cfg(test)]
mod tests {
    use super::parse_bytes;

    #[test]
    fn reads_binary_and_decimal_suffixes() {
        let cases = [
            ("0", 0),
            ("1048576", 1_048_576),
            ("512Mi", 512 << 20),
            ("1Gi", 1 << 30),
            ("500M", 500_000_000),
            ("2k", 2_000),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_bytes(input), Some(expected), "{input}");
        }
    }

    #[test]
    fn refuses_fractions_units_it_does_not_know_and_overflow() {
        for input in ["", "Mi", "1.5Gi", "512mi", "-1", "10Zi", "100000Ei", "5 Mi"] {
            assert_eq!(parse_bytes(input), None, "{input}");
        }
    }

    proptest::proptest! {
        /// A whole number with any suffix reads back as the number times the suffix, or is
        /// refused where it would overflow; anything else never panics.
        #[test]
        fn a_quantity_reads_back_as_its_number_times_its_suffix(
            number in 0u64..u64::MAX,
            suffix in proptest::sample::select(super::SUFFIXES.to_vec()),
        ) {
            let (name, scale) = suffix;
            proptest::prop_assert_eq!(parse_bytes(&format!("{number}{name}")), number.checked_mul(scale));
            proptest::prop_assert_eq!(parse_bytes(&number.to_string()), Some(number));
        }

        #[test]
        fn any_text_is_a_quantity_or_none(text in "[0-9]{0,25}[KkMGTPEi]{0,2}|\\PC{0,30}") {
            let _ = parse_bytes(&text);
        }
    }
}
