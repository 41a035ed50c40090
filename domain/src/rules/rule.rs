//! What a rule is: its description ([`Rule`]), how it checks ([`RuleCheck`]), what it sees
//! ([`RuleInput`]) and what it yields ([`Outcome`]).

use std::collections::{HashMap, HashSet};

use k8s_openapi::api::core::v1::Namespace;

use super::bindings::Binding;
use crate::finding::{Finding, ObjectRef, Severity};
use crate::inventory::Inventory;
use crate::owners::Controllers;
use crate::sites::PodSpecSite;
use crate::tenancy::{TenantIndex, TenantMapping};

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
    Api,
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
            Category::Api => "api",
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
    /// The active CVE exceptions: the vulnerability rule leaves the CVEs they accept out.
    /// Filled by [`crate::assess`] from the exceptions it is given.
    pub accepted_cves: Vec<crate::exceptions::Exception>,
}

impl Default for RuleSettings {
    fn default() -> Self {
        RuleSettings {
            tenant_mapping: TenantMapping::default(),
            allowed_registries: Vec::new(),
            entropy_threshold: 4.2,
            accepted_cves: Vec::new(),
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
    /// Every RoleBinding and ClusterRoleBinding with what its role grants, for the RBAC rules.
    pub bindings: Vec<Binding<'a>>,
    pub tenants: TenantIndex,
    pub settings: &'a RuleSettings,
}

impl RuleInput<'_> {
    /// True when the site's pods get their service account token mounted: never for a static
    /// pod; else the pod's own `automountServiceAccountToken` decides, else the service
    /// account's.
    pub fn token_mounted(&self, site: &PodSpecSite<'_>) -> bool {
        if site.kind == "Pod" && crate::inventory::is_static_pod(site.meta) {
            return false;
        }
        match site.spec.automount_service_account_token {
            Some(explicit) => explicit,
            None => !self.no_automount.contains(&(site.namespace().unwrap_or_default(), site.service_account())),
        }
    }

    /// A finding for each binding `each` reports on.
    pub fn per_binding(&self, each: impl FnMut(&Binding<'_>) -> Option<Finding>) -> Outcome {
        Ok(self.bindings.iter().filter_map(each).collect())
    }

    /// The namespace a site is in, if listed.
    pub fn namespace_of(&self, site: &PodSpecSite<'_>) -> Option<&Namespace> {
        site.namespace().and_then(|name| self.namespaces.get(name).copied())
    }
}
