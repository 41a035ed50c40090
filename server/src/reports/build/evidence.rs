//! The evidence sections: exceptions in force during the period, the open findings (the top
//! ones with their remediation), the audit log, and the clusters the data comes from.

use chrono::{DateTime, Utc};
use db::Scope;
use db::query::OpenFinding;
use report::{AuditLine, ClusterLine, ExceptionLine, FindingLine};

use crate::reports::request::{ReportError, ReportRequest};

/// The longest text (a justification, a finding's message) a report prints whole; longer ones
/// are cut with a marker, so a report's size is bounded by its counts, not by what people typed.
pub const MAX_TEXT_CHARS: usize = 500;

/// `text`, cut to [`MAX_TEXT_CHARS`] with a marker saying so.
pub fn cut(text: String) -> String {
    if text.chars().count() <= MAX_TEXT_CHARS {
        return text;
    }
    let kept: String = text.chars().take(MAX_TEXT_CHARS).collect();
    format!("{kept}… [cut: {} characters in all]", text.chars().count())
}

/// How many findings the "top findings" section details with their remediation.
pub const TOP_FINDINGS: i64 = 25;
/// The most open findings the appendix lists.
pub const APPENDIX_FINDINGS: i64 = 5_000;

/// Exceptions requested before the period ended and not expired before it began.
pub(super) async fn exceptions(
    pool: &db::PgPool,
    scope: &Scope,
    request: &ReportRequest,
) -> Result<Vec<ExceptionLine>, ReportError> {
    let rows = db::query::exceptions_in_period(pool, scope, request.from, request.to).await?;
    Ok(rows
        .into_iter()
        .map(|e| ExceptionLine {
            id: e.exception_id,
            rule: e.rule_id.clone(),
            tenant: e.tenant.clone(),
            target: match (&e.namespace, &e.object_kind, &e.object_name) {
                (None, _, _) => "the whole tenant".into(),
                (Some(ns), Some(kind), Some(name)) => format!("{kind}/{ns}/{name}"),
                (Some(ns), _, _) => format!("namespace {ns}"),
            },
            status: if e.revoked_at.is_some() {
                "revoked".into()
            } else if e.approved_at.is_some() {
                "approved".into()
            } else {
                "pending".into()
            },
            justification: cut(e.justification),
            requested_by: e.requested_by,
            approved_by: e.approved_by,
            expires_at: e.expires_at,
        })
        .collect())
}

/// The top findings (with their remediation) and every open finding, as of `at`.
pub(super) async fn findings(
    pool: &db::PgPool,
    scope: &Scope,
    at: DateTime<Utc>,
) -> Result<(Vec<FindingLine>, Vec<FindingLine>), ReportError> {
    let open = db::query::open_findings(pool, scope, Some(at), APPENDIX_FINDINGS).await?;
    let top = open.iter().take(TOP_FINDINGS as usize).cloned().map(|f| finding_line(f, true)).collect();
    let all = open.into_iter().map(|f| finding_line(f, false)).collect();
    Ok((top, all))
}

fn finding_line(f: OpenFinding, with_fix: bool) -> FindingLine {
    let remediation = with_fix.then(|| domain::rules::rule(&f.finding.rule_id).map(|r| r.remediation.to_string()));
    FindingLine {
        severity: f.finding.severity.to_string(),
        remediation: remediation.flatten(),
        object: f.finding.object().to_string(),
        rule: f.finding.rule_id,
        tenant: f.tenant,
        message: cut(f.message),
        evidence: f.evidence,
    }
}

/// The audit log of the period.
pub(super) async fn audit(
    pool: &db::PgPool,
    scope: &Scope,
    request: &ReportRequest,
) -> Result<Vec<AuditLine>, ReportError> {
    let rows = db::audit::between(pool, scope, request.from, request.to).await?;
    Ok(rows
        .into_iter()
        .map(|a| AuditLine { at: a.at, actor: a.actor, action: a.action, subject: a.subject, tenant: a.tenant })
        .collect())
}

/// Every cluster with its freshness at `now`.
pub(super) async fn clusters(pool: &db::PgPool, request: &ReportRequest) -> Result<Vec<ClusterLine>, ReportError> {
    let periods = db::system::collections_in_period(pool, request.from, request.to).await?;
    Ok(periods
        .into_iter()
        .map(|p| ClusterLine {
            on_schedule: p.on_schedule(request.from, request.to),
            name: p.name,
            first_collection: p.first,
            last_collection: p.last,
            collections: p.collections,
            interval_s: p.interval_s,
            missed_intervals: p.missed_intervals,
            not_assessable: p.not_assessable,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::{MAX_TEXT_CHARS, cut};

    #[test]
    fn long_texts_are_cut_with_a_marker_and_short_ones_kept() {
        assert_eq!(cut("short".into()), "short");
        let long = cut("x".repeat(1_000_000));
        assert!(long.chars().count() < MAX_TEXT_CHARS + 50, "{} characters", long.chars().count());
        assert!(long.ends_with("[cut: 1000000 characters in all]"), "{}", &long[long.len() - 40..]);
    }
}
