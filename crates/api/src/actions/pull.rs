//! `pull`: reconcile the upstream source of a Kustomization or HelmRelease, the way
//! `flux reconcile --with-source` does, refused while the object or its source is suspended.

use flux_web_shared::actions::ActionResponse;
use kube::api::DynamicObject;
use kube::core::ApiResource;
use serde_json::Value;

use super::{Context, audit, object, response, suspended_error, wait_handled};
use crate::access::Permit;
use crate::auth::Identity;
use crate::clock::rfc3339;
use crate::error::ApiError;
use crate::kinds::{self, Action, Kind};
use crate::target::{ActionOptions, Target};

const SOURCES: &str = "source.toolkit.fluxcd.io";

/// A source an object reconciles from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRef {
    pub kind: &'static Kind,
    pub namespace: String,
    pub name: String,
}

impl SourceRef {
    pub fn describe(&self) -> String {
        format!("{}/{}/{}", self.kind.kind, self.namespace, self.name)
    }
}

/// The sources a pull reconciles, upstream last: a HelmRelease with `spec.chart` pulls the
/// HelmChart generated for it and that chart's own source.
pub fn sources(
    kind: &Kind,
    object: &DynamicObject,
    namespace: &str,
    name: &str,
) -> Result<Vec<SourceRef>, ApiError> {
    let spec = &object.data["spec"];
    let reference = |r: &Value, default_ns: &str| -> Result<SourceRef, ApiError> {
        let source_kind = r["kind"].as_str().unwrap_or_default();
        let kind = kinds::by_kind(SOURCES, source_kind)
            .filter(|k| k.kind != "ExternalArtifact")
            .ok_or_else(|| {
                ApiError::bad_request(
                    "not_applicable",
                    format!("the source is a {source_kind}, which cannot be reconciled from here"),
                )
            })?;
        Ok(SourceRef {
            kind,
            namespace: r["namespace"].as_str().unwrap_or(default_ns).to_owned(),
            name: r["name"].as_str().unwrap_or_default().to_owned(),
        })
    };
    match kind.kind {
        "Kustomization" if spec["sourceRef"].is_object() => {
            Ok(vec![reference(&spec["sourceRef"], namespace)?])
        }
        "HelmRelease" if spec["chartRef"].is_object() => {
            Ok(vec![reference(&spec["chartRef"], namespace)?])
        }
        "HelmRelease" if spec["chart"]["spec"]["sourceRef"].is_object() => {
            let upstream = reference(&spec["chart"]["spec"]["sourceRef"], namespace)?;
            // helm-controller reports the chart it made; before it has, its name is derived.
            let (chart_ns, chart_name) = object.data["status"]["helmChart"]
                .as_str()
                .and_then(|s| s.split_once('/'))
                .map(|(n, c)| (n.to_owned(), c.to_owned()))
                .unwrap_or_else(|| (upstream.namespace.clone(), format!("{namespace}-{name}")));
            let chart = SourceRef {
                kind: kinds::by_kind(SOURCES, "HelmChart")
                    .ok_or_else(|| ApiError::NotFound("HelmChart kind".into()))?,
                namespace: chart_ns,
                name: chart_name,
            };
            Ok(vec![chart, upstream])
        }
        _ => Err(ApiError::bad_request(
            "not_applicable",
            format!("{}/{namespace}/{name} names no source to pull", kind.kind),
        )),
    }
}

/// A source checked and ready to be reconciled.
pub struct Checked {
    pub source: SourceRef,
    pub resource: ApiResource,
    pub permit: Permit,
}

/// Finds the sources, checks the verb on each and that none is suspended.
pub async fn check(
    ctx: &Context<'_>,
    identity: &Identity,
    target: &Target,
    object: &DynamicObject,
) -> Result<Vec<Checked>, ApiError> {
    if object::is_suspended(target.kind, object) {
        return Err(suspended_error(target, object));
    }
    let mut checked = Vec::new();
    for source in sources(target.kind, object, &target.namespace, &target.name)? {
        let resource = ctx.resource(source.kind).await?;
        let (permit, found) = ctx
            .authorized(
                identity,
                Action::Pull.verb(),
                &resource,
                &source.namespace,
                &source.name,
            )
            .await?;
        if object::is_suspended(source.kind, &found) {
            return Err(ApiError::State {
                code: "source_suspended",
                detail: format!(
                    "the source {} is suspended: resume it first",
                    source.describe()
                ),
            });
        }
        checked.push(Checked {
            source,
            resource,
            permit,
        });
    }
    Ok(checked)
}

pub async fn run(
    ctx: &Context<'_>,
    identity: &Identity,
    target: &Target,
    resource: &ApiResource,
    options: &ActionOptions,
) -> Result<ActionResponse, ApiError> {
    let object = ctx
        .cluster
        .get(
            ctx.access.reader(identity),
            resource,
            &target.namespace,
            &target.name,
        )
        .await
        .map_err(ApiError::as_user)?;
    let checked = check(ctx, identity, target, &object).await?;
    let now = rfc3339(ctx.clock.now());
    let mut response = response(Action::Pull, resource, target, true, options.dry_run);
    for Checked {
        source,
        resource,
        permit,
    } in &checked
    {
        let patch = object::reconcile_patch(source.kind, &now);
        let written = ctx
            .cluster
            .merge_patch(
                permit.writer(),
                resource,
                &source.namespace,
                &source.name,
                &patch,
                options.dry_run,
            )
            .await
            .map_err(|e| permit.write_error(e))?;
        if !options.dry_run
            && let Err(e) = audit(ctx, permit, resource, &written).await
        {
            response.audit_error = Some(e);
        }
        response.reconciled.push(source.describe());
    }
    if let (Some(wait), false) = (options.wait, options.dry_run) {
        let mut handled = true;
        for Checked {
            source,
            resource,
            permit,
        } in &checked
        {
            let source_target = Target {
                kind: source.kind,
                namespace: source.namespace.clone(),
                name: source.name.clone(),
            };
            let (done, ready) =
                wait_handled(ctx, permit, resource, &source_target, &now, wait).await?;
            handled &= done;
            response.ready = ready;
        }
        response.handled = Some(handled);
    }
    response.requested_at = Some(now);
    response.message = format!(
        "{}asked {} to reconcile",
        if options.dry_run {
            "dry run: would have "
        } else {
            ""
        },
        response.reconciled.join(" and ")
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn object(spec: Value, status: Value) -> DynamicObject {
        serde_json::from_value(json!({"metadata": {"name": "x"}, "spec": spec, "status": status}))
            .unwrap()
    }

    fn described(kind: &str, spec: Value, status: Value) -> Result<Vec<String>, &'static str> {
        let kind = kinds::KINDS.iter().find(|k| k.kind == kind).unwrap();
        sources(kind, &object(spec, status), "apps", "web")
            .map(|s| s.iter().map(SourceRef::describe).collect())
            .map_err(|e| e.code())
    }

    #[test]
    fn a_kustomization_pulls_its_source_ref_defaulting_to_its_namespace() {
        let spec = json!({"sourceRef": {"kind": "GitRepository", "name": "repo"}});
        assert_eq!(
            described("Kustomization", spec, json!({})),
            Ok(vec!["GitRepository/apps/repo".into()])
        );
        let spec = json!({"sourceRef": {"kind": "OCIRepository", "name": "oci", "namespace": "flux-system"}});
        assert_eq!(
            described("Kustomization", spec, json!({})),
            Ok(vec!["OCIRepository/flux-system/oci".into()])
        );
    }

    #[test]
    fn a_helm_release_pulls_its_chart_ref_or_its_generated_chart_and_that_charts_source() {
        let spec = json!({"chartRef": {"kind": "OCIRepository", "name": "podinfo"}});
        assert_eq!(
            described("HelmRelease", spec, json!({})),
            Ok(vec!["OCIRepository/apps/podinfo".into()])
        );
        let spec = json!({"chart": {"spec": {"chart": "podinfo",
            "sourceRef": {"kind": "HelmRepository", "name": "charts", "namespace": "flux-system"}}}});
        assert_eq!(
            described("HelmRelease", spec.clone(), json!({})),
            Ok(vec![
                "HelmChart/flux-system/apps-web".into(),
                "HelmRepository/flux-system/charts".into()
            ])
        );
        assert_eq!(
            described(
                "HelmRelease",
                spec,
                json!({"helmChart": "flux-system/custom"})
            ),
            Ok(vec![
                "HelmChart/flux-system/custom".into(),
                "HelmRepository/flux-system/charts".into()
            ])
        );
    }

    #[test]
    fn external_artifacts_and_missing_sources_cannot_be_pulled() {
        let spec = json!({"sourceRef": {"kind": "ExternalArtifact", "name": "ea"}});
        assert_eq!(
            described("Kustomization", spec, json!({})),
            Err("not_applicable")
        );
        let spec = json!({"chartRef": {"kind": "ExternalArtifact", "name": "ea"}});
        assert_eq!(
            described("HelmRelease", spec, json!({})),
            Err("not_applicable")
        );
        assert_eq!(
            described("Kustomization", json!({}), json!({})),
            Err("not_applicable")
        );
    }
}
