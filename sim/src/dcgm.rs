//! dcgm-exporter's Prometheus text format for the simulated GPU pods.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::model::Cluster;

impl Cluster {
    /// dcgm-exporter metrics for the GPUs of one node (as its exporter pod serves them), or of
    /// every GPU node with `None`: every GPU, those no pod holds without pod labels.
    pub fn dcgm_metrics(&self, node: Option<&str>) -> String {
        let mut util =
            String::from("# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).\n# TYPE DCGM_FI_DEV_GPU_UTIL gauge\n");
        let mut fb = String::from(
            "# HELP DCGM_FI_DEV_FB_USED Framebuffer memory used (in MiB).\n# TYPE DCGM_FI_DEV_FB_USED gauge\n",
        );
        let nodes: Vec<&str> = match node {
            Some(node) => vec![node],
            None => self.nodes.iter().filter(|n| n.gpus > 0).map(|n| n.name.as_str()).collect(),
        };
        for host in nodes {
            let gpus = self.nodes.iter().find(|n| n.name == host).map_or(0, |n| n.gpus);
            // A real exporter reports every GPU of its node: a free one without pod labels.
            let mut held: BTreeMap<u32, (String, f64, f64)> = BTreeMap::new();
            for &(w, p) in self.gpu_pods.get(host).map(Vec::as_slice).unwrap_or_default() {
                let (workload, pod) = (&self.workloads[w], &self.workloads[w].pods[p]);
                let container = crate::operators::container_name(workload, p);
                let pod_labels =
                    format!(",container=\"{container}\",namespace=\"{}\",pod=\"{}\"", workload.namespace, pod.name);
                for (gpu, utilisation, memory) in &pod.gpus {
                    held.insert(*gpu, (pod_labels.clone(), *utilisation, *memory));
                }
            }
            for gpu in 0..gpus {
                let device = format!(
                    "gpu=\"{gpu}\",UUID=\"GPU-{host}-{gpu}\",device=\"nvidia{gpu}\",modelName=\"NVIDIA H100 80GB HBM3\",\
                     Hostname=\"{host}\""
                );
                let (pod_labels, utilisation, memory) = held.get(&gpu).cloned().unwrap_or((String::new(), 0.0, 0.0));
                let labels = if self.faults.gpus_unattributed { device } else { format!("{device}{pod_labels}") };
                let _ = writeln!(util, "DCGM_FI_DEV_GPU_UTIL{{{labels}}} {utilisation}");
                let _ = writeln!(fb, "DCGM_FI_DEV_FB_USED{{{labels}}} {memory}");
            }
        }
        util + &fb
    }

    /// The node of a placed dcgm-exporter pod (the DaemonSet that runs on GPU nodes only).
    pub(crate) fn exporter_node(&self, namespace: &str, pod: &str) -> Option<&str> {
        self.workloads
            .iter()
            .filter(|w| w.gpu_nodes_only && w.namespace == namespace)
            .flat_map(|w| &w.pods)
            .find(|p| p.name == pod)
            .and_then(|p| p.node.as_deref())
    }
}

/// The simulator's own GPU counts, for checking what a collector reads of them.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct GpuCounts {
    /// GPUs of every node.
    pub capacity: u32,
    /// Held by placed pods.
    pub allocated: u32,
    /// Pods waiting for GPUs no node has free, and the GPUs they ask for.
    pub pending_pods: u32,
    pub pending_gpus: u32,
}

impl Cluster {
    /// What the simulated cluster's GPUs are: capacity, allocation and pending demand.
    pub fn gpu_counts(&self) -> GpuCounts {
        let mut counts = GpuCounts { capacity: self.nodes.iter().map(|n| n.gpus).sum(), ..GpuCounts::default() };
        for w in &self.workloads {
            for (i, pod) in w.pods.iter().enumerate() {
                let gpus = crate::operators::pod_gpus(w, i);
                match (&pod.node, pod.phase) {
                    (Some(_), crate::model::Phase::Running) => counts.allocated += gpus,
                    (None, _) if gpus > 0 => {
                        counts.pending_pods += 1;
                        counts.pending_gpus += gpus;
                    }
                    _ => {}
                }
            }
        }
        counts
    }
}
