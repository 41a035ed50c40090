//! The rule catalogue. Each rule is a pure function over the [`Inventory`]; its metadata
//! (id, title, severity, rationale, remediation, controls) lives beside it in a [`Rule`].

use crate::finding::{Finding, ObjectRef, Severity};
use crate::inventory::Inventory;

pub mod network;
pub mod pod_security;
pub mod rbac;
pub mod workload;

/// The rule families rules are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
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

/// A rule's stable description: what it checks, why it matters, how to fix it.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Rule {
    /// Stable slug, e.g. `pod.privileged`; never reused for another meaning.
    pub id: &'static str,
    pub title: &'static str,
    pub category: Category,
    pub severity: Severity,
    pub rationale: &'static str,
    pub remediation: &'static str,
    /// Framework controls as `framework:control` (`pss:privileged`, `cis:5.2.2`, `nsa:...`).
    pub controls: &'static [&'static str],
    #[serde(skip)]
    check: fn(&Rule, &Inventory, &mut Vec<Finding>),
}

impl Rule {
    /// A finding of this rule against `object`.
    pub fn finding(&self, object: ObjectRef, container: Option<&str>, message: String) -> Finding {
        Finding {
            rule: self.id.to_string(),
            severity: self.severity,
            object,
            container: container.map(str::to_string),
            message,
            controls: self.controls.iter().map(|c| c.to_string()).collect(),
        }
    }
}

/// Every rule Rampart knows, in catalogue order.
pub fn catalogue() -> &'static [Rule] {
    &CATALOGUE
}

static CATALOGUE: [Rule; 5] = [
    pod_security::PRIVILEGED,
    pod_security::HOST_PATH,
    rbac::ANONYMOUS_BINDING,
    network::NAMESPACE_WITHOUT_POLICY,
    workload::NAMESPACE_WITHOUT_QUOTA,
];

/// Runs every rule over the inventory and returns the findings, in catalogue order.
pub fn evaluate(inventory: &Inventory) -> Vec<Finding> {
    let mut findings = Vec::new();
    for rule in catalogue() {
        (rule.check)(rule, inventory, &mut findings);
    }
    findings
}

/// Looks a rule up by id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    catalogue().iter().find(|r| r.id == id)
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
        super::evaluate(inv)
            .into_iter()
            .filter(|f| f.rule == id)
            .collect()
    }
}
