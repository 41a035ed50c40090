//! Compliance status per tenant × framework × control, computed from one collection's
//! findings and coverage:
//!
//! - a control whose framework needs an attestation is `manual`; one that concerns what the API
//!   does not show is `not-assessable`;
//! - otherwise a finding of one of its rules in the tenant makes it `fail`;
//! - with no finding, a control whose rules could not all be assessed in this collection is
//!   `not-assessable` (a coverage gap is never a pass);
//! - with no finding and full coverage, an automated control `pass`es and a partially automated
//!   one is `partial`.
//!
//! Compliance % = passed / assessable, where assessable = pass + fail + partial; manual and
//! not-assessable controls are always reported beside it.
//!
//! A control evidenced only by the cluster's own shared objects (the API server's flags, its
//! exposure: see [`crate::rules::is_cluster_level`]) cannot pass for one tenant while the
//! cluster fails it: every tenant's status for it is the cluster's, marked *inherited*.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::finding::TenantFinding;
use crate::frameworks::{AssessmentKind, frameworks};

/// The status of one control for one tenant, ordered from best to worst: of several statuses
/// (one per cluster, or per tenant), the greatest is the one shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ControlStatus {
    Pass,
    Partial,
    Manual,
    NotAssessable,
    Fail,
}

impl ControlStatus {
    /// The kebab-case name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            ControlStatus::Pass => "pass",
            ControlStatus::Partial => "partial",
            ControlStatus::Manual => "manual",
            ControlStatus::NotAssessable => "not-assessable",
            ControlStatus::Fail => "fail",
        }
    }

    /// Every status, best first.
    pub const ALL: [ControlStatus; 5] = [
        ControlStatus::Pass,
        ControlStatus::Partial,
        ControlStatus::Manual,
        ControlStatus::NotAssessable,
        ControlStatus::Fail,
    ];
}

impl std::fmt::Display for ControlStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ControlStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ControlStatus::ALL.into_iter().find(|status| status.as_str() == s).ok_or_else(|| {
            format!("unknown control status {s:?} (expected pass, partial, manual, not-assessable or fail)")
        })
    }
}

impl TryFrom<String> for ControlStatus {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

/// One control's status for one tenant in one collection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ControlResult {
    pub tenant: String,
    pub framework: &'static str,
    pub control: &'static str,
    pub status: ControlStatus,
    /// Findings that evidence a failure of the control: the tenant's own, or, for an inherited
    /// control, the cluster's.
    pub findings: u32,
    /// The status is the cluster's (the control is evidenced by shared, cluster-scoped
    /// objects), not the tenant's own.
    pub inherited: bool,
}

/// The status of every control of every framework for every tenant. `findings` must already
/// leave out excepted findings; `not_assessable` lists the rules this collection could not assess.
pub fn evaluate_compliance<'a>(
    tenants: impl IntoIterator<Item = &'a str>,
    findings: impl IntoIterator<Item = &'a TenantFinding>,
    not_assessable: &[(String, String)],
) -> Vec<ControlResult> {
    let unassessed: BTreeSet<&str> = not_assessable.iter().map(|(rule, _)| rule.as_str()).collect();
    let mut counts: BTreeMap<(&str, &str), u32> = BTreeMap::new();
    let mut cluster_counts: BTreeMap<&str, u32> = BTreeMap::new();
    for f in findings {
        for control in &f.item.controls {
            *counts.entry((f.tenant.as_str(), control.as_str())).or_default() += 1;
            *cluster_counts.entry(control.as_str()).or_default() += 1;
        }
    }
    let mut out = Vec::new();
    for tenant in tenants {
        for framework in frameworks() {
            for control in framework.controls {
                let reference = format!("{}:{}", framework.id, control.id);
                let rules = framework.rules_for(control.id);
                let inherited = !rules.is_empty() && rules.iter().all(|r| crate::rules::is_cluster_level(r));
                let findings = if inherited {
                    cluster_counts.get(reference.as_str()).copied().unwrap_or(0)
                } else {
                    counts.get(&(tenant, reference.as_str())).copied().unwrap_or(0)
                };
                let covered = || framework.rules_for(control.id).iter().all(|r| !unassessed.contains(r.id));
                let status = match control.assessment {
                    AssessmentKind::Manual => ControlStatus::Manual,
                    AssessmentKind::NotAssessable => ControlStatus::NotAssessable,
                    _ if findings > 0 => ControlStatus::Fail,
                    _ if !covered() => ControlStatus::NotAssessable,
                    AssessmentKind::Automated => ControlStatus::Pass,
                    AssessmentKind::Partial => ControlStatus::Partial,
                };
                out.push(ControlResult {
                    tenant: tenant.to_string(),
                    framework: framework.id,
                    control: control.id,
                    status,
                    findings,
                    inherited,
                });
            }
        }
    }
    out
}

/// Compliance % of a set of statuses: passed over assessable (pass, fail, partial), or `None`
/// when nothing is assessable.
pub fn compliance_percent(statuses: impl IntoIterator<Item = ControlStatus>) -> Option<f64> {
    let (mut passed, mut assessable) = (0u32, 0u32);
    for status in statuses {
        match status {
            ControlStatus::Pass => {
                passed += 1;
                assessable += 1;
            }
            ControlStatus::Fail | ControlStatus::Partial => assessable += 1,
            ControlStatus::Manual | ControlStatus::NotAssessable => {}
        }
    }
    (assessable > 0).then(|| 100.0 * f64::from(passed) / f64::from(assessable))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Finding, ObjectRef, Severity};

    fn privileged(tenant: &str) -> TenantFinding {
        let rule = crate::rules::rule("pod.privileged").unwrap();
        TenantFinding {
            tenant: tenant.into(),
            contribution: 10.0,
            exception: None,
            item: Finding {
                rule: rule.id.into(),
                severity: Severity::Critical,
                object: ObjectRef { kind: "Pod".into(), namespace: Some("ns".into()), name: "p".into() },
                container: None,
                message: String::new(),
                controls: rule.controls.iter().map(|c| c.to_string()).collect(),
                evidence: vec![],
            },
        }
    }

    fn status(results: &[ControlResult], tenant: &str, control: &str) -> ControlStatus {
        results
            .iter()
            .find(|r| r.tenant == tenant && format!("{}:{}", r.framework, r.control) == control)
            .unwrap()
            .status
    }

    #[test]
    fn a_finding_fails_its_controls_for_its_tenant_only() {
        let results = evaluate_compliance(["nlp", "vision"], &[privileged("nlp")], &[]);
        assert_eq!(status(&results, "nlp", "pss:privileged"), ControlStatus::Fail);
        assert_eq!(status(&results, "nlp", "cis:5.2.2"), ControlStatus::Fail);
        assert_eq!(status(&results, "vision", "pss:privileged"), ControlStatus::Pass);
    }

    #[test]
    fn kinds_and_coverage_gaps_decide_the_other_statuses() {
        let gap = vec![("cp.profiling".to_string(), "not visible".to_string())];
        let results = evaluate_compliance(["nlp"], &[], &gap);
        assert_eq!(status(&results, "nlp", "cis:1.2.15"), ControlStatus::NotAssessable, "a gap is never a pass");
        assert_eq!(status(&results, "nlp", "cis:5.1.9"), ControlStatus::Manual);
        assert_eq!(status(&results, "nlp", "cis:5.3.1"), ControlStatus::NotAssessable);
        assert_eq!(status(&results, "nlp", "cis:5.1.1"), ControlStatus::Partial);
        assert_eq!(status(&results, "nlp", "cis:5.2.2"), ControlStatus::Pass);
    }

    #[test]
    fn a_control_of_the_clusters_own_objects_is_the_clusters_status_for_every_tenant() {
        let rule = crate::rules::rule("cp.anonymous-auth").unwrap();
        let api_server = TenantFinding {
            tenant: "platform".into(),
            contribution: 4.0,
            exception: None,
            item: Finding {
                rule: rule.id.into(),
                severity: rule.severity,
                object: ObjectRef {
                    kind: "Pod".into(),
                    namespace: Some("kube-system".into()),
                    name: "kube-apiserver-cp".into(),
                },
                container: Some("kube-apiserver".into()),
                message: String::new(),
                controls: rule.controls.iter().map(|c| c.to_string()).collect(),
                evidence: vec![],
            },
        };
        let results = evaluate_compliance(["platform", "nlp"], &[api_server], &[]);
        for tenant in ["platform", "nlp"] {
            let r =
                results.iter().find(|r| r.tenant == tenant && r.framework == "cis" && r.control == "1.2.1").unwrap();
            assert_eq!((r.status, r.findings, r.inherited), (ControlStatus::Fail, 1, true), "{tenant}");
        }
        let own = results.iter().find(|r| r.tenant == "nlp" && r.framework == "cis" && r.control == "5.2.2").unwrap();
        assert!(!own.inherited, "a control of the tenant's own workloads is its own");
    }

    #[test]
    fn percent_counts_passed_over_assessable_and_ignores_manual_and_not_assessable() {
        use ControlStatus::*;
        assert_eq!(compliance_percent([Pass, Pass, Fail, Partial, Manual, NotAssessable]), Some(50.0));
        assert_eq!(compliance_percent([Manual, NotAssessable]), None);
    }
}
