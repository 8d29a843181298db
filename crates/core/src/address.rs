//! An object's address: a known kind, a namespace and a name, each checked as Kubernetes
//! checks it. One type for what a request is aimed at, what a plan writes, what a source
//! reference names.

use flux_web_shared::actions::Target;
use flux_web_shared::names::{self, quoted};
use flux_web_shared::problem::Code;

use crate::kinds::{self, Kind};

/// An object by kind, namespace and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRef {
    pub kind: &'static Kind,
    pub namespace: String,
    pub name: String,
}

/// Why an address was refused: the problem code and the rule, for the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressError {
    pub code: Code,
    pub message: String,
}

impl std::fmt::Display for AddressError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl ObjectRef {
    pub fn new(kind: &'static Kind, namespace: &str, name: &str) -> Self {
        Self {
            kind,
            namespace: namespace.to_owned(),
            name: name.to_owned(),
        }
    }

    /// The address of `group`/`kind` (plural, Kind or short name) `namespace`/`name`, checked
    /// before anything is asked of Kubernetes.
    pub fn parse(
        group: &str,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> Result<Self, AddressError> {
        let kind = kinds::find(group, kind).ok_or_else(|| AddressError {
            code: Code::UnknownKind,
            message: format!(
                "flux-web does not know kind {} in API group {}",
                quoted(kind),
                quoted(group)
            ),
        })?;
        let invalid = |e: names::NameError| AddressError {
            code: Code::InvalidName,
            message: e.to_string(),
        };
        names::check_namespace(namespace).map_err(invalid)?;
        names::check_object_name(name).map_err(invalid)?;
        Ok(Self::new(kind, namespace, name))
    }

    /// `Kind/namespace/name`, as messages and audit events name objects.
    pub fn describe(&self) -> String {
        format!("{}/{}/{}", self.kind.kind, self.namespace, self.name)
    }

    /// The object as the wire names it, at the version the pinned releases serve.
    pub fn target(&self) -> Target {
        Target {
            group: self.kind.group.to_owned(),
            version: self.kind.version.to_owned(),
            kind: self.kind.kind.to_owned(),
            namespace: self.namespace.clone(),
            name: self.name.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_checked_before_anything_else() {
        let cases = [
            ("kustomize.toolkit.fluxcd.io", "ks", "apps", "web", None),
            ("nope.io", "ks", "apps", "web", Some(Code::UnknownKind)),
            (
                "kustomize.toolkit.fluxcd.io",
                "widgets",
                "apps",
                "web",
                Some(Code::UnknownKind),
            ),
            (
                "kustomize.toolkit.fluxcd.io",
                "ks",
                "..",
                "web",
                Some(Code::InvalidName),
            ),
            (
                "kustomize.toolkit.fluxcd.io",
                "ks",
                "apps",
                "..",
                Some(Code::InvalidName),
            ),
            (
                "kustomize.toolkit.fluxcd.io",
                "ks",
                "Apps",
                "web",
                Some(Code::InvalidName),
            ),
            (
                "kustomize.toolkit.fluxcd.io",
                "ks",
                "apps",
                &"x".repeat(254),
                Some(Code::InvalidName),
            ),
        ];
        for (group, kind, namespace, name, error) in cases {
            let got = ObjectRef::parse(group, kind, namespace, name)
                .err()
                .map(|e| e.code);
            assert_eq!(got, error, "{group}/{kind}/{namespace}/{name}");
        }
    }

    proptest::proptest! {
        /// Any four parts of a path: an address whose parts read back as given, or a refusal
        /// naming an unknown kind or an invalid name, in a message of bounded length.
        #[test]
        fn any_path_is_an_address_or_a_clear_refusal(
            group in "kustomize\\.toolkit\\.fluxcd\\.io|apps|core|\\PC{0,30}",
            kind in "ks|kustomizations|Deployment|pods|\\PC{0,30}",
            namespace in "[a-z0-9-]{0,64}|\\PC{0,30}",
            name in "[a-z0-9.-]{0,254}|\\PC{0,30}",
        ) {
            match ObjectRef::parse(&group, &kind, &namespace, &name) {
                Ok(object) => {
                    proptest::prop_assert_eq!(&object.namespace, &namespace);
                    proptest::prop_assert_eq!(&object.name, &name);
                    proptest::prop_assert!(kinds::find(&group, &kind).is_some_and(|k| std::ptr::eq(k, object.kind)));
                }
                Err(e) => {
                    proptest::prop_assert!(matches!(e.code, Code::UnknownKind | Code::InvalidName), "{:?}", e);
                    proptest::prop_assert!(e.message.chars().count() < 1_000, "{}", e.message);
                }
            }
        }
    }
}
