//! The report laid out for the template: display strings and table rows, computed once here so
//! the template only places them.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::model::{ComplianceLine, ReportData};

/// What `/meta.json` holds.
#[derive(Serialize)]
pub struct Layout {
    pub sha256: String,
    pub period: String,
    pub generated_at: String,
    pub tenant_list: String,
    pub namespace_count: String,
    pub cluster_list: String,
    pub framework_list: String,
    pub method: Vec<String>,
    pub tenant_rows: Vec<Vec<String>>,
    pub framework_rows: Vec<Vec<String>>,
    pub cluster_rows: Vec<Vec<String>>,
    pub compliance_rows: Vec<Vec<Vec<String>>>,
    pub control_rows: Vec<Vec<Vec<String>>>,
    pub exception_rows: Vec<Vec<String>>,
    pub finding_rows: Vec<Vec<String>>,
    pub audit_rows: Vec<Vec<String>>,
}

fn day(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

fn minute(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_string(), |v| format!("{v:.0}%"))
}

fn list(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    if items.is_empty() { "none".into() } else { items.join(", ") }
}

/// Lays `data` out; `sha256` is its snapshot digest.
pub fn layout(data: &ReportData, sha256: &str) -> Layout {
    let mut namespaces: Vec<&String> = data.tenants.iter().flat_map(|t| &t.namespaces).collect();
    namespaces.sort();
    namespaces.dedup();
    let stale: Vec<&str> = data.clusters.iter().filter(|c| c.stale).map(|c| c.name.as_str()).collect();
    let gaps: i64 = data.clusters.iter().map(|c| c.not_assessable).sum();
    Layout {
        sha256: sha256.to_string(),
        period: format!("{} to {}", day(data.period_from), day(data.period_to)),
        generated_at: minute(data.generated_at),
        tenant_list: list(data.tenants.iter().map(|t| t.tenant.clone())),
        namespace_count: format!("{} namespaces", namespaces.len()),
        cluster_list: list(data.clusters.iter().map(|c| c.name.clone())),
        framework_list: list(data.frameworks.iter().map(|f| format!("{} {}", f.name, f.version))),
        method: vec![
            "Rampart reads each cluster through the Kubernetes API with a read-only account, on an interval: \
             workloads, pods, RBAC, network policies, quotas, namespaces, service accounts and Trivy Operator \
             reports. Secret values are never read. Each collection is evaluated against Rampart's rule \
             catalogue; each rule evidences controls of the Pod Security Standards, the CIS Kubernetes \
             Benchmark and the NSA-CISA Kubernetes Hardening Guidance."
                .into(),
            domain::score::method_text(),
            "Each control is assessed one of four ways: automated (the rules decide it), partial (the rules \
             cover part of it; the rest needs review), manual (needs an attestation) or not assessable (the \
             Kubernetes API does not expose it). A control fails when any evidencing rule has a finding, and \
             is not assessable when a rule's input could not be read."
                .into(),
            match (stale.is_empty(), gaps) {
                (true, 0) => "Every cluster was collected on schedule and every rule could be assessed.".into(),
                _ => format!(
                    "Stale clusters (no good collection for three intervals): {}. Rules that could not be \
                     assessed in the latest collections: {gaps}.",
                    if stale.is_empty() { "none".to_string() } else { stale.join(", ") }
                ),
            },
        ],
        tenant_rows: data
            .tenants
            .iter()
            .map(|t| {
                let change = t.previous_score.map_or_else(|| "new".to_string(), |p| format!("{:+.1}", t.score - p));
                vec![
                    t.tenant.clone(),
                    format!("{:.1}", t.score),
                    change,
                    t.critical.to_string(),
                    t.high.to_string(),
                    t.medium.to_string(),
                    t.low.to_string(),
                ]
            })
            .collect(),
        framework_rows: data
            .frameworks
            .iter()
            .map(|f| {
                let sum = |g: fn(&ComplianceLine) -> i64| f.compliance.iter().map(g).sum::<i64>();
                let (pass, fail, partial) = (sum(|c| c.passed), sum(|c| c.failed), sum(|c| c.partial));
                let assessable = pass + fail + partial;
                let pct = (assessable > 0).then(|| 100.0 * pass as f64 / assessable as f64);
                vec![
                    format!("{} {}", f.name, f.version),
                    percent(pct),
                    pass.to_string(),
                    fail.to_string(),
                    partial.to_string(),
                    sum(|c| c.manual).to_string(),
                    sum(|c| c.not_assessable).to_string(),
                ]
            })
            .collect(),
        cluster_rows: data
            .clusters
            .iter()
            .map(|c| {
                let state = if c.stale { "stale" } else { "fresh" };
                vec![c.name.clone(), c.last_collection.clone(), state.into(), c.not_assessable.to_string()]
            })
            .collect(),
        compliance_rows: data
            .frameworks
            .iter()
            .map(|f| {
                f.compliance
                    .iter()
                    .map(|c| {
                        vec![
                            c.tenant.clone(),
                            percent(c.percent),
                            c.passed.to_string(),
                            c.failed.to_string(),
                            c.partial.to_string(),
                            c.manual.to_string(),
                            c.not_assessable.to_string(),
                        ]
                    })
                    .collect()
            })
            .collect(),
        control_rows: data
            .frameworks
            .iter()
            .map(|f| {
                f.controls
                    .iter()
                    .map(|c| {
                        vec![
                            c.id.clone(),
                            c.title.clone(),
                            c.status.clone(),
                            c.evidence.to_string(),
                            c.assessment.clone(),
                        ]
                    })
                    .collect()
            })
            .collect(),
        exception_rows: data
            .exceptions
            .iter()
            .map(|e| {
                vec![
                    e.id.to_string(),
                    e.rule.clone(),
                    e.tenant.clone(),
                    format!("{} ({}): {}", e.target, e.status, e.justification),
                    e.requested_by.clone(),
                    e.approved_by.clone().unwrap_or_else(|| "—".into()),
                    day(e.expires_at),
                ]
            })
            .collect(),
        finding_rows: data
            .open_findings
            .iter()
            .map(|f| {
                let fields =
                    if f.evidence.is_empty() { String::new() } else { format!(" [{}]", f.evidence.join(", ")) };
                vec![
                    f.severity.clone(),
                    f.rule.clone(),
                    f.tenant.clone(),
                    format!("{}: {}{fields}", f.object, f.message),
                ]
            })
            .collect(),
        audit_rows: data
            .audit
            .iter()
            .map(|a| {
                vec![
                    minute(a.at),
                    a.actor.clone(),
                    a.action.clone(),
                    a.subject.clone(),
                    a.tenant.clone().unwrap_or_default(),
                ]
            })
            .collect(),
    }
}
