//! Reads a report's data through the viewer's scope, one function per section: the tenants
//! covered (their state at the end of the period, their scores at its start), compliance per
//! framework, the evidence (exceptions, findings, audit log, clusters) and the trend charts.
//! Every section reads all the tenants it covers in one query.

mod charts;
mod compliance;
mod evidence;
mod tenants;

use chrono::Utc;
use db::Scope;
use domain::frameworks::Framework;
use report::ReportData;

pub use evidence::{APPENDIX_FINDINGS, TOP_FINDINGS};

use super::request::{ReportError, ReportRequest};

/// The report value for `request`, read with `scope`.
pub async fn report_data(
    pool: &db::PgPool,
    scope: &Scope,
    request: &ReportRequest,
    by: &str,
) -> Result<ReportData, ReportError> {
    let (from, to) = (request.from, request.to);
    if from >= to {
        return Err(ReportError::Backwards { from, to });
    }
    let frameworks = chosen_frameworks(request)?;
    if db::system::collection_count(pool, None, Some(from), Some(to)).await? == 0 {
        return Err(ReportError::EmptyPeriod { from, to });
    }
    let covered = tenants::covered(pool, scope, request).await?;
    let scope = Scope::Tenants(covered.names.clone());
    let tenants = tenants::lines(pool, &scope, &covered, request).await?;
    let sections = compliance::sections(pool, &scope, &frameworks, to).await?;
    let exceptions = evidence::exceptions(pool, &scope, request).await?;
    let (top_findings, open_findings) = evidence::findings(pool, &scope, to).await?;
    let audit = evidence::audit(pool, &scope, request).await?;
    let now = Utc::now();
    let clusters = evidence::clusters(pool, request).await?;
    let charts = charts::trends(pool, &scope, request).await?;
    let title = match covered.names.as_slice() {
        [one] => format!("Compliance report: tenant {one}"),
        names => format!("Compliance report: {} tenants", names.len()),
    };
    Ok(ReportData {
        title,
        generated_at: now,
        generated_by: by.to_string(),
        period_from: from,
        period_to: to,
        clusters,
        tenants,
        frameworks: sections,
        exceptions,
        top_findings,
        open_findings,
        audit,
        charts,
    })
}

/// The frameworks the request names, or all of them.
fn chosen_frameworks(request: &ReportRequest) -> Result<Vec<&'static Framework>, ReportError> {
    if request.frameworks.is_empty() {
        return Ok(domain::frameworks::frameworks().to_vec());
    }
    request
        .frameworks
        .iter()
        .map(|id| domain::frameworks::framework(id).ok_or_else(|| ReportError::UnknownFramework(id.clone())))
        .collect()
}
