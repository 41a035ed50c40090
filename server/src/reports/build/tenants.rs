//! The tenants a report covers, and each one's line: score now and at the start of the period,
//! open findings by severity, namespaces.

use db::Scope;
use db::query::TenantOverview;
use report::TenantLine;

use crate::reports::request::{ReportError, ReportRequest};

/// The tenants a report covers, as they stood at the end of its period.
pub(super) struct Covered {
    pub overview: Vec<TenantOverview>,
    pub names: Vec<String>,
}

/// The tenants the request names (each must be in scope), or every tenant in scope.
pub(super) async fn covered(pool: &db::PgPool, scope: &Scope, request: &ReportRequest) -> Result<Covered, ReportError> {
    let visible = db::query::tenant_overview(pool, scope, Some(request.to)).await?;
    if let Some(unknown) = request.tenants.iter().find(|tenant| !visible.iter().any(|t| &&t.tenant == tenant)) {
        return Err(ReportError::UnknownTenant(unknown.clone()));
    }
    let overview: Vec<TenantOverview> =
        visible.into_iter().filter(|t| request.tenants.is_empty() || request.tenants.contains(&t.tenant)).collect();
    if overview.is_empty() {
        return Err(ReportError::NoTenants);
    }
    let names = overview.iter().map(|t| t.tenant.clone()).collect();
    Ok(Covered { overview, names })
}

/// One line per covered tenant; `scope` is narrowed to them.
pub(super) async fn lines(
    pool: &db::PgPool,
    scope: &Scope,
    covered: &Covered,
    request: &ReportRequest,
) -> Result<Vec<TenantLine>, ReportError> {
    let before = db::query::tenant_overview(pool, scope, Some(request.from)).await?;
    let namespaces = db::query::tenant_namespaces(pool, scope, Some(request.to)).await?;
    Ok(covered
        .overview
        .iter()
        .map(|t| TenantLine {
            tenant: t.tenant.clone(),
            score: t.score,
            previous_score: before.iter().find(|b| b.tenant == t.tenant).map(|b| b.score),
            critical: t.critical,
            high: t.high,
            medium: t.medium,
            low: t.low,
            namespaces: namespaces.iter().filter(|n| n.tenant == t.tenant).map(|n| n.namespace.clone()).collect(),
        })
        .collect())
}
