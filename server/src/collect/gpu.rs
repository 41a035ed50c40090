//! GPU utilisation from dcgm-exporter: queried from a Prometheus that scrapes the exporters,
//! or, without one, scraped from the exporter pods through the API server's pod proxy, so no
//! network path to the pods is needed beyond the API server itself.

use std::collections::BTreeMap;
use std::time::Duration;

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

/// The latest `DCGM_FI_DEV_GPU_UTIL` and `DCGM_FI_DEV_FB_USED` of every GPU, from Prometheus'
/// `/api/v1/query`, joined per GPU and pod. A series without pod attribution (dcgm-exporter
/// without its Kubernetes mode, a known pitfall) cannot be charged to a tenant: such series are
/// counted and logged, never guessed. An unreachable Prometheus is logged; GPU figures are then
/// missing for this collection, never invented.
pub async fn read_prometheus(base_url: &str) -> Vec<GpuSample> {
    match query_gpus(base_url).await {
        Ok(samples) => samples,
        Err(error) => {
            tracing::warn!(%error, "cannot read GPU metrics from Prometheus");
            Vec::new()
        }
    }
}

async fn query_gpus(base_url: &str) -> Result<Vec<GpuSample>, String> {
    let client = openidconnect::reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .map_err(|e| e.to_string())?;
    let utilisation = query(&client, base_url, "DCGM_FI_DEV_GPU_UTIL").await?;
    let memory = query(&client, base_url, "DCGM_FI_DEV_FB_USED").await?;
    let mut samples: BTreeMap<(String, String, String), GpuSample> = BTreeMap::new();
    let mut unattributed = 0;
    for (labels, value, is_memory) in
        utilisation.into_iter().map(|(l, v)| (l, v, false)).chain(memory.into_iter().map(|(l, v)| (l, v, true)))
    {
        // Scraped through a ServiceMonitor, the exporter's own labels are renamed exported_*.
        let label =
            |key: &str| labels.get(&format!("exported_{key}")).or_else(|| labels.get(key)).cloned().unwrap_or_default();
        let (namespace, pod) = (label("namespace"), label("pod"));
        if namespace.is_empty() || pod.is_empty() {
            unattributed += 1;
            continue;
        }
        let sample = samples.entry((namespace.clone(), pod.clone(), label("gpu"))).or_insert_with(|| GpuSample {
            namespace,
            pod,
            container: label("container"),
            gpu: label("gpu"),
            uuid: label("UUID"),
            hostname: label("Hostname"),
            utilisation_pct: 0.0,
            memory_used_mib: 0.0,
        });
        if is_memory {
            sample.memory_used_mib = value;
        } else {
            sample.utilisation_pct = value;
        }
    }
    if unattributed > 0 {
        tracing::warn!(
            series = unattributed,
            "GPU series without pod attribution (is dcgm-exporter's Kubernetes mode on?); not charged to any tenant"
        );
    }
    Ok(samples.into_values().collect())
}

/// One instant query: each series' labels and value.
async fn query(
    client: &openidconnect::reqwest::Client,
    base_url: &str,
    expression: &str,
) -> Result<Vec<(BTreeMap<String, String>, f64)>, String> {
    let url = format!("{}/api/v1/query", base_url.trim_end_matches('/'));
    // The URL may carry basic-auth credentials: errors name it redacted, and reqwest's own
    // errors without it.
    let shown = crate::database::redact(&url);
    let failed = |e: openidconnect::reqwest::Error| format!("{shown}: {}", e.without_url());
    let response = client.get(&url).query(&[("query", expression)]).send().await.map_err(failed)?;
    let status = response.status();
    let text = response.text().await.map_err(failed)?;
    let body: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{shown}: unreadable answer: {e}"))?;
    if !status.is_success() || body["status"] != "success" {
        return Err(format!("{shown}: {status}: {}", body["error"].as_str().unwrap_or("no error message")));
    }
    let series = body["data"]["result"].as_array().ok_or_else(|| format!("{shown}: no result vector"))?;
    Ok(series
        .iter()
        .filter_map(|s| {
            let labels: BTreeMap<String, String> = serde_json::from_value(s["metric"].clone()).ok()?;
            let value = s["value"][1].as_str()?.parse::<f64>().ok()?;
            Some((labels, value))
        })
        .collect())
}
