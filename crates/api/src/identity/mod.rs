//! Who a caller is to Kubernetes: the user flux-web impersonates and the groups it sends.
//! Known by [`crate::auth`], checked by [`crate::access`], sent by [`crate::cluster`].
//!
//! - [`claims`] — the config's CEL rules from an identity provider's claims to an identity.

pub mod claims;

/// The caller as Kubernetes will see it: the user impersonated and the groups sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Identity {
    pub username: String,
    pub groups: Vec<String>,
    /// Shown to people and written to `suspendedBy` and `createdBy`.
    pub display_name: String,
}

impl Identity {
    /// The groups for an access review: Kubernetes adds `system:authenticated` to every
    /// authenticated request, but a SubjectAccessReview only knows what it is told.
    pub fn review_groups(&self) -> Vec<String> {
        let mut groups = self.groups.clone();
        if !groups.iter().any(|g| g == "system:authenticated") {
            groups.push("system:authenticated".to_owned());
        }
        groups
    }
}
