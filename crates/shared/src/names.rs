//! Kubernetes object names, checked the same way by the server (before any call to
//! Kubernetes) and by the UI (before a request is sent).

use std::fmt;

/// Why a name was refused; the message says which rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameError {
    pub what: &'static str,
    pub reason: String,
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {}: {}", self.what, self.reason)
    }
}

impl std::error::Error for NameError {}

/// A namespace: an RFC 1123 label (lowercase alphanumerics and '-', at most 63).
pub fn check_namespace(name: &str) -> Result<(), NameError> {
    check_label(name, 63).map_err(|reason| NameError {
        what: "namespace",
        reason,
    })
}

/// A container name: an RFC 1123 label, like a namespace.
pub fn check_container(name: &str) -> Result<(), NameError> {
    check_label(name, 63).map_err(|reason| NameError {
        what: "container name",
        reason,
    })
}

/// An object name: a DNS-1123 subdomain as Kubernetes checks it (parts joined by '.', at most
/// 253 in all). Kubernetes does not limit each part to 63 characters, so neither does this:
/// every kind flux-web addresses (Flux kinds, workloads, Pods) takes subdomain names.
pub fn check_object_name(name: &str) -> Result<(), NameError> {
    let error = |reason: String| NameError {
        what: "name",
        reason,
    };
    if name.len() > 253 {
        return Err(error(format!("{} characters, at most 253", name.len())));
    }
    name.split('.')
        .try_for_each(|label| check_label(label, 253))
        .map_err(|reason| error(format!("{name:?}: {reason}")))
}

/// Characters of refused input an error quotes at most.
pub const QUOTED_MAX: usize = 64;

/// `text` as an error quotes it: whole when short, else its first [`QUOTED_MAX`] characters
/// and how long it was. Refused input is never echoed whole, so a client cannot make an
/// answer, a log line or an Event as large as its request.
pub fn quoted(text: &str) -> String {
    let count = text.chars().count();
    if count <= QUOTED_MAX {
        return format!("{text:?}");
    }
    let start: String = text.chars().take(QUOTED_MAX).collect();
    format!("{:?}… ({count} characters)", start)
}

/// `text` unquoted (a path, a method), whole when at most `max` characters, else cut there
/// and its length said.
pub fn shortened(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_owned();
    }
    let start: String = text.chars().take(max).collect();
    format!("{start}… ({count} characters)")
}

fn check_label(label: &str, max: usize) -> Result<(), String> {
    if label.is_empty() {
        return Err("empty, or an empty part between dots".to_owned());
    }
    if label.len() > max {
        return Err(format!("{} characters, at most {max}", label.len()));
    }
    if !label
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(format!(
            "{label:?} may hold only lowercase letters, digits and '-'"
        ));
    }
    if label.starts_with('-') || label.ends_with('-') {
        return Err(format!(
            "{label:?} must start and end with a letter or digit"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_input_is_quoted_whole_only_when_short() {
        assert_eq!(quoted("ks"), "\"ks\"");
        let long = "é".repeat(100_000);
        let quoted = quoted(&long);
        assert!(quoted.ends_with("… (100000 characters)"), "{quoted}");
        assert!(quoted.chars().count() < QUOTED_MAX + 30, "{quoted}");
        assert_eq!(shortened("/api/v1/x", 10), "/api/v1/x");
        assert_eq!(shortened("/api/v1/xyz", 4), "/api… (11 characters)");
    }

    #[test]
    fn accepts_what_kubernetes_accepts() {
        for name in ["a", "flux-system", "podinfo-7d9f", "0abc", &"a".repeat(63)] {
            assert_eq!(check_namespace(name), Ok(()), "{name}");
        }
        for name in [
            "apps.v1",
            "a.b-c.d",
            &format!("{}.{}", "a".repeat(63), "b"),
            // one 70-character part: Kubernetes takes it for a Kustomization
            &"k".repeat(70),
            &"a".repeat(253),
        ] {
            assert_eq!(check_object_name(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn refuses_traversal_case_and_length() {
        for name in [
            "",
            "..",
            ".",
            "a/b",
            "A",
            "-a",
            "a-",
            "a_b",
            "a b",
            "%2e",
            &"a".repeat(64),
        ] {
            assert!(check_namespace(name).is_err(), "namespace {name:?}");
        }
        for name in [
            "",
            "..",
            "a..b",
            ".a",
            "a.",
            "x/../y",
            "Café",
            &"a".repeat(254),
        ] {
            assert!(check_object_name(name).is_err(), "name {name:?}");
        }
    }

    #[test]
    fn the_message_names_what_and_why() {
        let message = check_namespace("Apps").unwrap_err().to_string();
        assert_eq!(
            message,
            "invalid namespace: \"Apps\" may hold only lowercase letters, digits and '-'"
        );
    }

    /// RFC 1123's label, said otherwise than `check_label` says it: the oracle.
    fn label(text: &str, max: usize) -> bool {
        let inner = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
        (1..=max).contains(&text.len())
            && text.chars().all(inner)
            && !text.starts_with('-')
            && !text.ends_with('-')
    }

    proptest::proptest! {
        #[test]
        fn a_namespace_is_taken_exactly_when_it_is_a_label(name in "[a-z0-9-]{0,70}|\\PC{0,20}") {
            let checked = check_namespace(&name);
            proptest::prop_assert_eq!(checked.is_ok(), label(&name, 63), "{:?}", checked);
            if let Err(e) = checked {
                proptest::prop_assert!(e.to_string().starts_with("invalid namespace: "));
            }
        }

        #[test]
        fn an_object_name_is_taken_exactly_when_it_is_a_subdomain(name in "[a-z0-9.-]{0,260}|\\PC{0,20}") {
            let subdomain = name.len() <= 253 && name.split('.').all(|part| label(part, 253));
            let checked = check_object_name(&name);
            proptest::prop_assert_eq!(checked.is_ok(), subdomain, "{:?}", checked);
        }

        /// An error quotes refused input at a bounded length, whatever it holds.
        #[test]
        fn quoted_input_is_bounded(text in "\\PC{0,200}") {
            // Debug escapes a character to at most 10 ("\\u{10ffff}").
            proptest::prop_assert!(quoted(&text).chars().count() <= QUOTED_MAX * 10 + 32);
            proptest::prop_assert!(shortened(&text, 80).chars().count() <= 80 + 32);
        }
    }
}
