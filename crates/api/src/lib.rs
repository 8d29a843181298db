//! flux-web: act on Flux CD resources and Kubernetes workloads from a browser, curl or
//! generated API clients, with Kubernetes RBAC deciding who may do what.
//!
//! A request flows one way: host check → auth → cross-site check → extractor → access →
//! action → cluster → audit → response. Reads are always the caller's own (impersonated), in
//! every access mode; only writes may be the server's (FineGrained). The pure core (kinds,
//! views of objects, patches, one plan per action) is the crate `flux-web-core`, which can
//! reach nothing here.
//!
//! The modules, by floor: each imports only from the floors below it (a test holds it).
//!
//! - [`app`] — start-up and graceful shut-down; [`cli`] — flags and their environment.
//! - [`http`] — every route and handler, the layers around them, the HTTP server.
//! - [`state`] — what every request shares, built once.
//! - The features, services only: [`actions`] (and their listing), [`bulk`] (one action on
//!   many objects), [`read`] (objects and their events as the caller sees them), [`events`]
//!   (Events across namespaces, live), [`logs`], [`watch`] (live changes from one watch per
//!   kind), [`download`] (artifacts, checked), [`preview`] (what a reconcile would apply,
//!   built by Flux's own code in a WebAssembly sandbox), [`values`] (a HelmRelease's values,
//!   composed by helm-controller's code, Secrets masked), [`resumer`] (suspensions that end).
//! - [`context`] — what a request needs of the server, and how objects are read into views;
//!   [`auth`] — who is calling; [`limits`] — what one may hold open at once.
//! - [`access`] — may they: SubjectAccessReview, and the `Permit` to act; [`audit`] — the
//!   Events of actions, their journal, forwarding to notification-controller.
//! - [`cluster`] — the only module that talks to Kubernetes; [`config`] — the configuration,
//!   validated once; [`identity`] — who a caller is to Kubernetes, from claims; [`engine`] —
//!   Flux's own code (kustomize-controller's build, helm-controller's values) run sandboxed.
//! - [`error`] — `ApiError`, rendered as problem+json; [`metrics`], [`telemetry`],
//!   [`health`] (readiness), [`clock`], [`ndjson`], [`tls`], [`ui`] (the SPA's files).

pub mod access;
pub mod actions;
pub mod app;
pub mod audit;
pub mod auth;
pub mod bulk;
pub mod cli;
pub mod clock;
pub mod cluster;
pub mod config;
pub mod context;
pub mod download;
pub mod engine;
pub mod error;
pub mod events;
pub mod health;
pub mod http;
pub mod identity;
pub mod limits;
pub mod logs;
pub mod metrics;
pub mod ndjson;
pub mod preview;
pub mod read;
pub mod resumer;
pub mod state;
pub mod telemetry;
pub mod tls;
pub mod ui;
pub mod values;
pub mod watch;

/// The rule of the module map above, held: no module imports one that depends on it.
#[cfg(test)]
mod layout {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    /// Each top-level module's code (its files, tests and comments left out) and the modules
    /// of this crate it names.
    fn imports() -> BTreeMap<String, BTreeSet<String>> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut graph = BTreeMap::new();
        let mut files = vec![root.clone()];
        while let Some(path) = files.pop() {
            if path.is_dir() {
                let entries = std::fs::read_dir(&path).unwrap_or_else(|e| panic!("{e}"));
                files.extend(entries.filter_map(|e| e.ok().map(|e| e.path())));
                continue;
            }
            let relative = path.strip_prefix(&root).unwrap_or(&path);
            let top = relative
                .components()
                .next()
                .and_then(|c| c.as_os_str().to_str())
                .map(|name| name.trim_end_matches(".rs").to_owned())
                .unwrap_or_default();
            let name = relative.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if ["lib", "main"].contains(&top.as_str()) || name == "tests.rs" {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or("");
            let named: &mut BTreeSet<String> = graph.entry(top.clone()).or_default();
            for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
                for (at, _) in line.match_indices("crate::") {
                    let module: String = line[at + 7..]
                        .chars()
                        .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                        .collect();
                    if !module.is_empty() && module != top {
                        named.insert(module);
                    }
                }
            }
        }
        graph
    }

    /// A cycle through `from`, if there is one.
    fn cycle(
        graph: &BTreeMap<String, BTreeSet<String>>,
        from: &str,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|m| m == from) {
            return Some(path[at..].to_vec());
        }
        path.push(from.to_owned());
        for next in graph.get(from).into_iter().flatten() {
            if let Some(found) = cycle(graph, next, path) {
                return Some(found);
            }
        }
        path.pop();
        None
    }

    #[test]
    fn no_module_imports_one_that_depends_on_it() {
        let graph = imports();
        assert!(graph.contains_key("http") && graph.contains_key("cluster"));
        for module in graph.keys() {
            if let Some(found) = cycle(&graph, module, &mut Vec::new()) {
                panic!(
                    "an import goes back up: {} -> {}",
                    found.join(" -> "),
                    found[0]
                );
            }
        }
    }
}
