//! The one place that talks to the flux-web API. Every call takes an object's [`Address`] and
//! a typed query ([`query`]), and returns the answer's type from `flux-web-shared`, or an
//! [`ApiError`] carrying the problem's `detail` for the user. [`live`] keeps answers current.

mod address;
pub mod live;
pub mod query;
mod stream;

pub use address::Address;

use flux_web_shared::actions::{Action, ActionRequest, ActionResponse};
use flux_web_shared::bulk::{BulkRequest, Preflight, Progress};
use flux_web_shared::events::EventPage;
use flux_web_shared::logs::{LogEvent, Logs};
use flux_web_shared::objects::{NamespaceList, ObjectDetail, ResourceList};
use flux_web_shared::problem::{Code, Problem};
use flux_web_shared::timeline::Timeline;
use flux_web_shared::user::UserInfo;
use flux_web_shared::values::{HelmValues, Reveal};
use gloo_net::http::{Request, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::base;
use crate::format::encode;
use stream::read_lines;

#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The server wants a login first (401).
    NotLoggedIn(String),
    /// Any other problem the server answered.
    Problem(Problem),
    /// No answer at all: the server is down, or the network between.
    Unreachable,
    /// An answer that is not one of this API's, or one that broke off.
    Network(String),
}

/// What a page says when flux-web does not answer, instead of the browser's own words.
pub const UNREACHABLE: &str = "flux-web is not answering: the server or the network to it is down";

impl ApiError {
    /// The sentence to show people.
    pub fn detail(&self) -> String {
        match self {
            ApiError::NotLoggedIn(detail) | ApiError::Network(detail) => detail.clone(),
            ApiError::Unreachable => UNREACHABLE.to_owned(),
            ApiError::Problem(problem) => problem.detail.clone(),
        }
    }
}

async fn answer<T: DeserializeOwned>(
    response: Result<Response, gloo_net::Error>,
) -> Result<T, ApiError> {
    let response = response.map_err(|_| ApiError::Unreachable)?;
    if response.ok() {
        return response
            .json()
            .await
            .map_err(|e| ApiError::Network(format!("an answer this page cannot read: {e}")));
    }
    Err(refusal(response).await)
}

/// The problem of an answer that is not a success.
async fn refusal(response: Response) -> ApiError {
    let status = response.status();
    let problem = response
        .json::<Problem>()
        .await
        .unwrap_or_else(|_| Problem {
            type_uri: "about:blank".into(),
            title: response.status_text(),
            status,
            detail: format!("the server answered {status}"),
            code: Code::Unknown,
        });
    if status == 401 {
        ApiError::NotLoggedIn(problem.detail)
    } else {
        ApiError::Problem(problem)
    }
}

async fn get<T: DeserializeOwned>(url: &str) -> Result<T, ApiError> {
    answer(Request::get(&base::url(url)).send().await).await
}

pub async fn userinfo() -> Result<UserInfo, ApiError> {
    get("/api/v1/userinfo").await
}

/// Where the user may list Flux objects.
pub async fn namespaces() -> Result<NamespaceList, ApiError> {
    get("/api/v1/namespaces").await
}

/// Every object `object` (a Kustomization) applied, with its health.
pub async fn inventory(
    object: &Address,
) -> Result<flux_web_shared::objects::InventoryList, ApiError> {
    get(&format!("/api/v1/{object}/inventory")).await
}

/// One object `object` applied, as YAML: `id` is its inventory entry's.
pub async fn inventory_object(
    object: &Address,
    id: &str,
) -> Result<flux_web_shared::objects::InventoryObject, ApiError> {
    get(&format!(
        "/api/v1/{object}/inventory/object?id={}",
        encode(id)
    ))
    .await
}

/// What a reconcile of the Kustomization `object` would apply: its artifact built as the
/// controller builds it.
pub async fn preview(object: &Address) -> Result<flux_web_shared::preview::Preview, ApiError> {
    get(&format!("/api/v1/{object}/preview")).await
}

/// The values of the HelmRelease `object` as helm-controller composes them, Secrets masked.
pub async fn values(object: &Address) -> Result<HelmValues, ApiError> {
    get(&format!("/api/v1/{object}/values")).await
}

/// The same with the values of the Secret `secret` shown: the server audits it first.
pub async fn reveal(object: &Address, secret: &str) -> Result<HelmValues, ApiError> {
    let body = Reveal {
        secret: secret.to_owned(),
    };
    post(&format!("/api/v1/{object}/values/reveal"), &body).await
}

/// The graph of sources and what they feed, in `namespace` (all the user may list when empty).
pub async fn graph(namespace: &str) -> Result<flux_web_shared::objects::Graph, ApiError> {
    match namespace {
        "" => get("/api/v1/graph").await,
        ns => get(&format!("/api/v1/graph?namespace={}", encode(ns))).await,
    }
}

pub async fn controllers() -> Result<flux_web_shared::controllers::ControllerList, ApiError> {
    get("/api/v1/controllers").await
}

pub async fn resources(query: &query::Resources) -> Result<ResourceList, ApiError> {
    get(&format!("/api/v1/resources?{}", query.encode())).await
}

pub async fn detail(object: &Address) -> Result<ObjectDetail, ApiError> {
    get(&format!("/api/v1/{object}")).await
}

/// A page of the timeline of `object`: the newest, or the one older than `before`.
pub async fn timeline(object: &Address, before: Option<&str>) -> Result<Timeline, ApiError> {
    match before {
        Some(before) => {
            get(&format!(
                "/api/v1/{object}/timeline?before={}",
                encode(before)
            ))
            .await
        }
        None => get(&format!("/api/v1/{object}/timeline")).await,
    }
}

/// A page of the cluster's Events.
pub async fn events(query: &query::Events) -> Result<EventPage, ApiError> {
    get(&format!("/api/v1/events?{}", query.encode())).await
}

/// Takes `action` on `object`; with `wait` (seconds) the answer comes once the controller has
/// handled it, or when the wait is over, with the Ready condition it left.
pub async fn act(
    object: &Address,
    action: Action,
    request: &ActionRequest,
    wait: Option<u32>,
) -> Result<ActionResponse, ApiError> {
    post_action(&action_url(object, action, wait), request).await
}

/// What `action` on `object` would do: the server's checks and the write sent as a dry run,
/// nothing written, nothing audited.
pub async fn dry_run(
    object: &Address,
    action: Action,
    request: &ActionRequest,
) -> Result<ActionResponse, ApiError> {
    post_action(
        &format!("{}?dryRun=true", action_url(object, action, None)),
        request,
    )
    .await
}

/// The endpoint of `action` on `object`, asking to wait `wait` seconds for the controller
/// (also what a copied curl command calls).
pub fn action_url(object: &Address, action: Action, wait: Option<u32>) -> String {
    let wait = wait.map(|s| format!("?wait={s}s")).unwrap_or_default();
    format!("/api/v1/{object}/actions/{action}{wait}")
}

async fn post_action(url: &str, request: &ActionRequest) -> Result<ActionResponse, ApiError> {
    post(url, request).await
}

async fn post<B: Serialize, T: DeserializeOwned>(url: &str, body: &B) -> Result<T, ApiError> {
    let request = Request::post(&base::url(url))
        .json(body)
        .map_err(|e| ApiError::Network(e.to_string()))?;
    answer(request.send().await).await
}

/// The endpoint of a bulk `action` (also what a copied curl command calls).
pub fn bulk_url(action: Action) -> String {
    format!("/api/v1/actions/{action}")
}

/// The pre-flight of a bulk action: every target's fate, nothing written.
pub async fn bulk_preflight(action: Action, request: &BulkRequest) -> Result<Preflight, ApiError> {
    post(&format!("{}?dryRun=true", bulk_url(action)), request).await
}

/// Runs a bulk action, calling `on_progress` with each line of its progress as it arrives.
pub async fn bulk_run(
    action: Action,
    request: &BulkRequest,
    on_progress: impl Fn(Progress),
) -> Result<(), ApiError> {
    let request = Request::post(&base::url(&bulk_url(action)))
        .json(request)
        .map_err(|e| ApiError::Network(e.to_string()))?;
    read_lines(request.send().await, "the run's progress", on_progress).await
}

/// The logs of the Pod or workload `object`.
pub async fn logs(object: &Address, query: query::Logs) -> Result<Logs, ApiError> {
    get(&format!("/api/v1/{object}/logs?{}", query.encode())).await
}

/// Follows the logs of `object` until the stream ends or `abort` fires, calling `on_event`
/// with each document as it arrives.
pub async fn follow_logs(
    object: &Address,
    query: query::Logs,
    abort: &web_sys::AbortSignal,
    on_event: impl Fn(LogEvent),
) -> Result<(), ApiError> {
    let url = format!("/api/v1/{object}/logs?follow=true&{}", query.encode());
    let request = Request::get(&base::url(&url))
        .abort_signal(Some(abort))
        .build()
        .map_err(|e| ApiError::Network(e.to_string()))?;
    read_lines(request.send().await, "the log stream", on_event).await
}

/// Ends the session; answers where the browser goes next (the provider's logout page).
pub async fn logout() -> Result<String, ApiError> {
    #[derive(serde::Deserialize)]
    struct Next {
        location: String,
    }
    let response = Request::post(&base::url("/logout"))
        .header("Accept", "application/json")
        .send()
        .await;
    answer::<Next>(response).await.map(|next| next.location)
}

/// Where the browser downloads the artifact of `object` (an ArtifactGenerator's: `artifact`).
pub fn download_url(object: &Address, artifact: Option<&str>) -> String {
    base::url(&match artifact {
        Some(name) => format!(
            "/api/v1/{object}/actions/download?artifact={}",
            encode(name)
        ),
        None => format!("/api/v1/{object}/actions/download"),
    })
}
