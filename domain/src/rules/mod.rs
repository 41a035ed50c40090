//! The rule catalogue. Each rule is a pure function over the [`Inventory`], with its stable
//! description beside it in a [`Rule`]: id, title, category, severity, rationale, remediation,
//! and the framework controls its findings evidence.
//!
//! A rule whose input is not visible (no kube-apiserver pod on a managed control plane, no
//! Trivy Operator reports, a kind the collector was not allowed to list) reports itself *not
//! assessable* rather than passing.

use crate::finding::{Finding, ObjectRef};
use crate::inventory::Inventory;

pub mod api;
mod bindings;
mod cluster_admin;
pub mod control_plane;
pub mod coverage;
pub mod images;
pub mod network;
pub mod pod_security;
pub mod rbac;
pub mod rbac_defaults;
mod rule;
pub mod secrets;
pub mod trivy_checks;
pub mod vulnerabilities;
pub mod workload;

pub use rule::{Category, NotAssessable, Outcome, Rule, RuleCheck, RuleInput, RuleSettings};

/// The result of running the catalogue over one inventory.
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    pub findings: Vec<Finding>,
    /// Rules that could not be assessed, with why.
    pub not_assessable: Vec<(&'static str, String)>,
}

/// Every rule Rampart knows, in catalogue order.
pub fn catalogue() -> Vec<&'static Rule> {
    pod_security::RULES
        .iter()
        .chain(rbac::RULES.iter())
        .chain(network::RULES.iter())
        .chain(secrets::RULES.iter())
        .chain(workload::RULES.iter())
        .chain(images::RULES.iter())
        .chain(vulnerabilities::RULES.iter())
        .chain(trivy_checks::RULES.iter())
        .chain(control_plane::RULES.iter())
        .chain(api::RULES.iter())
        .collect()
}

/// True for a rule about the cluster's own shared objects (the API server's flags and
/// exposure), which no tenant owns: a control evidenced only by such rules has one status for
/// the whole cluster, which every tenant inherits.
pub fn is_cluster_level(rule: &Rule) -> bool {
    rule.category == Category::ControlPlane || rule.id == "network.api-server-exposed"
}

/// Looks a rule up by id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    catalogue().into_iter().find(|r| r.id == id)
}

/// Runs every rule over the inventory.
pub fn evaluate_with(inventory: &Inventory, settings: &RuleSettings) -> Evaluation {
    let input = RuleInput {
        inventory,
        sites: inventory.pod_specs(),
        controllers: inventory.controllers(),
        namespaces: inventory.namespaces.iter().filter_map(|n| Some((n.metadata.name.as_deref()?, n))).collect(),
        no_automount: inventory
            .service_accounts
            .iter()
            .filter(|sa| sa.automount_service_account_token == Some(false))
            .filter_map(|sa| Some((sa.metadata.namespace.as_deref()?, sa.metadata.name.as_deref()?)))
            .collect(),
        bindings: bindings::bindings(inventory),
        tenants: settings.tenant_mapping.resolve(&inventory.namespaces),
        settings,
    };
    let mut evaluation = Evaluation::default();
    for rule in catalogue() {
        if let Some(missing) = coverage::missing_input(rule.category, &inventory.gaps) {
            evaluation.not_assessable.push((rule.id, missing));
            continue;
        }
        let outcome = match rule.check {
            RuleCheck::Pss(check) => Ok(pod_security::pss_findings(rule, check, &input)),
            RuleCheck::Custom(check) => check(rule, &input),
        };
        match outcome {
            Ok(mut findings) => evaluation.findings.append(&mut findings),
            Err(NotAssessable(reason)) => evaluation.not_assessable.push((rule.id, reason)),
        }
    }
    evaluation.findings = unique(evaluation.findings);
    trivy_checks::corroborate(&mut evaluation.findings, &input);
    name_representative_pods(&mut evaluation.findings, &input.sites);
    evaluation
}

/// A finding on an operator's workload read from its pods says which pod was read, and how
/// many it stands for.
fn name_representative_pods(findings: &mut [Finding], sites: &[crate::sites::PodSpecSite<'_>]) {
    let mut notes: std::collections::HashMap<ObjectRef, Vec<(&str, String)>> = Default::default();
    for site in sites {
        if let Some(note) = site.representative_note() {
            notes.entry(site.object()).or_default().push((site.prefix.as_ref(), note));
        }
    }
    if notes.is_empty() {
        return;
    }
    for finding in findings {
        let Some(candidates) = notes.get(&finding.object) else { continue };
        let path = finding.evidence.first().map_or("", String::as_str);
        if let Some((_, note)) = candidates.iter().find(|(prefix, _)| path.starts_with(prefix)) {
            finding.message = format!("{} ({note})", finding.message);
        }
    }
}

/// Each finding identity once, the first reported kept: a rule that reaches one object twice
/// (through two grants of one role rule) has found one thing, and counts once.
fn unique(findings: Vec<Finding>) -> Vec<Finding> {
    let mut seen = std::collections::HashSet::with_capacity(findings.len());
    let keep: Vec<bool> = findings.iter().map(|f| seen.insert(f.identity())).collect();
    drop(seen);
    findings.into_iter().zip(keep).filter_map(|(f, keep)| keep.then_some(f)).collect()
}

/// Runs every rule with default settings and returns the findings.
pub fn evaluate(inventory: &Inventory) -> Vec<Finding> {
    evaluate_with(inventory, &RuleSettings::default()).findings
}

#[cfg(test)]
pub(crate) mod fixture {
    //! Helpers that build inventories from JSON literals, as manifests would be written.
    use crate::inventory::Inventory;
    use serde::de::DeserializeOwned;

    pub fn obj<T: DeserializeOwned>(json: serde_json::Value) -> T {
        serde_json::from_value(json).expect("fixture must be a valid object")
    }

    pub fn rule_ids(inv: &Inventory, id: &str) -> Vec<crate::Finding> {
        super::evaluate(inv).into_iter().filter(|f| f.rule == id).collect()
    }

    /// A Deployment whose pod template spec is `spec`.
    pub fn deployment(ns: &str, name: &str, spec: serde_json::Value) -> Inventory {
        Inventory {
            deployments: vec![obj(serde_json::json!({
                "apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": name, "namespace": ns},
                "spec": {"selector": {"matchLabels": {"app": name}},
                         "template": {"metadata": {"labels": {"app": name}}, "spec": spec}}
            }))],
            ..Inventory::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::catalogue;
    use std::collections::HashSet;

    #[test]
    fn an_evaluation_reports_each_finding_identity_once() {
        // One `*` rule grants every workload creation path and both reach paths, to two
        // bindings: each rule finds each binding once (the grants of one binding are found
        // apart, among the other binding's, so they are not next to each other).
        let binding = |name: &str| {
            super::fixture::obj(serde_json::json!({"metadata": {"name": name},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "ops"},
                "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": name}]}))
        };
        let inv = crate::Inventory {
            cluster_roles: vec![super::fixture::obj(serde_json::json!({"metadata": {"name": "ops"},
                "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]}))],
            cluster_role_bindings: vec![binding("ops"), binding("sre")],
            ..crate::Inventory::default()
        };
        let findings = super::evaluate(&inv);
        let identities: HashSet<_> = findings.iter().map(|f| f.identity()).collect();
        assert_eq!(identities.len(), findings.len(), "{findings:#?}");
        for rule in ["rbac.workload-create", "rbac.exec-attach-proxy"] {
            assert_eq!(findings.iter().filter(|f| f.rule == rule).count(), 2, "{rule}");
        }
    }

    #[test]
    fn rule_ids_are_unique_and_well_formed() {
        let mut seen = HashSet::new();
        for rule in catalogue() {
            assert!(seen.insert(rule.id), "duplicate rule id {}", rule.id);
            assert!(
                rule.id.contains('.') && rule.id.chars().all(|c| c.is_ascii_lowercase() || c == '.' || c == '-'),
                "{}",
                rule.id
            );
            assert!(!rule.rationale.is_empty() && !rule.remediation.is_empty(), "{}", rule.id);
            for control in rule.controls {
                assert!(control.split_once(':').is_some(), "{}: {control}", rule.id);
            }
        }
    }
}
