//! ID token verification against an issuer on loopback that serves discovery and a JWKS of
//! test keys (committed here: they sign nothing but these tests), one forged token per
//! attack.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use jsonwebtoken::{EncodingKey, Header};
use serde_json::{Value, json};

use super::*;

const KEY_1: &str = include_str!("test-key-1.pem");
const KEY_2: &str = include_str!("test-key-2.pem");
const N_1: &str = include_str!("test-key-1.n");
const N_2: &str = include_str!("test-key-2.n");

fn jwk(kid: &str, n: &str) -> Value {
    json!({"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": n.trim(), "e": "AQAB"})
}

struct Issuer {
    url: String,
    keys: Arc<Mutex<Vec<Value>>>,
    fetches: Arc<AtomicUsize>,
}

#[derive(Clone)]
struct Served {
    url: String,
    keys: Arc<Mutex<Vec<Value>>>,
    fetches: Arc<AtomicUsize>,
}

async fn issuer() -> Issuer {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let served = Served {
        url: url.clone(),
        keys: Arc::new(Mutex::new(vec![jwk("one", N_1)])),
        fetches: Arc::default(),
    };
    let app = axum::Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(|State(s): State<Served>| async move {
                Json(json!({
                    "issuer": s.url,
                    "authorization_endpoint": format!("{}/auth", s.url),
                    "token_endpoint": format!("{}/token", s.url),
                    "jwks_uri": format!("{}/jwks", s.url),
                }))
            }),
        )
        .route(
            "/jwks",
            get(|State(s): State<Served>| async move {
                s.fetches.fetch_add(1, Ordering::SeqCst);
                Json(json!({"keys": *s.keys.lock().unwrap()}))
            }),
        )
        .with_state(served.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Issuer {
        url,
        keys: served.keys,
        fetches: served.fetches,
    }
}

fn provider(issuer: &Issuer) -> Provider {
    Provider::new(
        issuer.url.parse().unwrap(),
        "flux-web".into(),
        "secret".into(),
    )
}

fn claims(issuer: &Issuer) -> Value {
    let now = jiff::Timestamp::now().as_second();
    json!({"iss": issuer.url, "aud": "flux-web", "sub": "alice", "email": "alice@x.io",
        "iat": now, "exp": now + 300, "nonce": "n-1"})
}

fn sign(kid: &str, pem: &str, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.into());
    jsonwebtoken::encode(
        &header,
        claims,
        &EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
    )
    .unwrap()
}

async fn refused(provider: &Provider, token: &str) -> String {
    match provider.verify(token, Some("n-1")).await {
        Err(TokenError::Invalid(reason)) => reason,
        other => panic!("expected an invalid token, got {other:?}"),
    }
}

#[tokio::test]
async fn a_token_of_the_issuer_for_this_client_is_accepted() {
    let issuer = issuer().await;
    let provider = provider(&issuer);
    let token = sign("one", KEY_1, &claims(&issuer));
    let claims = provider.verify(&token, Some("n-1")).await.unwrap();
    assert_eq!(claims["email"], "alice@x.io");
    assert_eq!(
        provider.verify(&token, None).await.unwrap()["sub"],
        "alice",
        "bearer: no nonce"
    );
}

#[tokio::test]
async fn forged_and_misdirected_tokens_are_refused() {
    let issuer = issuer().await;
    let provider = provider(&issuer);
    let good = claims(&issuer);
    let with = |key: &str, value: Value| {
        let mut c = good.clone();
        c[key] = value;
        sign("one", KEY_1, &c)
    };
    let now = jiff::Timestamp::now().as_second();

    let unsigned = format!(
        "{}.{}.",
        B64.encode(br#"{"alg":"none","typ":"JWT"}"#),
        B64.encode(good.to_string())
    );
    refused(&provider, &unsigned).await;

    // The classic confusion: HMAC keyed with the issuer's public key.
    let mut hs = Header::new(Algorithm::HS256);
    hs.kid = Some("one".into());
    let public = jwk("one", N_1).to_string();
    let confused =
        jsonwebtoken::encode(&hs, &good, &EncodingKey::from_secret(public.as_bytes())).unwrap();
    assert!(refused(&provider, &confused).await.contains("HS256"));

    refused(&provider, &with("iss", json!("https://evil.example"))).await;
    refused(&provider, &with("aud", json!("another-client"))).await;
    refused(&provider, &with("exp", json!(now - 3600))).await;
    refused(&provider, &with("nbf", json!(now + 3600))).await;
    assert!(
        refused(&provider, &with("nonce", json!("n-2")))
            .await
            .contains("nonce")
    );

    let mut tampered = sign("one", KEY_1, &good).into_bytes();
    let at = tampered.len() - 5;
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    refused(&provider, std::str::from_utf8(&tampered).unwrap()).await;

    // Signed by a key the issuer does not publish, under a known and an unknown key id.
    refused(&provider, &sign("one", KEY_2, &good)).await;
    assert!(
        refused(&provider, &sign("rogue", KEY_2, &good))
            .await
            .contains("rogue")
    );
}

#[tokio::test]
async fn a_token_for_several_audiences_needs_azp_naming_this_client() {
    let issuer = issuer().await;
    let provider = provider(&issuer);
    let with = |aud: Value, azp: Option<&str>| {
        let mut c = claims(&issuer);
        c["aud"] = aud;
        if let Some(azp) = azp {
            c["azp"] = json!(azp);
        }
        sign("one", KEY_1, &c)
    };
    let several = json!(["flux-web", "another-client"]);
    assert!(
        refused(&provider, &with(several.clone(), None))
            .await
            .contains("azp")
    );
    assert!(
        refused(&provider, &with(several.clone(), Some("another-client")))
            .await
            .contains("another-client")
    );
    assert!(
        refused(&provider, &with(json!("flux-web"), Some("another-client")))
            .await
            .contains("another-client")
    );
    let ok = with(several, Some("flux-web"));
    assert_eq!(
        provider.verify(&ok, Some("n-1")).await.unwrap()["sub"],
        "alice"
    );
    let single = with(json!(["flux-web"]), None);
    assert!(provider.verify(&single, Some("n-1")).await.is_ok());
}

#[tokio::test]
async fn a_new_key_id_refetches_the_jwks_once_so_rotation_just_works() {
    let issuer = issuer().await;
    let provider = provider(&issuer);
    provider
        .verify(&sign("one", KEY_1, &claims(&issuer)), None)
        .await
        .unwrap();
    assert_eq!(issuer.fetches.load(Ordering::SeqCst), 1);

    issuer.keys.lock().unwrap().push(jwk("two", N_2));
    let rotated = sign("two", KEY_2, &claims(&issuer));
    // The cache is fresh (< 10 s): an unknown key is refused without hammering the issuer.
    refused(&provider, &rotated).await;
    assert_eq!(issuer.fetches.load(Ordering::SeqCst), 1);
    *provider.keys_fetched.lock().unwrap() = Some(Instant::now() - JWKS_REFETCH);
    provider.verify(&rotated, None).await.unwrap();
    assert_eq!(issuer.fetches.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn discovery_naming_another_issuer_is_refused() {
    let issuer = issuer().await;
    let other = Provider::new(
        format!("{}/tenant", issuer.url).parse().unwrap(),
        "flux-web".into(),
        String::new(),
    );
    // Served under another path it is a 404; the point is nothing is trusted.
    assert!(matches!(
        other.metadata().await,
        Err(TokenError::Provider(_))
    ));
}
