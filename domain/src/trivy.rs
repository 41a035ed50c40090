//! Trivy Operator's reports (`aquasecurity.github.io/v1alpha1`), read as the cluster publishes
//! them. Rampart does not scan images itself; it turns these reports into findings on the
//! workload each report belongs to (named by the report's `trivy-operator.resource.*` labels).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The labels naming the workload and container a report is about.
pub const LABEL_KIND: &str = "trivy-operator.resource.kind";
pub const LABEL_NAME: &str = "trivy-operator.resource.name";
pub const LABEL_NAMESPACE: &str = "trivy-operator.resource.namespace";
pub const LABEL_CONTAINER: &str = "trivy-operator.container.name";

/// The metadata of a report that Rampart reads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportMeta {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

impl ReportMeta {
    /// The workload this report is about: kind, namespace, name.
    pub fn owner(&self) -> Option<(String, Option<String>, String)> {
        let kind = self.labels.get(LABEL_KIND)?.clone();
        let name = self.labels.get(LABEL_NAME)?.clone();
        let namespace = self.labels.get(LABEL_NAMESPACE).cloned().or_else(|| self.namespace.clone());
        Some((kind, namespace, name))
    }

    /// The container the report is about, when per container.
    pub fn container(&self) -> Option<&str> {
        self.labels.get(LABEL_CONTAINER).map(String::as_str)
    }
}

/// A `VulnerabilityReport`: the CVEs of one container image.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VulnerabilityReport {
    pub metadata: ReportMeta,
    #[serde(default)]
    pub report: VulnerabilityReportData,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VulnerabilityReportData {
    #[serde(default)]
    pub artifact: Artifact,
    #[serde(default)]
    pub vulnerabilities: Vec<Vulnerability>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Artifact {
    #[serde(default)]
    pub repository: String,
    #[serde(default)]
    pub tag: String,
}

/// One CVE in one package.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Vulnerability {
    #[serde(rename = "vulnerabilityID")]
    pub vulnerability_id: String,
    #[serde(default)]
    pub resource: String,
    #[serde(default)]
    pub installed_version: String,
    #[serde(default)]
    pub fixed_version: String,
    /// CRITICAL, HIGH, MEDIUM, LOW or UNKNOWN.
    #[serde(default)]
    pub severity: String,
    #[serde(default)]
    pub title: String,
}

/// A `ConfigAuditReport`: Trivy's own configuration checks of one workload.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConfigAuditReport {
    pub metadata: ReportMeta,
    #[serde(default)]
    pub report: ConfigAuditData,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConfigAuditData {
    #[serde(default)]
    pub checks: Vec<ConfigAuditCheck>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigAuditCheck {
    #[serde(rename = "checkID")]
    pub check_id: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub severity: String,
    #[serde(default)]
    pub success: bool,
}

/// An `ExposedSecretReport`: secrets found inside one container image. Only the rule, title
/// and file are read; the matched text (Trivy's `match`) is never read, so never stored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExposedSecretReport {
    pub metadata: ReportMeta,
    #[serde(default)]
    pub report: ExposedSecretData,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExposedSecretData {
    #[serde(default)]
    pub secrets: Vec<ExposedSecret>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExposedSecret {
    #[serde(rename = "ruleID", default)]
    pub rule_id: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub severity: String,
    /// The file inside the image.
    #[serde(default)]
    pub target: String,
}

/// Every Trivy Operator report of a cluster.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrivyReports {
    pub vulnerability_reports: Vec<VulnerabilityReport>,
    pub config_audit_reports: Vec<ConfigAuditReport>,
    pub exposed_secret_reports: Vec<ExposedSecretReport>,
}

impl TrivyReports {
    /// Number of reports.
    pub fn len(&self) -> usize {
        self.vulnerability_reports.len() + self.config_audit_reports.len() + self.exposed_secret_reports.len()
    }

    /// True when there are no reports at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
