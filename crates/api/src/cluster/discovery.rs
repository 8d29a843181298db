//! Preferred versions of API groups, asked of the API server and kept for a while: a path
//! never names a version, and a Flux upgrade may change which one is preferred.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::APIGroup;

use super::ClusterError;
use crate::kinds::Kind;

/// How long a group's preferred version is trusted before it is asked again.
const KEEP: Duration = Duration::from_secs(300);

#[derive(Default)]
pub struct Versions(Mutex<HashMap<&'static str, (String, Instant)>>);

impl Versions {
    pub async fn preferred(
        &self,
        client: &kube::Client,
        kind: &Kind,
    ) -> Result<String, ClusterError> {
        if kind.group.is_empty() {
            return Ok("v1".to_owned());
        }
        if let Some(version) = self.cached(kind.group) {
            return Ok(version);
        }
        let request = http::Request::get(format!("/apis/{}", kind.group))
            .body(Vec::new())
            .map_err(|e| ClusterError::Invalid(e.to_string()))?;
        // Not found is not kept: a CRD installed later is found at the next request.
        let group: APIGroup =
            client
                .request(request)
                .await
                .map_err(|e| match ClusterError::from(e) {
                    ClusterError::NotFound(_) => ClusterError::NotFound(format!(
                        "{} ({}) is not installed in this cluster",
                        kind.kind, kind.group
                    )),
                    other => other,
                })?;
        let version = group
            .preferred_version
            .map(|v| v.version)
            .or_else(|| group.versions.first().map(|v| v.version.clone()))
            .unwrap_or_else(|| kind.version.to_owned());
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(kind.group, (version.clone(), Instant::now()));
        Ok(version)
    }

    fn cached(&self, group: &str) -> Option<String> {
        let cache = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        cache
            .get(group)
            .filter(|(_, at)| at.elapsed() < KEEP)
            .map(|(version, _)| version.clone())
    }
}
