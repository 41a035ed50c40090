//! The JSON API under `/api/v1`, for automation: tenants with scores, findings (filtered, with
//! cursor pagination), compliance, clusters and collections. Callers authenticate with an API
//! token (`Authorization: Bearer rpt_…`, made by `rampart token create`) or a browser session;
//! either way every read goes through the viewer's scope, exactly as the pages do.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use db::query::{ApiFinding, ComplianceRow, ControlStatus, TenantOverview};
use db::system::{ClusterRow, CollectionRow};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use super::export::param;
use crate::auth::viewer::SignedIn;
use crate::error::{ApiError, HttpError};

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
pub fn routes(add: &mut dyn FnMut(&str, &str, axum::routing::MethodRouter<super::state::ServerState>)) {
    use axum::routing::get;
    add("GET", "/api/v1/tenants", get(tenants));
    add("GET", "/api/v1/findings", get(findings));
    add("GET", "/api/v1/compliance", get(compliance));
    add("GET", "/api/v1/clusters", get(clusters));
    add("GET", "/api/v1/collections", get(collections));
    add("GET", "/api/v1/openapi.json", get(openapi));
}

type Params = Query<HashMap<String, String>>;

fn unavailable(error: db::Error) -> HttpError {
    HttpError::store("the store is unavailable", error)
}

fn number(query: &HashMap<String, String>, key: &str) -> Result<Option<i64>, HttpError> {
    param(query, key)
        .map(|v| v.parse::<i64>().map_err(|_| HttpError::BadRequest(format!("{key}={v} is not a number"))))
        .transpose()
}

fn limit(query: &HashMap<String, String>) -> Result<i64, HttpError> {
    let limit = number(query, "limit")?.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(HttpError::BadRequest(format!("limit={limit} must be between 1 and {MAX_LIMIT}")));
    }
    Ok(limit)
}

/// Every tenant in scope with its score and open findings by severity.
#[utoipa::path(get, path = "/api/v1/tenants", responses((status = 200, body = TenantsResponse)))]
pub async fn tenants(
    State(pool): State<db::PgPool>,
    SignedIn(viewer): SignedIn,
) -> Result<Json<TenantsResponse>, HttpError> {
    let tenants = db::query::tenant_overview(&pool, &viewer.scope(), None).await.map_err(unavailable)?;
    Ok(Json(TenantsResponse { tenants }))
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
    State(pool): State<db::PgPool>,
    SignedIn(viewer): SignedIn,
    Query(query): Params,
) -> Result<Json<FindingsPage>, HttpError> {
    let severity = param(&query, "severity");
    if let Some(s) = &severity
        && !db::query::is_severity(s)
    {
        return Err(HttpError::BadRequest(format!("severity={s} is not a severity")));
    }
    let status = param(&query, "status");
    if let Some(s) = &status
        && s != "open"
        && s != "resolved"
    {
        return Err(HttpError::BadRequest(format!("status={s} must be open or resolved")));
    }
    let since = param(&query, "since")
        .map(|s| crate::duration::parse_instant(&s))
        .transpose()
        .map_err(|message| HttpError::BadRequest(format!("since: {message}")))?;
    let after = number(&query, "cursor")?;
    let limit = limit(&query)?;
    let filter = db::query::ApiFindingFilter {
        tenant: param(&query, "tenant"),
        severity,
        rule: param(&query, "rule"),
        status,
        since,
        after,
        limit,
    };
    let rows = db::query::api_findings(&pool, &viewer.scope(), &filter).await.map_err(unavailable)?;
    let next_cursor = (rows.len() as i64 == limit).then(|| rows.last().map(|r| r.id)).flatten();
    Ok(Json(FindingsPage { findings: rows, next_cursor }))
}

/// Compliance per tenant in scope and every control's status, for one framework.
#[utoipa::path(get, path = "/api/v1/compliance",
    params(("framework" = Option<String>, Query, description = "pss, cis (default) or nsa")),
    responses((status = 200, body = ComplianceResponse), (status = 400, body = ApiError)))]
pub async fn compliance(
    State(pool): State<db::PgPool>,
    SignedIn(viewer): SignedIn,
    Query(query): Params,
) -> Result<Json<ComplianceResponse>, HttpError> {
    let id = param(&query, "framework").unwrap_or_else(|| "cis".into());
    let Some(framework) = domain::frameworks::framework(&id) else {
        return Err(HttpError::BadRequest(format!("framework={id} is not a framework (pss, cis, nsa)")));
    };
    let scope = viewer.scope();
    let tenants = db::query::compliance_summary(&pool, &scope, Some(framework.id), None).await.map_err(unavailable)?;
    let controls = db::query::control_statuses(&pool, &scope, framework.id, None, None).await.map_err(unavailable)?;
    Ok(Json(ComplianceResponse { framework: framework.id.to_string(), tenants, controls }))
}

/// Freshness, coverage and last error of every cluster.
#[utoipa::path(get, path = "/api/v1/clusters", responses((status = 200, body = ClustersResponse)))]
pub async fn clusters(State(pool): State<db::PgPool>) -> Result<Json<ClustersResponse>, HttpError> {
    let clusters = db::system::clusters(&pool).await.map_err(unavailable)?;
    Ok(Json(ClustersResponse { clusters }))
}

/// Stored collections, newest first; cursor-paginated.
#[utoipa::path(get, path = "/api/v1/collections",
    params(
        ("cluster" = Option<String>, Query, description = "only this cluster"),
        ("cursor" = Option<i64>, Query, description = "next_cursor of the previous page"),
        ("limit" = Option<i64>, Query, description = "1 to 1000, default 100"),
    ),
    responses((status = 200, body = CollectionsPage), (status = 400, body = ApiError)))]
pub async fn collections(
    State(pool): State<db::PgPool>,
    Query(query): Params,
) -> Result<Json<CollectionsPage>, HttpError> {
    let before = number(&query, "cursor")?;
    let limit = limit(&query)?;
    let cluster = param(&query, "cluster");
    let rows = db::system::collections(&pool, cluster.as_deref(), before, limit).await.map_err(unavailable)?;
    let next_cursor = (rows.len() as i64 == limit).then(|| rows.last().map(|r| r.id)).flatten();
    Ok(Json(CollectionsPage { collections: rows, next_cursor }))
}
