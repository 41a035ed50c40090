//! The risk score: how much risk a tenant carries for its size, 0–100, higher is riskier.
//! Documented in `docs/scoring.md`.
//!
//! ```text
//! contribution(finding) = weight(severity) × exposure × blast radius
//!     weight        = critical 10, high 4, medium 1, low 0.25, info 0
//!     exposure      = ×2 internet-facing, ×1.5 privileged or host access, ×1.2 secrets access
//!     blast radius  = 1 + log2(pods running the workload)
//! score(tenant)     = 100 × (1 − e^(−Σ contributions / (25 × max(1, workloads)))), one decimal
//! ```
//!
//! Normalising by workloads makes a 5-workload and a 5,000-workload tenant comparable; the
//! exponential saturates, so the score stays under 100 and each further finding adds less.
//! Excepted findings contribute nothing while their exception is active.

use crate::exposure::{Exposure, HOST_ACCESS_FACTOR, INTERNET_FACING_FACTOR, SECRETS_ACCESS_FACTOR};
use crate::finding::Severity;

/// Scale of the saturating curve, per workload.
pub const SATURATION: f64 = 25.0;

/// The weight one finding of a severity adds before exposure and blast radius.
pub fn severity_weight(severity: Severity) -> f64 {
    match severity {
        Severity::Critical => 10.0,
        Severity::High => 4.0,
        Severity::Medium => 1.0,
        Severity::Low => 0.25,
        Severity::Info => 0.0,
    }
}

/// What one finding on a workload with this exposure adds to its tenant's score.
pub fn contribution(severity: Severity, exposure: &Exposure) -> f64 {
    severity_weight(severity) * exposure.exposure_factor() * exposure.blast_radius()
}

/// The score of a tenant with these finding contributions and this many workloads.
pub fn tenant_score(contributions: impl IntoIterator<Item = f64>, workloads: u32) -> f64 {
    let total: f64 = contributions.into_iter().map(|c| c.max(0.0)).sum();
    let density = total / (SATURATION * f64::from(workloads.max(1)));
    let score = 100.0 * (1.0 - (-density).exp());
    (score * 10.0).round() / 10.0
}

/// The scoring method in one paragraph, stated from the constants above so that what reports
/// tell auditors is what the score computes.
pub fn method_text() -> String {
    let weights = [Severity::Critical, Severity::High, Severity::Medium, Severity::Low]
        .map(|severity| format!("{severity} {}", severity_weight(severity)))
        .join(", ");
    format!(
        "A finding contributes its severity weight ({weights}; info 0) times its exposure (×{INTERNET_FACING_FACTOR} \
         internet-facing, ×{HOST_ACCESS_FACTOR} privileged or host access, ×{SECRETS_ACCESS_FACTOR} secrets access) \
         times its blast radius (1 + log2 of the pods running the workload). A tenant's score is \
         100 × (1 − e^(−Σ/({SATURATION} × workloads))): normalised by the tenant's size, bounded, and monotonic in \
         its findings. Findings covered by an approved exception contribute nothing while it is in force."
    )
}

/// The score of findings on workloads with neutral exposure (one pod, nothing exposed).
pub fn risk_score(findings: impl IntoIterator<Item = Severity>, workloads: u32) -> f64 {
    tenant_score(findings.into_iter().map(|s| contribution(s, &Exposure::default())), workloads)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Severity::*;

    #[test]
    fn the_method_text_states_the_weights_the_score_uses() {
        let text = method_text();
        assert!(text.contains("critical 10, high 4, medium 1, low 0.25"), "{text}");
        assert!(text.contains("×2 internet-facing, ×1.5 privileged or host access, ×1.2 secrets access"), "{text}");
        assert!(text.contains(&format!("{SATURATION} × workloads")), "{text}");
    }

    /// A deterministic stream of pseudo-random numbers for property checks.
    fn stream(seed: u64) -> impl Iterator<Item = u64> {
        let mut x = seed;
        std::iter::repeat_with(move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        })
    }

    fn random_exposure(n: u64) -> Exposure {
        Exposure {
            internet_facing: n & 1 == 1,
            host_access: n & 2 == 2,
            secrets_access: n & 4 == 4,
            pods: (n % 64) as u32 + 1,
        }
    }

    #[test]
    fn documented_figures_hold() {
        assert_eq!(risk_score([], 10), 0.0);
        assert_eq!(risk_score([Critical, Critical], 2), 33.0);
        assert_eq!(risk_score([High], 1), 14.8);
        assert_eq!(risk_score([Medium], 1), 3.9);
        let exposed = Exposure { internet_facing: true, host_access: true, secrets_access: false, pods: 4 };
        assert_eq!(contribution(High, &exposed), 4.0 * 2.0 * 1.5 * 3.0);
    }

    #[test]
    fn score_is_normalised_by_workload_count() {
        assert!(risk_score([High], 50) < risk_score([High], 5));
        assert_eq!(risk_score([High; 10], 100), risk_score([High], 10));
    }

    #[test]
    fn adding_a_finding_never_lowers_the_score_and_resolving_one_never_raises_it() {
        let severities = [Info, Low, Medium, High, Critical];
        for seed in 1..50 {
            let mut numbers = stream(seed);
            let workloads = (numbers.next().unwrap() % 200) as u32;
            let mut contributions = Vec::new();
            let mut last = tenant_score(contributions.clone(), workloads);
            for _ in 0..100 {
                let n = numbers.next().unwrap();
                contributions.push(contribution(severities[(n % 5) as usize], &random_exposure(n >> 3)));
                let now = tenant_score(contributions.clone(), workloads);
                assert!(now >= last, "adding lowered the score");
                assert!((0.0..=100.0).contains(&now), "out of bounds: {now}");
                last = now;
            }
            while !contributions.is_empty() {
                let i = (numbers.next().unwrap() as usize) % contributions.len();
                contributions.swap_remove(i);
                let now = tenant_score(contributions.clone(), workloads);
                assert!(now <= last, "resolving raised the score");
                last = now;
            }
            assert_eq!(last, 0.0);
        }
    }

    #[test]
    fn tenant_without_workloads_is_scored_as_one_workload() {
        assert_eq!(risk_score([Low], 0), risk_score([Low], 1));
    }
}
