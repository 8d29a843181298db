//! One object's address, as the API and the pages name it: `group/Kind/namespace/name`, the
//! core group written `core`. Pages and calls take an [`Address`]; only this file spells it.

use std::fmt;

use flux_web_shared::actions::Target;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Address {
    /// Empty for the core group.
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl Address {
    pub fn of(target: &Target) -> Self {
        Self {
            group: target.group.clone(),
            kind: target.kind.clone(),
            namespace: target.namespace.clone(),
            name: target.name.clone(),
        }
    }

    /// The address a `group/kind/namespace/name` path names; none for anything else.
    pub fn parse(path: &str) -> Option<Self> {
        let mut parts = path.splitn(4, '/');
        let (group, kind, namespace, name) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let filled = [kind, namespace, name].iter().all(|p| !p.is_empty());
        filled.then(|| Self::from_parts(group, kind, namespace, name))
    }

    /// The address of a route's parts, the core group written `core`.
    pub fn from_parts(group: &str, kind: &str, namespace: &str, name: &str) -> Self {
        Self {
            group: if group == "core" { "" } else { group }.to_owned(),
            kind: kind.to_owned(),
            namespace: namespace.to_owned(),
            name: name.to_owned(),
        }
    }

    /// A Pod's address.
    pub fn pod(namespace: &str, name: &str) -> Self {
        Self::from_parts("", "Pod", namespace, name)
    }

    /// The target of this address, its version left to the server.
    pub fn target(&self) -> Target {
        Target {
            group: self.group.clone(),
            version: String::new(),
            kind: self.kind.clone(),
            namespace: self.namespace.clone(),
            name: self.name.clone(),
        }
    }

    /// The object's page.
    pub fn href(&self) -> String {
        format!("/{self}")
    }

    /// The object's page, open on its tab `tab`.
    pub fn tab_href(&self, tab: &str) -> String {
        format!("/{self}?tab={tab}")
    }

    /// "Kind namespace/name", as sentences name it.
    pub fn label(&self) -> String {
        format!("{} {}/{}", self.kind, self.namespace, self.name)
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let group = if self.group.is_empty() {
            "core"
        } else {
            &self.group
        };
        write!(f, "{group}/{}/{}/{}", self.kind, self.namespace, self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_names_its_address_and_back() {
        for path in [
            "core/Pod/demo-apps/web-1",
            "kustomize.toolkit.fluxcd.io/Kustomization/flux-system/apps",
        ] {
            let address = Address::parse(path).unwrap();
            assert_eq!(address.to_string(), path);
            assert_eq!(Address::of(&address.target()), address);
        }
        assert_eq!(
            Address::parse("core/Pod/demo-apps/web-1").unwrap().group,
            ""
        );
        assert_eq!(Address::parse("core/Pod/demo-apps"), None);
        assert_eq!(Address::parse("core/Pod//web-1"), None);
    }
}
