//! `images.vulnerability`: one finding per workload, container and image repository whose image
//! has critical or high CVEs, formed from Trivy Operator's vulnerability reports.
//!
//! The finding's identity is the workload, the container and the image's repository with its
//! registry, never a report's name (it carries the ReplicaSet's hash) nor a position in a list
//! (it moves when a rescan adds a CVE): a rollout to a new digest updates the finding, a rescan
//! rewords it, and neither resolves and reopens it. Its severity is the worst *fixable* critical
//! or high CVE's; when none of them has a fix yet, the finding is low (it is shown and counted,
//! but there is nothing to do except watch). See `docs/scoring.md`.

use std::collections::{BTreeMap, BTreeSet};

use super::trivy_checks::{owning_object, reports};
use crate::finding::{ObjectRef, Severity};
use crate::rules::rule::{Category, Outcome, Rule, RuleInput, custom_rule};
use crate::trivy::ImageVulnerability;

/// The vulnerability rule.
pub static RULES: [Rule; 1] = [custom_rule(
    "images.vulnerability",
    "Critical or high CVEs in an image",
    Category::Images,
    Severity::High,
    "Trivy Operator found critical or high CVEs in the packages of an image a container runs. \
     The severity is the worst fixable CVE's; an image whose critical and high CVEs have no fix \
     yet is low until one ships.",
    "Rebuild the image on a base with the fixed versions of the packages listed, then roll it out.",
    &["nsa:upgrading", "nsa:secure-images"],
    vulnerability,
)];

/// CVEs named in a finding's message; the image page lists them all.
const NAMED_IN_MESSAGE: usize = 5;

/// The evidence (and so part of the identity) of a vulnerability finding: the image repository.
pub fn vulnerability_evidence(repository: &str) -> String {
    format!("image {repository}")
}

/// The severity of an image's finding, from its critical and high CVEs: the worst fixable
/// one's, or low when none of them has a fix; `None` without critical or high CVEs.
pub fn vulnerability_severity<'a>(cves: impl IntoIterator<Item = &'a ImageVulnerability>) -> Option<Severity> {
    let serious: Vec<&ImageVulnerability> =
        cves.into_iter().filter(|v| matches!(v.severity, Severity::Critical | Severity::High)).collect();
    if serious.is_empty() {
        return None;
    }
    Some(serious.iter().filter(|v| v.fixable()).map(|v| v.severity).max().unwrap_or(Severity::Low))
}

fn vulnerability(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    let trivy = reports(input, &["vulnerabilityreports", "clustervulnerabilityreports"])?;
    // Every image key a (workload, container, repository) runs: during a rollout, two.
    let mut groups: BTreeMap<(ObjectRef, Option<&str>, &str), BTreeSet<&str>> = BTreeMap::new();
    for reference in &trivy.image_references {
        let Some(object) = owning_object(input, &reference.metadata) else { continue };
        groups
            .entry((object, reference.metadata.container(), reference.repository.as_str()))
            .or_default()
            .insert(reference.image.as_str());
    }
    let mut out = Vec::new();
    for ((object, container, repository), keys) in groups {
        let images: Vec<_> = keys.iter().filter_map(|k| trivy.images.get(*k)).collect();
        let tenant = input.tenants.tenant(object.owning_namespace());
        let accepted = |v: &ImageVulnerability| {
            input.settings.accepted_cves.iter().any(|e| e.accepts_cve(&tenant, &object, repository, v))
        };
        let mut seen = BTreeSet::new();
        let (cves, accepted): (Vec<&ImageVulnerability>, Vec<&ImageVulnerability>) = images
            .iter()
            .flat_map(|i| i.vulnerabilities.iter())
            .filter(|v| seen.insert((v.id.clone(), v.package.clone())))
            .partition(|v| !accepted(v));
        let Some(severity) = vulnerability_severity(cves.iter().copied()) else { continue };
        let mut message = message(&keys, &cves);
        if !accepted.is_empty() {
            message.push_str(&format!("; {} accepted by exception", accepted.len()));
        }
        let mut finding = rule.finding(object, container, message, vec![vulnerability_evidence(repository)]);
        finding.severity = severity;
        out.push(finding);
    }
    Ok(out)
}

fn message(images: &BTreeSet<&str>, cves: &[&ImageVulnerability]) -> String {
    let mut serious: Vec<&ImageVulnerability> =
        cves.iter().copied().filter(|v| matches!(v.severity, Severity::Critical | Severity::High)).collect();
    // Worst first, then the highest score, then the newest.
    serious.sort_by(|a, b| {
        let key = |v: &ImageVulnerability| (std::cmp::Reverse(v.severity), std::cmp::Reverse(score_key(v)));
        key(a).cmp(&key(b)).then_with(|| b.published.cmp(&a.published)).then_with(|| a.id.cmp(&b.id))
    });
    let (fixable, unfixable): (Vec<&ImageVulnerability>, Vec<&ImageVulnerability>) =
        serious.iter().copied().partition(|v| v.fixable());
    let image = images.iter().copied().collect::<Vec<_>>().join(" and ");
    let mut text = format!("image {image}: ");
    if fixable.is_empty() {
        text.push_str("no fixable critical or high CVE");
    } else {
        let named: Vec<String> = fixable
            .iter()
            .take(NAMED_IN_MESSAGE)
            .map(|v| {
                let fixed = v.fixed_version.as_deref().unwrap_or_default();
                format!("{} ({}, {} {} → {fixed})", v.id, v.severity.as_str(), v.package, v.installed_version)
            })
            .collect();
        let more = fixable.len().saturating_sub(NAMED_IN_MESSAGE);
        let more = if more > 0 { format!(" and {more} more") } else { String::new() };
        text.push_str(&format!("{} fixable critical or high CVEs: {}{more}", fixable.len(), named.join(", ")));
    }
    if !unfixable.is_empty() {
        text.push_str(&format!("; {} critical or high without a fix yet", unfixable.len()));
    }
    if let Some(newest) = serious.iter().filter(|v| v.published.is_some()).max_by(|a, b| a.published.cmp(&b.published))
    {
        let day = newest.published.as_deref().unwrap_or_default().get(..10).unwrap_or_default();
        text.push_str(&format!("; newest {} (published {day})", newest.id));
    }
    text
}

/// A CVSS score as an orderable integer (tenths), absent scores last.
fn score_key(v: &ImageVulnerability) -> i64 {
    v.score.map_or(-1, |s| (s * 10.0).round() as i64)
}
