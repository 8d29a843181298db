//! Authorization: may this identity do this verb to this object? Asked of Kubernetes with a
//! SubjectAccessReview, so plain (Cluster)Roles with custom verbs decide.
//!
//! An action function takes a [`Permit`], which only [`Access::authorize`] makes: an action
//! that forgot the check does not compile. The access mode decides who *writes* (the user in
//! Impersonated mode, the server in FineGrained); reads are the user's in both.

mod cache;

use std::time::Duration;

use kube::core::ApiResource;

use crate::auth::Identity;
use crate::cluster::{Cluster, Who};
use crate::config::Access as AccessMode;
use crate::error::ApiError;

/// How long answers are reused per identity; a denial never longer than an allowance.
const KEEP_ALLOWED: Duration = Duration::from_secs(5);
const KEEP_DENIED: Duration = Duration::from_secs(2);

/// Proof that `identity` may `verb` the object, and how the write is then made.
#[derive(Debug)]
pub struct Permit {
    identity: Identity,
    verb: &'static str,
    mode: AccessMode,
}

impl Permit {
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    pub fn verb(&self) -> &'static str {
        self.verb
    }

    /// Whose permissions the write uses: the user's (Impersonated) or the server's
    /// (FineGrained).
    pub fn writer(&self) -> Who<'_> {
        match self.mode {
            AccessMode::Impersonated => as_user(&self.identity),
            AccessMode::FineGrained => Who::Server,
        }
    }

    /// A 403 of the write is the user's in Impersonated mode and the admin's in FineGrained.
    pub fn write_error(&self, error: crate::cluster::ClusterError) -> ApiError {
        match self.mode {
            AccessMode::Impersonated => ApiError::as_user(error),
            AccessMode::FineGrained => ApiError::as_server(error),
        }
    }

    /// Whose permissions the action's reads use: always the user's, in both modes, so an
    /// action never shows or decides on what the user could not read (spec 4.3).
    pub fn reader(&self) -> Who<'_> {
        as_user(&self.identity)
    }
}

fn as_user(identity: &Identity) -> Who<'_> {
    Who::User {
        username: &identity.username,
        groups: &identity.groups,
    }
}

/// The outcome of a check, for listings that report rather than refuse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    /// The sentence names the missing rule.
    Denied(String),
}

#[derive(Clone)]
pub struct Access {
    cluster: Cluster,
    mode: AccessMode,
    cache: std::sync::Arc<cache::Reviews>,
}

impl Access {
    pub fn new(cluster: Cluster, mode: AccessMode) -> Self {
        Self {
            cluster,
            mode,
            cache: Default::default(),
        }
    }

    /// Whose permissions reads use: the user's, in every access mode. FineGrained changes
    /// who writes, never who reads.
    pub fn reader<'a>(&self, identity: &'a Identity) -> Who<'a> {
        as_user(identity)
    }

    pub fn mode(&self) -> AccessMode {
        self.mode
    }

    /// Checks `verb` and returns the permit to act, or a 403 naming the missing rule.
    pub async fn authorize(
        &self,
        identity: &Identity,
        verb: &'static str,
        resource: &ApiResource,
        namespace: &str,
        name: &str,
    ) -> Result<Permit, ApiError> {
        match self
            .check(identity, verb, resource, namespace, name)
            .await?
        {
            Decision::Allowed => Ok(Permit {
                identity: identity.clone(),
                verb,
                mode: self.mode,
            }),
            Decision::Denied(rule) => Err(ApiError::Forbidden(format!(
                "user '{}' may not {verb} {} '{namespace}/{name}': {rule}",
                identity.username, resource.kind
            ))),
        }
    }

    /// Asks (or remembers) whether `identity` may `verb` the object.
    pub async fn check(
        &self,
        identity: &Identity,
        verb: &str,
        resource: &ApiResource,
        namespace: &str,
        name: &str,
    ) -> Result<Decision, ApiError> {
        let key = cache::Key::new(identity, verb, resource, namespace, name);
        if let Some(decision) = self.cache.get(&key) {
            return Ok(decision);
        }
        let review = self
            .cluster
            .review(
                &identity.username,
                &identity.review_groups(),
                verb,
                resource,
                namespace,
                name,
            )
            .await
            .map_err(ApiError::as_server)?;
        let decision = if review.allowed {
            Decision::Allowed
        } else {
            Decision::Denied(missing_rule(verb, resource, namespace))
        };
        let keep = if review.allowed {
            KEEP_ALLOWED
        } else {
            KEEP_DENIED
        };
        self.cache.put(key, decision.clone(), keep);
        Ok(decision)
    }
}

/// The RBAC rule an admin would add, in words.
pub fn missing_rule(verb: &str, resource: &ApiResource, namespace: &str) -> String {
    let group = if resource.group.is_empty() {
        "core"
    } else {
        &resource.group
    };
    format!(
        "missing RBAC rule: verb '{verb}' on '{}' in API group '{group}' in namespace '{namespace}'",
        resource.plural
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_missing_rule_names_verb_resource_group_and_namespace() {
        let resource = ApiResource {
            group: "kustomize.toolkit.fluxcd.io".into(),
            version: "v1".into(),
            api_version: "kustomize.toolkit.fluxcd.io/v1".into(),
            kind: "Kustomization".into(),
            plural: "kustomizations".into(),
        };
        assert_eq!(
            missing_rule("reconcile", &resource, "apps"),
            "missing RBAC rule: verb 'reconcile' on 'kustomizations' in API group \
             'kustomize.toolkit.fluxcd.io' in namespace 'apps'"
        );
    }
}
