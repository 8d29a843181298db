//! Logging in through the test bed's OpenID Connect provider as a browser would: following
//! its redirects and submitting its login form, with the provider's cookies kept.

use axum::Router;
use axum::body::Body;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use http::HeaderMap;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tower::ServiceExt;

/// flux-web's address in every config the tests write: the provider knows its callback.
pub const BASE_URL: &str = "http://flux-web.testbed";
pub const CALLBACK: &str = "http://flux-web.testbed/oauth2/callback";

pub fn issuer() -> String {
    std::env::var("FLUX_WEB_TEST_OIDC_ISSUER")
        .unwrap_or_else(|_| panic!("FLUX_WEB_TEST_OIDC_ISSUER: run under the test bed"))
}

pub fn secret() -> String {
    std::env::var("FLUX_WEB_TEST_OIDC_SECRET")
        .unwrap_or_else(|_| panic!("FLUX_WEB_TEST_OIDC_SECRET: run under the test bed"))
}

/// A config with OIDC login against the bed's provider; `oauth2` adds to or overrides the
/// `oauth2` block (`clientID`, `validations`, ...), `session` sets `sessionDuration`.
pub fn config(oauth2: Value, session: &str) -> String {
    let mut block = json!({
        "provider": "OIDC", "issuerURL": issuer(), "clientID": "flux-web", "clientSecret": secret(),
    });
    if let (Some(block), Some(extra)) = (block.as_object_mut(), oauth2.as_object()) {
        block.extend(extra.clone());
    }
    serde_json::to_string(&json!({
        "apiVersion": "web.fluxcd.controlplane.io/v1", "kind": "Config",
        "spec": {
            "baseURL": BASE_URL, "insecure": true,
            "authentication": {"type": "OAuth2", "sessionDuration": session, "oauth2": block},
            "userActions": {"audit": ["*"]},
        },
    }))
    .unwrap()
}

/// What flux-web answered, whole.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn location(&self) -> &str {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// `name=value` of every cookie this answer sets with a value (chunks included).
    pub fn cookies_set(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_owned))
            .filter(|pair| !pair.ends_with('='))
            .collect()
    }

    /// The names of the cookies this answer removes.
    pub fn cookies_cleared(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter(|v| v.contains("Max-Age=0"))
            .filter_map(|v| v.split('=').next().map(str::to_owned))
            .collect()
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// Sends `method path` to the in-process flux-web with `headers`.
pub async fn send(
    app: &Router,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    let mut request = http::Request::builder().method(method).uri(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::from(body.to_owned())).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// The browser side of the provider: its cookies, no automatic redirects.
pub fn browser() -> reqwest::Client {
    flux_web::tls::init();
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Follows the provider from `authorize_url` through its login form as `user` until it
/// sends the browser to flux-web's callback; returns that URL.
pub async fn through_provider(
    browser: &reqwest::Client,
    authorize_url: &str,
    user: &str,
) -> String {
    let base = issuer();
    let absolute = |location: &str| {
        if location.starts_with("http") {
            location.to_owned()
        } else {
            format!("{base}{location}")
        }
    };
    let mut response = browser.get(authorize_url).send().await.unwrap();
    for _ in 0..10 {
        if response.status().is_redirection() {
            let location = response.headers()["location"].to_str().unwrap().to_owned();
            if location.starts_with(CALLBACK) {
                return location;
            }
            response = browser.get(absolute(&location)).send().await.unwrap();
            continue;
        }
        let status = response.status();
        let page = response.text().await.unwrap();
        assert_eq!(status, 200, "the provider answered:\n{page}");
        let action = page
            .split("action=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("no form on the provider's page:\n{page}"));
        let form: Vec<(&str, &str)> = if page.contains("name=\"login\"") {
            vec![("prompt", "login"), ("login", user), ("password", "any")]
        } else {
            vec![("prompt", "consent")]
        };
        response = browser
            .post(absolute(action))
            .form(&form)
            .send()
            .await
            .unwrap();
    }
    panic!("the provider never sent the browser back to flux-web");
}

/// The path and query of a URL of flux-web.
pub fn path_of(url: &str) -> String {
    url.strip_prefix(BASE_URL).unwrap_or(url).to_owned()
}

/// Starts a login at flux-web; returns where it sends the browser and its login cookie.
pub async fn start_login(app: &Router, original_path: &str) -> (String, String) {
    let answer = send(
        app,
        "GET",
        &format!(
            "/oauth2/authorize?originalPath={}",
            urlencode(original_path)
        ),
        &[],
        "",
    )
    .await;
    assert_eq!(answer.status, 302, "{}", answer.body);
    let cookie = answer.cookies_set().join("; ");
    assert!(cookie.starts_with("flux-web-login="), "{cookie}");
    (answer.location().to_owned(), cookie)
}

/// A whole browser login of `user`: the answer of flux-web's callback.
pub async fn login_answer(app: &Router, user: &str, original_path: &str) -> Answer {
    let (authorize, login_cookie) = start_login(app, original_path).await;
    let callback = through_provider(&browser(), &authorize, user).await;
    send(
        app,
        "GET",
        &path_of(&callback),
        &[("cookie", &login_cookie)],
        "",
    )
    .await
}

/// Logs `user` in; returns the `Cookie` header value of their session.
pub async fn login(app: &Router, user: &str) -> String {
    let answer = login_answer(app, user, "/resources").await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert_eq!(answer.location(), "/resources");
    let cookies: Vec<_> = answer
        .cookies_set()
        .into_iter()
        .filter(|c| c.starts_with("flux-web-session"))
        .collect();
    assert!(!cookies.is_empty(), "no session cookie set");
    cookies.join("; ")
}

/// An ID token of `user` for `client`, obtained as that client would (code flow with PKCE).
pub async fn id_token(user: &str, client: &str) -> String {
    let verifier = "a-verifier-of-enough-length-for-pkce-0123456789-abcdefghijk";
    let challenge = B64.encode(Sha256::digest(verifier.as_bytes()));
    let authorize = format!(
        "{}/auth?response_type=code&client_id={client}&redirect_uri={}&scope=openid+email+profile+groups&state=s1&nonce=n1&code_challenge={challenge}&code_challenge_method=S256",
        issuer(),
        urlencode(CALLBACK),
    );
    let callback = through_provider(&browser(), &authorize, user).await;
    let code = url::Url::parse(&callback)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let tokens: Value = browser()
        .post(format!("{}/token", issuer()))
        .basic_auth(client, Some(secret()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("code_verifier", verifier),
            ("redirect_uri", CALLBACK),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    tokens["id_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no ID token: {tokens}"))
        .to_owned()
}

pub fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
