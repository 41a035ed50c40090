//! Compliance per framework: each tenant's figures, and each control's worst status across the
//! covered tenants with the findings that evidence it.

use chrono::{DateTime, Utc};
use db::Scope;
use domain::frameworks::Framework;
use report::{ComplianceLine, ControlLine, FrameworkSection};

use crate::reports::request::ReportError;

/// One section per framework, as of `at`.
pub(super) async fn sections(
    pool: &db::PgPool,
    scope: &Scope,
    frameworks: &[&'static Framework],
    at: DateTime<Utc>,
) -> Result<Vec<FrameworkSection>, ReportError> {
    let summary = db::query::compliance_summary(pool, scope, None, Some(at)).await?;
    let mut sections = Vec::new();
    for framework in frameworks {
        let statuses = db::query::control_statuses(pool, scope, framework.id, None, Some(at)).await?;
        let controls = framework
            .controls
            .iter()
            .map(|c| {
                let mine: Vec<_> = statuses.iter().filter(|s| s.control == c.id).collect();
                let worst = mine.iter().map(|s| s.status).max();
                // An inherited status is the cluster's: each tenant shows the same evidence.
                let inherited = mine.iter().any(|s| s.inherited);
                let status = match worst {
                    None => "—".to_string(),
                    Some(status) if inherited => format!("{status} (inherited from the cluster)"),
                    Some(status) => status.to_string(),
                };
                let evidence = if inherited {
                    mine.iter().map(|s| s.findings).max().unwrap_or(0)
                } else {
                    mine.iter().map(|s| s.findings).sum()
                };
                ControlLine {
                    id: c.id.to_string(),
                    title: c.title.to_string(),
                    assessment: c.assessment.as_str().to_string(),
                    status,
                    evidence,
                }
            })
            .collect();
        let compliance = summary
            .iter()
            .filter(|r| r.framework == framework.id)
            .map(|r| ComplianceLine {
                tenant: r.tenant.clone(),
                percent: r.percent(),
                passed: r.passed,
                failed: r.failed,
                partial: r.partial,
                manual: r.manual,
                not_assessable: r.not_assessable,
            })
            .collect();
        sections.push(FrameworkSection {
            id: framework.id.to_string(),
            name: framework.name.to_string(),
            version: framework.version.to_string(),
            compliance,
            controls,
        });
    }
    Ok(sections)
}
