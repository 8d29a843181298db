//! The pre-flight token: what a caller approved, sealed by the server so that nobody can
//! widen it. It names the caller, the action, when it ends, and a digest of each target the
//! pre-flight said would change; a run that carries it acts on those and on nothing else.

use std::collections::HashSet;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use flux_web_shared::actions::Action;
use flux_web_shared::problem::Code;

use crate::auth::session::Sealer;
use crate::error::ApiError;
use crate::identity::Identity;
use flux_web_core::address::ObjectRef;

/// The sealing name: a token opens as nothing else, and nothing else as a token.
const NAME: &str = "flux-web-preflight";
/// How long a pre-flight may wait for its confirmation.
pub const TTL_SECONDS: i64 = 15 * 60;

#[derive(Debug, Serialize, Deserialize)]
struct Sealed {
    user: String,
    action: Action,
    expires: i64,
    targets: Vec<String>,
}

/// The targets a pre-flight approved.
#[derive(Debug, Default)]
pub struct Approved(HashSet<String>);

impl Approved {
    pub fn contains(&self, target: &ObjectRef) -> bool {
        self.0.contains(&digest(target))
    }
}

/// A short digest of a target's address: a token of 500 targets stays a few kilobytes.
fn digest(target: &ObjectRef) -> String {
    let address = format!(
        "{}/{}/{}/{}",
        target.kind.group, target.kind.plural, target.namespace, target.name
    );
    Sha256::digest(address.as_bytes())[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The token approving `targets` for `identity` and `action` from `now` on.
pub fn issue<'a>(
    sealer: &Sealer,
    identity: &Identity,
    action: Action,
    targets: impl Iterator<Item = &'a ObjectRef>,
    now: Timestamp,
) -> String {
    let sealed = Sealed {
        user: identity.username.clone(),
        action,
        expires: now.as_second() + TTL_SECONDS,
        targets: targets.map(digest).collect(),
    };
    sealer.seal_json(NAME, &sealed)
}

/// What `token` approves, if it is this server's, for this caller and action, and not over.
pub fn open(
    sealer: &Sealer,
    token: &str,
    identity: &Identity,
    action: Action,
    now: Timestamp,
) -> Result<Approved, ApiError> {
    let invalid = |detail: &str| ApiError::bad_request(Code::InvalidPreflight, detail);
    let sealed: Sealed = sealer
        .open_json(NAME, token)
        .ok_or_else(|| invalid("token: not a pre-flight token of this server"))?;
    if sealed.user != identity.username || sealed.action != action {
        return Err(invalid(
            "token: the pre-flight was made for another user or another action",
        ));
    }
    if now.as_second() > sealed.expires {
        return Err(invalid(
            "token: the pre-flight is more than 15 minutes old; run it again",
        ));
    }
    Ok(Approved(sealed.targets.into_iter().collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(name: &str) -> ObjectRef {
        ObjectRef::parse("kustomize.toolkit.fluxcd.io", "ks", "apps", name).unwrap()
    }

    fn user(name: &str) -> Identity {
        Identity {
            username: name.into(),
            groups: vec![],
            display_name: name.into(),
        }
    }

    #[test]
    fn a_token_approves_its_targets_for_its_user_action_and_time_only() {
        let sealer = Sealer::new(b"key");
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let approved_targets = [target("a"), target("b")];
        let token = issue(
            &sealer,
            &user("ada"),
            Action::Suspend,
            approved_targets.iter(),
            now,
        );
        let approved = open(&sealer, &token, &user("ada"), Action::Suspend, now).unwrap();
        assert!(approved.contains(&target("a")) && approved.contains(&target("b")));
        assert!(!approved.contains(&target("c")));
        let code = |r: Result<Approved, ApiError>| r.unwrap_err().code();
        let later = Timestamp::from_second(now.as_second() + TTL_SECONDS + 1).unwrap();
        for refused in [
            open(&sealer, &token, &user("eve"), Action::Suspend, now),
            open(&sealer, &token, &user("ada"), Action::Resume, now),
            open(&sealer, &token, &user("ada"), Action::Suspend, later),
            open(
                &Sealer::new(b"other"),
                &token,
                &user("ada"),
                Action::Suspend,
                now,
            ),
            open(&sealer, "forged", &user("ada"), Action::Suspend, now),
        ] {
            assert_eq!(code(refused), Code::InvalidPreflight);
        }
    }
}
