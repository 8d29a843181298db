//! Who is calling. Identity comes from the configured authentication: a fixed identity in
//! Anonymous mode; none without authentication (read-only). OIDC sessions and bearer tokens
//! arrive with the identity issue and end in the same [`Identity`].

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::config::Authentication;
use crate::error::ApiError;
use crate::server::AppState;

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

/// Resolves the caller's identity, or says why there is none.
pub fn identify(authentication: &Authentication) -> Result<Identity, ApiError> {
    match authentication {
        Authentication::None => Err(ApiError::ActionsDisabled),
        Authentication::Anonymous { username, groups } => Ok(Identity {
            username: username.clone(),
            groups: groups.clone(),
            display_name: username.clone(),
        }),
        Authentication::OAuth2(_) => Err(ApiError::NotLoggedIn),
    }
}

/// The caller, or the reason there is none, so handlers that list permissions can still
/// answer when nobody is logged in.
pub struct Caller(pub Result<Identity, ApiError>);

impl FromRequestParts<AppState> for Caller {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(_: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Caller(identify(&state.config.authentication)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anonymous_mode_gives_the_configured_identity() {
        let identity = identify(&Authentication::Anonymous {
            username: "dev".into(),
            groups: vec!["devs".into()],
        })
        .unwrap();
        assert_eq!(identity.username, "dev");
        assert_eq!(identity.review_groups(), ["devs", "system:authenticated"]);
    }

    #[test]
    fn without_authentication_actions_are_disabled() {
        assert_eq!(
            identify(&Authentication::None).unwrap_err().code(),
            "actions_disabled"
        );
    }
}
