//! Risk score v0: how much risk a tenant carries for its size, 0–100, higher is riskier.
//!
//! ```text
//! weight   = critical 10, high 4, medium 1, low 0.25, info 0
//! density  = Σ weight(finding) / max(1, workloads)
//! score    = 100 × (1 − e^(−density / 10)), rounded to one decimal
//! ```
//!
//! Normalising by the tenant's workload count makes a small and a large tenant comparable; the
//! exponential saturates, so the score stays under 100 and each further finding adds less.
//! One critical finding per workload scores 63.2, one high 33.0, one medium 9.5; hygiene
//! findings (mostly low) weigh little, so they cannot saturate the score on their own.

use crate::finding::Severity;

/// Scale of the saturating curve: the density at which the score reaches 63.2.
pub const SATURATION: f64 = 10.0;

/// The weight one open finding of a severity adds.
pub fn severity_weight(severity: Severity) -> f64 {
    match severity {
        Severity::Critical => 10.0,
        Severity::High => 4.0,
        Severity::Medium => 1.0,
        Severity::Low => 0.25,
        Severity::Info => 0.0,
    }
}

/// The risk score of a tenant with these open findings and this many workloads.
pub fn risk_score(findings: impl IntoIterator<Item = Severity>, workloads: u32) -> f64 {
    let weight: f64 = findings.into_iter().map(severity_weight).sum();
    let density = weight / f64::from(workloads.max(1));
    let score = 100.0 * (1.0 - (-density / SATURATION).exp());
    (score * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use Severity::*;

    #[test]
    fn no_findings_scores_zero() {
        assert_eq!(risk_score([], 10), 0.0);
    }

    #[test]
    fn one_critical_per_workload_matches_the_documented_figure() {
        assert_eq!(risk_score([Critical, Critical], 2), 63.2);
        assert_eq!(risk_score([High], 1), 33.0);
        assert_eq!(risk_score([Medium], 1), 9.5);
    }

    #[test]
    fn score_is_normalised_by_workload_count() {
        assert!(risk_score([High], 50) < risk_score([High], 5));
        assert_eq!(risk_score([High; 10], 100), risk_score([High], 10));
    }

    #[test]
    fn adding_a_finding_never_lowers_the_score_and_bounds_hold() {
        let mut findings = Vec::new();
        let mut last = risk_score(findings.clone(), 3);
        for sev in [Info, Low, Medium, High, Critical].iter().cycle().take(200) {
            findings.push(*sev);
            let now = risk_score(findings.clone(), 3);
            assert!(now >= last);
            assert!((0.0..=100.0).contains(&now));
            last = now;
        }
    }

    #[test]
    fn tenant_without_workloads_is_scored_as_one_workload() {
        assert_eq!(risk_score([Low], 0), risk_score([Low], 1));
    }
}
