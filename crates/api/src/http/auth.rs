//! Who is calling, at the HTTP floor: [`resolve`] finds the caller of every API request
//! once and handlers take it with [`Caller`] (and [`ProofExpires`], for streams); the
//! browser's login routes (`/oauth2/authorize`, `/oauth2/callback`, `POST /logout`), which
//! answer with redirects and, on failure, a small page that says why; `GET /api/v1/userinfo`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use flux_web_shared::problem::Problem;
use flux_web_shared::user::UserInfo;
use serde::Deserialize;

use crate::auth::login::Redirect;
use crate::auth::{Auth, Caller, Caught};
use crate::error::ApiError;
use crate::state::AppState;

/// The outcome of [`resolve`], kept in the request's extensions.
#[derive(Debug, Clone)]
pub struct Resolved(pub Result<Caught, ApiError>);

/// Finds the caller of every `/api/` request once, before the handler; sets a refreshed
/// session cookie on the way out.
pub async fn resolve(State(auth): State<Arc<Auth>>, mut request: Request, next: Next) -> Response {
    if !request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    let (caller, cookies) = auth.caller(request.headers()).await;
    if let Ok(caught) = &caller {
        crate::telemetry::record_user(&caught.identity.username);
    }
    request.extensions_mut().insert(Resolved(caller));
    let mut response = next.run(request).await;
    for cookie in cookies {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// When the caller's credential stops proving who they are (unix seconds), if it does: the
/// end of the streams it opens.
pub struct ProofExpires(pub Option<i64>);

impl ProofExpires {
    /// The moment, on the runtime's clock, when a stream opened at `now` must end.
    pub fn deadline(&self, now: jiff::Timestamp) -> Option<tokio::time::Instant> {
        let left = self.0?.saturating_sub(now.as_second()).max(0);
        let left = std::time::Duration::from_secs(u64::try_from(left).unwrap_or_default());
        Some(tokio::time::Instant::now() + left)
    }
}

/// Resolves at `deadline`, or never without one.
pub async fn passed(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ProofExpires {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ProofExpires(match parts.extensions.get::<Resolved>() {
            Some(Resolved(Ok(caught))) => caught.proof_expires,
            _ => None,
        }))
    }
}

/// The caller, or — without authentication — nobody, so reads still answer in read-only
/// mode. A caller who must log in, or whose credential is bad, gets the 401 here, before
/// the handler.
impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        match parts.extensions.get::<Resolved>() {
            Some(Resolved(Ok(caught))) => Ok(Caller::User(caught.identity.clone())),
            Some(Resolved(Err(ApiError::ActionsDisabled))) => Ok(Caller::ReadOnly),
            Some(Resolved(Err(e))) => Err(e.clone()),
            None => Err(ApiError::NotLoggedIn),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizeQuery {
    original_path: Option<String>,
}

/// Starts an OIDC login; `?originalPath=` is where the browser returns (local paths only).
pub async fn authorize(
    State(state): State<AppState>,
    Query(query): Query<AuthorizeQuery>,
) -> Response {
    let Auth::Oidc(oidc) = &*state.auth else {
        return page(
            StatusCode::NOT_FOUND,
            "Login is not configured: this server has no OAuth2 authentication.",
        );
    };
    match oidc.authorize(query.original_path.as_deref()).await {
        Ok(redirect) => redirected(StatusCode::FOUND, redirect),
        Err(e) => failed(&e),
    }
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// Where the identity provider sends the browser back.
pub async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let Auth::Oidc(oidc) = &*state.auth else {
        return page(
            StatusCode::NOT_FOUND,
            "Login is not configured: this server has no OAuth2 authentication.",
        );
    };
    if let Some(error) = query.error {
        let description = query.error_description.unwrap_or_default();
        return page(
            StatusCode::UNAUTHORIZED,
            &format!("The identity provider did not log you in: {error}. {description}"),
        );
    }
    let (Some(code), Some(login_state)) = (query.code, query.state) else {
        return page(
            StatusCode::BAD_REQUEST,
            "The identity provider's answer has no code or state.",
        );
    };
    match oidc.callback(&headers, &code, &login_state).await {
        Ok(redirect) => redirected(StatusCode::SEE_OTHER, redirect),
        Err(e) => failed(&e),
    }
}

/// Ends the browser's session, at the provider too when it has an end-session endpoint.
/// A page that asks for JSON gets `{"location": ...}` and goes there itself: a form's
/// redirect to the provider would break the `form-action 'self'` policy.
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let redirect = match &*state.auth {
        Auth::Oidc(oidc) => oidc.logout(&headers).await,
        _ => Redirect {
            location: format!("{}/", state.config.prefix()),
            cookies: Vec::new(),
        },
    };
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    if !wants_json {
        return redirected(StatusCode::SEE_OTHER, redirect);
    }
    let mut response = Json(serde_json::json!({"location": redirect.location})).into_response();
    for cookie in redirect.cookies {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

fn redirected(status: StatusCode, redirect: Redirect) -> Response {
    let mut response = status.into_response();
    let headers = response.headers_mut();
    match HeaderValue::from_str(&redirect.location) {
        Ok(location) => {
            headers.insert(header::LOCATION, location);
        }
        Err(_) => {
            return page(
                StatusCode::BAD_GATEWAY,
                "The identity provider's address cannot be used.",
            );
        }
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    for cookie in redirect.cookies {
        headers.append(header::SET_COOKIE, cookie);
    }
    response
}

fn failed(error: &ApiError) -> Response {
    page(error.status(), &error.to_string())
}

/// A page a person reads when a login fails: what happened, and a way to try again.
fn page(status: StatusCode, message: &str) -> Response {
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>flux-web: login</title></head>\
         <body><main><h1>Login failed</h1><p role=\"alert\">{}</p>\
         <p><a href=\"authorize\">Try again</a></p></main></body></html>",
        escape(message)
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".into(),
            '<' => "&lt;".into(),
            '>' => "&gt;".into(),
            '"' => "&quot;".into(),
            '\'' => "&#39;".into(),
            c => c.to_string(),
        })
        .collect()
}

/// Who the server takes the caller to be, and so whom it impersonates.
#[utoipa::path(
    get,
    path = "/v1/userinfo",
    operation_id = "getUserInfo",
    tag = "identity",
    security((), ("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The caller's identity; `provider: none` without authentication", body = UserInfo),
        (status = 401, description = "Not logged in, or the credential is not good", body = Problem, content_type = "application/problem+json"),
        (status = "5XX", description = "The identity provider failed", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn userinfo(
    State(state): State<AppState>,
    resolved: Option<Extension<Resolved>>,
) -> Result<Json<UserInfo>, ApiError> {
    let provider = state.auth.provider();
    let resumer = state.resumer.running(state.clock.now());
    let cluster = (state.config.cluster_name.as_deref())
        .or(state.cluster.name())
        .map(str::to_owned);
    match resolved.map(|Extension(Resolved(r))| r) {
        Some(Ok(caught)) => Ok(Json(UserInfo {
            provider,
            display_name: Some(caught.identity.display_name),
            username: Some(caught.identity.username),
            groups: caught.identity.groups,
            session_expires_at: caught
                .session_expires
                .and_then(|s| jiff::Timestamp::from_second(s).ok())
                .map(crate::clock::rfc3339),
            resumer,
            cluster,
        })),
        Some(Err(ApiError::ActionsDisabled)) => Ok(Json(UserInfo {
            provider,
            display_name: None,
            username: None,
            groups: Vec::new(),
            session_expires_at: None,
            resumer,
            cluster,
        })),
        Some(Err(e)) => Err(e),
        None => Err(ApiError::NotLoggedIn),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_escaped_on_the_page() {
        assert_eq!(
            escape("<script>\"x\" & 'y'"),
            "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;"
        );
    }
}
