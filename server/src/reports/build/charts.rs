//! The trend charts: the mean risk score and the open findings by severity of the covered
//! tenants over the period, read in one query.

use db::Scope;
use report::Chart;

use crate::reports::request::{ReportError, ReportRequest};

/// The two trend charts, or none when the period holds fewer than two points.
pub(super) async fn trends(
    pool: &db::PgPool,
    scope: &Scope,
    request: &ReportRequest,
) -> Result<Vec<Chart>, ReportError> {
    let points = db::query::trend(pool, scope, request.from, Some(request.to)).await?;
    if points.len() < 2 {
        return Ok(Vec::new());
    }
    let scores: Vec<_> = points.iter().map(|p| (p.at, p.score)).collect();
    let severities: Vec<_> = points.iter().map(|p| (p.at, [p.critical, p.high, p.medium, p.low])).collect();
    let score_title = "Mean risk score of the tenants covered".to_string();
    let stack_title = "Open findings of the tenants covered, by severity".to_string();
    Ok(vec![
        Chart { svg: app::charts::trend(&score_title, &scores), title: score_title },
        Chart { svg: app::charts::severity_stack(&stack_title, &severities), title: stack_title },
    ])
}
