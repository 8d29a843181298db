//! Container logs: of a Pod, or of every Pod of a workload (see
//! [`crate::read::workloads::pods`]), each container's lines read as the caller through the
//! API server's `pods/log` and merged by the time the kubelet recorded them.
//!
//! Everything is bounded: Pods ([`MAX_PODS`], newest first), lines per container (the query's
//! `tailLines`), lines in an answer ([`MAX_LINES`], newest kept), bytes per line
//! ([`MAX_LINE_BYTES`], cut and marked), and time: a read within the cluster's deadline, a
//! follow for at most [`MAX_FOLLOW`].
//!

use std::cmp::Reverse;
use std::time::Duration;

use axum::body::Body;
use flux_web_shared::logs::{
    LogEvent, LogLine, LogQuery, LogSource, Logs, MAX_LINE_BYTES, MAX_LINES, MAX_PODS,
};
use flux_web_shared::problem::Code;
use futures::{AsyncBufRead, AsyncBufReadExt, StreamExt, stream};
use kube::api::{DynamicObject, LogParams};

use crate::auth::Caller;
use crate::cluster::{Cluster, ClusterError, Reader};
use crate::context::{Context, reader};
use crate::error::ApiError;
use crate::limits::Pass;
use flux_web_core::address::ObjectRef;

/// The longest a followed log stays open; a client that wants more asks again.
pub const MAX_FOLLOW: Duration = Duration::from_secs(3600);
/// Containers read at once.
const CONCURRENCY: usize = 8;

/// One container of one Pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Container {
    pub pod: String,
    pub name: String,
}

/// What a logs request answers: the lines, or a stream of them.
pub enum Answer {
    Lines(Logs),
    Follow(Body),
}

/// What a follow holds while it lasts: its place among the follows the limits allow, and
/// when the caller's credential expires, if it does (the follow ends then).
pub struct Following {
    pub pass: Pass,
    pub deadline: Option<tokio::time::Instant>,
}

/// The logs `query` asks of `target`: read, or followed when the handler gave `following`.
pub async fn answer(
    ctx: &Context<'_>,
    caller: &Caller,
    target: &ObjectRef,
    query: &LogQuery,
    following: Option<Following>,
) -> Result<Answer, ApiError> {
    let (containers, truncated) = containers(ctx, caller, target, query).await?;
    let namespace = &target.namespace;
    if let Some(following) = following {
        let body = follow(ctx, caller, (namespace, containers), query, following).await?;
        return Ok(Answer::Follow(body));
    }
    let logs = read(ctx, caller, namespace, containers, query, truncated).await?;
    Ok(Answer::Lines(logs))
}

/// The containers whose logs a query reads, and whether Pods beyond [`MAX_PODS`] were left out.
async fn containers(
    ctx: &Context<'_>,
    caller: &Caller,
    target: &ObjectRef,
    query: &LogQuery,
) -> Result<(Vec<Container>, bool), ApiError> {
    query
        .validate()
        .map_err(|detail| ApiError::bad_request(Code::InvalidQuery, detail))?;
    // Logs often hold what manifests do not (tokens in URLs, customer data): they are read
    // only as a known user, never with the server's rights of read-only mode.
    if caller.identity().is_none() {
        return Err(ApiError::Forbidden(
            "container logs are read only as a logged-in user, and flux-web runs without \
             authentication (read-only): configure authentication to read them"
                .into(),
        ));
    }
    if target.kind.workload.is_none() {
        return Err(ApiError::bad_request(
            Code::NotApplicable,
            format!(
                "a {} has no logs: ask for those of a Pod or a workload",
                target.kind.kind
            ),
        ));
    }
    let read = ctx.read_target(caller, target).await?;
    let pods = crate::read::workloads::pods(ctx, caller, target, &read.found).await?;
    Ok(choose(&pods, query.container.as_deref()))
}

/// The newest [`MAX_PODS`] Pods' containers (`only` when named), in the order of their specs.
pub fn choose(pods: &[DynamicObject], only: Option<&str>) -> (Vec<Container>, bool) {
    let mut pods: Vec<&DynamicObject> = pods.iter().collect();
    pods.sort_by_key(|pod| Reverse(pod.metadata.creation_timestamp.clone().map(|t| t.0)));
    let truncated = pods.len() > MAX_PODS;
    let containers = pods
        .into_iter()
        .take(MAX_PODS)
        .flat_map(|pod| {
            let name = pod.metadata.name.clone().unwrap_or_default();
            pod.data["spec"]["containers"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c["name"].as_str())
                .filter(|c| only.is_none_or(|only| only == *c))
                .map(move |c| Container {
                    pod: name.clone(),
                    name: c.to_owned(),
                })
                .collect::<Vec<_>>()
        })
        .collect();
    (containers, truncated)
}

/// What Kubernetes is asked for each container.
fn params(query: &LogQuery, container: &str) -> LogParams {
    LogParams {
        container: Some(container.to_owned()),
        tail_lines: query.tail_lines().ok().map(i64::from),
        since_seconds: query.since_seconds.and_then(|s| i64::try_from(s).ok()),
        previous: query.previous,
        follow: query.follow,
        timestamps: true,
        ..LogParams::default()
    }
}

/// Reads every container's log (at most [`CONCURRENCY`] at once, all within the cluster's
/// deadline each) and merges them. A refusal of every container is the caller's refusal; a
/// container that cannot be read otherwise (not started, no previous instance) says why in
/// its source.
async fn read(
    ctx: &Context<'_>,
    caller: &Caller,
    namespace: &str,
    containers: Vec<Container>,
    query: &LogQuery,
    truncated: bool,
) -> Result<Logs, ApiError> {
    let reader = reader(caller);
    let reads = stream::iter(containers)
        .map(|container| async move {
            let lines = read_one(ctx.cluster, reader, namespace, &container, query).await;
            (container, lines)
        })
        .buffered(CONCURRENCY)
        .collect::<Vec<_>>()
        .await;
    let Sorted { sources, read } = sort_out(reads)?;
    let (lines, dropped) = merge(read.into_iter().map(|(_, lines)| lines).collect());
    Ok(Logs {
        lines,
        sources,
        truncated: truncated || dropped,
    })
}

/// Every container's source, naming why it could not be read, and what was read of the others.
struct Sorted<T> {
    sources: Vec<LogSource>,
    read: Vec<(Container, T)>,
}

/// Sorts out what reading every container gave; the caller's refusal when every container was
/// refused.
fn sort_out<T>(results: Vec<(Container, Result<T, ClusterError>)>) -> Result<Sorted<T>, ApiError> {
    let forbidden =
        |r: &(Container, Result<T, ClusterError>)| matches!(r.1, Err(ClusterError::Forbidden(_)));
    if let Some((_, Err(refusal))) = results.first()
        && results.iter().all(forbidden)
    {
        return Err(refusal.clone().into());
    }
    let mut sources = Vec::with_capacity(results.len());
    let mut read = Vec::with_capacity(results.len());
    for (container, result) in results {
        sources.push(LogSource {
            pod: container.pod.clone(),
            container: container.name.clone(),
            error: result.as_ref().err().map(ToString::to_string),
        });
        if let Ok(value) = result {
            read.push((container, value));
        }
    }
    Ok(Sorted { sources, read })
}

async fn read_one(
    cluster: &Cluster,
    reader: Reader<'_>,
    namespace: &str,
    container: &Container,
    query: &LogQuery,
) -> Result<Vec<LogLine>, ClusterError> {
    let params = params(query, &container.name);
    let mut stream = cluster
        .pod_log_stream(reader, namespace, &container.pod, &params)
        .await?;
    let all = async {
        let mut lines = Vec::new();
        while let Some((bytes, cut)) = next_line(&mut stream).await? {
            lines.push(parse(container, &bytes, cut));
        }
        Ok::<_, std::io::Error>(lines)
    };
    match tokio::time::timeout(cluster.timeout(), all).await {
        Ok(Ok(lines)) => Ok(lines),
        Ok(Err(e)) => Err(ClusterError::Unavailable(format!(
            "reading the log of {}/{}: {e}",
            container.pod, container.name
        ))),
        Err(_) => Err(ClusterError::Timeout(format!(
            "the log of {}/{} took longer than {:?} to read",
            container.pod,
            container.name,
            cluster.timeout()
        ))),
    }
}

/// The next line of a log, without its newline, at most [`MAX_LINE_BYTES`] of it (the rest is
/// skipped, and `true` says so); `None` at the end. Memory stays bounded whatever the
/// container writes.
async fn next_line(
    reader: &mut (impl AsyncBufRead + Unpin),
) -> std::io::Result<Option<(Vec<u8>, bool)>> {
    let mut line = Vec::new();
    let mut cut = false;
    loop {
        let buffer = reader.fill_buf().await?;
        if buffer.is_empty() {
            return Ok((!line.is_empty() || cut).then_some((line, cut)));
        }
        let (chunk, end) = match buffer.iter().position(|b| *b == b'\n') {
            Some(i) => (&buffer[..i], Some(i + 1)),
            None => (buffer, None),
        };
        let room = MAX_LINE_BYTES.saturating_sub(line.len());
        cut |= chunk.len() > room;
        line.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let used = end.unwrap_or(buffer.len());
        reader.consume_unpin(used);
        if end.is_some() {
            return Ok(Some((line, cut)));
        }
    }
}

/// A line as the API server sends it with `timestamps=true`: the kubelet's RFC 3339 time, a
/// space, the text.
pub fn parse(container: &Container, bytes: &[u8], cut: bool) -> LogLine {
    let text = String::from_utf8_lossy(bytes);
    let (time, text) = match text.split_once(' ') {
        Some((time, rest)) if time.parse::<jiff::Timestamp>().is_ok() => {
            (Some(time.to_owned()), rest.to_owned())
        }
        _ => (None, text.into_owned()),
    };
    LogLine {
        pod: container.pod.clone(),
        container: container.name.clone(),
        time,
        text,
        cut,
    }
}

/// Each container's lines merged by time (a stable sort: a container's own order holds among
/// equal times), the newest [`MAX_LINES`] kept; `true` when some were dropped.
pub fn merge(containers: Vec<Vec<LogLine>>) -> (Vec<LogLine>, bool) {
    let mut lines: Vec<LogLine> = containers.into_iter().flatten().collect();
    lines.sort_by_key(|line| {
        line.time
            .as_deref()
            .and_then(|t| t.parse::<jiff::Timestamp>().ok())
    });
    let dropped = lines.len().saturating_sub(MAX_LINES);
    lines.drain(..dropped);
    (lines, dropped > 0)
}

/// Follows every container's log: a `sources` document, then each line as it is written, and
/// an `ended` document when a container's stream ends; for at most [`MAX_FOLLOW`], and no
/// longer than the caller's credential proves who they are. Every
/// stream is opened before the answer starts, so a refusal is still a refusal; a client that
/// goes away, or the end of the hour, closes every stream then, whatever the containers do.
async fn follow(
    ctx: &Context<'_>,
    caller: &Caller,
    (namespace, containers): (&str, Vec<Container>),
    query: &LogQuery,
    Following { pass, deadline }: Following,
) -> Result<Body, ApiError> {
    let reader = reader(caller);
    let opened = stream::iter(containers)
        .map(|container| async move {
            let params = params(query, &container.name);
            let stream = ctx
                .cluster
                .pod_log_stream(reader, namespace, &container.pod, &params)
                .await;
            (container, stream)
        })
        .buffered(CONCURRENCY)
        .collect::<Vec<_>>()
        .await;
    let Sorted {
        sources,
        read: streams,
    } = sort_out(opened)?;
    let (tx, rx) = tokio::sync::mpsc::channel::<LogEvent>(1024);
    let hour = tokio::time::Instant::now() + MAX_FOLLOW;
    let until = deadline.map_or(hour, |deadline| deadline.min(hour));
    let left = tx.clone();
    tokio::spawn(async move {
        // The follow's place is held until its streams are gone.
        let _pass = pass;
        let forwarding = async move {
            if tx.send(LogEvent::Sources { sources }).await.is_err() {
                return;
            }
            stream::iter(streams)
                .for_each_concurrent(None, |(container, mut stream)| {
                    let tx = tx.clone();
                    async move {
                        let error = forward(&container, &mut stream, &tx).await.err();
                        let ended = LogEvent::Ended {
                            pod: container.pod,
                            container: container.name,
                            error: error.map(|e| e.to_string()),
                        };
                        let _ = tx.send(ended).await;
                    }
                })
                .await;
        };
        // A quiet container sends nothing that could fail to reach a client who left, so
        // the streams are not left to notice: the answer's end (the client gone, or the hour
        // over) drops every one of them at once, closing the API server's streams with them.
        tokio::select! {
            () = forwarding => {}
            () = left.closed() => {}
            () = tokio::time::sleep_until(until) => {}
        }
    });
    Ok(crate::ndjson::body(rx, Some(until)))
}

/// Sends one container's lines until its stream ends or nobody listens.
async fn forward(
    container: &Container,
    stream: &mut (impl AsyncBufRead + Unpin),
    tx: &tokio::sync::mpsc::Sender<LogEvent>,
) -> std::io::Result<()> {
    while let Some((bytes, cut)) = next_line(stream).await? {
        if tx
            .send(LogEvent::Line(parse(container, &bytes, cut)))
            .await
            .is_err()
        {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container(pod: &str) -> Container {
        Container {
            pod: pod.into(),
            name: "app".into(),
        }
    }

    #[test]
    fn a_line_with_the_kubelets_time_is_split_and_one_without_is_kept_whole() {
        let line = parse(
            &container("p"),
            b"2026-12-02T07:57:14.5Z hello world",
            false,
        );
        assert_eq!(line.time.as_deref(), Some("2026-12-02T07:57:14.5Z"));
        assert_eq!(line.text, "hello world");
        let line = parse(&container("p"), b"no time here", true);
        assert_eq!(
            (line.time, line.text.as_str(), line.cut),
            (None, "no time here", true)
        );
    }

    #[test]
    fn lines_merge_by_time_across_pods_and_the_newest_are_kept() {
        let at = |pod: &str, time: &str, text: &str| {
            parse(&container(pod), format!("{time} {text}").as_bytes(), false)
        };
        let (lines, dropped) = merge(vec![
            vec![
                at("a", "2026-12-02T07:00:01Z", "a1"),
                at("a", "2026-12-02T07:00:03Z", "a3"),
            ],
            // Fractions of different lengths compare as times, not as text.
            vec![
                at("b", "2026-12-02T07:00:02.5Z", "b2"),
                at("b", "2026-12-02T07:00:03.25Z", "b3"),
            ],
        ]);
        let texts: Vec<_> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["a1", "b2", "a3", "b3"]);
        assert!(!dropped);

        let many = (0..MAX_LINES + 5)
            .map(|i| at("a", &format!("2026-12-02T07:00:00.{i:06}Z"), &i.to_string()))
            .collect();
        let (lines, dropped) = merge(vec![many]);
        assert!(dropped);
        assert_eq!(lines.len(), MAX_LINES);
        assert_eq!(lines[0].text, "5", "the oldest five were dropped");
    }

    #[tokio::test]
    async fn a_line_longer_than_the_limit_is_cut_and_the_next_line_starts_clean() {
        let mut input = vec![b'x'; MAX_LINE_BYTES + 100];
        input.extend_from_slice(b"\nnext\nlast");
        let mut reader = futures::io::BufReader::with_capacity(1000, &input[..]);
        let (first, cut) = next_line(&mut reader).await.unwrap().unwrap();
        assert_eq!((first.len(), cut), (MAX_LINE_BYTES, true));
        assert_eq!(
            next_line(&mut reader).await.unwrap(),
            Some((b"next".to_vec(), false))
        );
        assert_eq!(
            next_line(&mut reader).await.unwrap(),
            Some((b"last".to_vec(), false))
        );
        assert_eq!(next_line(&mut reader).await.unwrap(), None);
    }

    #[test]
    fn the_newest_pods_are_chosen_and_a_named_container_only() {
        let pod = |name: &str, created: &str| {
            serde_json::from_value::<DynamicObject>(serde_json::json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": name, "creationTimestamp": created},
                "spec": {"containers": [{"name": "app"}, {"name": "sidecar"}]},
            }))
            .unwrap()
        };
        let mut pods: Vec<_> = (0..MAX_PODS + 2)
            .map(|i| pod(&format!("p{i}"), &format!("2026-12-02T07:{i:02}:00Z")))
            .collect();
        pods.reverse();
        let (all, truncated) = choose(&pods, None);
        assert!(truncated);
        assert_eq!(all.len(), MAX_PODS * 2);
        assert_eq!(all[0].pod, format!("p{}", MAX_PODS + 1), "newest first");
        let (sidecars, _) = choose(&pods[..2], Some("sidecar"));
        assert!(sidecars.iter().all(|c| c.name == "sidecar") && sidecars.len() == 2);
    }
}
