//! dcgm-exporter's Prometheus text format for the simulated GPU pods.

use std::fmt::Write;

use crate::model::Cluster;

impl Cluster {
    /// dcgm-exporter metrics for the GPUs of one node (as its exporter pod serves them), or of
    /// every node with `None`.
    pub fn dcgm_metrics(&self, node: Option<&str>) -> String {
        let mut util =
            String::from("# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).\n# TYPE DCGM_FI_DEV_GPU_UTIL gauge\n");
        let mut fb = String::from(
            "# HELP DCGM_FI_DEV_FB_USED Framebuffer memory used (in MiB).\n# TYPE DCGM_FI_DEV_FB_USED gauge\n",
        );
        let nodes: Vec<&str> = match node {
            Some(node) => vec![node],
            None => self.gpu_pods.keys().map(String::as_str).collect(),
        };
        for host in nodes {
            for (namespace, pod) in self.gpu_pods_on(host) {
                for (gpu, utilisation, memory) in &pod.gpus {
                    let device = format!(
                        "gpu=\"{gpu}\",UUID=\"GPU-{host}-{gpu}\",device=\"nvidia{gpu}\",modelName=\"NVIDIA H100 80GB HBM3\",\
                         Hostname=\"{host}\""
                    );
                    let labels = if self.faults.gpus_unattributed {
                        device
                    } else {
                        format!("{device},container=\"main\",namespace=\"{namespace}\",pod=\"{}\"", pod.name)
                    };
                    let _ = writeln!(util, "DCGM_FI_DEV_GPU_UTIL{{{labels}}} {utilisation}");
                    let _ = writeln!(fb, "DCGM_FI_DEV_FB_USED{{{labels}}} {memory}");
                }
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
