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
    // Say what the lines cover: the data may start after the period does.
    let (first, last) = (points[0].at, points[points.len() - 1].at);
    let span = format!(
        "{} to {} (data in the period {} to {})",
        first.format("%Y-%m-%d %H:%M"),
        last.format("%Y-%m-%d %H:%M"),
        request.from.format("%Y-%m-%d"),
        request.to.format("%Y-%m-%d")
    );
    let score_title = format!("Mean risk score (0-100) of the tenants covered, {span}");
    let stack_title = format!("Open findings of the tenants covered, by severity (count), {span}");
    Ok(vec![
        Chart { svg: app::charts::trend(&score_title, &scores), title: score_title },
        Chart { svg: app::charts::severity_stack(&stack_title, &severities), title: stack_title },
    ])
}
