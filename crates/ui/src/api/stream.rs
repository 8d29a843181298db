//! The two kinds of streams the server answers: Server-Sent Events (the live streams) and
//! NDJSON bodies (a bulk run's progress, a followed log), read as they arrive.

use gloo_net::http::Response;
use leptos::prelude::{GetUntracked, RwSignal, Set, set_timeout, use_context};
use serde::de::DeserializeOwned;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{EventSource, MessageEvent};

use super::ApiError;

/// Whether the live streams are flowing, as the app shows it: each stream says so when its
/// connection opens, breaks (the browser then reconnects by itself) or is refused.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Live {
    /// No stream has opened yet.
    Connecting,
    Connected,
    /// A stream broke off at `since` (ms since the epoch); the browser is trying again.
    Reconnecting {
        since: f64,
    },
    /// Broken since `since` for longer than a reconnection takes, or refused for good.
    Offline {
        since: f64,
    },
}

/// The app's [`Live`] state, given to every component by context.
#[derive(Debug, Clone, Copy)]
pub struct LiveState(pub RwSignal<Live>);

/// How long a broken stream may try to reconnect before the header says the app is offline.
const OFFLINE_AFTER_MS: u64 = 10_000;

/// An open stream of Server-Sent Events; closed when dropped.
pub struct Listening {
    source: EventSource,
    // Held for as long as the browser may call them.
    _handlers: Vec<Closure<dyn FnMut(web_sys::Event)>>,
}

impl Drop for Listening {
    fn drop(&mut self) {
        self.source.close();
    }
}

/// Opens the Server-Sent Events at `url` and calls `on_message` with the name and data of
/// each event of the `names` given, for as long as the returned handle lives. The app's
/// [`LiveState`] follows the connection itself, not its messages: open, broken (the browser
/// reconnects by itself), or closed for good.
pub fn listen(
    url: &str,
    names: &[&str],
    on_message: impl Fn(String, String) + 'static,
) -> Option<Listening> {
    let source = EventSource::new(url).ok()?;
    let on_message = std::rc::Rc::new(on_message);
    let mut handlers = Vec::new();
    let mut on = |name: &str, handler: Closure<dyn FnMut(web_sys::Event)>| {
        let added = source
            .add_event_listener_with_callback(name, handler.as_ref().unchecked_ref())
            .is_ok();
        if added {
            handlers.push(handler);
        }
    };
    for name in names {
        let on_message = on_message.clone();
        let named = (*name).to_owned();
        on(
            name,
            Closure::new(move |event: web_sys::Event| {
                if let Some(message) = event.dyn_ref::<MessageEvent>() {
                    on_message(
                        named.clone(),
                        message.data().as_string().unwrap_or_default(),
                    );
                }
            }),
        );
    }
    let live = use_context::<LiveState>();
    on("open", Closure::new(move |_| report(live, Live::Connected)));
    let watched = source.clone();
    on(
        "error",
        Closure::new(move |_| {
            if watched.ready_state() == EventSource::CLOSED {
                // Refused (a lost session, too many streams): the browser will not try again.
                report(live, Live::Offline { since: now() });
            } else {
                broken(live);
            }
        }),
    );
    Some(Listening {
        source,
        _handlers: handlers,
    })
}

/// A connection broke and the browser tries again: reconnecting, then offline if it stays
/// broken for a while (a later open says connected again).
fn broken(live: Option<LiveState>) {
    let Some(LiveState(state)) = live else {
        return;
    };
    if matches!(
        state.get_untracked(),
        Live::Reconnecting { .. } | Live::Offline { .. }
    ) {
        return;
    }
    let since = now();
    state.set(Live::Reconnecting { since });
    set_timeout(
        move || {
            if state.try_get_untracked() == Some(Live::Reconnecting { since }) {
                state.set(Live::Offline { since });
            }
        },
        std::time::Duration::from_millis(OFFLINE_AFTER_MS),
    );
}

fn report(live: Option<LiveState>, now: Live) {
    if let Some(LiveState(state)) = live
        && state.try_get_untracked().is_some_and(|was| was != now)
    {
        state.set(now);
    }
}

/// Milliseconds since the epoch, the browser's clock.
fn now() -> f64 {
    js_sys::Date::now()
}

/// Reads an NDJSON answer, calling `on_item` with each line as it arrives.
pub async fn read_lines<T: DeserializeOwned>(
    response: Result<Response, gloo_net::Error>,
    what: &str,
    on_item: impl Fn(T),
) -> Result<(), ApiError> {
    let network = |e: String| ApiError::Network(e);
    let response = response.map_err(|_| ApiError::Unreachable)?;
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
