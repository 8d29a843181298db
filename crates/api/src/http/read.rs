//! HTTP handlers of the read API.

use axum::Json;
use axum::extract::{Path, State};
use flux_web_shared::controllers::ControllerList;
use flux_web_shared::objects::{
    EventSummary, Graph, InventoryList, InventoryObject, NamespaceList, ObjectDetail, ResourceList,
};
use flux_web_shared::problem::Code;
use flux_web_shared::problem::Problem;

use super::extract::{Checked, Object, ObjectPath};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::read::resources::{ReadFrom, ResourceQuery, ResourcesParams};
use crate::state::AppState;

/// The namespaces where the caller may list Flux objects: what a namespace picker offers.
#[utoipa::path(
    get,
    path = "/v1/namespaces",
    operation_id = "listNamespaces",
    tag = "objects",
    security((), ("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The namespaces, in name order", body = NamespaceList),
        (status = "4XX", description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = "5XX", description = "Kubernetes failed", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn namespaces(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<NamespaceList>, ApiError> {
    let namespaces = crate::read::resources::namespaces(&state.context(), &caller).await?;
    Ok(Json(NamespaceList { namespaces }))
}

/// The caller's sources, Kustomizations and HelmReleases, and the ties between them.
#[utoipa::path(
    get,
    path = "/v1/graph",
    operation_id = "getGraph",
    tag = "objects",
    security((), ("bearer" = []), ("cookie" = [])),
    params(crate::read::graph::GraphQuery),
    responses(
        (status = 200, description = "The objects the caller may list, and each source and dependsOn tie; an end they may not list has no name", body = Graph),
        (status = "4XX", description = "Invalid query, or not logged in", body = Problem, content_type = "application/problem+json"),
        (status = "5XX", description = "Kubernetes failed", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn graph(
    State(state): State<AppState>,
    caller: Caller,
    Checked(query): Checked<crate::read::graph::GraphQuery>,
) -> Result<Json<Graph>, ApiError> {
    Ok(Json(
        crate::read::graph::graph(&state.context(), &caller, &query).await?,
    ))
}

/// The Flux controllers the cluster runs, as the caller may see their Deployments.
#[utoipa::path(
    get,
    path = "/v1/controllers",
    operation_id = "listControllers",
    tag = "objects",
    security((), ("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The controllers by namespace and name, and the FluxInstances", body = ControllerList),
        (status = "4XX", description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = "5XX", description = "Kubernetes failed", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn controllers(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<ControllerList>, ApiError> {
    Ok(Json(
        crate::read::controllers::controllers(&state.context(), &caller).await?,
    ))
}

/// The object as the detail page shows it, with what the caller may do to it.
#[utoipa::path(
    get,
    path = "/v1/{group}/{kind}/{namespace}/{name}",
    operation_id = "getObject",
    tag = "objects",
    security((), ("bearer" = []), ("cookie" = [])),
    params(ObjectPath),
    responses(
        (status = 200, description = "Status summary, conditions, source, artifact and actions", body = ObjectDetail),
        (status = "4XX", description = "Invalid address, or the object is not visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = "5XX", description = "Kubernetes failed", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn detail(
    State(state): State<AppState>,
    Object(target): Object,
    caller: Caller,
) -> Result<Json<ObjectDetail>, ApiError> {
    Ok(Json(
        crate::read::detail(&state.context(), &caller, &target).await?,
    ))
}

/// The Kubernetes Events of the object, audit events included, newest first.
#[utoipa::path(
    get,
    path = "/v1/{group}/{kind}/{namespace}/{name}/events",
    operation_id = "listEvents",
    tag = "objects",
    security((), ("bearer" = []), ("cookie" = [])),
    params(ObjectPath),
    responses(
        (status = 200, description = "Newest first", body = Vec<EventSummary>),
        (status = "4XX", description = "Invalid address, or the object is not visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = "5XX", description = "Kubernetes failed", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn events(
    State(state): State<AppState>,
    Object(target): Object,
    caller: Caller,
) -> Result<Json<Vec<EventSummary>>, ApiError> {
    Ok(Json(
        crate::read::events(&state.context(), &caller, &target).await?,
    ))
}

/// Every object a Kustomization applied, each with its health as the caller may read it.
#[utoipa::path(
    get,
    path = "/v1/{group}/{kind}/{namespace}/{name}/inventory",
    operation_id = "getInventory",
    tag = "objects",
    security((), ("bearer" = []), ("cookie" = [])),
    params(ObjectPath),
    responses(
        (status = 200, description = "By kind, namespace and name; an object the caller may not read has no state", body = InventoryList),
        (status = "4XX", description = "Invalid address, or the object is not visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = "5XX", description = "Kubernetes failed", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn inventory(
    State(state): State<AppState>,
    Object(target): Object,
    caller: Caller,
) -> Result<Json<InventoryList>, ApiError> {
    Ok(Json(
        crate::read::inventory::inventory(&state.context(), &caller, &target).await?,
    ))
}

/// One object a Kustomization applied, as YAML, read as the caller; a Secret's values masked.
#[utoipa::path(
    get,
    path = "/v1/{group}/{kind}/{namespace}/{name}/inventory/object",
    operation_id = "getInventoryObject",
    tag = "objects",
    security((), ("bearer" = []), ("cookie" = [])),
    params(ObjectPath, crate::read::inventory::ObjectQuery),
    responses(
        (status = 200, description = "The object, without its managed fields", body = InventoryObject),
        (status = "4XX", description = "Invalid address or id, an id not in the inventory, or an object the caller may not read", body = Problem, content_type = "application/problem+json"),
        (status = "5XX", description = "Kubernetes failed", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn inventory_object(
    State(state): State<AppState>,
    Object(target): Object,
    caller: Caller,
    Checked(query): Checked<crate::read::inventory::ObjectQuery>,
) -> Result<Json<InventoryObject>, ApiError> {
    Ok(Json(
        crate::read::inventory::object(&state.context(), &caller, &target, &query).await?,
    ))
}

/// What happened to the object, newest first: its controller's reconciles (`status.history`,
/// Events) and people's actions and refusals (audit Events), as the caller may read them.
#[utoipa::path(
    get,
    path = "/v1/{group}/{kind}/{namespace}/{name}/timeline",
    operation_id = "getTimeline",
    tag = "objects",
    security((), ("bearer" = []), ("cookie" = [])),
    params(ObjectPath, crate::read::timeline::TimelineQuery),
    responses(
        (status = 200, description = "A page, newest first; `next` is the `before` of the next page", body = flux_web_shared::timeline::Timeline),
        (status = "4XX", description = "Invalid address or query, or the object is not visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = "5XX", description = "Kubernetes failed", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn timeline(
    State(state): State<AppState>,
    Object(target): Object,
    caller: Caller,
    Checked(query): Checked<crate::read::timeline::TimelineQuery>,
) -> Result<Json<flux_web_shared::timeline::Timeline>, ApiError> {
    Ok(Json(
        crate::read::timeline::timeline(&state.context(), &caller, &target, &query).await?,
    ))
}

/// The Flux objects the caller may list, with a status summary each, sorted by namespace,
/// kind and name.
#[utoipa::path(
    get,
    path = "/v1/resources",
    operation_id = "listResources",
    tag = "objects",
    security((), ("bearer" = []), ("cookie" = [])),
    params(ResourcesParams),
    responses(
        (status = 200, description = "One page of objects", body = ResourceList, headers(
            ("flux-web-read-from" = String, description = "`cache` when the server's watches answered, `kubernetes` when a kind was read from Kubernetes as the caller (its watch had not listed yet)"),
        )),
        (status = "4XX", description = "Invalid query", body = Problem, content_type = "application/problem+json"),
        (status = "5XX", description = "Kubernetes failed", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn resources(
    State(state): State<AppState>,
    Checked(query): Checked<ResourceQuery>,
    caller: Caller,
) -> Result<Listed, ApiError> {
    Ok(listed(
        crate::read::resources::list(&state.context(), &caller, &query).await?,
    ))
}

/// A list, and where it was read in a header.
type Listed = ([(&'static str, &'static str); 1], Json<ResourceList>);

fn listed((list, from): (ResourceList, ReadFrom)) -> Listed {
    ([(ReadFrom::HEADER, from.as_str())], Json(list))
}

/// The path of `listKind`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct KindPath {
    /// API group of a Flux kind.
    #[param(pattern = r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", max_length = 253)]
    pub group: String,
    /// The kind's plural, its Kind in any case, or a short name.
    #[param(pattern = r"^[A-Za-z0-9]+$", max_length = 63)]
    pub kind: String,
}

/// The Flux objects of one kind the caller may list (spec section 5): `listResources` with
/// the kind in the path.
#[utoipa::path(
    get,
    path = "/v1/{group}/{kind}",
    operation_id = "listKind",
    tag = "objects",
    security((), ("bearer" = []), ("cookie" = [])),
    params(KindPath, ResourcesParams),
    responses(
        (status = 200, description = "One page of objects", body = ResourceList, headers(
            ("flux-web-read-from" = String, description = "`cache` when the server's watches answered, `kubernetes` when a kind was read from Kubernetes as the caller (its watch had not listed yet)"),
        )),
        (status = "4XX", description = "Not a Flux kind, or an invalid query", body = Problem, content_type = "application/problem+json"),
        (status = "5XX", description = "Kubernetes failed", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn kind_list(
    State(state): State<AppState>,
    Path(path): Path<KindPath>,
    Checked(query): Checked<ResourceQuery>,
    caller: Caller,
) -> Result<Listed, ApiError> {
    let kind = flux_web_core::kinds::find(&path.group, &path.kind)
        .filter(|k| k.workload.is_none())
        .ok_or_else(|| {
            ApiError::bad_request(
                Code::InvalidPath,
                format!(
                    "{}/{} is not a Flux kind flux-web lists",
                    path.group, path.kind
                ),
            )
        })?;
    let query = ResourceQuery {
        kinds: vec![kind],
        ..query
    };
    Ok(listed(
        crate::read::resources::list(&state.context(), &caller, &query).await?,
    ))
}
