//! OIDC login against the test bed's OpenID Connect provider: browser sessions, bearer
//! tokens, and the attacks on both, each refused with nothing changed.

use std::time::Duration;

use crate::support::app::{flux_web_with, grant_server_actions};
use crate::support::objects::{create, path, read};
use crate::support::oidc::{
    Answer, BASE_URL, browser, config, id_token, login, login_answer, path_of, send, start_login,
    through_provider,
};
use crate::support::process::{Server, write_temp};
use crate::support::{FLUX_GROUPS, Testbed, User, kustomizations};
use flux_web_core::patch::annotation;
use serde_json::{Value, json};

const REQUESTED_AT: &str = "reconcile.fluxcd.io/requestedAt";

/// A namespace with a Kustomization `apps` that group `devs` may reconcile and `ops` may
/// only read.
async fn world(bed: &Testbed, prefix: &str) -> String {
    grant_server_actions(bed).await;
    let ns = bed.namespace(prefix).await;
    bed.grant_rules(
        &ns,
        "devs-act",
        json!([{"apiGroups": FLUX_GROUPS, "resources": ["*"],
        "verbs": ["get", "list", "patch", "reconcile"]}]),
        ("Group", "devs"),
    )
    .await;
    bed.grant_rules(
        &ns,
        "ops-read",
        json!([{"apiGroups": FLUX_GROUPS, "resources": ["*"],
        "verbs": ["get", "list"]}]),
        ("Group", "ops"),
    )
    .await;
    create(
        bed,
        &ns,
        &kustomizations(),
        "apps",
        json!({"interval": "10m", "prune": true,
        "sourceRef": {"kind": "GitRepository", "name": "repo"}}),
    )
    .await;
    ns
}

async fn reconcile(app: &axum::Router, ns: &str, headers: &[(&str, &str)]) -> Answer {
    let mut all = vec![("content-type", "application/json")];
    all.extend_from_slice(headers);
    send(
        app,
        "POST",
        &path(&kustomizations(), ns, "apps", "reconcile"),
        &all,
        "{}",
    )
    .await
}

async fn requested_at(bed: &Testbed, ns: &str) -> Option<String> {
    let object = read(bed, ns, &kustomizations(), "apps").await;
    annotation(&object, REQUESTED_AT).map(str::to_owned)
}

/// Until RBAC granted a moment ago counts for `headers`' user (the authorizer's informer).
async fn until_reconciled(app: &axum::Router, ns: &str, headers: &[(&str, &str)]) -> Answer {
    let mut last = None;
    for _ in 0..50 {
        let answer = reconcile(app, ns, headers).await;
        if answer.status == 200 {
            return answer;
        }
        last = Some(answer);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("never allowed: {last:?}");
}

#[tokio::test]
async fn a_browser_logs_in_and_acts_as_its_groups_and_the_cookie_works_on_another_replica() {
    let bed = testbed!();
    let ns = world(&bed, "login").await;
    let yaml = config(json!({}), "1h");
    let app = flux_web_with(&bed, &yaml).await;

    let nobody = send(&app, "GET", "/api/v1/resources", &[], "").await;
    assert_eq!(nobody.status, 401, "no session, no reads: {}", nobody.body);
    assert_eq!(nobody.json()["code"], "not_logged_in");

    let alice = login(&app, "alice").await;
    let me = send(&app, "GET", "/api/v1/userinfo", &[("cookie", &alice)], "").await;
    assert_eq!(me.status, 200, "{}", me.body);
    let me = me.json();
    assert_eq!(me["provider"], "OIDC");
    assert_eq!(me["username"], "alice@example.com");
    assert_eq!(me["groups"], json!(["devs"]));
    assert_eq!(me["displayName"], "Alice Liddell");
    assert!(me["sessionExpiresAt"].is_string());

    let done = until_reconciled(&app, &ns, &[("cookie", &alice)]).await;
    assert_eq!(done.json()["target"]["name"], "apps", "{}", done.body);
    let first = requested_at(&bed, &ns).await.unwrap();

    let bob = login(&app, "bob").await;
    let refused = reconcile(&app, &ns, &[("cookie", &bob)]).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(
        refused.json()["detail"]
            .as_str()
            .unwrap()
            .contains("bob@example.com")
    );
    assert_eq!(
        requested_at(&bed, &ns).await.unwrap(),
        first,
        "bob changed nothing"
    );

    // Another flux-web process with the same config reads the same cookie (asked by the name
    // of its baseURL, as a browser behind an ingress would).
    let file = write_temp("oidc.yaml", &yaml);
    let mut replica = Server::start(&[
        "--config",
        &file,
        "--kubeconfig",
        bed.kubeconfig(User::Server),
    ]);
    replica
        .wait_for("/readyz", 200, Duration::from_secs(30))
        .await;
    let there: Value = browser()
        .get(format!("{}/api/v1/userinfo", replica.base))
        .header("host", "flux-web.testbed")
        .header("cookie", &alice)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(there["username"], "alice@example.com", "{there}");
    replica.terminate();
}

#[tokio::test]
async fn bearer_id_tokens_of_the_issuer_work_on_the_api_and_forged_ones_do_not() {
    let bed = testbed!();
    let ns = world(&bed, "bearer").await;
    let app = flux_web_with(&bed, &config(json!({}), "1h")).await;
    let token = id_token("alice", "flux-web").await;
    let bearer = format!("Bearer {token}");

    let me = send(
        &app,
        "GET",
        "/api/v1/userinfo",
        &[("authorization", &bearer)],
        "",
    )
    .await;
    assert_eq!(me.json()["username"], "alice@example.com", "{}", me.body);
    assert!(me.json().get("sessionExpiresAt").is_none());
    // A token is no cookie: the browser rules for cookies do not apply to it.
    until_reconciled(
        &app,
        &ns,
        &[("authorization", &bearer), ("sec-fetch-site", "cross-site")],
    )
    .await;
    let before = requested_at(&bed, &ns).await;

    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut claims: Value = serde_json::from_slice(&b64.decode(&parts[1]).unwrap()).unwrap();
    claims["groups"] = json!(["system:masters"]);
    parts[1] = b64.encode(claims.to_string());
    let escalated = parts.join(".");
    let unsigned = format!("{}.{}.", b64.encode(r#"{"alg":"none"}"#), parts[1]);
    let other_client = id_token("alice", "flux-web-short").await;
    for (what, header) in [
        ("garbage", "Bearer not-a-token".to_owned()),
        (
            "claims changed after signing",
            format!("Bearer {escalated}"),
        ),
        ("alg none", format!("Bearer {unsigned}")),
        (
            "a token for another client",
            format!("Bearer {other_client}"),
        ),
        ("another scheme", format!("Basic {token}")),
    ] {
        let answer = reconcile(&app, &ns, &[("authorization", &header)]).await;
        assert_eq!(answer.status, 401, "{what}: {}", answer.body);
        assert_eq!(answer.json()["code"], "invalid_token", "{what}");
    }
    assert_eq!(
        requested_at(&bed, &ns).await,
        before,
        "no forged token changed anything"
    );

    // Bearer tokens are for the API; a login page does not take them.
    let page = send(
        &app,
        "GET",
        "/oauth2/callback?code=x&state=y",
        &[("authorization", &bearer)],
        "",
    )
    .await;
    assert_eq!(page.status, 401, "{}", page.body);
}

#[tokio::test]
async fn login_attacks_are_refused_and_leave_no_session() {
    let bed = testbed!();
    let ns = world(&bed, "attacks").await;
    let app = flux_web_with(&bed, &config(json!({}), "1h")).await;

    // The identity provider's own refusal is shown, not swallowed.
    let denied = send(
        &app,
        "GET",
        "/oauth2/callback?error=access_denied&error_description=End-User+aborted+interaction",
        &[],
        "",
    )
    .await;
    assert_eq!(denied.status, 401);
    assert!(
        denied.body.contains("access_denied") && denied.body.contains("End-User aborted"),
        "{}",
        denied.body
    );

    // Replayed state: the same callback twice.
    let (authorize, cookie) = start_login(&app, "/resources").await;
    let callback = path_of(&through_provider(&browser(), &authorize, "alice").await);
    let first = send(&app, "GET", &callback, &[("cookie", &cookie)], "").await;
    assert_eq!(first.status, 303, "{}", first.body);
    let replayed = send(&app, "GET", &callback, &[("cookie", &cookie)], "").await;
    assert_eq!(replayed.status, 401, "{}", replayed.body);
    assert!(replayed.body.contains("already completed"));
    assert!(replayed.cookies_set().is_empty());

    // Swapped state: one login's code with another login's cookie.
    let (a, _) = start_login(&app, "/").await;
    let (_, b_cookie) = start_login(&app, "/").await;
    let a_callback = path_of(&through_provider(&browser(), &a, "alice").await);
    let swapped = send(&app, "GET", &a_callback, &[("cookie", &b_cookie)], "").await;
    assert_eq!(swapped.status, 401);
    assert!(swapped.body.contains("does not match"), "{}", swapped.body);
    let no_cookie = send(&app, "GET", &a_callback, &[], "").await;
    assert_eq!(no_cookie.status, 401);
    assert!(no_cookie.cookies_set().is_empty());

    // Open redirects: a login only ever returns to a path of this server.
    for evil in [
        "//evil.example/x",
        "/\\evil.example",
        "https://evil.example/",
    ] {
        let answer = login_answer(&app, "alice", evil).await;
        assert_eq!((answer.status, answer.location()), (303, "/"), "{evil}");
    }

    // A tampered session, and one sealed by another config, are not sessions.
    let alice = login(&app, "alice").await;
    let mut tampered = alice.clone().into_bytes();
    let at = tampered.len() - 4;
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    let other = flux_web_with(
        &bed,
        &config(
            json!({"sessionKey": "another-key-of-at-least-32-characters"}),
            "1h",
        ),
    )
    .await;
    let theirs = login(&other, "alice").await;
    for (what, cookie) in [
        ("tampered", tampered.as_str()),
        ("another config's", theirs.as_str()),
    ] {
        let answer = send(&app, "GET", "/api/v1/userinfo", &[("cookie", cookie)], "").await;
        assert_eq!(answer.status, 401, "{what}: {}", answer.body);
        assert_eq!(answer.json()["code"], "invalid_session", "{what}");
        assert!(
            answer
                .cookies_cleared()
                .contains(&"flux-web-session".to_owned()),
            "{what}"
        );
    }

    // The browser rules on a real session: cross-site and form posts change nothing.
    let before = requested_at(&bed, &ns).await;
    for (what, headers, status, code) in [
        (
            "cross-site",
            vec![("cookie", alice.as_str()), ("sec-fetch-site", "cross-site")],
            403,
            "cross_site",
        ),
        (
            "foreign origin",
            vec![
                ("cookie", alice.as_str()),
                ("origin", "https://evil.example"),
            ],
            403,
            "cross_site",
        ),
    ] {
        let answer = reconcile(&app, &ns, &headers).await;
        assert_eq!(
            (answer.status, answer.json()["code"].as_str().unwrap()),
            (status, code),
            "{what}"
        );
    }
    let form = send(
        &app,
        "POST",
        &path(&kustomizations(), &ns, "apps", "reconcile"),
        &[
            ("cookie", &alice),
            ("content-type", "application/x-www-form-urlencoded"),
            ("origin", BASE_URL),
        ],
        "reason=x",
    )
    .await;
    assert_eq!(form.status, 415, "{}", form.body);
    assert_eq!(requested_at(&bed, &ns).await, before, "nothing changed");
}

#[tokio::test]
async fn a_session_ends_at_its_duration_even_when_its_cookie_is_replayed() {
    let bed = testbed!();
    world(&bed, "duration").await;
    let app = flux_web_with(&bed, &config(json!({}), "3s")).await;
    let alice = login(&app, "alice").await;
    assert_eq!(
        send(&app, "GET", "/api/v1/userinfo", &[("cookie", &alice)], "")
            .await
            .status,
        200
    );
    tokio::time::sleep(Duration::from_secs(4)).await;
    let replayed = send(&app, "GET", "/api/v1/userinfo", &[("cookie", &alice)], "").await;
    assert_eq!(replayed.status, 401, "{}", replayed.body);
    assert_eq!(replayed.json()["code"], "session_expired");
}

#[tokio::test]
async fn an_expired_id_token_is_refreshed_within_the_session() {
    let bed = testbed!();
    world(&bed, "refresh").await;
    // flux-web-short's ID tokens live 4 s (e2e/oidc/provider.mjs).
    let app = flux_web_with(&bed, &config(json!({"clientID": "flux-web-short"}), "1h")).await;
    let alice = login(&app, "alice").await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let renewed = send(&app, "GET", "/api/v1/userinfo", &[("cookie", &alice)], "").await;
    assert_eq!(renewed.status, 200, "{}", renewed.body);
    let cookie = renewed.cookies_set().join("; ");
    assert!(
        cookie.starts_with("flux-web-session="),
        "a renewed session cookie is set"
    );
    let again = send(&app, "GET", "/api/v1/userinfo", &[("cookie", &cookie)], "").await;
    assert_eq!(again.json()["username"], "alice@example.com");
}

#[tokio::test]
async fn a_refused_refresh_ends_the_session_with_a_clean_401() {
    let bed = testbed!();
    world(&bed, "refused").await;
    let key = json!({"clientID": "flux-web-short", "sessionKey": "one-session-key-for-both-configs-here"});
    let app = flux_web_with(&bed, &config(key.clone(), "1h")).await;
    let alice = login(&app, "alice").await;
    // The same sealing key, so the cookie opens; a secret the provider does not know, so
    // the refresh due after 4 s is refused.
    let mut wrong = key;
    wrong["clientSecret"] = json!("not-the-secret");
    let other = flux_web_with(&bed, &config(wrong, "1h")).await;
    assert_eq!(
        send(&other, "GET", "/api/v1/userinfo", &[("cookie", &alice)], "")
            .await
            .status,
        200
    );
    tokio::time::sleep(Duration::from_secs(5)).await;
    let refused = send(&other, "GET", "/api/v1/userinfo", &[("cookie", &alice)], "").await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert_eq!(refused.json()["code"], "session_expired");
    assert!(
        refused.json()["detail"]
            .as_str()
            .unwrap()
            .contains("could not be renewed")
    );
    assert!(
        refused
            .cookies_cleared()
            .contains(&"flux-web-session".to_owned())
    );
}

#[tokio::test]
async fn a_failed_validation_refuses_the_login_with_its_message() {
    let bed = testbed!();
    world(&bed, "validation").await;
    let app = flux_web_with(&bed, &config(json!({
        "variables": [{"name": "domain", "expression": "claims.email.split('@')[1]"}],
        "validations": [{"expression": "variables.domain == 'example.com' && 'ops' in claims.groups",
            "message": "only the ops team may log in"}],
    }), "1h")).await;
    let alice = login_answer(&app, "alice", "/").await;
    assert_eq!(alice.status, 403, "{}", alice.body);
    assert!(alice.body.contains("only the ops team may log in"));
    assert!(alice.cookies_set().is_empty());
    let bob = login_answer(&app, "bob", "/").await;
    assert_eq!(bob.status, 303, "{}", bob.body);
    // No email claim: the default username rule cannot map the user, and says so.
    let nomail = login_answer(
        &flux_web_with(&bed, &config(json!({}), "1h")).await,
        "nomail",
        "/",
    )
    .await;
    assert_eq!(nomail.status, 403);
    assert!(nomail.body.contains("no username"), "{}", nomail.body);
}

/// `POST /logout` from flux-web's own page with the session `cookie`.
async fn logout(app: &axum::Router, cookie: &str) -> Answer {
    send(
        app,
        "POST",
        "/logout",
        &[("cookie", cookie), ("origin", BASE_URL)],
        "",
    )
    .await
}

#[tokio::test]
async fn logout_clears_the_session_and_ends_it_at_the_provider() {
    let bed = testbed!();
    world(&bed, "logout").await;
    let app = flux_web_with(&bed, &config(json!({}), "1h")).await;
    let alice = login(&app, "alice").await;
    let out = logout(&app, &alice).await;
    assert_eq!(out.status, 303, "{}", out.body);
    let location = url::Url::parse(out.location()).unwrap();
    assert_eq!(
        location.path(),
        "/session/end",
        "the provider's end_session_endpoint"
    );
    let query: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!(query["client_id"], "flux-web");
    assert_eq!(query["post_logout_redirect_uri"], format!("{BASE_URL}/"));
    assert!(
        out.cookies_cleared()
            .contains(&"flux-web-session".to_owned())
    );
    // A logout from another site is refused like any cross-site state change.
    let forged = send(
        &app,
        "POST",
        "/logout",
        &[("cookie", &alice), ("sec-fetch-site", "cross-site")],
        "",
    )
    .await;
    assert_eq!(forged.status, 403);
}

/// Logout revokes the session's refresh token: the replica that logged out refuses a copy of
/// the cookie at once, every other one at its next renewal (here after the 4 s ID token of
/// `flux-web-short`; at most `RECHECK` in general).
#[tokio::test]
async fn after_logout_a_copied_cookie_dies_on_every_replica() {
    let bed = testbed!();
    world(&bed, "logout-copy").await;
    let key =
        json!({"clientID": "flux-web-short", "sessionKey": "one-session-key-for-both-replicas-x"});
    let replica = flux_web_with(&bed, &config(key.clone(), "1h")).await;
    let other = flux_web_with(&bed, &config(key, "1h")).await;
    let alice = login(&replica, "alice").await;
    let copy = [("cookie", alice.as_str())];
    let info = |app| send(app, "GET", "/api/v1/userinfo", &copy, "");
    assert_eq!(info(&other).await.status, 200, "the cookie works on both");

    let out = logout(&replica, &alice).await;
    assert_eq!(out.status, 303, "{}", out.body);
    let here = info(&replica).await;
    assert_eq!(
        (here.status, here.json()["code"].as_str()),
        (401, Some("session_expired")),
        "{}",
        here.body
    );
    tokio::time::sleep(Duration::from_secs(5)).await;
    let there = info(&other).await;
    assert_eq!(
        (there.status, there.json()["code"].as_str()),
        (401, Some("session_expired")),
        "the other replica's renewal is refused: {}",
        there.body
    );
}

/// A stream lasts no longer than the credential that opened it proves who its caller is: the
/// object watch and the events watch opened with a 4-second ID token end when it is no longer
/// taken (its `exp` and the 30 s of clock skew allowed), and the same token opens nothing then
/// (the client opens them again, with a credential checked anew).
#[tokio::test]
async fn streams_opened_with_a_bearer_token_end_when_it_expires() {
    let bed = testbed!();
    world(&bed, "stream-expiry").await;
    // flux-web-short's ID tokens live 4 s (e2e/oidc/provider.mjs).
    let app = flux_web_with(&bed, &config(json!({"clientID": "flux-web-short"}), "1h")).await;
    let token = id_token("alice", "flux-web-short").await;
    let bearer = format!("Bearer {token}");
    let headers = [("authorization", bearer.as_str())];
    let mut watch =
        crate::support::sse::Events::open_with(&app, "/api/v1/watch?kind=ks", &headers).await;
    let mut events =
        crate::support::sse::Events::open_with(&app, "/api/v1/events/watch", &headers).await;
    assert!(
        watch.ends_within(Duration::from_secs(40)).await,
        "the object watch outlived its token"
    );
    assert!(
        events.ends_within(Duration::from_secs(2)).await,
        "the events watch outlived its token"
    );
    // The same token, expired, opens nothing.
    let again = send(&app, "GET", "/api/v1/watch?kind=ks", &headers, "").await;
    assert_eq!(again.status, 401, "{}", again.body);
}

/// Claims that map to a username or group with a NUL or a line break are the token's fault: a
/// 400 naming the rule that made it, before any request to Kubernetes.
#[tokio::test]
async fn a_username_with_a_line_break_is_a_400_naming_the_rule() {
    let bed = testbed!();
    let ns = world(&bed, "control-username").await;
    let mapping = json!({"impersonation": {"username": "claims.email + \"\\r\\nImpersonate-Group: system:masters\""}});
    let app = flux_web_with(&bed, &config(mapping, "1h")).await;
    let token = id_token("alice", "flux-web").await;
    let bearer = format!("Bearer {token}");
    let before = read(&bed, &ns, &kustomizations(), "apps").await;
    let answer = reconcile(&app, &ns, &[("authorization", bearer.as_str())]).await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    let problem = answer.json();
    assert_eq!(problem["code"], "invalid_identity", "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("impersonation.username"),
        "{problem}"
    );
    let after = read(&bed, &ns, &kustomizations(), "apps").await;
    assert_eq!(
        before.metadata.resource_version,
        after.metadata.resource_version
    );
}
