//! What a request is aimed at: an object of a known kind by a valid name, checked before any
//! call to Kubernetes (`http::extract` reads it from the path), and an action's options.

use std::time::Duration;

use flux_web_core::kinds::{self, Kind};
use flux_web_core::view::ObjectRef;
use flux_web_shared::actions::Target as WireTarget;
use flux_web_shared::names::{self, quoted};
use flux_web_shared::problem::Code;
use kube::core::ApiResource;

use crate::error::ApiError;

/// A valid address of an object of a known kind.
#[derive(Debug, Clone)]
pub struct Target {
    pub kind: &'static Kind,
    pub namespace: String,
    pub name: String,
}

impl Target {
    /// The object as the core names it.
    pub fn object(&self) -> ObjectRef {
        ObjectRef::new(self.kind, &self.namespace, &self.name)
    }

    pub fn parse(group: &str, kind: &str, namespace: &str, name: &str) -> Result<Self, ApiError> {
        let kind = kinds::find(group, kind).ok_or_else(|| {
            ApiError::bad_request(
                Code::UnknownKind,
                format!(
                    "flux-web does not know kind {} in API group {}",
                    quoted(kind),
                    quoted(group)
                ),
            )
        })?;
        let invalid = |e: names::NameError| ApiError::bad_request(Code::InvalidName, e.to_string());
        names::check_namespace(namespace).map_err(invalid)?;
        names::check_object_name(name).map_err(invalid)?;
        Ok(Self {
            kind,
            namespace: namespace.to_owned(),
            name: name.to_owned(),
        })
    }
}

/// `?dryRun=true&wait=30s` of a state-changing action.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionOptions {
    pub dry_run: bool,
    pub wait: Option<Duration>,
}

/// An object as answers name it, with the version it was read at.
pub fn wire_target(resource: &ApiResource, namespace: &str, name: &str) -> WireTarget {
    WireTarget {
        group: resource.group.clone(),
        version: resource.version.clone(),
        kind: resource.kind.clone(),
        namespace: namespace.to_owned(),
        name: name.to_owned(),
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
            let got = Target::parse(group, kind, namespace, name)
                .err()
                .map(|e| e.code());
            assert_eq!(got, error, "{group}/{kind}/{namespace}/{name}");
        }
    }
}
