//! Live data, the one way every page has it: [`follow`] owns a live stream's life (opened for
//! what the page shows, opened anew when that changes, closed when the page goes), and
//! [`use_live`] keeps what a page read from the API current with it: read once the stream
//! listens, read again when it says something changed, and handed to the page only when the
//! answer differs, so a page is not drawn anew for nothing.

use std::future::Future;

use flux_web_shared::events::ClusterEvent;
use leptos::prelude::*;

use super::ApiError;
use super::query::{Filters, Watch};
use super::stream::{Listening, listen};
pub use super::stream::{Live, LiveState};
use crate::base;

/// A live stream of the server's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stream {
    /// Changes to the objects `GET /api/v1/watch` selects.
    Objects(Watch),
    /// New Events that `GET /api/v1/events/watch` lets through these filters.
    Events(Filters),
}

/// What a stream said.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Some changes may have been missed (the stream's start, a reconnection): read again.
    Resync,
    /// An object selected changed or went away.
    Changed,
    /// A new Event, or a new count of one (boxed: an Event is far larger than the others).
    Event(Box<ClusterEvent>),
}

impl Stream {
    fn url(&self) -> String {
        match self {
            Stream::Objects(watch) => base::url(&format!("/api/v1/watch?{}", watch.encode())),
            Stream::Events(filters) => {
                base::url(&format!("/api/v1/events/watch?{}", filters.encode(&[])))
            }
        }
    }

    fn names(&self) -> &'static [&'static str] {
        match self {
            Stream::Objects(_) => &["resync", "changed", "deleted"],
            Stream::Events(_) => &["event", "resync"],
        }
    }

    /// The change an event of `name` carrying `data` says; the objects' changes are not
    /// decoded, since pages read what changed again.
    fn change(name: &str, data: &str) -> Option<Change> {
        match name {
            "resync" => Some(Change::Resync),
            "event" => serde_json::from_str(data)
                .ok()
                .map(|e| Change::Event(Box::new(e))),
            _ => Some(Change::Changed),
        }
    }
}

/// Follows the stream `stream` names, calling `on_change` with each change, for as long as
/// the calling component lives; a new stream when `stream`'s answer changes.
pub fn follow(
    stream: impl Fn() -> Stream + Send + Sync + 'static,
    on_change: impl Fn(Change) + Clone + 'static,
) {
    let stream = Memo::new(move |_| stream());
    // The handle lives as long as the effect: dropped (closing the stream) when the stream
    // changes or the component goes.
    Effect::new(move |previous: Option<Option<Listening>>| {
        drop(previous);
        let on_change = on_change.clone();
        let stream = stream.get();
        listen(&stream.url(), stream.names(), move |name, data| {
            if let Some(change) = Stream::change(&name, &data) {
                on_change(change);
            }
        })
    });
}

/// How long a burst of live changes must be quiet before the page reads again.
const SETTLE_MS: u64 = 400;
/// How long a page waits for its stream's first word before it reads anyway.
const STREAM_WAIT_MS: u64 = 1500;

/// Changes come in bursts (a reconcile touches status several times): the function answered
/// runs `read` once a burst settles, and never once the component that made it is gone (a
/// timer may outlive it).
pub fn on_settled(read: impl Fn() + Copy + 'static) -> impl Fn() + Copy + 'static {
    let pending = StoredValue::new(false);
    move || {
        // None: the component is gone; true: a read is coming already.
        if pending.try_get_value() != Some(false) {
            return;
        }
        pending.set_value(true);
        set_timeout(
            move || {
                if pending.try_get_value().is_some() {
                    pending.set_value(false);
                    read();
                }
            },
            std::time::Duration::from_millis(SETTLE_MS),
        );
    }
}

/// What a page read with [`use_live`]: `None` until the first answer (and again while a new
/// stream starts for new filters), then the latest answer.
pub struct LiveData<T: Send + Sync + 'static> {
    value: Memo<Option<Result<T, ApiError>>>,
    resource: LocalResource<Option<Result<T, ApiError>>>,
}

impl<T: Send + Sync + 'static> Clone for LiveData<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for LiveData<T> {}

impl<T: Clone + PartialEq + Send + Sync + 'static> LiveData<T> {
    /// The latest answer, tracked.
    pub fn get(&self) -> Option<Result<T, ApiError>> {
        self.value.get()
    }

    /// The latest answer, not tracked.
    pub fn get_untracked(&self) -> Option<Result<T, ApiError>> {
        self.value.get_untracked()
    }

    /// Applies `f` to the latest answer, tracked.
    pub fn with<U>(&self, f: impl FnOnce(&Option<Result<T, ApiError>>) -> U) -> U {
        self.value.with(f)
    }

    /// Reads again now (after an action of the user's, which the stream will also report).
    pub fn reload(&self) {
        self.resource.refetch();
    }
}

/// Reads what `read` answers (its signals tracked, so a new filter reads again) once the
/// stream `stream` names has started, or after a moment without it; then again once each
/// burst of the stream's changes settles.
pub fn use_live<T, Fut>(
    stream: impl Fn() -> Stream + Send + Sync + 'static,
    read: impl Fn() -> Fut + 'static,
) -> LiveData<T>
where
    T: Clone + PartialEq + Send + Sync + 'static,
    Fut: Future<Output = Result<T, ApiError>> + 'static,
{
    // Whether the stream has started: the first read waits for it, so that the stream's
    // first word (a resync) costs no second read.
    let started = RwSignal::new(false);
    let resource = LocalResource::new(move || {
        let (answer, go) = (read(), started.get());
        async move {
            match go {
                true => Some(answer.await),
                false => None,
            }
        }
    });
    let stream = Memo::new(move |_| stream());
    // A timer that fires after the page is gone finds no signal, and does nothing.
    let anyway = move || {
        if started.try_get_untracked() == Some(false) {
            started.set(true);
        }
    };
    Effect::new(move |_| {
        stream.track();
        started.set(false);
        set_timeout(anyway, std::time::Duration::from_millis(STREAM_WAIT_MS));
    });
    let again = on_settled(move || resource.refetch());
    follow(
        move || stream.get(),
        move |_| match started.try_get_untracked() {
            Some(false) => started.set(true),
            Some(true) => again(),
            None => {}
        },
    );
    let value = Memo::new(move |_| resource.get().flatten());
    LiveData { value, resource }
}
