//! Reads a report's data through the viewer's scope: the state at the end of the period, the
//! scores at its start, exceptions, findings, the audit log and trend charts.

use chrono::Utc;
use db::Scope;
use db::query::FindingQuery;
use report::*;

use super::{ReportError, ReportRequest};

/// How many findings the "top findings" section details with their remediation.
pub const TOP_FINDINGS: i64 = 25;
/// The most open findings the appendix lists.
pub const APPENDIX_FINDINGS: i64 = 5_000;

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
    let frameworks: Vec<&'static domain::frameworks::Framework> = if request.frameworks.is_empty() {
        domain::frameworks::frameworks().to_vec()
    } else {
        request
            .frameworks
            .iter()
            .map(|id| domain::frameworks::framework(id).ok_or_else(|| ReportError::UnknownFramework(id.clone())))
            .collect::<Result<_, _>>()?
    };
    if db::system::collection_count(pool, None, Some(from), Some(to)).await? == 0 {
        return Err(ReportError::EmptyPeriod { from, to });
    }
    let at = Some(to);
    let visible = db::query::tenant_overview(pool, scope, at).await?;
    for tenant in &request.tenants {
        if !visible.iter().any(|t| &t.tenant == tenant) {
            return Err(ReportError::UnknownTenant(tenant.clone()));
        }
    }
    let chosen: Vec<_> =
        visible.into_iter().filter(|t| request.tenants.is_empty() || request.tenants.contains(&t.tenant)).collect();
    if chosen.is_empty() {
        return Err(ReportError::NoTenants);
    }
    let names: Vec<String> = chosen.iter().map(|t| t.tenant.clone()).collect();
    let scope = Scope::Tenants(names.clone());
    let before = db::query::tenant_overview(pool, &scope, Some(from)).await?;

    let mut tenants = Vec::new();
    for t in &chosen {
        let detail = db::query::tenant_detail(pool, &scope, &t.tenant, &FindingQuery::default(), at).await?;
        tenants.push(TenantLine {
            tenant: t.tenant.clone(),
            score: t.score,
            previous_score: before.iter().find(|b| b.tenant == t.tenant).map(|b| b.score),
            critical: t.critical,
            high: t.high,
            medium: t.medium,
            low: t.low,
            namespaces: detail.map(|d| d.namespaces.into_iter().map(|n| n.namespace).collect()).unwrap_or_default(),
        });
    }
    let summary = db::query::compliance_summary(pool, &scope, at).await?;
    let mut sections = Vec::new();
    for framework in &frameworks {
        let statuses = db::query::control_statuses(pool, &scope, framework.id, at).await?;
        let controls = framework
            .controls
            .iter()
            .map(|c| {
                let mine: Vec<_> = statuses.iter().filter(|s| s.control == c.id).collect();
                let rank =
                    |s: &str| ["pass", "partial", "manual", "not-assessable", "fail"].iter().position(|r| *r == s);
                let worst = mine.iter().max_by_key(|s| rank(&s.status)).map_or("—".to_string(), |s| s.status.clone());
                ControlLine {
                    id: c.id.to_string(),
                    title: c.title.to_string(),
                    assessment: c.assessment.as_str().to_string(),
                    status: worst,
                    evidence: mine.iter().map(|s| s.findings).sum(),
                }
            })
            .collect();
        sections.push(FrameworkSection {
            id: framework.id.to_string(),
            name: framework.name.to_string(),
            version: framework.version.to_string(),
            compliance: summary
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
                .collect(),
            controls,
        });
    }
    let exceptions = db::exceptions::list(pool, &scope)
        .await?
        .into_iter()
        .filter(|e| e.requested_at <= to && e.expires_at >= from)
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
            justification: e.justification,
            requested_by: e.requested_by,
            approved_by: e.approved_by,
            expires_at: e.expires_at,
        })
        .collect();
    let finding_line = |f: db::query::OpenFinding, with_fix: bool| FindingLine {
        severity: f.severity,
        remediation: with_fix.then(|| domain::rules::rule(&f.rule_id).map(|r| r.remediation.to_string())).flatten(),
        rule: f.rule_id,
        tenant: f.tenant,
        object: domain::ObjectRef { kind: f.object_kind, namespace: f.object_namespace, name: f.object_name }
            .to_string(),
        message: f.message,
        evidence: f.evidence,
    };
    let open = db::query::open_findings(pool, &scope, at, APPENDIX_FINDINGS).await?;
    let top_findings = open.iter().take(TOP_FINDINGS as usize).cloned().map(|f| finding_line(f, true)).collect();
    let open_findings = open.into_iter().map(|f| finding_line(f, false)).collect();
    let audit = db::audit::between(pool, &scope, from, to)
        .await?
        .into_iter()
        .map(|a| AuditLine { at: a.at, actor: a.actor, action: a.action, subject: a.subject, tenant: a.tenant })
        .collect();
    let now = Utc::now();
    let clusters = db::system::clusters(pool)
        .await?
        .into_iter()
        .map(|c| ClusterLine {
            stale: c.is_stale(now),
            last_collection: c
                .last_finished_at
                .map_or_else(|| "never".into(), |t| t.format("%Y-%m-%d %H:%M UTC").to_string()),
            name: c.name,
            not_assessable: c.not_assessable,
        })
        .collect();
    let charts = trend_charts(pool, &scope, &names, request).await?;
    let title = match names.as_slice() {
        [one] => format!("Compliance report: tenant {one}"),
        _ => format!("Compliance report: {} tenants", names.len()),
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

/// The mean score and the summed open findings by severity of the chosen tenants over the period.
async fn trend_charts(
    pool: &db::PgPool,
    scope: &Scope,
    tenants: &[String],
    request: &ReportRequest,
) -> Result<Vec<Chart>, ReportError> {
    let mut buckets: std::collections::BTreeMap<chrono::DateTime<Utc>, (f64, usize, [f64; 4])> = Default::default();
    for tenant in tenants {
        for p in db::query::tenant_trend(pool, scope, tenant, request.from).await? {
            if p.at > request.to {
                continue;
            }
            let entry = buckets.entry(p.at).or_default();
            entry.0 += p.score;
            entry.1 += 1;
            for (sum, value) in entry.2.iter_mut().zip([p.critical, p.high, p.medium, p.low]) {
                *sum += value;
            }
        }
    }
    if buckets.len() < 2 {
        return Ok(Vec::new());
    }
    let scores: Vec<_> = buckets.iter().map(|(at, (sum, n, _))| (*at, sum / *n as f64)).collect();
    let severities: Vec<_> = buckets.iter().map(|(at, (_, _, counts))| (*at, *counts)).collect();
    let score_title = "Mean risk score of the tenants covered".to_string();
    let stack_title = "Open findings of the tenants covered, by severity".to_string();
    Ok(vec![
        Chart { svg: app::charts::trend(&score_title, &scores), title: score_title },
        Chart { svg: app::charts::severity_stack(&stack_title, &severities), title: stack_title },
    ])
}
