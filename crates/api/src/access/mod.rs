//! Authorization: may this identity pass this check of a plan? Asked of Kubernetes with a
//! SubjectAccessReview, so plain (Cluster)Roles with custom verbs decide.
//!
//! A write in the Kubernetes adapter takes a [`Permit`], which only [`Access::authorize`]
//! makes and which names the object it was granted for: an action that skipped the check
//! does not compile, and a permit cannot be spent elsewhere. The access mode decides who
//! *writes* (the user in Impersonated mode, the server in FineGrained); reads are the user's
//! in both.
//!

mod cache;

use std::time::Duration;

use crate::cluster::{Cluster, Grant};
use crate::config::Access as AccessMode;
use crate::error::ApiError;
use crate::identity::Identity;
use crate::metrics::METRICS;
use flux_web_core::plan::Check;

/// How long answers are reused per identity; a denial never longer than an allowance.
const KEEP_ALLOWED: Duration = Duration::from_secs(5);
const KEEP_DENIED: Duration = Duration::from_secs(2);

/// Proof that `identity` passed `check`, and how the write it allows is made.
#[derive(Debug)]
pub struct Permit {
    identity: Identity,
    check: Check,
    mode: AccessMode,
}

impl crate::cluster::sealed::Sealed for Permit {}

impl Grant for Permit {
    /// What the permit was granted for: a write may go there and nowhere else.
    fn check(&self) -> &Check {
        &self.check
    }

    /// Whom the write impersonates: the user in Impersonated mode, nobody (the server
    /// writes) in FineGrained mode.
    fn impersonates(&self) -> Option<&Identity> {
        match self.mode {
            AccessMode::Impersonated => Some(&self.identity),
            AccessMode::FineGrained => None,
        }
    }
}

impl Permit {
    /// The resumer's permit for the write of a scheduled resume: the server writes as
    /// itself, without a review, because the authority is the suspend that set the end,
    /// which a user was allowed; the write can be nothing but the resume plan's own patch of
    /// that object.
    pub fn scheduled(identity: &Identity, check: &Check) -> Self {
        Self {
            identity: identity.clone(),
            check: check.clone(),
            mode: AccessMode::FineGrained,
        }
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

    pub fn mode(&self) -> AccessMode {
        self.mode
    }

    /// Passes `check` and returns the permit to write, or a 403 naming the missing rule.
    pub async fn authorize(&self, identity: &Identity, check: &Check) -> Result<Permit, ApiError> {
        match self.check(identity, check).await? {
            Decision::Allowed => Ok(Permit {
                identity: identity.clone(),
                check: check.clone(),
                mode: self.mode,
            }),
            Decision::Denied(rule) => Err(ApiError::Forbidden(format!(
                "user '{}' may not {} {} '{}/{}': {rule}",
                identity.username,
                check.verb,
                check.on.kind(),
                check.namespace,
                check.name
            ))),
        }
    }

    /// Passes every check in order: the permits, or the first refusal.
    pub async fn authorize_all(
        &self,
        identity: &Identity,
        checks: &[Check],
    ) -> Result<Vec<Permit>, ApiError> {
        let mut permits = Vec::with_capacity(checks.len());
        for check in checks {
            permits.push(self.authorize(identity, check).await?);
        }
        Ok(permits)
    }

    /// Whether a live stream may pass `viewer` what `check` guards: the cached review's
    /// answer, and no when the review fails (the item is withheld, and logged). Without a
    /// viewer (read-only mode) reads are the server's, and everything passes.
    pub async fn lets_see(&self, viewer: Option<&Identity>, check: &Check) -> bool {
        let Some(identity) = viewer else {
            return true;
        };
        match self.check(identity, check).await {
            Ok(decision) => decision == Decision::Allowed,
            Err(e) => {
                tracing::warn!(error = %e, "access review for a live stream failed; item withheld");
                false
            }
        }
    }

    /// Asks (or remembers) whether `identity` passes `check`. A check of one object asks
    /// first whether the verb is allowed on every object of its kind in the namespace: that
    /// answer covers every name, so a bulk action on 300 objects of one namespace costs one
    /// review, not 300. Only when it is denied is the object itself asked about (a rule may
    /// name it with `resourceNames`).
    pub async fn check(&self, identity: &Identity, check: &Check) -> Result<Decision, ApiError> {
        if let Some(decision) = self.cache.get(&cache::Key::new(identity, check)) {
            return Ok(decision);
        }
        if !check.name.is_empty() {
            let everywhere = Check {
                name: String::new(),
                ..check.clone()
            };
            if self.review(identity, &everywhere).await? == Decision::Allowed {
                return Ok(Decision::Allowed);
            }
        }
        self.review(identity, check).await
    }

    /// Forgets what was allowed to `identity`: Kubernetes refused a write as them, so an
    /// allowance kept from before is out of date (their RBAC changed), and the next listing
    /// must ask again rather than offer what will be refused.
    pub fn forget(&self, identity: &Identity) {
        self.cache.forget(identity);
    }

    /// One check, from the cache or from a SubjectAccessReview.
    async fn review(&self, identity: &Identity, check: &Check) -> Result<Decision, ApiError> {
        let key = cache::Key::new(identity, check);
        if let Some(decision) = self.cache.get(&key) {
            return Ok(decision);
        }
        METRICS.access_review("kubernetes");
        let allowed = self
            .cluster
            .review(&identity.username, &identity.review_groups(), check)
            .await?;
        let (decision, keep) = match allowed {
            true => (Decision::Allowed, KEEP_ALLOWED),
            false => (Decision::Denied(missing_rule(check)), KEEP_DENIED),
        };
        self.cache.put(key, decision.clone(), keep);
        Ok(decision)
    }
}

/// The RBAC rule an admin would add, in words.
pub fn missing_rule(check: &Check) -> String {
    let group = match check.on.group() {
        "" => "core",
        group => group,
    };
    format!(
        "missing RBAC rule: verb '{}' on '{}' in API group '{group}' in namespace '{}'",
        check.verb,
        check.on.plural(),
        check.namespace
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use flux_web_core::kinds::find;
    use flux_web_core::plan::On;
    use flux_web_shared::actions::Verb;

    #[test]
    fn the_missing_rule_names_verb_resource_group_and_namespace() {
        let check = Check {
            verb: Verb::Reconcile,
            on: On::Kind(find("kustomize.toolkit.fluxcd.io", "ks").unwrap()),
            namespace: "apps".into(),
            name: "web".into(),
        };
        assert_eq!(
            missing_rule(&check),
            "missing RBAC rule: verb 'reconcile' on 'kustomizations' in API group \
             'kustomize.toolkit.fluxcd.io' in namespace 'apps'"
        );
        let pods = Check {
            on: On::Kind(find("core", "pods").unwrap()),
            verb: Verb::Delete,
            ..check
        };
        assert!(missing_rule(&pods).contains("in API group 'core'"));
    }
}
