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
use serde_json::json;

use crate::auth::Auth;

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
}

type Params = Query<HashMap<String, String>>;

/// A 400 with a JSON body naming the problem.
fn bad_request(message: String) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": message }))).into_response()
}

fn unavailable(error: db::Error) -> Response {
    tracing::error!(%error, "API read failed");
    (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "error": "the store is unavailable" }))).into_response()
}

fn param(query: &HashMap<String, String>, key: &str) -> Option<String> {
    query.get(key).filter(|v| !v.is_empty()).cloned()
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

/// `GET /api/v1/tenants`: every tenant in scope with its score and open findings by severity.
pub async fn tenants(State(auth): State<std::sync::Arc<Auth>>, Extension(viewer): Extension<Viewer>) -> Response {
    match db::query::tenant_overview(&auth.pool, &viewer.scope(), None).await {
        Ok(rows) => Json(json!({ "tenants": rows })).into_response(),
        Err(error) => unavailable(error),
    }
}

/// `GET /api/v1/findings?tenant=&severity=&rule=&status=open|resolved&since=&cursor=&limit=`.
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
            let next = (rows.len() as i64 == limit).then(|| rows.last().map(|r| r.id)).flatten();
            Json(json!({ "findings": rows, "next_cursor": next })).into_response()
        }
        Err(error) => unavailable(error),
    }
}

/// `GET /api/v1/compliance?framework=`: compliance per tenant and every control's status.
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
            Json(json!({ "framework": framework.id, "tenants": summary, "controls": controls })).into_response()
        }
        Err(error) => unavailable(error),
    }
}

/// `GET /api/v1/clusters`: freshness, coverage and last error of every cluster.
pub async fn clusters(State(auth): State<std::sync::Arc<Auth>>) -> Response {
    match db::query::clusters(&auth.pool).await {
        Ok(rows) => Json(json!({ "clusters": rows })).into_response(),
        Err(error) => unavailable(error),
    }
}

/// `GET /api/v1/collections?cluster=&cursor=&limit=`: newest first.
pub async fn collections(State(auth): State<std::sync::Arc<Auth>>, Query(query): Params) -> Response {
    let (before, limit) = match (number(&query, "cursor"), limit(&query)) {
        (Ok(before), Ok(limit)) => (before, limit),
        (Err(response), _) | (_, Err(response)) => return response,
    };
    let cluster = param(&query, "cluster");
    match db::query::collections(&auth.pool, cluster.as_deref(), before, limit).await {
        Ok(rows) => {
            let next = (rows.len() as i64 == limit).then(|| rows.last().map(|r| r.id)).flatten();
            Json(json!({ "collections": rows, "next_cursor": next })).into_response()
        }
        Err(error) => unavailable(error),
    }
}
