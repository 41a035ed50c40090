//! Workload hygiene and multi-tenancy checks.

use std::collections::HashSet;

use super::{Category, Rule};
use crate::finding::{Finding, ObjectRef, Severity};
use crate::inventory::Inventory;

/// A namespace without a ResourceQuota can starve every other tenant of CPU, memory and GPUs.
pub const NAMESPACE_WITHOUT_QUOTA: Rule = Rule {
    id: "workload.namespace-without-quota",
    title: "Namespace without ResourceQuota",
    category: Category::Tenancy,
    severity: Severity::Medium,
    rationale: "Without a ResourceQuota one tenant's runaway job can take every CPU, byte of \
                memory and GPU of the cluster from the others.",
    remediation: "Give every tenant namespace a quota:\n\napiVersion: v1\nkind: ResourceQuota\n\
                  metadata:\n  name: compute\nspec:\n  hard:\n    requests.cpu: \"16\"\n    \
                  requests.memory: 64Gi\n    requests.nvidia.com/gpu: \"4\"",
    controls: &["nsa:resource-policies"],
    check: check_namespace_without_quota,
};

fn check_namespace_without_quota(rule: &Rule, inv: &Inventory, out: &mut Vec<Finding>) {
    let covered: HashSet<&str> = inv
        .resource_quotas
        .iter()
        .filter_map(|q| q.metadata.namespace.as_deref())
        .collect();
    for ns in &inv.namespaces {
        let name = ns.metadata.name.as_deref().unwrap_or_default();
        if !covered.contains(name) {
            let message = format!("namespace {name:?} has no ResourceQuota");
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

    fn namespace(with_quota: bool) -> Inventory {
        let mut inv = Inventory {
            namespaces: vec![obj(
                json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-b"}}),
            )],
            ..Inventory::default()
        };
        if with_quota {
            inv.resource_quotas.push(obj(json!({
                "apiVersion": "v1", "kind": "ResourceQuota",
                "metadata": {"name": "compute", "namespace": "team-b"},
                "spec": {"hard": {"pods": "10"}}
            })));
        }
        inv
    }

    #[test]
    fn namespace_without_resource_quota_fails() {
        let findings = rule_ids(&namespace(false), "workload.namespace-without-quota");
        assert_eq!(findings.len(), 1);
        assert!(findings[0].message.contains("team-b"));
    }

    #[test]
    fn namespace_with_resource_quota_passes() {
        assert!(rule_ids(&namespace(true), "workload.namespace-without-quota").is_empty());
    }
}
