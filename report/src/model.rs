//! The report value: everything a compliance report shows, as display-ready text. It is the
//! "data snapshot" whose SHA-256 is printed in every page's footer and stored with the report.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One compliance report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportData {
    pub title: String,
    pub generated_at: DateTime<Utc>,
    pub generated_by: String,
    pub period_from: DateTime<Utc>,
    pub period_to: DateTime<Utc>,
    pub clusters: Vec<ClusterLine>,
    pub tenants: Vec<TenantLine>,
    pub frameworks: Vec<FrameworkSection>,
    pub exceptions: Vec<ExceptionLine>,
    /// The most severe open findings, with their remediation.
    pub top_findings: Vec<FindingLine>,
    /// Every open finding in scope at the end of the period.
    pub open_findings: Vec<FindingLine>,
    /// User actions in the period, in scope.
    pub audit: Vec<AuditLine>,
    /// Trend charts (SVG) embedded as vector graphics.
    pub charts: Vec<Chart>,
}

/// A cluster in scope and its state in the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterLine {
    pub name: String,
    /// Its first and last collection within the period (never one after its end).
    pub first_collection: Option<DateTime<Utc>>,
    pub last_collection: Option<DateTime<Utc>>,
    /// Collections within the period.
    pub collections: i64,
    /// The median time between them, in seconds.
    pub interval_s: Option<f64>,
    /// Intervals between its first and last collection with no collection.
    pub missed_intervals: i64,
    /// Collected on its interval from the start of the period to its end.
    pub on_schedule: bool,
    /// Rules its last collection in the period could not assess (coverage gaps).
    pub not_assessable: i64,
}

/// A tenant's posture at the end of the period, and its score at the start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenantLine {
    pub tenant: String,
    pub score: f64,
    pub previous_score: Option<f64>,
    pub critical: i64,
    pub high: i64,
    pub medium: i64,
    pub low: i64,
    pub namespaces: Vec<String>,
}

/// One framework: compliance per tenant and every control's status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrameworkSection {
    pub id: String,
    pub name: String,
    pub version: String,
    pub compliance: Vec<ComplianceLine>,
    pub controls: Vec<ControlLine>,
}

/// One tenant's compliance with a framework.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComplianceLine {
    pub tenant: String,
    /// Passed over assessable controls, percent; `None` when nothing is assessable.
    pub percent: Option<f64>,
    pub passed: i64,
    pub failed: i64,
    pub partial: i64,
    pub manual: i64,
    pub not_assessable: i64,
}

/// One control: its worst status across the tenants in scope and the findings evidencing it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ControlLine {
    pub id: String,
    pub title: String,
    /// `automated`, `partial`, `manual` or `not-assessable`.
    pub assessment: String,
    pub status: String,
    pub evidence: i64,
}

/// An exception in force or requested in the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExceptionLine {
    pub id: i64,
    pub rule: String,
    pub tenant: String,
    pub target: String,
    pub justification: String,
    pub requested_by: String,
    pub approved_by: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub status: String,
}

/// An open finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingLine {
    pub severity: String,
    pub rule: String,
    pub tenant: String,
    pub object: String,
    pub message: String,
    pub evidence: Vec<String>,
    pub remediation: Option<String>,
}

/// One audit event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditLine {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub tenant: Option<String>,
}

/// A chart to embed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chart {
    pub title: String,
    pub svg: String,
}
