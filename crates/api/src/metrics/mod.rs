//! What the server counts, for Prometheus: actions, requests, access reviews, Kubernetes
//! calls, live-update subscribers and the audit trail's fate. One registry per process
//! (metrics describe the process, not a request), in the Prometheus text format at
//! `/metrics`: on the main port, or only on `--metrics-listen` when that is given. No label
//! carries a user or an object's name: the page tells how the server does, not who did what
//! (that is the audit trail's job), and its series stay few.
//!
//! - [`kubernetes`] — the layer on the Kubernetes client that times every call.

pub mod kubernetes;

use std::sync::LazyLock;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ActionLabels {
    pub action: &'static str,
    pub kind: String,
    /// `done`, `dry-run`, or the problem code of a refusal or failure.
    pub result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    /// One of [`METHODS`], or `other`: never the method as sent.
    pub method: &'static str,
    /// The route's template (`/api/v1/{group}/{kind}/...`), or `unmatched`; the SPA's files
    /// are not timed.
    pub route: String,
    pub status: u16,
}

/// The methods a label names; any other is `other`. A method is the client's to choose (any
/// token of up to the head's size), and each new label value would be a series kept forever.
const METHODS: [&str; 9] = [
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE",
];

/// A request's method as a label: one of a fixed set.
pub fn method_label(method: &http::Method) -> &'static str {
    METHODS
        .into_iter()
        .find(|known| *known == method.as_str())
        .unwrap_or("other")
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReviewLabels {
    /// `kubernetes` for a SubjectAccessReview made, `cache` for an answer served from cache.
    pub source: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CallLabels {
    pub verb: &'static str,
    pub resource: String,
    /// `ok`, `client_error`, `server_error` or `error` (no answer).
    pub outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct AuditLabels {
    /// `written`, `retried`, `lost` (the Event), `forwarded`, `forward_retried`,
    /// `forward_dropped` (to notification-controller).
    pub outcome: &'static str,
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

fn latency() -> Histogram {
    // 1 ms to ~33 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

pub struct Metrics {
    registry: Registry,
    pub actions: Family<ActionLabels, Counter>,
    pub requests: Histograms<RouteLabels>,
    pub access_reviews: Family<ReviewLabels, Counter>,
    pub kubernetes_calls: Histograms<CallLabels>,
    pub sse_subscribers: Gauge,
    pub audit_events: Family<AuditLabels, Counter>,
    pub resumer_leader: Gauge,
}

impl Metrics {
    fn new() -> Self {
        let mut registry = Registry::with_prefix("flux_web");
        let actions = Family::default();
        registry.register(
            "actions",
            "Actions asked for, by action, kind and result",
            actions.clone(),
        );
        let requests = Histograms::new_with_constructor(latency as fn() -> Histogram);
        registry.register(
            "http_request_duration_seconds",
            "Time to the response's head, by method, route and status",
            requests.clone(),
        );
        let access_reviews = Family::default();
        registry.register(
            "access_reviews",
            "Access decisions, by whether Kubernetes was asked or the cache answered",
            access_reviews.clone(),
        );
        let kubernetes_calls = Histograms::new_with_constructor(latency as fn() -> Histogram);
        registry.register(
            "kubernetes_request_duration_seconds",
            "Calls to the Kubernetes API, by verb, resource and outcome",
            kubernetes_calls.clone(),
        );
        let sse_subscribers = Gauge::default();
        registry.register(
            "sse_subscribers",
            "Live-update streams open now",
            sse_subscribers.clone(),
        );
        let audit_events = Family::default();
        registry.register(
            "audit_events",
            "Audit Events by what became of them",
            audit_events.clone(),
        );
        let resumer_leader = Gauge::default();
        registry.register(
            "resumer_leader",
            "1 while this replica holds the resumer's Lease and resumes suspensions that end",
            resumer_leader.clone(),
        );
        Self {
            resumer_leader,
            registry,
            actions,
            requests,
            access_reviews,
            kubernetes_calls,
            sse_subscribers,
            audit_events,
        }
    }

    /// The page Prometheus scrapes.
    pub fn text(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }

    pub fn action(&self, action: &'static str, kind: &str, result: &str) {
        self.actions
            .get_or_create(&ActionLabels {
                action,
                kind: kind.to_owned(),
                result: result.to_owned(),
            })
            .inc();
    }

    pub fn access_review(&self, source: &'static str) {
        self.access_reviews
            .get_or_create(&ReviewLabels { source })
            .inc();
    }

    pub fn audit(&self, outcome: &'static str) {
        self.audit_events
            .get_or_create(&AuditLabels { outcome })
            .inc();
    }

    /// Counts one more live-update stream until the guard drops.
    pub fn subscriber(&'static self) -> Subscriber {
        self.sse_subscribers.inc();
        Subscriber(&self.sse_subscribers)
    }
}

/// One open live-update stream.
pub struct Subscriber(&'static Gauge);

impl Drop for Subscriber {
    fn drop(&mut self) {
        self.0.dec();
    }
}

pub static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);

/// One request timed: its method (as [`method_label`] names it), the route's template, the
/// status, and how long it took to its response's head.
pub fn request(method: &'static str, route: String, status: u16, seconds: f64) {
    METRICS
        .requests
        .get_or_create(&RouteLabels {
            method,
            route,
            status,
        })
        .observe(seconds);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_prometheus_conventions() {
        let metrics = Metrics::new();
        metrics.action("reconcile", "Kustomization", "done");
        metrics.access_review("cache");
        metrics.audit("written");
        let _open = metrics.sse_subscribers.inc();
        let call = CallLabels {
            verb: "patch",
            resource: "kustomizations".into(),
            outcome: "ok",
        };
        metrics.kubernetes_calls.get_or_create(&call).observe(0.003);
        let route = RouteLabels {
            method: "POST",
            route: "/api/v1/{group}/{kind}/{namespace}/{name}/actions/{action}".into(),
            status: 200,
        };
        metrics.requests.get_or_create(&route).observe(0.01);
        let text = metrics.text();
        for line in [
            "flux_web_actions_total{action=\"reconcile\",kind=\"Kustomization\",result=\"done\"} 1",
            "flux_web_access_reviews_total{source=\"cache\"} 1",
            "flux_web_audit_events_total{outcome=\"written\"} 1",
            "flux_web_sse_subscribers 1",
            "# TYPE flux_web_http_request_duration_seconds histogram",
            "flux_web_kubernetes_request_duration_seconds_count{verb=\"patch\",resource=\"kustomizations\",outcome=\"ok\"} 1",
            "flux_web_kubernetes_request_duration_seconds_bucket{le=\"0.004\",verb=\"patch\",resource=\"kustomizations\",outcome=\"ok\"} 1",
        ] {
            assert!(text.contains(line), "{line} not in\n{text}");
        }
    }

    #[test]
    fn a_method_label_is_one_of_a_fixed_set() {
        let of = |m: &str| method_label(&axum::http::Method::from_bytes(m.as_bytes()).unwrap());
        assert_eq!(of("GET"), "GET");
        assert_eq!(of("PATCH"), "PATCH");
        for odd in ["get", "BREW", "PROPFIND", &"X".repeat(100_000)] {
            assert_eq!(of(odd), "other", "{}", &odd[..odd.len().min(10)]);
        }
    }

    /// The sample names the page exports, from its `# TYPE` lines: a counter's with `_total`,
    /// a histogram's `_bucket`, `_sum` and `_count`, a gauge's as it is.
    fn exported(text: &str) -> std::collections::BTreeSet<String> {
        let mut names = std::collections::BTreeSet::new();
        for line in text.lines() {
            let mut words = line.split_whitespace();
            if let (Some("#"), Some("TYPE"), Some(name), Some(kind)) =
                (words.next(), words.next(), words.next(), words.next())
            {
                let suffixes: &[&str] = match kind {
                    "counter" => &["_total"],
                    "histogram" => &["_bucket", "_sum", "_count"],
                    _ => &[""],
                };
                names.extend(suffixes.iter().map(|s| format!("{name}{s}")));
            }
        }
        names
    }

    /// Every `flux_web_…` name in a PromQL expression.
    fn named(expr: &str) -> Vec<String> {
        let mut names = Vec::new();
        let mut rest = expr;
        while let Some(at) = rest.find("flux_web_") {
            let name: String = rest[at..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            rest = &rest[at + name.len()..];
            names.push(name);
        }
        names
    }

    /// The shipped dashboard and alerts (deploy/components/monitoring) read against the page
    /// `/metrics` serves: a name they use that the server does not export fails here, as does a
    /// panel without a query or an alert without its severity and summary.
    #[test]
    fn every_metric_the_dashboard_and_alerts_name_is_one_the_server_exports() {
        // A family is on the page once it has a sample: one each, as a running server has.
        let metrics = Metrics::new();
        metrics.action("reconcile", "Kustomization", "done");
        metrics.access_review("cache");
        metrics.audit("written");
        let route = RouteLabels {
            method: "GET",
            route: "/healthz".into(),
            status: 200,
        };
        metrics.requests.get_or_create(&route).observe(0.01);
        let call = CallLabels {
            verb: "get",
            resource: "kustomizations".into(),
            outcome: "ok",
        };
        metrics.kubernetes_calls.get_or_create(&call).observe(0.01);
        let exported = exported(&metrics.text());
        assert_eq!(exported.len(), 11, "{exported:?}");
        let dashboard: serde_json::Value = serde_json::from_str(include_str!(
            "../../../../deploy/components/monitoring/dashboard.json"
        ))
        .expect("dashboard.json is JSON");
        let mut exprs = Vec::new();
        for panel in dashboard["panels"].as_array().expect("panels") {
            let targets = panel["targets"].as_array().cloned().unwrap_or_default();
            assert!(!targets.is_empty(), "panel {} has no query", panel["title"]);
            for target in targets {
                exprs.push((
                    panel["title"].to_string(),
                    target["expr"].as_str().unwrap_or_default().to_owned(),
                ));
            }
        }
        let rules: serde_json::Value = serde_yaml_ng::from_str(include_str!(
            "../../../../deploy/components/monitoring/prometheusrule.yaml"
        ))
        .expect("prometheusrule.yaml is YAML");
        let mut alerts = 0;
        for group in rules["spec"]["groups"].as_array().expect("groups") {
            for rule in group["rules"].as_array().expect("rules") {
                let alert = rule["alert"].to_string();
                assert!(
                    rule["labels"]["severity"].is_string(),
                    "{alert}: no severity"
                );
                assert!(
                    rule["annotations"]["summary"].is_string(),
                    "{alert}: no summary"
                );
                exprs.push((alert, rule["expr"].as_str().unwrap_or_default().to_owned()));
                alerts += 1;
            }
        }
        assert!(
            alerts >= 5 && exprs.len() > alerts,
            "{alerts} alerts, {} queries",
            exprs.len()
        );
        for (whose, expr) in exprs {
            let names = named(&expr);
            assert!(
                !names.is_empty(),
                "{whose}: {expr} names no flux-web metric"
            );
            for name in names {
                assert!(
                    exported.contains(&name),
                    "{whose}: {name} is not exported: {exported:?}"
                );
            }
        }
    }
}
