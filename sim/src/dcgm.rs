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
        for w in &self.workloads {
            for pod in &w.pods {
                let Some(host) = pod.node.as_deref() else {
                    continue;
                };
                if node.is_some_and(|n| n != host) {
                    continue;
                }
                for (gpu, utilisation, memory) in &pod.gpus {
                    let labels = format!(
                        "gpu=\"{gpu}\",UUID=\"GPU-{host}-{gpu}\",device=\"nvidia{gpu}\",modelName=\"NVIDIA H100 80GB HBM3\",\
                         Hostname=\"{host}\",container=\"main\",namespace=\"{}\",pod=\"{}\"",
                        w.namespace, pod.name
                    );
                    let _ = writeln!(util, "DCGM_FI_DEV_GPU_UTIL{{{labels}}} {utilisation}");
                    let _ = writeln!(fb, "DCGM_FI_DEV_FB_USED{{{labels}}} {memory}");
                }
            }
        }
        util + &fb
    }
}
