//! What Trivy Operator's check reports say: a workload's configuration audit, a Role's RBAC
//! assessment, a node's infrastructure assessment, and the secrets baked into images. Each
//! failed check is a finding on the object the report is about, with Trivy's severity; a check
//! that restates a native rule corroborates the native finding instead ([`corroborate`]).
//!
//! Identities name the check, never a report's name or a position in its list.

use crate::finding::{Finding, ObjectRef, Severity};
use crate::rules::rule::{Category, NotAssessable, Outcome, Rule, RuleInput, custom_rule};
use crate::trivy::native::{canonical_check_id, cis_control_of, native_rule_of};
use crate::trivy::vulnerability::trivy_severity;
use crate::trivy::{CheckReport, ReportMeta, TrivyReports};

/// The rules of Trivy's check reports.
pub static RULES: [Rule; 4] = [
    custom_rule(
        "images.config-audit",
        "Trivy configuration check failed",
        Category::Images,
        Severity::Medium,
        "Trivy Operator's configuration audit failed a check on the workload that no rule of \
         Rampart's covers; its severity is Trivy's. Checks that restate a rule of Rampart's are \
         shown on that rule's finding instead.",
        "Follow the check's guidance in Trivy's documentation for its id.",
        &["nsa:container-hardening"],
        config_audit,
    ),
    custom_rule(
        "images.exposed-secret",
        "Secret baked into an image",
        Category::Images,
        Severity::High,
        "Trivy Operator found a secret in a file of the image: everyone who can pull the image has \
         it. The severity is Trivy's for the kind of secret.",
        "Remove the file from the image, rotate the secret, and inject it at run time from a Secret.",
        &["nsa:secrets", "nsa:secure-images"],
        exposed_secret,
    ),
    custom_rule(
        "rbac.trivy-assessment",
        "Trivy RBAC assessment check failed",
        Category::Rbac,
        Severity::Medium,
        "Trivy Operator's RBAC assessment failed a check on a Role or ClusterRole that no rule of \
         Rampart's covers; its severity is Trivy's.",
        "Narrow the role's rules as the check's guidance in Trivy's documentation says.",
        &["nsa:rbac"],
        rbac_assessment,
    ),
    custom_rule(
        "nodes.trivy-infra",
        "Trivy node or control-plane check failed",
        Category::ControlPlane,
        Severity::Medium,
        "Trivy Operator's node collector read a setting of a node's kubelet or a control-plane \
         component that the Kubernetes API does not show, and a check failed; its severity is \
         Trivy's. The kubelet checks decide CIS 4.2.1 to 4.2.4, which are not assessable without \
         these reports.",
        "Change the kubelet's or component's configuration as the check says, then restart it.",
        &["cis:4.2.1", "cis:4.2.2", "cis:4.2.3", "cis:4.2.4", "nsa:control-plane-hardening"],
        infra_assessment,
    ),
];

/// The Trivy Operator reports each rule that reads them needs: `(rule, what)`.
pub const NEEDS_TRIVY: [(&str, &str); 5] = [
    ("images.vulnerability", "Trivy Operator's VulnerabilityReports"),
    ("images.config-audit", "Trivy Operator's ConfigAuditReports"),
    ("images.exposed-secret", "Trivy Operator's ExposedSecretReports"),
    ("rbac.trivy-assessment", "Trivy Operator's RbacAssessmentReports"),
    ("nodes.trivy-infra", "Trivy Operator's node collector (InfraAssessmentReports)"),
];

/// What a control needs beyond the Kubernetes API to be assessed, when every rule evidencing
/// it reads Trivy Operator's reports (CIS 4.2.1: the node collector).
pub fn control_needs(rules: &[&Rule]) -> Option<&'static str> {
    let needs: Vec<&'static str> = rules
        .iter()
        .map(|r| NEEDS_TRIVY.iter().find(|(id, _)| *id == r.id).map(|(_, what)| *what))
        .collect::<Option<Vec<_>>>()?;
    needs.first().copied()
}

/// The cluster's Trivy reports, unless the kinds a rule reads were not listed.
pub(super) fn reports<'a>(input: &RuleInput<'a>, kinds: &[&str]) -> Result<&'a TrivyReports, NotAssessable> {
    let trivy = input
        .inventory
        .trivy
        .as_ref()
        .ok_or_else(|| NotAssessable("the cluster serves no Trivy Operator reports".into()))?;
    let gaps: Vec<String> = kinds
        .iter()
        .filter_map(|k| input.inventory.gaps.get(*k).map(|why| format!("{k} could not be listed ({why})")))
        .collect();
    if gaps.is_empty() { Ok(trivy) } else { Err(NotAssessable(gaps.join("; "))) }
}

/// The object a report is about, as written: a ReplicaSet's Deployment, a Job's CronJob.
pub(super) fn owning_object(input: &RuleInput<'_>, meta: &ReportMeta) -> Option<ObjectRef> {
    let (kind, namespace, name) = meta.owner()?;
    let (kind, name) = input.controllers.top_owner(&kind, namespace.as_deref().unwrap_or_default(), &name);
    let namespace = namespace.filter(|ns| !ns.is_empty() && !matches!(kind.as_ref(), "ClusterRole" | "Node"));
    Some(ObjectRef { kind: kind.to_string(), namespace, name: name.to_string() })
}

/// The evidence (and so part of the identity) of a finding of a Trivy check.
pub fn check_evidence(check_id: &str) -> String {
    format!("trivy check {}", canonical_check_id(check_id))
}

/// A failed check not restating a native rule, as a finding of `rule`.
fn check_findings(rule: &Rule, input: &RuleInput<'_>, reports: &[CheckReport]) -> Vec<Finding> {
    let mut out = Vec::new();
    for report in reports {
        let Some(object) = owning_object(input, &report.metadata) else { continue };
        for check in report.report.checks.iter().filter(|c| !c.success) {
            let id = canonical_check_id(&check.check_id);
            let message = format!("Trivy check {id} failed: {}", check.explanation());
            let container = check.container().or(report.metadata.container());
            let mut finding = rule.finding(object.clone(), container, message, vec![check_evidence(&id)]);
            finding.severity = trivy_severity(&check.severity);
            if rule.category == Category::ControlPlane {
                finding.controls = cis_control_of(&id).map(|c| vec![c.to_string()]).unwrap_or_default();
            }
            out.push(finding);
        }
    }
    out
}

fn config_audit(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    Ok(check_findings(rule, input, &reports(input, &["configauditreports"])?.config_audit_reports))
}

fn rbac_assessment(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    Ok(check_findings(rule, input, &reports(input, &["rbacassessmentreports"])?.rbac_assessment_reports))
}

fn infra_assessment(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    let trivy = reports(input, &["infraassessmentreports"])?;
    if trivy.infra_assessment_reports.is_empty() {
        return Err(NotAssessable(
            "no InfraAssessmentReport: Trivy Operator's node collector has not reported (it is off, or has not run)"
                .into(),
        ));
    }
    Ok(check_findings(rule, input, &trivy.infra_assessment_reports))
}

fn exposed_secret(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    let mut out = Vec::new();
    for report in &reports(input, &["exposedsecretreports"])?.exposed_secret_reports {
        let Some(object) = owning_object(input, &report.metadata) else { continue };
        for secret in &report.report.secrets {
            let message = format!("{} ({}) found in {}", secret.title, secret.rule_id, secret.target);
            let evidence = vec![format!("secret {} in {}", secret.rule_id, secret.target)];
            let mut finding = rule.finding(object.clone(), report.metadata.container(), message, evidence);
            if !secret.severity.is_empty() {
                finding.severity = trivy_severity(&secret.severity);
            }
            out.push(finding);
        }
    }
    Ok(out)
}

/// Merges each failed Trivy check that restates a native rule into that rule's finding on the
/// same object (and container, where both name one): the native finding says "also reported by
/// Trivy KSV014" and the check's own finding goes. A check the native rule does not confirm
/// stays a finding of its own: the two disagree, and a person should see it.
pub(super) fn corroborate(findings: &mut Vec<Finding>, input: &RuleInput<'_>) {
    let Some(trivy) = input.inventory.trivy.as_ref() else { return };
    let mut merged: std::collections::HashSet<usize> = std::collections::HashSet::new();
    let mut index: std::collections::HashMap<(&str, &ObjectRef, Option<&str>, &str), usize> = Default::default();
    let mut by_rule: std::collections::HashMap<(&str, &ObjectRef), Vec<usize>> = Default::default();
    for (i, f) in findings.iter().enumerate() {
        match f.evidence.as_slice() {
            [evidence] if matches!(f.rule.as_str(), "images.config-audit" | "rbac.trivy-assessment") => {
                index.insert((f.rule.as_str(), &f.object, f.container.as_deref(), evidence.as_str()), i);
            }
            _ => by_rule.entry((f.rule.as_str(), &f.object)).or_default().push(i),
        }
    }
    let mut notes: Vec<(usize, String)> = Vec::new();
    let families = [
        ("images.config-audit", &trivy.config_audit_reports),
        ("rbac.trivy-assessment", &trivy.rbac_assessment_reports),
    ];
    for (trivy_rule, reports) in families {
        for report in reports.iter() {
            let Some(object) = owning_object(input, &report.metadata) else { continue };
            for check in report.report.checks.iter().filter(|c| !c.success) {
                let Some(native) = native_rule_of(&check.check_id) else { continue };
                let container = check.container().or(report.metadata.container());
                let candidates = by_rule.get(&(native, &object)).map_or(&[][..], Vec::as_slice);
                let confirmed = candidates.iter().copied().find(|&i| {
                    let theirs = findings[i].container.as_deref();
                    container.is_none() || theirs.is_none() || theirs == container
                });
                let Some(native_index) = confirmed else { continue };
                let evidence = check_evidence(&check.check_id);
                if let Some(&own) = index.get(&(trivy_rule, &object, container, evidence.as_str())) {
                    merged.insert(own);
                }
                notes.push((native_index, canonical_check_id(&check.check_id)));
            }
        }
    }
    notes.sort();
    notes.dedup();
    for (i, check) in notes {
        findings[i].message = format!("{} (also reported by Trivy {check})", findings[i].message);
    }
    let mut i = 0;
    findings.retain(|_| {
        i += 1;
        !merged.contains(&(i - 1))
    });
}
