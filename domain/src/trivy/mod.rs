//! Trivy Operator's reports (`aquasecurity.github.io/v1alpha1`), read as the cluster publishes
//! them. Rampart does not scan images itself; it turns these reports into findings on the
//! object each report is about (named by the report's `trivy-operator.resource.*` labels, or,
//! for a name too long for a label, by the annotation of the same key).
//!
//! Every kind Trivy Operator writes is read: vulnerability reports ([`vulnerability`], split
//! into images stored once and the containers that run them), the check reports of workloads,
//! roles and nodes ([`CheckReport`]), exposed secrets, compliance reports and SBOMs
//! ([`compliance`]), namespaced and cluster-scoped alike.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub mod compliance;
pub mod native;
pub mod vulnerability;

pub use compliance::{ClusterComplianceReport, SbomReport};
pub use vulnerability::{ImageReference, ImageVulnerability, ScannedImage, VulnerabilityReport};

/// The labels naming the object and container a report is about.
pub const LABEL_KIND: &str = "trivy-operator.resource.kind";
pub const LABEL_NAME: &str = "trivy-operator.resource.name";
pub const LABEL_NAMESPACE: &str = "trivy-operator.resource.namespace";
pub const LABEL_CONTAINER: &str = "trivy-operator.container.name";
/// Written instead of [`LABEL_NAME`] when the name is not a valid label value (over 63
/// characters); the name itself is then in the annotation [`LABEL_NAME`].
pub const LABEL_NAME_HASH: &str = "trivy-operator.resource.name-hash";

/// The metadata of a report that Rampart reads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportMeta {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

impl ReportMeta {
    /// The object this report is about: kind, namespace, name. The annotation holds the name
    /// when it was too long for the label.
    pub fn owner(&self) -> Option<(String, Option<String>, String)> {
        let kind = self.labels.get(LABEL_KIND)?.clone();
        let name = self.annotations.get(LABEL_NAME).or_else(|| self.labels.get(LABEL_NAME))?.clone();
        let namespace = self.labels.get(LABEL_NAMESPACE).cloned().or_else(|| self.namespace.clone());
        Some((kind, namespace, name))
    }

    /// The container the report is about, when per container.
    pub fn container(&self) -> Option<&str> {
        self.annotations.get(LABEL_CONTAINER).or_else(|| self.labels.get(LABEL_CONTAINER)).map(String::as_str)
    }
}

/// A report of checks: a `ConfigAuditReport` (a workload's configuration), an
/// `RbacAssessmentReport` (a Role's or ClusterRole's rules), an `InfraAssessmentReport` (a
/// node's or a control-plane component's settings), or one of their cluster-scoped variants.
/// They share one shape.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckReport {
    pub metadata: ReportMeta,
    #[serde(default)]
    pub report: CheckData,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckData {
    #[serde(default)]
    pub checks: Vec<Check>,
}

/// One check of a [`CheckReport`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    #[serde(rename = "checkID")]
    pub check_id: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub severity: String,
    #[serde(default)]
    pub success: bool,
    /// What the check found, in Trivy's words.
    #[serde(default)]
    pub messages: Vec<String>,
    /// The part of the object the check is about (a container, for a workload's check).
    #[serde(default)]
    pub scope: Option<CheckScope>,
}

/// The part of an object a check is about: `{"type": "Container", "value": "main"}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckScope {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub value: String,
}

impl Check {
    /// The container this check is about, when its scope names one.
    pub fn container(&self) -> Option<&str> {
        self.scope
            .as_ref()
            .filter(|s| s.kind.eq_ignore_ascii_case("container") && !s.value.is_empty())
            .map(|s| s.value.as_str())
    }

    /// What the check says failed: its messages, else its title, else its description.
    pub fn explanation(&self) -> String {
        let messages: Vec<&str> = self.messages.iter().map(|m| m.trim()).filter(|m| !m.is_empty()).collect();
        if !messages.is_empty() {
            return messages.join("; ");
        }
        [self.title.trim(), self.description.trim()]
            .into_iter()
            .find(|t| !t.is_empty())
            .unwrap_or("(Trivy gave no title or message)")
            .to_string()
    }
}

/// An `ExposedSecretReport`: secrets found inside one container image. Only the rule, title,
/// severity and file are read; the matched text (Trivy's `match`) is never read, so never stored.
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
    /// Which container runs which image, one per `VulnerabilityReport`; the CVEs are in
    /// [`TrivyReports::images`].
    pub image_references: Vec<ImageReference>,
    /// Every scanned image once, by [`ScannedImage::key`], however many containers run it.
    pub images: BTreeMap<String, Arc<ScannedImage>>,
    /// Workload configuration checks (`ConfigAuditReport`, `ClusterConfigAuditReport`).
    pub config_audit_reports: Vec<CheckReport>,
    /// Role and ClusterRole checks (`RbacAssessmentReport`, `ClusterRbacAssessmentReport`).
    pub rbac_assessment_reports: Vec<CheckReport>,
    /// Node and control-plane checks (`InfraAssessmentReport`, `ClusterInfraAssessmentReport`).
    pub infra_assessment_reports: Vec<CheckReport>,
    pub exposed_secret_reports: Vec<ExposedSecretReport>,
    pub compliance_reports: Vec<ClusterComplianceReport>,
    pub sbom_reports: Vec<SbomReport>,
    /// Reports read per kind (`VulnerabilityReport`, `ClusterRbacAssessmentReport`), for coverage.
    pub read: BTreeMap<&'static str, usize>,
    /// The one copy of each text the images' CVEs repeat.
    pub strings: vulnerability::Interner,
}

impl TrivyReports {
    /// Number of reports.
    pub fn len(&self) -> usize {
        self.read.values().sum()
    }

    /// True when there are no reports at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds one report of any kind Trivy Operator writes (see [`REPORT_KINDS`]); `Ok(false)`
    /// when `kind` is not one of them, an error when the report does not have its kind's shape.
    pub fn add(&mut self, kind: &str, value: serde_json::Value) -> Result<bool, serde_json::Error> {
        match kind {
            "VulnerabilityReport" | "ClusterVulnerabilityReport" => {
                self.add_vulnerability_report(serde_json::from_value(value)?)
            }
            "ConfigAuditReport" | "ClusterConfigAuditReport" => {
                self.config_audit_reports.push(serde_json::from_value(value)?)
            }
            "RbacAssessmentReport" | "ClusterRbacAssessmentReport" => {
                self.rbac_assessment_reports.push(serde_json::from_value(value)?)
            }
            "InfraAssessmentReport" | "ClusterInfraAssessmentReport" => {
                self.infra_assessment_reports.push(serde_json::from_value(value)?)
            }
            "ExposedSecretReport" => self.exposed_secret_reports.push(serde_json::from_value(value)?),
            "ClusterComplianceReport" => self.compliance_reports.push(serde_json::from_value(value)?),
            "SbomReport" | "ClusterSbomReport" => self.sbom_reports.push(serde_json::from_value(value)?),
            _ => return Ok(false),
        }
        if let Some((kind, _)) = REPORT_KINDS.iter().find(|(k, _)| *k == kind) {
            *self.read.entry(kind).or_default() += 1;
        }
        Ok(true)
    }

    /// Adds every report of `other`; of an image both hold, the later scan is kept.
    pub fn merge(&mut self, other: TrivyReports) {
        self.image_references.extend(other.image_references);
        for (key, image) in other.images {
            match self.images.get(&key) {
                Some(kept) if kept.scanned_at >= image.scanned_at => {}
                _ => {
                    self.images.insert(key, image);
                }
            }
        }
        self.config_audit_reports.extend(other.config_audit_reports);
        self.rbac_assessment_reports.extend(other.rbac_assessment_reports);
        self.infra_assessment_reports.extend(other.infra_assessment_reports);
        self.exposed_secret_reports.extend(other.exposed_secret_reports);
        self.compliance_reports.extend(other.compliance_reports);
        self.sbom_reports.extend(other.sbom_reports);
        for (kind, count) in other.read {
            *self.read.entry(kind).or_default() += count;
        }
    }

    /// Reports read per kind, by resource plural, every kind listed (0 when none), for coverage.
    pub fn kind_counts(&self) -> Vec<(&'static str, usize)> {
        REPORT_KINDS.iter().map(|(kind, plural)| (*plural, self.read.get(kind).copied().unwrap_or(0))).collect()
    }
}

/// The report kinds Trivy Operator writes, by kind, with the resource plural each is listed at.
pub const REPORT_KINDS: [(&str, &str); 12] = [
    ("VulnerabilityReport", "vulnerabilityreports"),
    ("ClusterVulnerabilityReport", "clustervulnerabilityreports"),
    ("ConfigAuditReport", "configauditreports"),
    ("ClusterConfigAuditReport", "clusterconfigauditreports"),
    ("RbacAssessmentReport", "rbacassessmentreports"),
    ("ClusterRbacAssessmentReport", "clusterrbacassessmentreports"),
    ("InfraAssessmentReport", "infraassessmentreports"),
    ("ClusterInfraAssessmentReport", "clusterinfraassessmentreports"),
    ("ExposedSecretReport", "exposedsecretreports"),
    ("ClusterComplianceReport", "clustercompliancereports"),
    ("SbomReport", "sbomreports"),
    ("ClusterSbomReport", "clustersbomreports"),
];
