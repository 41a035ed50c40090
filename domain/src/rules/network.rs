//! Network isolation checks.

use std::collections::HashSet;

use super::{Category, Rule};
use crate::finding::{Finding, ObjectRef, Severity};
use crate::inventory::Inventory;

/// A namespace with no NetworkPolicy lets every pod talk to every other pod in the cluster.
pub const NAMESPACE_WITHOUT_POLICY: Rule = Rule {
    id: "network.namespace-without-policy",
    title: "Namespace without NetworkPolicy",
    category: Category::Network,
    severity: Severity::Medium,
    rationale: "Without a NetworkPolicy every pod accepts traffic from every pod of every \
                tenant; one compromised workload can reach them all.",
    remediation: "Add a default-deny ingress policy, then allow what each workload needs:\n\n\
                  apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  \
                  name: default-deny-ingress\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]",
    controls: &["cis:5.3.2", "nsa:network-separation"],
    check: check_namespace_without_policy,
};

fn check_namespace_without_policy(rule: &Rule, inv: &Inventory, out: &mut Vec<Finding>) {
    let covered: HashSet<&str> = inv
        .network_policies
        .iter()
        .filter_map(|p| p.metadata.namespace.as_deref())
        .collect();
    for ns in &inv.namespaces {
        let name = ns.metadata.name.as_deref().unwrap_or_default();
        if !covered.contains(name) {
            let message = format!("namespace {name:?} has no NetworkPolicy");
            out.push(rule.finding(
                ObjectRef::from_meta("Namespace", &ns.metadata),
                None,
                message,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::inventory::Inventory;
    use crate::rules::fixture::{obj, rule_ids};
    use serde_json::json;

    fn namespace_with_policies(policies: usize) -> Inventory {
        Inventory {
            namespaces: vec![obj(
                json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}}),
            )],
            network_policies: (0..policies)
                .map(|i| {
                    obj(json!({
                        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                        "metadata": {"name": format!("p{i}"), "namespace": "team-a"},
                        "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}
                    }))
                })
                .collect(),
            ..Inventory::default()
        }
    }

    #[test]
    fn namespace_without_network_policy_fails() {
        let findings = rule_ids(
            &namespace_with_policies(0),
            "network.namespace-without-policy",
        );
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].object.kind, "Namespace");
        assert_eq!(findings[0].object.owning_namespace(), Some("team-a"));
    }

    #[test]
    fn namespace_with_a_network_policy_passes() {
        assert!(
            rule_ids(
                &namespace_with_policies(1),
                "network.namespace-without-policy"
            )
            .is_empty()
        );
    }
}
