//! Server functions: thin, each derives the viewer's scope and calls `db::query` read models.

pub mod error;
pub mod exceptions;
pub mod explore;
pub mod fleet;
pub mod images;

use chrono::{DateTime, Utc};
use db::query::{
    ComplianceRow, FindingQuery, MttrRow, ResolvedRow, ScoreExplanation, ScorePoint, TenantDetail, TenantOverview,
    TrendPoint,
};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub use error::AppError;

/// What the overview page shows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OverviewData {
    pub tenants: Vec<TenantOverview>,
    /// Scores over the 30 days before the page's instant, for the sparklines.
    pub history: Vec<ScorePoint>,
    pub last_collection_at: Option<DateTime<Utc>>,
    /// Compliance per tenant and framework.
    pub compliance: Vec<ComplianceRow>,
    /// Every cluster's freshness and coverage, for the stale and coverage banner.
    pub clusters: Vec<db::system::ClusterRow>,
}

/// What the tenant page shows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TenantData {
    pub detail: TenantDetail,
    /// Findings resolved in the 30 days before the page's instant.
    pub resolved: Vec<ResolvedRow>,
    /// Mean time to remediate, per severity, over the last 90 days.
    pub mttr: Vec<MttrRow>,
    /// Why the score is what it is: top contributors and day/week deltas.
    pub explanation: Option<ScoreExplanation>,
    /// The tenant's compliance per framework.
    pub compliance: Vec<ComplianceRow>,
    /// Score and open findings by severity over the requested range.
    pub trend: Vec<TrendPoint>,
}

/// Logs a store error in full and gives the browser a safe message.
#[cfg(feature = "ssr")]
pub(crate) fn store_error(error: db::Error) -> AppError {
    AppError::store(error)
}

#[cfg(feature = "ssr")]
pub(crate) fn pool() -> Result<db::PgPool, AppError> {
    use_context::<crate::state::AppState>()
        .map(|state| state.pool)
        .ok_or_else(|| AppError::Internal("application state missing".into()).respond())
}

/// The overview, now or as of `at`: every tenant in the viewer's scope.
#[server]
pub async fn overview(at: Option<DateTime<Utc>>) -> Result<OverviewData, AppError> {
    let at = db::query::check_at(at).map_err(AppError::invalid)?;
    let pool = pool()?;
    let scope = crate::viewer::current_scope();
    let since = at.unwrap_or_else(Utc::now) - chrono::Duration::days(30);
    let tenants = db::query::tenant_overview(&pool, &scope, at).await.map_err(store_error)?;
    let history = db::query::score_history(&pool, &scope, since, at).await.map_err(store_error)?;
    let last_collection_at = match at {
        Some(_) => tenants.iter().map(|t| t.last_collected_at).max(),
        None => db::system::last_collection_at(&pool).await.map_err(store_error)?,
    };
    let compliance = db::query::compliance_summary(&pool, &scope, None, at).await.map_err(store_error)?;
    let clusters = db::system::clusters(&pool).await.map_err(store_error)?;
    Ok(OverviewData { tenants, history, last_collection_at, compliance, clusters })
}

/// One tenant, now or as of `at`, with the open findings `query` selects and trends over the
/// last `range_days`; `None` when unknown or outside the viewer's scope.
#[server]
pub async fn tenant(
    tenant: String,
    at: Option<DateTime<Utc>>,
    query: FindingQuery,
    range_days: u32,
) -> Result<Option<TenantData>, AppError> {
    let at = db::query::check_at(at).map_err(AppError::invalid)?;
    db::query::check_name("tenant", &tenant).map_err(AppError::invalid)?;
    db::query::check_range_days(range_days).map_err(AppError::invalid)?;
    db::query::check_finding_query(&query).map_err(AppError::invalid)?;
    let pool = pool()?;
    let scope = crate::viewer::current_scope();
    let Some(detail) = db::query::tenant_detail(&pool, &scope, &tenant, &query, at).await.map_err(store_error)? else {
        return Ok(None);
    };
    let scope = scope.narrowed_to(&tenant);
    let now = at.unwrap_or_else(Utc::now);
    let since = now - chrono::Duration::days(30);
    let resolved = db::query::recently_resolved(&pool, &scope, since, Some(now), 50).await.map_err(store_error)?;
    let mttr = db::query::mttr(&pool, &scope, now - chrono::Duration::days(90)).await.map_err(store_error)?;
    let explanation = db::query::score_explanation(&pool, &scope, &tenant, at).await.map_err(store_error)?;
    let compliance = db::query::compliance_summary(&pool, &scope, None, at).await.map_err(store_error)?;
    let since = now - chrono::Duration::days(i64::from(range_days));
    let trend = db::query::trend(&pool, &scope, since, Some(now)).await.map_err(store_error)?;
    Ok(Some(TenantData { detail, resolved, mttr, explanation, compliance, trend }))
}

/// The audit log, or the fact that the viewer may not read it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum AuditEvents {
    /// One page of events, and whether older ones follow.
    Events {
        rows: Vec<db::audit::AuditRow>,
        more: bool,
    },
    NotPermitted,
}

/// One page (0-based) of the last 30 days of the audit log, for viewers who may read it.
#[server]
pub async fn audit_log(page: u32) -> Result<AuditEvents, AppError> {
    use crate::viewer::{Permission, current_viewer};
    let offset = db::query::check_page(page).map_err(AppError::invalid)?;
    if !current_viewer().is_some_and(|viewer| viewer.can(Permission::ReadAuditLog)) {
        return Ok(AuditEvents::NotPermitted);
    }
    let since = Utc::now() - chrono::Duration::days(30);
    let limit = db::query::LIST_PAGE_SIZE;
    let mut rows = db::audit::recent(&pool()?, since, limit + 1, offset).await.map_err(store_error)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    Ok(AuditEvents::Events { rows, more })
}
