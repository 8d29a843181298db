//! A layer on the Kubernetes client: every call, whoever makes it (reads, writes, reviews,
//! watches, Events), is timed and counted by verb, resource and outcome. A watch is timed to
//! its response's head; a call given up on at its deadline counts as `abandoned`.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use http::{Method, Request, Response, Uri};
use tower::{Layer, Service};

use super::{CallLabels, METRICS};

#[derive(Clone, Copy, Debug)]
pub struct TimeCalls;

impl<S> Layer<S> for TimeCalls {
    type Service = Timed<S>;

    fn layer(&self, inner: S) -> Timed<S> {
        Timed(inner)
    }
}

#[derive(Clone, Debug)]
pub struct Timed<S>(S);

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, R, B> Service<Request<R>> for Timed<S>
where
    S: Service<Request<R>, Response = Response<B>>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    B: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<Result<S::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: Request<R>) -> Self::Future {
        let (verb, resource) = classify(request.method(), request.uri());
        let mut pending = Pending {
            labels: Some(CallLabels {
                verb,
                resource,
                outcome: "abandoned",
            }),
            started: Instant::now(),
        };
        let call = self.0.call(request);
        Box::pin(async move {
            let result = call.await;
            pending.finish(match &result {
                Ok(r) if r.status().is_success() => "ok",
                Ok(r) if r.status().is_client_error() => "client_error",
                Ok(_) => "server_error",
                Err(_) => "error",
            });
            result
        })
    }
}

/// A call on its way; observed when it ends or, dropped unanswered, as abandoned.
struct Pending {
    labels: Option<CallLabels>,
    started: Instant,
}

impl Pending {
    fn finish(&mut self, outcome: &'static str) {
        if let Some(mut labels) = self.labels.take() {
            labels.outcome = outcome;
            observe(&labels, self.started);
        }
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if let Some(labels) = self.labels.take() {
            observe(&labels, self.started);
        }
    }
}

fn observe(labels: &CallLabels, started: Instant) {
    METRICS
        .kubernetes_calls
        .get_or_create(labels)
        .observe(started.elapsed().as_secs_f64());
}

/// The Kubernetes verb and the resource (with its subresource) of a call's method and path.
fn classify(method: &Method, uri: &Uri) -> (&'static str, String) {
    let segments: Vec<&str> = uri.path().split('/').filter(|s| !s.is_empty()).collect();
    // /api/v1/... or /apis/<group>/<version>/...
    let rest = match segments.as_slice() {
        ["api", _, rest @ ..] => rest,
        ["apis", _, _, rest @ ..] => rest,
        _ => &[][..],
    };
    if rest.is_empty() {
        return ("get", "discovery".to_owned());
    }
    let scoped = match rest {
        ["namespaces", _, scoped @ ..] if !scoped.is_empty() => scoped,
        _ => rest,
    };
    let resource = match scoped {
        [plural, _, sub, ..] => format!("{plural}/{sub}"),
        [plural, ..] => (*plural).to_owned(),
        [] => String::new(),
    };
    let collection = scoped.len() == 1;
    let watch = uri
        .query()
        .is_some_and(|q| q.split('&').any(|p| p == "watch=true" || p == "watch=1"));
    let verb = match *method {
        Method::GET if watch => "watch",
        Method::GET if collection => "list",
        Method::GET => "get",
        Method::POST => "create",
        Method::PUT => "update",
        Method::PATCH => "patch",
        Method::DELETE if collection => "deletecollection",
        Method::DELETE => "delete",
        _ => "other",
    };
    (verb, resource)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(method: Method, uri: &str) -> (&'static str, String) {
        classify(&method, &uri.parse().unwrap_or_default())
    }

    #[test]
    fn calls_are_named_by_verb_and_resource() {
        let cases = [
            (Method::GET, "/api/v1/namespaces", "list", "namespaces"),
            (Method::GET, "/api/v1/namespaces/apps", "get", "namespaces"),
            (Method::GET, "/api/v1/namespaces/apps/pods", "list", "pods"),
            (
                Method::GET,
                "/api/v1/namespaces/apps/pods/web/log",
                "get",
                "pods/log",
            ),
            (
                Method::GET,
                "/apis/kustomize.toolkit.fluxcd.io/v1/kustomizations?watch=true&resourceVersion=1",
                "watch",
                "kustomizations",
            ),
            (
                Method::PATCH,
                "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/a/kustomizations/apps",
                "patch",
                "kustomizations",
            ),
            (
                Method::POST,
                "/apis/authorization.k8s.io/v1/subjectaccessreviews",
                "create",
                "subjectaccessreviews",
            ),
            (
                Method::POST,
                "/api/v1/namespaces/a/events",
                "create",
                "events",
            ),
            (
                Method::DELETE,
                "/api/v1/namespaces/a/pods/p",
                "delete",
                "pods",
            ),
            (Method::GET, "/apis", "get", "discovery"),
            (Method::GET, "/apis/apps/v1", "get", "discovery"),
            (Method::GET, "/version", "get", "discovery"),
        ];
        for (method, uri, verb, resource) in cases {
            assert_eq!(of(method, uri), (verb, resource.to_owned()), "{uri}");
        }
    }
}
