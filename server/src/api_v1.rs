//! The JSON API under `/api/v1`, for automation: tenants with scores, findings (filtered, with
//! cursor pagination), compliance, clusters and collections. Callers authenticate with an API
//! token (`Authorization: Bearer rpt_…`, made by `rampart token create`) or a browser session;
//! either way every read goes through the viewer's scope, exactly as the pages do.

use std::collections::HashMap;

use app::viewer::Viewer;
use axum::Json;
use axum::extract::{Extension, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use db::query::{ApiFinding, ClusterRow, CollectionRow, ComplianceRow, ControlStatus, TenantOverview};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use crate::auth::Auth;
use crate::export::param;

/// `GET /api/v1/tenants`.
#[derive(Serialize, ToSchema)]
pub struct TenantsResponse {
    pub tenants: Vec<TenantOverview>,
}

/// One page of findings; pass `next_cursor` as `cursor` for the next (absent on the last page).
#[derive(Serialize, ToSchema)]
pub struct FindingsPage {
    pub findings: Vec<ApiFinding>,
    pub next_cursor: Option<i64>,
}

/// `GET /api/v1/compliance`.
#[derive(Serialize, ToSchema)]
pub struct ComplianceResponse {
    pub framework: String,
    pub tenants: Vec<ComplianceRow>,
    pub controls: Vec<ControlStatus>,
}

/// `GET /api/v1/clusters`.
#[derive(Serialize, ToSchema)]
pub struct ClustersResponse {
    pub clusters: Vec<ClusterRow>,
}

/// One page of collections, newest first.
#[derive(Serialize, ToSchema)]
pub struct CollectionsPage {
    pub collections: Vec<CollectionRow>,
    pub next_cursor: Option<i64>,
}

/// A refused request.
#[derive(Serialize, ToSchema)]
pub struct ApiError {
    pub error: String,
}

/// The API's OpenAPI document, generated from the handlers and types below.
#[derive(OpenApi)]
#[openapi(
    info(title = "Rampart API", description = "Read-only posture data, scoped to the caller's role and tenants."),
    paths(tenants, findings, compliance, clusters, collections),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

/// `GET /api/v1/openapi.json`.
pub async fn openapi() -> Response {
    Json(ApiDoc::openapi()).into_response()
}

/// Rows per page when the caller does not say.
pub const DEFAULT_LIMIT: i64 = 100;
/// The most rows one page holds.
pub const MAX_LIMIT: i64 = 1000;

/// Adds the API routes through `add(method, path, route)`.
pub fn routes(add: &mut dyn FnMut(&str, &str, axum::routing::MethodRouter<std::sync::Arc<Auth>>)) {
    use axum::routing::get;
    add("GET", "/api/v1/tenants", get(tenants));
    add("GET", "/api/v1/findings", get(findings));
    add("GET", "/api/v1/compliance", get(compliance));
    add("GET", "/api/v1/clusters", get(clusters));
    add("GET", "/api/v1/collections", get(collections));
    add("GET", "/api/v1/openapi.json", get(openapi));
}

type Params = Query<HashMap<String, String>>;

/// A 400 with a JSON body naming the problem.
fn bad_request(message: String) -> Response {
    (StatusCode::BAD_REQUEST, Json(ApiError { error: message })).into_response()
}

fn unavailable(error: db::Error) -> Response {
    tracing::error!(%error, "API read failed");
    let error = "the store is unavailable".to_string();
    (StatusCode::SERVICE_UNAVAILABLE, Json(ApiError { error })).into_response()
}

fn number(query: &HashMap<String, String>, key: &str) -> Result<Option<i64>, Response> {
    param(query, key)
        .map(|v| v.parse::<i64>().map_err(|_| bad_request(format!("{key}={v} is not a number"))))
        .transpose()
}

fn limit(query: &HashMap<String, String>) -> Result<i64, Response> {
    let limit = number(query, "limit")?.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(bad_request(format!("limit={limit} must be between 1 and {MAX_LIMIT}")));
    }
    Ok(limit)
}

/// Every tenant in scope with its score and open findings by severity.
#[utoipa::path(get, path = "/api/v1/tenants", responses((status = 200, body = TenantsResponse)))]
pub async fn tenants(State(auth): State<std::sync::Arc<Auth>>, Extension(viewer): Extension<Viewer>) -> Response {
    match db::query::tenant_overview(&auth.pool, &viewer.scope(), None).await {
        Ok(tenants) => Json(TenantsResponse { tenants }).into_response(),
        Err(error) => unavailable(error),
    }
}

/// Findings in scope, by id, filtered; cursor-paginated.
#[utoipa::path(get, path = "/api/v1/findings",
    params(
        ("tenant" = Option<String>, Query, description = "only this tenant"),
        ("severity" = Option<String>, Query, description = "critical, high, medium, low or info"),
        ("rule" = Option<String>, Query, description = "a rule id"),
        ("status" = Option<String>, Query, description = "open or resolved"),
        ("since" = Option<String>, Query, description = "opened or resolved at or after this date or RFC 3339 time"),
        ("cursor" = Option<i64>, Query, description = "next_cursor of the previous page"),
        ("limit" = Option<i64>, Query, description = "1 to 1000, default 100"),
    ),
    responses((status = 200, body = FindingsPage), (status = 400, body = ApiError)))]
pub async fn findings(
    State(auth): State<std::sync::Arc<Auth>>,
    Extension(viewer): Extension<Viewer>,
    Query(query): Params,
) -> Response {
    let severity = param(&query, "severity");
    if let Some(s) = &severity
        && !app::components::query::SEVERITIES.contains(&s.as_str())
    {
        return bad_request(format!("severity={s} is not a severity"));
    }
    let status = param(&query, "status");
    if let Some(s) = &status
        && s != "open"
        && s != "resolved"
    {
        return bad_request(format!("status={s} must be open or resolved"));
    }
    let since = match param(&query, "since").map(|s| crate::cli::parse_instant(&s)).transpose() {
        Ok(since) => since,
        Err(message) => return bad_request(format!("since: {message}")),
    };
    let (after, limit) = match (number(&query, "cursor"), limit(&query)) {
        (Ok(after), Ok(limit)) => (after, limit),
        (Err(response), _) | (_, Err(response)) => return response,
    };
    let filter = db::query::ApiFindingFilter {
        tenant: param(&query, "tenant"),
        severity,
        rule: param(&query, "rule"),
        status,
        since,
        after,
        limit,
    };
    match db::query::api_findings(&auth.pool, &viewer.scope(), &filter).await {
        Ok(rows) => {
            let next_cursor = (rows.len() as i64 == limit).then(|| rows.last().map(|r| r.id)).flatten();
            Json(FindingsPage { findings: rows, next_cursor }).into_response()
        }
        Err(error) => unavailable(error),
    }
}

/// Compliance per tenant in scope and every control's status, for one framework.
#[utoipa::path(get, path = "/api/v1/compliance",
    params(("framework" = Option<String>, Query, description = "pss, cis (default) or nsa")),
    responses((status = 200, body = ComplianceResponse), (status = 400, body = ApiError)))]
pub async fn compliance(
    State(auth): State<std::sync::Arc<Auth>>,
    Extension(viewer): Extension<Viewer>,
    Query(query): Params,
) -> Response {
    let id = param(&query, "framework").unwrap_or_else(|| "cis".into());
    let Some(framework) = domain::frameworks::framework(&id) else {
        return bad_request(format!("framework={id} is not a framework (pss, cis, nsa)"));
    };
    let scope = viewer.scope();
    let summary = match db::query::compliance_summary(&auth.pool, &scope, None).await {
        Ok(rows) => rows.into_iter().filter(|r| r.framework == framework.id).collect::<Vec<_>>(),
        Err(error) => return unavailable(error),
    };
    match db::query::control_statuses(&auth.pool, &scope, framework.id, None).await {
        Ok(controls) => {
            Json(ComplianceResponse { framework: framework.id.to_string(), tenants: summary, controls }).into_response()
        }
        Err(error) => unavailable(error),
    }
}

/// Freshness, coverage and last error of every cluster.
#[utoipa::path(get, path = "/api/v1/clusters", responses((status = 200, body = ClustersResponse)))]
pub async fn clusters(State(auth): State<std::sync::Arc<Auth>>) -> Response {
    match db::query::clusters(&auth.pool).await {
        Ok(clusters) => Json(ClustersResponse { clusters }).into_response(),
        Err(error) => unavailable(error),
    }
}

/// Stored collections, newest first; cursor-paginated.
#[utoipa::path(get, path = "/api/v1/collections",
    params(
        ("cluster" = Option<String>, Query, description = "only this cluster"),
        ("cursor" = Option<i64>, Query, description = "next_cursor of the previous page"),
        ("limit" = Option<i64>, Query, description = "1 to 1000, default 100"),
    ),
    responses((status = 200, body = CollectionsPage), (status = 400, body = ApiError)))]
pub async fn collections(State(auth): State<std::sync::Arc<Auth>>, Query(query): Params) -> Response {
    let (before, limit) = match (number(&query, "cursor"), limit(&query)) {
        (Ok(before), Ok(limit)) => (before, limit),
        (Err(response), _) | (_, Err(response)) => return response,
    };
    let cluster = param(&query, "cluster");
    match db::query::collections(&auth.pool, cluster.as_deref(), before, limit).await {
        Ok(rows) => {
            let next_cursor = (rows.len() as i64 == limit).then(|| rows.last().map(|r| r.id)).flatten();
            Json(CollectionsPage { collections: rows, next_cursor }).into_response()
        }
        Err(error) => unavailable(error),
    }
}
