//! GPU utilisation from dcgm-exporter: queried from a Prometheus that scrapes the exporters,
//! or, without one, scraped from the exporter pods through the API server's pod proxy, so no
//! network path to the pods is needed beyond the API server itself.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::time::Duration;

use domain::Inventory;
use domain::gpu::{
    DcgmMetrics, ENGINE_ACTIVE, FreeGpu, GpuSample, IDLE_UTILISATION_PCT, METRICS, UTILISATION, is_exporter_pod,
    parse_dcgm_metrics,
};
use domain::pod::InventoryPod;
use futures::StreamExt;
use kube::Client;

/// dcgm-exporter's default metrics port.
pub const DCGM_PORT: i32 = 9400;

/// Exporters scraped at once through the API server.
const CONCURRENT_SCRAPES: usize = 8;

/// How coverage names GPU metrics that could not be read.
pub const GPU_METRICS: &str = "gpu-metrics";

/// GPU samples, and why some or all could not be read (a coverage gap of the collection).
#[derive(Debug, Default)]
pub struct GpuReading {
    pub samples: Vec<GpuSample>,
    /// Devices reported with no pod holding them: free capacity, charged to no tenant.
    pub free: usize,
    pub gap: Option<String>,
}

impl GpuReading {
    /// What the Clusters page shows of this reading, if anything is amiss: exporters or
    /// Prometheus that could not be read, and GPUs held by pods with no metrics (naming their
    /// workloads; a free GPU is never a gap).
    pub fn coverage_gap(&self, inventory: &Inventory) -> Option<String> {
        let unmetered = domain::gpu_capacity::unmetered_workloads(inventory, &self.samples);
        let unmetered = domain::gpu_capacity::unmetered_gap(&unmetered);
        match (&self.gap, unmetered) {
            (Some(gap), Some(unmetered)) => Some(format!("{gap}; {unmetered}")),
            (gap, unmetered) => gap.clone().or(unmetered),
        }
    }
}

/// The dcgm-exporter pods of the inventory, by (namespace, name): any pod with one of `labels`.
pub fn exporter_pods(inventory: &Inventory, labels: &[(String, String)]) -> HashSet<(String, String)> {
    inventory
        .pods
        .iter()
        .filter(|p| is_exporter_pod(p, labels))
        .filter_map(|p| Some((p.metadata.namespace.clone()?, p.metadata.name.clone()?)))
        .collect()
}

/// Samples from every running dcgm-exporter pod, a few at a time. An exporter that cannot be
/// read is skipped and counted in the reading's gap: GPU figures are then missing for its
/// node, never invented. Each sample is held for the whole `window` (see
/// [`GpuSample::hold_for`]).
pub async fn read_dcgm_exporters(
    client: &Client,
    inventory: &Inventory,
    labels: &[(String, String)],
    window: Duration,
    request_timeout: Duration,
) -> GpuReading {
    // The futures are made by an iterator, not by a stream's closure, so the collection's
    // future stays `Send` for any borrow of the inventory.
    let scrapes: Vec<_> = inventory
        .pods
        .iter()
        .filter(|p| is_running_exporter(p, labels))
        .map(|pod| scrape_exporter(client, pod, request_timeout))
        .collect();
    let total = scrapes.len();
    let results: Vec<Result<DcgmMetrics, String>> =
        futures::stream::iter(scrapes).buffer_unordered(CONCURRENT_SCRAPES).collect().await;
    let mut reading = GpuReading::default();
    let mut failures = Vec::new();
    for result in results {
        match result {
            Ok(mut metrics) => {
                reading.samples.append(&mut metrics.samples);
                reading.free += metrics.free.len();
            }
            Err(why) => failures.push(why),
        }
    }
    for sample in &mut reading.samples {
        sample.hold_for(window.as_secs_f64() / 3600.0);
    }
    if let Some(first) = failures.first() {
        reading.gap = Some(format!("{} of {total} dcgm-exporters unreadable, such as {first}", failures.len()));
    }
    reading
}

/// One exporter's samples through the pod proxy, or why they cannot be read (a refusal, no
/// answer within `timeout`, unreadable text).
async fn scrape_exporter(client: &Client, pod: &InventoryPod, timeout: Duration) -> Result<DcgmMetrics, String> {
    let (Some(ns), Some(name)) = (pod.metadata.namespace.as_deref(), pod.metadata.name.as_deref()) else {
        return Ok(DcgmMetrics::default());
    };
    let path = format!("/api/v1/namespaces/{ns}/pods/{name}:{}/proxy/metrics", metrics_port(pod));
    let failed = |what: &str, error: &dyn std::fmt::Display| {
        tracing::warn!(%error, namespace = ns, pod = name, "{what}");
        format!("{ns}/{name}: {what}: {error}")
    };
    let request = http::Request::get(&path).body(Vec::new()).map_err(|e| failed("invalid proxy path", &e))?;
    let text = match tokio::time::timeout(timeout, client.request_text(request)).await {
        Ok(text) => text.map_err(|e| failed("not readable through the pod proxy", &crate::diagnosis::describe(&e)))?,
        Err(_) => return Err(failed(&format!("GET {path}: no answer within {}s", timeout.as_secs()), &"timed out")),
    };
    parse_dcgm_metrics(&text).map_err(|e| failed("unreadable metrics", &e))
}

fn is_running_exporter(pod: &InventoryPod, labels: &[(String, String)]) -> bool {
    let running = pod.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running");
    running && is_exporter_pod(pod, labels)
}

fn metrics_port(pod: &InventoryPod) -> i32 {
    pod.spec
        .iter()
        .flat_map(|s| &s.containers)
        .flat_map(|c| c.ports.iter().flatten())
        .find(|p| p.name.as_deref() == Some("metrics"))
        .map_or(DCGM_PORT, |p| p.container_port)
}

/// GPU samples from a Prometheus that scrapes the cluster's dcgm-exporters: the latest
/// [`METRICS`] of every device from `/api/v1/query`, joined per device and pod, and each
/// device's idle hours over the past `window` from `/api/v1/query_range`. A series of a GPU no
/// pod holds is free capacity, charged to nobody: it has no pod labels, or (scraped by a
/// ServiceMonitor, the target's own labels on it) names one of the `exporters` as its pod. An
/// unreachable Prometheus is a gap; GPU figures are then missing for this collection, never
/// invented.
pub async fn read_prometheus(
    base_url: &str,
    window: Duration,
    request_timeout: Duration,
    exporters: &HashSet<(String, String)>,
) -> GpuReading {
    let read = async { query_gpus(&Prometheus::new(base_url, request_timeout)?, window, exporters).await };
    match read.await {
        Ok(reading) => reading,
        Err(error) => {
            tracing::warn!(%error, "cannot read GPU metrics from Prometheus");
            GpuReading { gap: Some(format!("Prometheus: {error}")), ..GpuReading::default() }
        }
    }
}

async fn query_gpus(
    prometheus: &Prometheus,
    window: Duration,
    exporters: &HashSet<(String, String)>,
) -> Result<GpuReading, String> {
    let mut samples: BTreeMap<(String, String, String), GpuSample> = BTreeMap::new();
    let mut free = BTreeSet::new();
    for metric in METRICS {
        for series in prometheus.instant(metric).await? {
            let Some(sample) = series.sample(exporters) else {
                free.insert(FreeGpu::from_labels(|key| series.metric.get(key).cloned().unwrap_or_default()));
                continue;
            };
            if let Some(value) = series.value() {
                samples.entry(sample.key()).or_insert(sample).set(metric, value);
            }
        }
    }
    // Idle time over the window: each step below the threshold counts one step of idleness.
    // Engine activity decides when the exporter reports it, as for the latest sample.
    let step = idle_step(window);
    let engine = prometheus.range(ENGINE_ACTIVE, window, step).await?;
    let utilisation = prometheus.range(UTILISATION, window, step).await?;
    let mut idle_steps: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for (series, threshold) in [(engine, IDLE_UTILISATION_PCT / 100.0), (utilisation, IDLE_UTILISATION_PCT)] {
        for series in series {
            let Some(key) = series.sample(exporters).map(|s| s.key()) else { continue };
            idle_steps.entry(key).or_insert_with(|| series.values().filter(|v| *v < threshold).count());
        }
    }
    for sample in samples.values_mut() {
        let steps = idle_steps.get(&sample.key()).copied().unwrap_or(0);
        // A window shorter than one step still counts no more than itself.
        let idle_seconds = (steps as f64 * step.as_secs_f64()).min(window.as_secs_f64());
        sample.idle_hours = idle_seconds / 3600.0 * sample.gpu_equivalents();
    }
    Ok(GpuReading { samples: samples.into_values().collect(), free: free.len(), gap: None })
}

/// The resolution of idle-time queries: at most 240 steps per window, and no finer than 15 s
/// (dcgm-exporter's usual scrape interval), so a day's window stays a small answer.
fn idle_step(window: Duration) -> Duration {
    Duration::from_secs((window.as_secs() / 240).max(15))
}

/// Prometheus' HTTP query API at one base URL.
struct Prometheus {
    client: reqwest::Client,
    base_url: String,
    timeout: Duration,
}

/// One series of a query's answer: its labels and its value (instant) or values (range).
#[derive(serde::Deserialize)]
struct Series {
    metric: BTreeMap<String, String>,
    #[serde(default)]
    value: Option<(f64, String)>,
    #[serde(default)]
    values: Vec<(f64, String)>,
}

impl Series {
    /// A sample for the series' device and the pod that holds it; `None` for a free GPU. With
    /// `honorLabels` off (the Prometheus Operator's ServiceMonitor default), the exporter's pod
    /// labels are renamed `exported_*` and the target's own (the exporter's pod) take their
    /// place; with it on, or for a GPU no pod holds, the series may still carry the target's:
    /// a series whose pod is a dcgm-exporter is free capacity, not the exporter's use.
    fn sample(&self, exporters: &HashSet<(String, String)>) -> Option<GpuSample> {
        let exported = self.metric.contains_key("exported_pod");
        let sample = GpuSample::from_labels(|key| {
            let key = if exported && matches!(key, "namespace" | "pod" | "container") {
                format!("exported_{key}")
            } else {
                key.to_string()
            };
            self.metric.get(&key).cloned().unwrap_or_default()
        })?;
        let is_exporter = exporters.contains(&(sample.namespace.clone(), sample.pod.clone()))
            || self.metric.get("container").is_some_and(|c| c.contains("dcgm-exporter")) && !exported;
        (!is_exporter).then_some(sample)
    }

    fn value(&self) -> Option<f64> {
        self.value.as_ref().and_then(|(_, v)| v.parse().ok())
    }

    fn values(&self) -> impl Iterator<Item = f64> + '_ {
        self.values.iter().filter_map(|(_, v)| v.parse().ok())
    }
}

impl Prometheus {
    fn new(base_url: &str, timeout: Duration) -> Result<Self, String> {
        let client = crate::http_client::builder(timeout).build().map_err(|e| e.to_string())?;
        Ok(Prometheus { client, base_url: base_url.trim_end_matches('/').to_string(), timeout })
    }

    /// `/api/v1/query` for an expression, now.
    async fn instant(&self, expression: &str) -> Result<Vec<Series>, String> {
        self.get("query", &[("query", expression.to_string())]).await
    }

    /// `/api/v1/query_range` for an expression over the past `window`, every `step`.
    async fn range(&self, expression: &str, window: Duration, step: Duration) -> Result<Vec<Series>, String> {
        // To the millisecond: the latest scrape may be less than a second old. The first step
        // is one step into the window, so the steps cover it once: each stands for the step
        // before it.
        let end = chrono::Utc::now().timestamp_millis() as f64 / 1000.0;
        let start = end - (window.as_secs_f64() - step.as_secs_f64()).max(0.0);
        let params = [
            ("query", expression.to_string()),
            ("start", format!("{start:.3}")),
            ("end", format!("{end:.3}")),
            ("step", format!("{}s", step.as_secs())),
        ];
        self.get("query_range", &params).await
    }

    async fn get(&self, endpoint: &str, params: &[(&str, String)]) -> Result<Vec<Series>, String> {
        let url = format!("{}/api/v1/{endpoint}", self.base_url);
        // The URL may carry basic-auth credentials: errors name it redacted, and reqwest's own
        // errors without it.
        let shown = crate::redact::redact(&url);
        let timeout = self.timeout;
        let failed = |e: reqwest::Error| {
            if e.is_timeout() {
                format!("{shown}: no answer within {}s", timeout.as_secs())
            } else {
                format!("{shown}: {}", crate::http_client::describe(&e.without_url()))
            }
        };
        let response = self.client.get(&url).query(params).send().await.map_err(failed)?;
        let status = response.status();
        let text = response.text().await.map_err(failed)?;
        let body: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{shown}: unreadable answer: {e}"))?;
        if !status.is_success() || body["status"] != "success" {
            return Err(format!("{shown}: {status}: {}", body["error"].as_str().unwrap_or("no error message")));
        }
        serde_json::from_value(body["data"]["result"].clone()).map_err(|e| format!("{shown}: unexpected result: {e}"))
    }
}
