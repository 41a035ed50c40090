//! `ClusterComplianceReport` (Trivy's own verdict per control of a framework, shown beside
//! Rampart's) and `SbomReport` (the packages of an image, for the package search).

use serde::{Deserialize, Serialize};

use super::ReportMeta;
use super::vulnerability::{Artifact, Registry, image_key, non_empty};
use crate::compliance::ControlStatus;

/// A compliance report: Trivy Operator's status of each control of one framework.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClusterComplianceReport {
    pub metadata: ReportMeta,
    #[serde(default)]
    pub spec: ComplianceSpec,
    #[serde(default)]
    pub status: ComplianceStatus,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ComplianceSpec {
    #[serde(default)]
    pub compliance: ComplianceDefinition,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ComplianceDefinition {
    /// `k8s-cis-1.23`, `k8s-nsa-1.0`, `k8s-pss-restricted-0.1`.
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub title: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ComplianceStatus {
    #[serde(default)]
    pub summary_report: ComplianceSummary,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ComplianceSummary {
    #[serde(default)]
    pub control_check: Vec<ControlCheck>,
}

/// Trivy's result for one control: how many of its checks failed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ControlCheck {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub total_fail: Option<u32>,
}

/// Trivy's verdict on one control, for one framework of Rampart's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrivyControlStatus {
    /// Rampart's framework id (`cis`, `nsa`, `pss`).
    pub framework: &'static str,
    /// The control's id as Trivy numbers it (`5.2.2`).
    pub control: String,
    pub status: ControlStatus,
    pub failed_checks: u32,
    /// The report it comes from.
    pub report: String,
}

impl ClusterComplianceReport {
    /// Rampart's framework this report is about, from Trivy's compliance id.
    pub fn framework(&self) -> Option<&'static str> {
        let id = self.spec.compliance.id.to_ascii_lowercase();
        [("k8s-cis", "cis"), ("cis", "cis"), ("k8s-nsa", "nsa"), ("nsa", "nsa"), ("k8s-pss", "pss"), ("pss", "pss")]
            .into_iter()
            .find(|(prefix, _)| id.starts_with(prefix))
            .map(|(_, framework)| framework)
    }

    /// Each control's verdict; a control without a fail count is left out (not yet evaluated).
    pub fn statuses(&self) -> Vec<TrivyControlStatus> {
        let Some(framework) = self.framework() else { return Vec::new() };
        self.status
            .summary_report
            .control_check
            .iter()
            .filter_map(|c| {
                let failed = c.total_fail?;
                Some(TrivyControlStatus {
                    framework,
                    control: c.id.clone(),
                    status: if failed == 0 { ControlStatus::Pass } else { ControlStatus::Fail },
                    failed_checks: failed,
                    report: self.metadata.name.clone(),
                })
            })
            .collect()
    }
}

/// An SBOM report: the packages of one container's image (CycloneDX components).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SbomReport {
    pub metadata: ReportMeta,
    #[serde(default)]
    pub report: SbomData,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SbomData {
    #[serde(default)]
    pub registry: Registry,
    #[serde(default)]
    pub artifact: Artifact,
    #[serde(default)]
    pub components: SbomComponents,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SbomComponents {
    #[serde(default)]
    pub components: Vec<SbomComponent>,
}

/// One package of an image.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SbomComponent {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub purl: String,
}

impl SbomReport {
    /// The image this SBOM lists, keyed as its vulnerability report's.
    pub fn image_key(&self) -> String {
        let a = &self.report.artifact;
        image_key(self.report.registry.server.trim(), &a.repository, &a.tag, non_empty(a.digest.clone()).as_deref())
    }
}
