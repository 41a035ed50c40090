//! CPU and memory in use, from metrics-server's `metrics.k8s.io` PodMetrics: what pods use
//! against what they request.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::quantity::parse_quantity;

/// A `metrics.k8s.io/v1beta1` PodMetrics object, as the API serves it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PodMetrics {
    pub metadata: UsageMeta,
    #[serde(default)]
    pub containers: Vec<ContainerMetrics>,
}

/// The name and namespace of the pod a PodMetrics is about (its own name and namespace).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageMeta {
    pub name: String,
    #[serde(default)]
    pub namespace: String,
}

/// One container's usage, as quantities (`cpu: 250m`, `memory: 512Mi`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContainerMetrics {
    pub name: String,
    #[serde(default)]
    pub usage: BTreeMap<String, String>,
}

/// What one pod uses now, summed over its containers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct PodUsage {
    pub cpu_millis: f64,
    pub memory_mib: f64,
}

impl PodMetrics {
    /// The pod's usage summed over its containers; an unreadable quantity counts as nothing.
    pub fn usage(&self) -> PodUsage {
        let amount = |key: &str| -> f64 {
            self.containers.iter().filter_map(|c| c.usage.get(key)).filter_map(|q| parse_quantity(q)).sum()
        };
        PodUsage { cpu_millis: amount("cpu") * 1000.0, memory_mib: amount("memory") / (1024.0 * 1024.0) }
    }
}

/// Every pod's usage, by (namespace, name).
pub fn usage_by_pod(metrics: &[PodMetrics]) -> BTreeMap<(&str, &str), PodUsage> {
    metrics.iter().map(|m| ((m.metadata.namespace.as_str(), m.metadata.name.as_str()), m.usage())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_sums_containers_in_millicores_and_mebibytes() {
        let metrics: PodMetrics = serde_json::from_value(serde_json::json!({
            "kind": "PodMetrics", "apiVersion": "metrics.k8s.io/v1beta1",
            "metadata": {"name": "api-1", "namespace": "shop"}, "timestamp": "2026-11-28T10:00:00Z", "window": "15s",
            "containers": [{"name": "app", "usage": {"cpu": "250m", "memory": "512Mi"}},
                           {"name": "sidecar", "usage": {"cpu": "12500000n", "memory": "64Mi"}}]}))
        .unwrap();
        let usage = metrics.usage();
        assert!((usage.cpu_millis - 262.5).abs() < 1e-6, "{usage:?}");
        assert!((usage.memory_mib - 576.0).abs() < 1e-6, "{usage:?}");
    }
}
