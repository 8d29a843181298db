//! The load driver of `make bench`: closed-loop clients, each on one keep-alive connection,
//! each sending its next request when the answer to the last one has been read in full, for a
//! fixed time. One driver for every server compared, so their figures differ only by the
//! server.
//!
//! - `http`: requests (JSON lines `{"method", "path", "body"}`) sent to a base URL; the
//!   requests are taken in turn across all clients, so one line is one object hammered and
//!   300 lines are 300 objects.
//! - `floor`: the bare Kubernetes calls of an action or a read, made straight to
//!   kube-apiserver with the kubeconfig's identity (`--calls`): a GET of the object, a merge
//!   PATCH that asks its controller to reconcile, the Event that records it. The floor our
//!   own paths are measured against.
//!
//! It prints one JSON line: requests, errors, answers by status, latency percentiles in
//! milliseconds, and requests per second. Every request has a deadline.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use clap::{Parser, Subcommand};
use http_body_util::{BodyExt, Full};
use k8s_openapi::api::core::v1::{Event, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use kube::api::{Api, DynamicObject, Patch, PatchParams, PostParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde::Deserialize;
use serde_json::json;

/// How long one request may take before it counts as an error.
const DEADLINE: Duration = Duration::from_secs(30);

#[derive(Parser)]
struct Args {
    #[command(subcommand)]
    mode: Mode,
    /// Clients, each with one connection and one request in flight.
    #[arg(long, default_value_t = 1, global = true)]
    clients: usize,
    /// Seconds measured.
    #[arg(long, default_value_t = 5.0, global = true)]
    seconds: f64,
    /// Seconds of load before the measured ones, not counted.
    #[arg(long, default_value_t = 1.0, global = true)]
    warmup: f64,
}

#[derive(Subcommand)]
enum Mode {
    /// Requests to an HTTP server.
    Http {
        /// `http://host:port`, loopback.
        #[arg(long)]
        base: String,
        /// JSON lines: {"method", "path", "body"}.
        #[arg(long)]
        requests: PathBuf,
    },
    /// Bare calls straight to kube-apiserver (KUBECONFIG).
    Floor {
        /// JSON lines: {"group", "version", "kind", "plural", "namespace", "name"}.
        #[arg(long)]
        targets: PathBuf,
        /// The calls made for each target, in this order.
        #[arg(long, value_delimiter = ',', default_value = "get,patch")]
        calls: Vec<Call>,
        /// Impersonate this user, as a server acting as its caller does.
        #[arg(long = "as")]
        user: Option<String>,
        /// ... in these groups.
        #[arg(long = "as-group")]
        groups: Vec<String>,
    },
}

#[derive(Clone, Copy, PartialEq, clap::ValueEnum)]
enum Call {
    /// Read the object (is it there, is it suspended).
    Get,
    /// Ask its controller to reconcile, by annotation.
    Patch,
    /// Record who asked, as an Event on it.
    Event,
}

#[derive(Deserialize)]
struct Request {
    method: String,
    path: String,
    #[serde(default)]
    body: Option<serde_json::Value>,
}

#[derive(Deserialize, Clone)]
struct Target {
    group: String,
    version: String,
    kind: String,
    plural: String,
    namespace: String,
    name: String,
}

/// What one client saw.
#[derive(Default)]
struct Tally {
    /// Requests sent, the warm-up's too: what the costs on the servers' side are divided by.
    sent: usize,
    latencies: Vec<Duration>,
    errors: usize,
    status: BTreeMap<String, usize>,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.sent += other.sent;
        self.latencies.extend(other.latencies);
        self.errors += other.errors;
        for (status, n) in other.status {
            *self.status.entry(status).or_default() += n;
        }
    }

    fn count(&mut self, measured: bool, took: Duration, status: Result<String, String>) {
        self.sent += 1;
        if !measured {
            return;
        }
        match status {
            Ok(status) => {
                if !status.starts_with('2') {
                    self.errors += 1;
                }
                *self.status.entry(status).or_default() += 1;
            }
            Err(error) => {
                self.errors += 1;
                *self.status.entry(error).or_default() += 1;
            }
        }
        self.latencies.push(took);
    }
}

/// When the warm-up ends and when the run ends.
#[derive(Clone, Copy)]
struct Window {
    from: Instant,
    to: Instant,
}

impl Window {
    fn new(args: &Args) -> Self {
        let from = Instant::now() + Duration::from_secs_f64(args.warmup);
        Self {
            from,
            to: from + Duration::from_secs_f64(args.seconds),
        }
    }
}

fn lines<T: for<'de> Deserialize<'de>>(path: &PathBuf) -> Result<Vec<T>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let items = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(serde_json::from_str)
        .collect::<Result<Vec<T>, _>>()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if items.is_empty() {
        return Err(format!("{}: no lines", path.display()));
    }
    Ok(items)
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if let Err(e) = run(args).await {
        let _ = writeln!(std::io::stderr(), "load: {e}");
        std::process::exit(2);
    }
}

async fn run(args: Args) -> Result<(), String> {
    let window = Window::new(&args);
    let next = Arc::new(AtomicUsize::new(0));
    let mut clients = tokio::task::JoinSet::new();
    match &args.mode {
        Mode::Http { base, requests } => {
            let requests: Arc<Vec<Request>> = Arc::new(lines(requests)?);
            let authority = base
                .strip_prefix("http://")
                .ok_or("--base: an http:// URL")?
                .trim_end_matches('/')
                .to_owned();
            for _ in 0..args.clients {
                clients.spawn(http_client(
                    authority.clone(),
                    requests.clone(),
                    next.clone(),
                    window,
                ));
            }
        }
        Mode::Floor {
            targets,
            calls,
            user,
            groups,
        } => {
            let targets: Arc<Vec<Target>> = Arc::new(lines(targets)?);
            let mut config = kube::Config::infer()
                .await
                .map_err(|e| format!("kubeconfig: {e}"))?;
            config.auth_info.impersonate = user.clone();
            config.auth_info.impersonate_groups = (!groups.is_empty()).then(|| groups.clone());
            let client = kube::Client::try_from(config).map_err(|e| format!("client: {e}"))?;
            for _ in 0..args.clients {
                clients.spawn(floor_client(
                    client.clone(),
                    targets.clone(),
                    calls.clone(),
                    next.clone(),
                    window,
                ));
            }
        }
    }
    let mut tally = Tally::default();
    while let Some(done) = clients.join_next().await {
        tally.merge(done.map_err(|e| format!("a client failed: {e}"))?);
    }
    report(&args, tally)
}

async fn http_client(
    authority: String,
    requests: Arc<Vec<Request>>,
    next: Arc<AtomicUsize>,
    window: Window,
) -> Tally {
    let mut tally = Tally::default();
    let mut connection = None;
    while Instant::now() < window.to {
        let request = &requests[next.fetch_add(1, Ordering::Relaxed) % requests.len()];
        let started = Instant::now();
        let outcome = tokio::time::timeout(DEADLINE, send(&authority, &mut connection, request))
            .await
            .unwrap_or_else(|_| Err("timeout".into()));
        if outcome.is_err() {
            connection = None; // a broken or timed-out connection is not reused
        }
        tally.count(started >= window.from, started.elapsed(), outcome);
    }
    tally
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

/// Sends one request on the client's connection (opened when there is none) and reads the
/// whole answer; answers its status.
async fn send(
    authority: &str,
    connection: &mut Option<Sender>,
    request: &Request,
) -> Result<String, String> {
    if connection.as_ref().is_none_or(|c| c.is_closed()) {
        let stream = tokio::net::TcpStream::connect(authority)
            .await
            .map_err(|e| format!("connect: {e}"))?;
        let _ = stream.set_nodelay(true);
        let (sender, conn) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .map_err(|e| format!("handshake: {e}"))?;
        tokio::spawn(conn);
        *connection = Some(sender);
    }
    let sender = connection.as_mut().ok_or("no connection")?;
    sender.ready().await.map_err(|e| format!("ready: {e}"))?;
    let body = match &request.body {
        Some(body) => Bytes::from(body.to_string()),
        None => Bytes::new(),
    };
    let built = http::Request::builder()
        .method(request.method.as_str())
        .uri(&request.path)
        .header(http::header::HOST, authority)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(http::header::ACCEPT, "application/json")
        .body(Full::new(body))
        .map_err(|e| format!("request: {e}"))?;
    let response = sender
        .send_request(built)
        .await
        .map_err(|e| format!("send: {e}"))?;
    let status = response.status().as_u16().to_string();
    response
        .into_body()
        .collect()
        .await
        .map_err(|e| format!("body: {e}"))?;
    Ok(status)
}

async fn floor_client(
    client: kube::Client,
    targets: Arc<Vec<Target>>,
    calls: Vec<Call>,
    next: Arc<AtomicUsize>,
    window: Window,
) -> Tally {
    let mut tally = Tally::default();
    while Instant::now() < window.to {
        let target = &targets[next.fetch_add(1, Ordering::Relaxed) % targets.len()];
        let started = Instant::now();
        let outcome = tokio::time::timeout(DEADLINE, bare(&client, target, &calls))
            .await
            .unwrap_or_else(|_| Err("timeout".into()))
            .map(|()| "200".to_owned());
        tally.count(started >= window.from, started.elapsed(), outcome);
    }
    tally
}

/// The calls `calls` on `target`, one after the other.
async fn bare(client: &kube::Client, target: &Target, calls: &[Call]) -> Result<(), String> {
    let gvk = GroupVersionKind::gvk(&target.group, &target.version, &target.kind);
    let resource = ApiResource::from_gvk_with_plural(&gvk, &target.plural);
    let api = Api::<DynamicObject>::namespaced_with(client.clone(), &target.namespace, &resource);
    let now = jiff::Timestamp::now().to_string();
    for call in calls {
        match call {
            Call::Get => {
                api.get(&target.name)
                    .await
                    .map_err(|e| format!("get: {e}"))?;
            }
            Call::Patch => {
                let patch =
                    json!({"metadata": {"annotations": {"reconcile.fluxcd.io/requestedAt": now}}});
                api.patch(&target.name, &PatchParams::default(), &Patch::Merge(&patch))
                    .await
                    .map_err(|e| format!("patch: {e}"))?;
            }
            Call::Event => {
                let events = Api::<Event>::namespaced(client.clone(), &target.namespace);
                events
                    .create(&PostParams::default(), &record(target, &resource, &now)?)
                    .await
                    .map_err(|e| format!("event: {e}"))?;
            }
        }
    }
    Ok(())
}

/// An Event like an audit Event, in size and in what it refers to.
fn record(target: &Target, resource: &ApiResource, now: &str) -> Result<Event, String> {
    let time = Time(now.parse().map_err(|e| format!("time: {e}"))?);
    Ok(Event {
        metadata: ObjectMeta {
            generate_name: Some(format!("{}.", target.name)),
            ..ObjectMeta::default()
        },
        involved_object: ObjectReference {
            api_version: Some(resource.api_version.clone()),
            kind: Some(target.kind.clone()),
            namespace: Some(target.namespace.clone()),
            name: Some(target.name.clone()),
            ..ObjectReference::default()
        },
        reason: Some("WebAction".into()),
        message: Some(format!(
            "User 'bench' performed action 'reconcile' for '{}/{}/{}' on the web UI",
            target.kind, target.namespace, target.name
        )),
        type_: Some("Normal".into()),
        first_timestamp: Some(time.clone()),
        last_timestamp: Some(time),
        count: Some(1),
        ..Event::default()
    })
}

fn report(args: &Args, mut tally: Tally) -> Result<(), String> {
    tally.latencies.sort();
    let n = tally.latencies.len();
    let at = |p: f64| -> f64 {
        if n == 0 {
            return 0.0;
        }
        let i = ((p / 100.0) * (n - 1) as f64).round() as usize;
        tally.latencies[i.min(n - 1)].as_secs_f64() * 1000.0
    };
    let mean = if n == 0 {
        0.0
    } else {
        tally
            .latencies
            .iter()
            .map(Duration::as_secs_f64)
            .sum::<f64>()
            / n as f64
            * 1000.0
    };
    let line = json!({
        "clients": args.clients,
        "seconds": args.seconds,
        "requests": n,
        "sent": tally.sent,
        "errors": tally.errors,
        "status": tally.status,
        "p50_ms": at(50.0),
        "p90_ms": at(90.0),
        "p99_ms": at(99.0),
        "max_ms": at(100.0),
        "mean_ms": mean,
        "per_second": n as f64 / args.seconds,
    });
    writeln!(std::io::stdout().lock(), "{line}").map_err(|e| e.to_string())
}
