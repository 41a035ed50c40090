//! The rule catalogue. Each rule is a pure function over the [`Inventory`], with its stable
//! description beside it in a [`Rule`]: id, title, category, severity, rationale, remediation,
//! and the framework controls its findings evidence.
//!
//! A rule whose input is not visible (no kube-apiserver pod on a managed control plane, no
//! Trivy Operator reports, a kind the collector was not allowed to list) reports itself *not
//! assessable* rather than passing.

use std::collections::{HashMap, HashSet};

use k8s_openapi::api::core::v1::Namespace;

use crate::finding::{Finding, ObjectRef, Severity};
use crate::inventory::{Controllers, Inventory, PodSpecSite};
use crate::tenancy::{TenantIndex, TenantMapping};

pub mod control_plane;
pub mod coverage;
pub mod images;
pub mod network;
pub mod pod_security;
pub mod rbac;
pub mod secrets;
pub mod workload;

/// The rule families rules are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    PodSecurity,
    Rbac,
    Network,
    Secrets,
    Workload,
    Images,
    ControlPlane,
    Tenancy,
}

impl Category {
    /// The kebab-case name used in output and filters.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::PodSecurity => "pod-security",
            Category::Rbac => "rbac",
            Category::Network => "network",
            Category::Secrets => "secrets",
            Category::Workload => "workload",
            Category::Images => "images",
            Category::ControlPlane => "control-plane",
            Category::Tenancy => "tenancy",
        }
    }
}

/// Why a rule could not be assessed on this inventory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAssessable(pub String);

/// What a rule's check yields: its findings, or why it could not look.
pub type Outcome = Result<Vec<Finding>, NotAssessable>;

/// How a rule checks an inventory.
#[derive(Clone, Copy)]
pub enum RuleCheck {
    /// One Pod Security Standards check (its pod-security-admission id), over every pod spec.
    Pss(&'static str),
    /// Any other check.
    Custom(fn(&Rule, &RuleInput<'_>) -> Outcome),
}

impl std::fmt::Debug for RuleCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RuleCheck::Pss(id) => write!(f, "Pss({id})"),
            RuleCheck::Custom(_) => f.write_str("Custom"),
        }
    }
}

/// A rule's stable description: what it checks, why it matters, how to fix it.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Rule {
    /// Stable slug, e.g. `pod.privileged`; never reused for another meaning.
    pub id: &'static str,
    pub title: &'static str,
    pub category: Category,
    /// The severity of its findings (vulnerability findings carry the report's own).
    pub severity: Severity,
    pub rationale: &'static str,
    /// How to fix it, with a YAML snippet where one helps.
    pub remediation: &'static str,
    /// Framework controls as `framework:control` (`pss:privileged`, `cis:5.2.2`, `nsa:rbac`).
    pub controls: &'static [&'static str],
    #[serde(skip)]
    pub check: RuleCheck,
}

/// A rule checked by its own function (Pod Security Standards rules use [`RuleCheck::Pss`]).
#[allow(clippy::too_many_arguments)]
pub(crate) const fn custom_rule(
    id: &'static str,
    title: &'static str,
    category: Category,
    severity: Severity,
    rationale: &'static str,
    remediation: &'static str,
    controls: &'static [&'static str],
    check: fn(&Rule, &RuleInput<'_>) -> Outcome,
) -> Rule {
    Rule { id, title, category, severity, rationale, remediation, controls, check: RuleCheck::Custom(check) }
}

impl Rule {
    /// A finding of this rule against `object`, pointing at the offending field paths.
    pub fn finding(
        &self,
        object: ObjectRef,
        container: Option<&str>,
        message: String,
        evidence: Vec<String>,
    ) -> Finding {
        Finding {
            rule: self.id.to_string(),
            severity: self.severity,
            object,
            container: container.map(str::to_string),
            message,
            controls: self.controls.iter().map(|c| c.to_string()).collect(),
            evidence,
        }
    }
}

/// Settings that tune some rules.
#[derive(Debug, Clone)]
pub struct RuleSettings {
    pub tenant_mapping: TenantMapping,
    /// Image registries workloads may pull from; empty allows any (the rule is then silent).
    pub allowed_registries: Vec<String>,
    /// Shannon entropy, in bits per character, above which a long value looks like a secret.
    pub entropy_threshold: f64,
}

impl Default for RuleSettings {
    fn default() -> Self {
        RuleSettings {
            tenant_mapping: TenantMapping::default(),
            allowed_registries: Vec::new(),
            entropy_threshold: 4.2,
        }
    }
}

/// What every rule sees: the inventory, its pod specs, its namespaces' tenants, and the
/// settings.
#[derive(Debug)]
pub struct RuleInput<'a> {
    pub inventory: &'a Inventory,
    /// Every pod spec of the inventory, listed once for all rules.
    pub sites: Vec<PodSpecSite<'a>>,
    /// ReplicaSets' and Jobs' controllers, indexed once for all rules.
    pub controllers: Controllers<'a>,
    /// Namespaces by name.
    pub namespaces: HashMap<&'a str, &'a Namespace>,
    /// ServiceAccounts that turn token automounting off, by (namespace, name).
    pub no_automount: HashSet<(&'a str, &'a str)>,
    pub tenants: TenantIndex,
    pub settings: &'a RuleSettings,
}

impl RuleInput<'_> {
    /// True when the site's pods get their service account token mounted: the pod's own
    /// `automountServiceAccountToken` decides, else the service account's.
    pub fn token_mounted(&self, site: &PodSpecSite<'_>) -> bool {
        match site.spec.automount_service_account_token {
            Some(explicit) => explicit,
            None => !self.no_automount.contains(&(site.namespace().unwrap_or_default(), site.service_account())),
        }
    }

    /// The namespace a site is in, if listed.
    pub fn namespace_of(&self, site: &PodSpecSite<'_>) -> Option<&Namespace> {
        site.namespace().and_then(|name| self.namespaces.get(name).copied())
    }
}

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
        .chain(control_plane::RULES.iter())
        .collect()
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
    evaluation
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
