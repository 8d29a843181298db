//! The two kinds of streams the server answers: Server-Sent Events (the live streams) and
//! NDJSON bodies (a bulk run's progress, a followed log), read as they arrive.

use futures::StreamExt;
use gloo_net::eventsource::futures::EventSource;
use gloo_net::http::Response;
use leptos::prelude::{GetUntracked, Set, use_context};
use serde::de::DeserializeOwned;

use super::ApiError;
use super::live::{Live, LiveState};

/// Opens the Server-Sent Events at `url` and calls `on_message` with the name and data of
/// each event of the `names` given, for as long as the returned handle lives; the app's
/// [`LiveState`] hears of each event and each broken connection.
pub fn listen(
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

/// Reads an NDJSON answer, calling `on_item` with each line as it arrives.
pub async fn read_lines<T: DeserializeOwned>(
    response: Result<Response, gloo_net::Error>,
    what: &str,
    on_item: impl Fn(T),
) -> Result<(), ApiError> {
    use wasm_bindgen::JsCast;
    let network = |e: String| ApiError::Network(e);
    let response = response.map_err(|e| network(e.to_string()))?;
    if !response.ok() {
        return Err(super::refusal(response).await);
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

#[cfg(test)]
mod tests {
    use flux_web_shared::bulk::Progress;

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
}
