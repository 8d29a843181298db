//! The one error type of the HTTP API. Every handler returns `Result<_, ApiError>`, and every
//! variant renders as an RFC 9457 problem with a stable `code` that clients branch on.
//!
//! Use a variant for each thing a client can act on differently; keep server-side detail in
//! the logs, not in `detail`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use flux_web_shared::problem::{PROBLEM_JSON, Problem};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No route under `/api` matches the path.
    #[error("no API endpoint at {0}")]
    NoRoute(String),
    /// A probe found a dependency down; `0` names what is missing.
    #[error("not ready: {0}")]
    NotReady(String),
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            Self::NoRoute(_) => StatusCode::NOT_FOUND,
            Self::NotReady(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::NoRoute(_) => "no_route",
            Self::NotReady(_) => "not_ready",
        }
    }

    pub fn to_problem(&self) -> Problem {
        let status = self.status();
        Problem {
            type_uri: "about:blank".to_owned(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: self.to_string(),
            code: self.code().to_owned(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = self.to_problem();
        let mut response = (self.status(), axum::Json(problem)).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_maps_to_its_status_and_stable_code() {
        let cases = [
            (ApiError::NoRoute("/api/x".into()), 404, "no_route"),
            (ApiError::NotReady("kubernetes".into()), 503, "not_ready"),
        ];
        for (error, status, code) in cases {
            let problem = error.to_problem();
            assert_eq!((problem.status, problem.code.as_str()), (status, code));
            assert_eq!(problem.detail, error.to_string());
        }
    }

    #[test]
    fn the_response_is_problem_json() {
        let response = ApiError::NotReady("kubernetes".into()).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
    }
}
