//! One cluster's assessment: everything a collection stores, computed from its inventory.

use crate::workload::{WorkloadSummary, workload_summaries};
use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::compliance::{ControlResult, evaluate_compliance};
use crate::exceptions::Exception;
use crate::exposure::ExposureIndex;
use crate::finding::{SeverityCounts, TenantFinding};
use crate::gpu::GpuSample;
use crate::health::{NodeProblem, PodHealth, not_ready_nodes, pod_health};
use crate::inventory::Inventory;
use crate::quota::{QuotaUsage, quota_usage};
use crate::rules::{RuleSettings, evaluate_with};
use crate::score::{contribution, tenant_score};

/// A value attributed to the tenant that owns it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tenanted<T> {
    pub tenant: String,
    pub item: T,
}

/// One namespace's tenant, size and pod health.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NamespaceSummary {
    pub namespace: String,
    pub tenant: String,
    pub workloads: u32,
    pub health: PodHealth,
    /// Pods waiting for GPUs the scheduler cannot find, and the GPUs they ask for.
    pub pending_gpus: crate::gpu_capacity::PendingGpuDemand,
}

/// A tenant's risk score in one collection, with what it was computed from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TenantScore {
    pub tenant: String,
    pub score: f64,
    pub workloads: u32,
    /// Findings that count in the score (not excepted).
    pub findings: u32,
    /// Open findings by severity, excepted ones included.
    pub by_severity: SeverityCounts,
}

/// Everything one collection of one cluster yields.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Assessment {
    pub findings: Vec<TenantFinding>,
    pub namespaces: Vec<NamespaceSummary>,
    pub quotas: Vec<Tenanted<QuotaUsage>>,
    pub gpus: Vec<Tenanted<GpuSample>>,
    /// Every workload's requests, images, pod health and GPU use.
    pub workloads: Vec<Tenanted<WorkloadSummary>>,
    pub scores: Vec<TenantScore>,
    /// Every control's status for every tenant, excepted findings left out.
    pub compliance: Vec<ControlResult>,
    pub object_count: usize,
    /// Rules that could not be assessed on this inventory, with why.
    pub not_assessable: Vec<(String, String)>,
    /// Objects read per kind, and the kinds that could not be listed, with why.
    pub coverage: Vec<KindCoverage>,
    /// Nodes that are not ready, with why.
    pub not_ready_nodes: Vec<NodeProblem>,
    /// Every GPU node's capacity, allocation and use.
    pub gpu_nodes: Vec<crate::gpu_capacity::GpuNode>,
    /// Every image Trivy Operator scanned, once, with its CVEs.
    #[serde(skip)]
    pub images: Vec<std::sync::Arc<crate::trivy::ScannedImage>>,
    /// Which container of which workload runs which image.
    #[serde(skip)]
    pub workload_images: Vec<Tenanted<crate::images::WorkloadImage>>,
    /// The packages of the scanned images, from their SBOM reports, by image key.
    #[serde(skip)]
    pub image_packages: BTreeMap<String, Vec<crate::trivy::compliance::SbomComponent>>,
    /// Trivy Operator's own verdict per control, from its compliance reports.
    #[serde(skip)]
    pub trivy_compliance: Vec<crate::trivy::compliance::TrivyControlStatus>,
}

/// What one collection could read of one kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KindCoverage {
    /// The resource plural (`pods`, `networkpolicies`).
    pub kind: String,
    pub objects: usize,
    /// Why the kind could not be listed (a 403, an API the cluster does not serve), if so.
    pub gap: Option<String>,
}

/// Objects per kind and the gaps, every gap included even for a kind Rampart does not count.
fn coverage(inv: &Inventory) -> Vec<KindCoverage> {
    let mut coverage: Vec<KindCoverage> = inv
        .kind_counts()
        .into_iter()
        .map(|(kind, objects)| KindCoverage { kind: kind.to_string(), objects, gap: inv.gaps.get(kind).cloned() })
        .collect();
    for (kind, why) in &inv.gaps {
        if !coverage.iter().any(|c| &c.kind == kind) {
            coverage.push(KindCoverage { kind: kind.clone(), objects: 0, gap: Some(why.clone()) });
        }
    }
    coverage
}

/// Evaluates the rules over an inventory, attributes everything to tenants, applies the active
/// exceptions, and computes scores and compliance.
pub fn assess(inv: &Inventory, settings: &RuleSettings, gpus: Vec<GpuSample>, exceptions: &[Exception]) -> Assessment {
    let tenants = settings.tenant_mapping.resolve(&inv.namespaces);
    let accepted_cves: Vec<Exception> = exceptions.iter().filter(|e| e.cve.is_some()).cloned().collect();
    let evaluation = if accepted_cves.is_empty() {
        evaluate_with(inv, settings)
    } else {
        evaluate_with(inv, &RuleSettings { accepted_cves, ..settings.clone() })
    };
    let workloads = inv.workloads_per_namespace();
    let health = pod_health(&inv.pods, inv.observed_at);
    let mut pending_gpus = crate::gpu_capacity::pending_gpu_demand(inv);

    let names: BTreeSet<String> =
        inv.namespaces.iter().filter_map(|ns| ns.metadata.name.clone()).chain(health.keys().cloned()).collect();
    let namespaces: Vec<NamespaceSummary> = names
        .into_iter()
        .map(|ns| NamespaceSummary {
            tenant: tenants.tenant(Some(&ns)),
            workloads: workloads.get(&ns).copied().unwrap_or(0),
            health: health.get(&ns).cloned().unwrap_or_default(),
            pending_gpus: pending_gpus.remove(&ns).unwrap_or_default(),
            namespace: ns,
        })
        .collect();

    let exposure = ExposureIndex::new(inv);
    let findings: Vec<TenantFinding> = evaluation
        .findings
        .into_iter()
        .map(|f| {
            let tenant = tenants.tenant(f.object.owning_namespace());
            let exception = exceptions.iter().find(|e| e.covers(&tenant, &f)).map(|e| e.id);
            let contribution =
                if exception.is_some() { 0.0 } else { contribution(f.severity, &exposure.of(&f.object)) };
            TenantFinding { tenant, item: f, contribution, exception }
        })
        .collect();
    let quotas = quota_usage(inv)
        .into_iter()
        .map(|q| Tenanted { tenant: tenants.tenant(Some(&q.namespace)), item: q })
        .collect();
    let workload_summaries = workload_summaries(inv, &gpus)
        .into_iter()
        .map(|w| Tenanted { tenant: tenants.tenant(Some(&w.namespace)), item: w })
        .collect();
    let gpu_nodes = crate::gpu_capacity::gpu_nodes(inv, &gpus);
    let gpus = gpus.into_iter().map(|g| Tenanted { tenant: tenants.tenant(Some(&g.namespace)), item: g }).collect();

    let not_assessable: Vec<(String, String)> =
        evaluation.not_assessable.into_iter().map(|(id, why)| (id.to_string(), why)).collect();
    let scores = tenant_scores(&namespaces, &findings);
    let counted = findings.iter().filter(|f| f.exception.is_none());
    let compliance = evaluate_compliance(scores.iter().map(|s| s.tenant.as_str()), counted, &not_assessable);
    Assessment {
        scores,
        compliance,
        findings,
        namespaces,
        quotas,
        gpus,
        workloads: workload_summaries,
        object_count: inv.object_count(),
        not_assessable,
        coverage: coverage(inv),
        not_ready_nodes: not_ready_nodes(&inv.nodes),
        gpu_nodes,
        images: crate::images::scanned_images(inv),
        workload_images: crate::images::workload_images(inv)
            .into_iter()
            .map(|w| Tenanted { tenant: tenants.tenant(Some(&w.namespace)), item: w })
            .collect(),
        image_packages: crate::images::image_packages(inv),
        trivy_compliance: inv
            .trivy
            .as_ref()
            .map(|t| t.compliance_reports.iter().flat_map(|r| r.statuses()).collect())
            .unwrap_or_default(),
    }
}

fn tenant_scores(namespaces: &[NamespaceSummary], findings: &[TenantFinding]) -> Vec<TenantScore> {
    let mut workloads: BTreeMap<&str, u32> = BTreeMap::new();
    for ns in namespaces {
        *workloads.entry(&ns.tenant).or_default() += ns.workloads;
    }
    let mut by_tenant: BTreeMap<&str, Vec<&TenantFinding>> = BTreeMap::new();
    for f in findings {
        workloads.entry(&f.tenant).or_default();
        by_tenant.entry(&f.tenant).or_default().push(f);
    }
    workloads
        .into_iter()
        .map(|(tenant, workloads)| {
            let mine = by_tenant.remove(tenant).unwrap_or_default();
            let counted: Vec<&TenantFinding> = mine.iter().copied().filter(|f| f.exception.is_none()).collect();
            let mut by_severity = SeverityCounts::default();
            for f in &mine {
                by_severity.add(f.item.severity);
            }
            TenantScore {
                tenant: tenant.to_string(),
                by_severity,
                findings: u32::try_from(counted.len()).unwrap_or(u32::MAX),
                score: tenant_score(counted.iter().map(|f| f.contribution), workloads),
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
        let a = assess(&inv, &RuleSettings::default(), vec![], &[]);
        let nlp_rules: Vec<&str> =
            a.findings.iter().filter(|f| f.tenant == "nlp").map(|f| f.item.rule.as_str()).collect();
        assert!(nlp_rules.contains(&"network.namespace-without-policy"));
        assert!(nlp_rules.contains(&"workload.namespace-without-quota"));
        let nlp = a.scores.iter().find(|s| s.tenant == "nlp").unwrap();
        let platform = a.scores.iter().find(|s| s.tenant == "platform").unwrap();
        assert!(nlp.score > platform.score, "nlp-prod lacks what kube-system has");
    }
}
