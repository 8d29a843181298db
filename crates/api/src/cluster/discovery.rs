//! Which version serves a kind, asked of the API server and kept for a while: a path never
//! names a version, and a Flux upgrade may change it. Resolved per kind, not per group: in
//! `notification.toolkit.fluxcd.io` the group prefers v1 (Receiver) while Alert and Provider
//! are served at v1beta3 only.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{APIGroup, APIResourceList};
use serde::de::DeserializeOwned;

use super::ClusterError;
use flux_web_core::kinds::Kind;

/// How long a kind's version is trusted before it is asked again.
const KEEP: Duration = Duration::from_secs(300);

/// A kind by its group and plural.
type KindKey = (&'static str, &'static str);

#[derive(Default)]
pub struct Versions(Mutex<HashMap<KindKey, (String, Instant)>>);

impl Versions {
    pub async fn preferred(
        &self,
        client: &kube::Client,
        kind: &Kind,
    ) -> Result<String, ClusterError> {
        if kind.group.is_empty() {
            return Ok("v1".to_owned());
        }
        let key = (kind.group, kind.plural);
        if let Some(version) = self.cached(key) {
            return Ok(version);
        }
        let not_installed = || {
            ClusterError::NotFound(format!(
                "{} ({}) is not installed in this cluster",
                kind.kind, kind.group
            ))
        };
        // Not found is not kept: a CRD installed later is found at the next request.
        let group: APIGroup = get(client, &format!("/apis/{}", kind.group))
            .await
            .map_err(|e| match e {
                ClusterError::NotFound(_) => not_installed(),
                other => other,
            })?;
        let preferred = group.preferred_version.map(|v| v.version);
        let mut versions: Vec<String> = preferred.iter().cloned().collect();
        versions.extend(
            group
                .versions
                .into_iter()
                .map(|v| v.version)
                .filter(|v| Some(v) != preferred.as_ref()),
        );
        for version in versions {
            let list: APIResourceList =
                get(client, &format!("/apis/{}/{version}", kind.group)).await?;
            if list.resources.iter().any(|r| r.name == kind.plural) {
                self.0
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(key, (version.clone(), Instant::now()));
                return Ok(version);
            }
        }
        Err(not_installed())
    }

    fn cached(&self, key: KindKey) -> Option<String> {
        let cache = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        cache
            .get(&key)
            .filter(|(_, at)| at.elapsed() < KEEP)
            .map(|(version, _)| version.clone())
    }
}

/// The resources a group version serves, by kind: (plural, namespaced).
type Served = HashMap<String, (String, bool)>;

/// What any group version serves, asked once in a while: an inventory names objects of kinds
/// flux-web does not know (a ConfigMap, a CRD's objects), by group, version and kind only.
#[derive(Default)]
pub struct ServedKinds(Mutex<HashMap<(String, String), (Served, Instant)>>);

impl ServedKinds {
    /// The plural of `kind` in `group`/`version` and whether it is namespaced; `NotFound`
    /// when the group version does not serve it.
    pub async fn plural(
        &self,
        client: &kube::Client,
        group: &str,
        version: &str,
        kind: &str,
    ) -> Result<(String, bool), ClusterError> {
        let key = (group.to_owned(), version.to_owned());
        let cached = {
            let cache = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            cache
                .get(&key)
                .filter(|(_, at)| at.elapsed() < KEEP)
                .map(|(served, _)| served.get(kind).cloned())
        };
        let found = match cached {
            Some(found) => found,
            None => {
                let path = match group {
                    "" => format!("/api/{version}"),
                    _ => format!("/apis/{group}/{version}"),
                };
                let list: APIResourceList = get(client, &path).await?;
                let served: Served = list
                    .resources
                    .into_iter()
                    // A subresource (`deployments/scale`) is named with a slash.
                    .filter(|r| !r.name.contains('/'))
                    .map(|r| (r.kind, (r.name, r.namespaced)))
                    .collect();
                let found = served.get(kind).cloned();
                self.0
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(key, (served, Instant::now()));
                found
            }
        };
        found.ok_or_else(|| {
            ClusterError::NotFound(format!("{kind} ({group}/{version}) is not served"))
        })
    }
}

async fn get<T: DeserializeOwned>(client: &kube::Client, path: &str) -> Result<T, ClusterError> {
    let request = http::Request::get(path)
        .body(Vec::new())
        .map_err(|e| ClusterError::Invalid(e.to_string()))?;
    Ok(client.request(request).await?)
}
