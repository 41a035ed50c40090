//! One cluster's assessment: everything a collection stores, computed from its inventory.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::finding::Finding;
use crate::gpu::GpuSample;
use crate::health::{PodHealth, pod_health};
use crate::inventory::Inventory;
use crate::quota::{QuotaUsage, quota_usage};
use crate::rules::{RuleSettings, evaluate_with};
use crate::score::risk_score;

/// A value attributed to the tenant that owns it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tenanted<T> {
    pub tenant: String,
    pub item: T,
}

/// A finding with its tenant.
pub type TenantFinding = Tenanted<Finding>;

/// One namespace's tenant, size and pod health.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NamespaceSummary {
    pub namespace: String,
    pub tenant: String,
    pub workloads: u32,
    pub health: PodHealth,
}

/// A tenant's risk score in one collection, with what it was computed from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TenantScore {
    pub tenant: String,
    pub score: f64,
    pub workloads: u32,
    pub findings: u32,
}

/// Everything one collection of one cluster yields.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Assessment {
    pub findings: Vec<TenantFinding>,
    pub namespaces: Vec<NamespaceSummary>,
    pub quotas: Vec<Tenanted<QuotaUsage>>,
    pub gpus: Vec<Tenanted<GpuSample>>,
    pub scores: Vec<TenantScore>,
    pub object_count: usize,
    /// Rules that could not be assessed on this inventory, with why.
    pub not_assessable: Vec<(String, String)>,
}

/// Evaluates the rules over an inventory and attributes everything to tenants.
pub fn assess(inv: &Inventory, settings: &RuleSettings, gpus: Vec<GpuSample>) -> Assessment {
    let tenants = settings.tenant_mapping.resolve(&inv.namespaces);
    let evaluation = evaluate_with(inv, settings);
    let workloads = inv.workloads_per_namespace();
    let health = pod_health(&inv.pods);

    let names: BTreeSet<String> =
        inv.namespaces.iter().filter_map(|ns| ns.metadata.name.clone()).chain(health.keys().cloned()).collect();
    let namespaces: Vec<NamespaceSummary> = names
        .into_iter()
        .map(|ns| NamespaceSummary {
            tenant: tenants.tenant(Some(&ns)),
            workloads: workloads.get(&ns).copied().unwrap_or(0),
            health: health.get(&ns).cloned().unwrap_or_default(),
            namespace: ns,
        })
        .collect();

    let findings: Vec<TenantFinding> = evaluation
        .findings
        .into_iter()
        .map(|f| Tenanted { tenant: tenants.tenant(f.object.owning_namespace()), item: f })
        .collect();
    let quotas = quota_usage(inv)
        .into_iter()
        .map(|q| Tenanted { tenant: tenants.tenant(Some(&q.namespace)), item: q })
        .collect();
    let gpus = gpus.into_iter().map(|g| Tenanted { tenant: tenants.tenant(Some(&g.namespace)), item: g }).collect();

    Assessment {
        scores: tenant_scores(&namespaces, &findings),
        findings,
        namespaces,
        quotas,
        gpus,
        object_count: inv.object_count(),
        not_assessable: evaluation.not_assessable.into_iter().map(|(id, why)| (id.to_string(), why)).collect(),
    }
}

fn tenant_scores(namespaces: &[NamespaceSummary], findings: &[TenantFinding]) -> Vec<TenantScore> {
    let mut workloads: BTreeMap<&str, u32> = BTreeMap::new();
    for ns in namespaces {
        *workloads.entry(&ns.tenant).or_default() += ns.workloads;
    }
    for f in findings {
        workloads.entry(&f.tenant).or_default();
    }
    workloads
        .into_iter()
        .map(|(tenant, workloads)| {
            let severities: Vec<_> = findings.iter().filter(|f| f.tenant == tenant).map(|f| f.item.severity).collect();
            TenantScore {
                tenant: tenant.to_string(),
                findings: u32::try_from(severities.len()).unwrap_or(u32::MAX),
                score: risk_score(severities, workloads),
                workloads,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn findings_and_scores_are_attributed_to_the_namespace_tenant() {
        let inv = Inventory {
            namespaces: vec![
                serde_json::from_value(
                    json!({"metadata": {"name": "nlp-prod", "labels": {"rampart.io/tenant": "nlp"}}}),
                )
                .unwrap(),
                serde_json::from_value(json!({"metadata": {"name": "kube-system"}})).unwrap(),
            ],
            network_policies: vec![
                serde_json::from_value(json!({"metadata": {"name": "deny", "namespace": "kube-system"}})).unwrap(),
            ],
            resource_quotas: vec![
                serde_json::from_value(json!({"metadata": {"name": "q", "namespace": "kube-system"}})).unwrap(),
            ],
            limit_ranges: vec![
                serde_json::from_value(json!({"metadata": {"name": "l", "namespace": "kube-system"}})).unwrap(),
            ],
            ..Inventory::default()
        };
        let a = assess(&inv, &RuleSettings::default(), vec![]);
        let nlp_rules: Vec<&str> =
            a.findings.iter().filter(|f| f.tenant == "nlp").map(|f| f.item.rule.as_str()).collect();
        assert!(nlp_rules.contains(&"network.namespace-without-policy"));
        assert!(nlp_rules.contains(&"workload.namespace-without-quota"));
        let nlp = a.scores.iter().find(|s| s.tenant == "nlp").unwrap();
        let platform = a.scores.iter().find(|s| s.tenant == "platform").unwrap();
        assert!(nlp.score > platform.score, "nlp-prod lacks what kube-system has");
    }
}
