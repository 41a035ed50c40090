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
    /// The period the data covers: first and last collection in it, and how many.
    pub coverage: String,
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
    let off_schedule: Vec<&str> = data.clusters.iter().filter(|c| !c.on_schedule).map(|c| c.name.as_str()).collect();
    let gaps: i64 = data.clusters.iter().map(|c| c.not_assessable).sum();
    let data_from = data.clusters.iter().filter_map(|c| c.first_collection).min();
    let data_to = data.clusters.iter().filter_map(|c| c.last_collection).max();
    let collections: i64 = data.clusters.iter().map(|c| c.collections).sum();
    let coverage = match (data_from, data_to) {
        (Some(first), Some(last)) => format!(
            "{} to {} ({collections} collection{})",
            minute(first),
            minute(last),
            if collections == 1 { "" } else { "s" }
        ),
        _ => "no collection in the period".into(),
    };
    // A tenant with no score at the start is new only if there was data at the start.
    let data_at_start = data_from.is_some_and(|first| first <= data.period_from + chrono::Duration::hours(1));
    Layout {
        sha256: sha256.to_string(),
        period: format!("{} to {} (asked)", minute(data.period_from), minute(data.period_to)),
        coverage,
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
            match (off_schedule.is_empty(), gaps) {
                (true, 0) => "Every cluster was collected on its interval from the start of the period to its end, \
                     and every rule could be assessed."
                    .into(),
                _ => format!(
                    "Clusters not collected on their interval throughout the period (data starting after it \
                     began, ending before it ended, or intervals missed): {}. Rules that could not be assessed \
                     in the period's last collections: {gaps}.",
                    if off_schedule.is_empty() { "none".to_string() } else { off_schedule.join(", ") }
                ),
            },
        ],
        tenant_rows: data
            .tenants
            .iter()
            .map(|t| {
                let change = match t.previous_score {
                    Some(p) => format!("{:+.1}", t.score - p),
                    None if data_at_start => "new".to_string(),
                    None => "no data at the start".to_string(),
                };
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
                let span = match (c.first_collection, c.last_collection) {
                    (Some(first), Some(last)) => format!("{} to {}", minute(first), minute(last)),
                    _ => "none".into(),
                };
                let interval = c.interval_s.map_or_else(|| "—".into(), |s| format!("{s:.0} s"));
                let schedule = if c.on_schedule { "yes" } else { "no" };
                vec![
                    c.name.clone(),
                    c.collections.to_string(),
                    span,
                    interval,
                    c.missed_intervals.to_string(),
                    schedule.into(),
                    c.not_assessable.to_string(),
                ]
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
