//! The one place that talks to the flux-web API. Every call returns the answer's type from
//! `flux-web-shared`, or an [`ApiError`] carrying the problem's `detail` for the user.

use flux_web_shared::actions::{Action, ActionRequest, ActionResponse, Target};
use flux_web_shared::bulk::{BulkRequest, Preflight, Progress};
use flux_web_shared::events::{ClusterEvent, EventPage};
use flux_web_shared::logs::{LogEvent, Logs};
use flux_web_shared::objects::{ObjectDetail, ResourceList};
use flux_web_shared::problem::{Code, Problem};
use flux_web_shared::timeline::Timeline;
use flux_web_shared::user::UserInfo;
use futures::StreamExt;
use gloo_net::eventsource::futures::EventSource;
use gloo_net::http::{Request, Response};
use leptos::prelude::{GetUntracked, RwSignal, Set, use_context};
use serde::de::DeserializeOwned;

use crate::format::encode;

#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The server wants a login first (401).
    NotLoggedIn(String),
    /// Any other problem the server answered.
    Problem(Problem),
    /// No answer, or not one of this API's.
    Network(String),
}

impl ApiError {
    /// The sentence to show people.
    pub fn detail(&self) -> String {
        match self {
            ApiError::NotLoggedIn(detail) | ApiError::Network(detail) => detail.clone(),
            ApiError::Problem(problem) => problem.detail.clone(),
        }
    }
}

async fn answer<T: DeserializeOwned>(
    response: Result<Response, gloo_net::Error>,
) -> Result<T, ApiError> {
    let response = response.map_err(|e| ApiError::Network(e.to_string()))?;
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
    answer(Request::get(url).send().await).await
}

/// `group/kind/namespace/name` of a target, as the API and the pages address it.
pub fn object_path(target: &Target) -> String {
    let group = if target.group.is_empty() {
        "core"
    } else {
        &target.group
    };
    format!(
        "{group}/{}/{}/{}",
        target.kind, target.namespace, target.name
    )
}

/// The target a `group/kind/namespace/name` path names (its version unknown: empty).
pub fn target_of(path: &str) -> Option<Target> {
    let mut parts = path.splitn(4, '/');
    let (group, kind, namespace, name) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    Some(Target {
        group: if group == "core" { "" } else { group }.to_owned(),
        version: String::new(),
        kind: kind.to_owned(),
        namespace: namespace.to_owned(),
        name: name.to_owned(),
    })
}

pub async fn userinfo() -> Result<UserInfo, ApiError> {
    get("/api/v1/userinfo").await
}

/// `query` is the page's own query string (`kind=ks&namespace=apps`).
pub async fn resources(query: &str) -> Result<ResourceList, ApiError> {
    get(&format!("/api/v1/resources?{query}")).await
}

pub async fn detail(path: &str) -> Result<ObjectDetail, ApiError> {
    get(&format!("/api/v1/{path}")).await
}

/// A page of the timeline of `path`: the newest, or the one older than `before`.
pub async fn timeline(path: &str, before: Option<&str>) -> Result<Timeline, ApiError> {
    match before {
        Some(before) => {
            get(&format!(
                "/api/v1/{path}/timeline?before={}",
                encode(before)
            ))
            .await
        }
        None => get(&format!("/api/v1/{path}/timeline")).await,
    }
}

/// A page of the events page: `query` holds its filters (and `before` for an older page).
pub async fn events(query: &str) -> Result<EventPage, ApiError> {
    get(&format!("/api/v1/events?{query}")).await
}

/// Takes `action` on `path`; with `wait` (seconds) the answer comes once the controller has
/// handled it, or when the wait is over, with the Ready condition it left.
pub async fn act(
    path: &str,
    action: Action,
    request: &ActionRequest,
    wait: Option<u32>,
) -> Result<ActionResponse, ApiError> {
    post_action(&action_url(path, action, wait), request).await
}

/// What `action` on `path` would do: the server's checks and the write sent as a dry run,
/// nothing written, nothing audited.
pub async fn dry_run(
    path: &str,
    action: Action,
    request: &ActionRequest,
) -> Result<ActionResponse, ApiError> {
    post_action(
        &format!("{}?dryRun=true", action_url(path, action, None)),
        request,
    )
    .await
}

/// The endpoint of `action` on `path`, asking to wait `wait` seconds for the controller.
pub fn action_url(path: &str, action: Action, wait: Option<u32>) -> String {
    let wait = wait.map(|s| format!("?wait={s}s")).unwrap_or_default();
    format!("/api/v1/{path}/actions/{action}{wait}")
}

async fn post_action(url: &str, request: &ActionRequest) -> Result<ActionResponse, ApiError> {
    let request = Request::post(url)
        .json(request)
        .map_err(|e| ApiError::Network(e.to_string()))?;
    answer(request.send().await).await
}

/// The pre-flight of a bulk action: every target's fate, nothing written.
pub async fn bulk_preflight(action: Action, request: &BulkRequest) -> Result<Preflight, ApiError> {
    let request = Request::post(&format!("/api/v1/actions/{action}?dryRun=true"))
        .json(request)
        .map_err(|e| ApiError::Network(e.to_string()))?;
    answer(request.send().await).await
}

/// Runs a bulk action, calling `on_progress` with each line of its progress as it arrives.
pub async fn bulk_run(
    action: Action,
    request: &BulkRequest,
    on_progress: impl Fn(Progress),
) -> Result<(), ApiError> {
    let request = Request::post(&format!("/api/v1/actions/{action}"))
        .json(request)
        .map_err(|e| ApiError::Network(e.to_string()))?;
    read_lines(request.send().await, "the run's progress", on_progress).await
}

/// The logs of the Pod or workload at `path`; `query` holds `tailLines`, `previous`.
pub async fn logs(path: &str, query: &str) -> Result<Logs, ApiError> {
    answer(
        Request::get(&format!("/api/v1/{path}/logs?{query}"))
            .send()
            .await,
    )
    .await
}

/// Follows the logs of `path` until the stream ends or `abort` fires, calling `on_event` with
/// each document as it arrives.
pub async fn follow_logs(
    path: &str,
    query: &str,
    abort: &web_sys::AbortSignal,
    on_event: impl Fn(LogEvent),
) -> Result<(), ApiError> {
    let request = Request::get(&format!("/api/v1/{path}/logs?follow=true&{query}"))
        .abort_signal(Some(abort))
        .build()
        .map_err(|e| ApiError::Network(e.to_string()))?;
    read_lines(request.send().await, "the log stream", on_event).await
}

/// Reads an NDJSON answer, calling `on_item` with each line as it arrives.
async fn read_lines<T: DeserializeOwned>(
    response: Result<Response, gloo_net::Error>,
    what: &str,
    on_item: impl Fn(T),
) -> Result<(), ApiError> {
    use wasm_bindgen::JsCast;
    let network = |e: String| ApiError::Network(e);
    let response = response.map_err(|e| network(e.to_string()))?;
    if !response.ok() {
        return Err(refusal(response).await);
    }
    let body = response
        .body()
        .ok_or_else(|| network("an answer without a body".into()))?;
    let reader: web_sys::ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let mut buffer = Vec::new();
    loop {
        let chunk = wasm_bindgen_futures::JsFuture::from(reader.read())
            .await
            .map_err(|e| network(format!("{what} broke off: {e:?}")))?;
        let field = |name: &str| js_sys::Reflect::get(&chunk, &name.into()).ok();
        if field("done").and_then(|d| d.as_bool()).unwrap_or(true) {
            return Ok(());
        }
        if let Some(value) = field("value") {
            buffer.extend(js_sys::Uint8Array::new(&value).to_vec());
        }
        for item in complete_lines(&mut buffer) {
            on_item(item);
        }
    }
}

/// Takes the complete lines out of `buffer`, each read as a `T`; what follows the last
/// newline stays for the next chunk.
pub fn complete_lines<T: DeserializeOwned>(buffer: &mut Vec<u8>) -> Vec<T> {
    let Some(last) = buffer.iter().rposition(|b| *b == b'\n') else {
        return Vec::new();
    };
    let complete: Vec<u8> = buffer.drain(..=last).collect();
    complete
        .split(|b| *b == b'\n')
        .filter_map(|line| serde_json::from_slice(line).ok())
        .collect()
}

/// Ends the session; answers where the browser goes next (the provider's logout page).
pub async fn logout() -> Result<String, ApiError> {
    #[derive(serde::Deserialize)]
    struct Next {
        location: String,
    }
    let response = Request::post("/logout")
        .header("Accept", "application/json")
        .send()
        .await;
    answer::<Next>(response).await.map(|next| next.location)
}

/// Where the browser downloads the artifact of `path` (an ArtifactGenerator's: `artifact`).
pub fn download_url(path: &str, artifact: Option<&str>) -> String {
    match artifact {
        Some(name) => format!("/api/v1/{path}/actions/download?artifact={name}"),
        None => format!("/api/v1/{path}/actions/download"),
    }
}

/// Calls `on_change` for every change of the live stream `query` selects, until the page
/// that owns the returned handle goes away (dropping it closes the stream). The pages read
/// what changed again, so the change itself is not decoded: its reader would be weight.
pub fn watch(query: &str, on_change: impl Fn() + 'static) -> Option<EventSource> {
    let url = format!("/api/v1/watch?{query}");
    listen(&url, &["resync", "changed", "deleted"], move |_, _| {
        on_change()
    })
}

/// Calls `on_event` with each new Event the filters in `query` keep, and with `None` when
/// some may have been missed (read the first page again), until the handle is dropped.
pub fn watch_events(
    query: &str,
    on_event: impl Fn(Option<ClusterEvent>) + 'static,
) -> Option<EventSource> {
    let url = format!("/api/v1/events/watch?{query}");
    listen(&url, &["event", "resync"], move |name, data| {
        match name.as_str() {
            "event" => {
                if let Ok(event) = serde_json::from_str(&data) {
                    on_event(Some(event));
                }
            }
            _ => on_event(None),
        }
    })
}

/// Whether the live streams are flowing, as the app shows it: each stream says so as its
/// events arrive, and when its connection breaks (the browser then reconnects by itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Live {
    /// No stream has answered yet.
    Connecting,
    Connected,
    /// A stream broke off; the browser is trying again.
    Reconnecting,
}

/// The app's [`Live`] state, given to every component by context.
#[derive(Debug, Clone, Copy)]
pub struct LiveState(pub RwSignal<Live>);

/// Opens the Server-Sent Events at `url` and calls `on_message` with the name and data of
/// each event of the `names` given, for as long as the returned handle lives.
fn listen(
    url: &str,
    names: &[&str],
    on_message: impl Fn(String, String) + 'static,
) -> Option<EventSource> {
    let mut source = EventSource::new(url).ok()?;
    let streams: Vec<_> = names
        .iter()
        .filter_map(|name| source.subscribe(*name).ok())
        .collect();
    let mut all = futures::stream::select_all(streams);
    let live = use_context::<LiveState>();
    let report = move |state: Live| {
        if let Some(LiveState(live)) = live
            && live.get_untracked() != state
        {
            live.set(state);
        }
    };
    leptos::task::spawn_local(async move {
        // An error is a broken connection the browser retries, not the stream's end: the
        // stream ends when the handle is dropped.
        while let Some(item) = all.next().await {
            match item {
                Ok((name, message)) => {
                    report(Live::Connected);
                    on_message(name, message.data().as_string().unwrap_or_default());
                }
                Err(_) => report(Live::Reconnecting),
            }
        }
    });
    Some(source)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_is_read_line_by_line_across_chunks() {
        let start = r#"{"type":"start","run":"r","action":"suspend","total":1}"#;
        let end = r#"{"type":"end","run":"r","tally":{"willChange":0,"changed":1,"unchanged":0,"refused":0,"notApplicable":0,"failed":0}}"#;
        let mut buffer = format!("{start}\n{}", &end[..10]).into_bytes();
        let first: Vec<Progress> = complete_lines(&mut buffer);
        assert!(matches!(
            first.as_slice(),
            [Progress::Start { total: 1, .. }]
        ));
        assert_eq!(buffer, &end.as_bytes()[..10]);
        buffer.extend(format!("{}\n", &end[10..]).into_bytes());
        let second: Vec<Progress> = complete_lines(&mut buffer);
        assert!(matches!(second.as_slice(), [Progress::End { tally, .. }] if tally.changed == 1));
        assert!(buffer.is_empty());
        assert!(complete_lines::<Progress>(&mut buffer).is_empty());
    }

    #[test]
    fn a_page_path_names_its_target_and_back() {
        for path in [
            "core/Pod/demo-apps/web-1",
            "kustomize.toolkit.fluxcd.io/Kustomization/flux-system/apps",
        ] {
            let target = target_of(path).unwrap();
            assert_eq!(object_path(&target), path);
        }
        assert_eq!(target_of("core/Pod/demo-apps/web-1").unwrap().group, "");
        assert_eq!(target_of("core/Pod/demo-apps"), None);
    }
}
