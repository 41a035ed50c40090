//! GPU utilisation from dcgm-exporter pods, scraped through the API server's pod proxy, so
//! no network path to the pods is needed beyond the API server itself.

use domain::Inventory;
use domain::gpu::{GpuSample, parse_dcgm_metrics};
use k8s_openapi::api::core::v1::Pod;
use kube::Client;

/// The label value that marks dcgm-exporter pods (`app=nvidia-dcgm-exporter`).
pub const DCGM_APP_LABEL: &str = "nvidia-dcgm-exporter";
/// dcgm-exporter's default metrics port.
pub const DCGM_PORT: i32 = 9400;

/// Samples from every running dcgm-exporter pod. An exporter that cannot be read is logged
/// and skipped: GPU figures are then missing for its node, never invented.
pub async fn read_dcgm_exporters(client: &Client, inventory: &Inventory) -> Vec<GpuSample> {
    let mut samples = Vec::new();
    for pod in inventory.pods.iter().filter(|p| is_running_exporter(p)) {
        let (Some(ns), Some(name)) = (pod.metadata.namespace.as_deref(), pod.metadata.name.as_deref()) else {
            continue;
        };
        let path = format!("/api/v1/namespaces/{ns}/pods/{name}:{}/proxy/metrics", metrics_port(pod));
        let request = match http::Request::get(&path).body(Vec::new()) {
            Ok(request) => request,
            Err(error) => {
                tracing::warn!(%error, pod = name, "invalid dcgm-exporter proxy path");
                continue;
            }
        };
        match client.request_text(request).await {
            Ok(text) => match parse_dcgm_metrics(&text) {
                Ok(mut parsed) => samples.append(&mut parsed),
                Err(error) => {
                    tracing::warn!(%error, namespace = ns, pod = name, "unreadable dcgm-exporter metrics")
                }
            },
            Err(error) => {
                tracing::warn!(%error, namespace = ns, pod = name, "dcgm-exporter not reachable")
            }
        }
    }
    samples
}

fn is_running_exporter(pod: &Pod) -> bool {
    let labelled = pod.metadata.labels.as_ref().and_then(|l| l.get("app")).is_some_and(|app| app == DCGM_APP_LABEL);
    let running = pod.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running");
    labelled && running
}

fn metrics_port(pod: &Pod) -> i32 {
    pod.spec
        .iter()
        .flat_map(|s| &s.containers)
        .flat_map(|c| c.ports.iter().flatten())
        .find(|p| p.name.as_deref() == Some("metrics"))
        .map_or(DCGM_PORT, |p| p.container_port)
}
