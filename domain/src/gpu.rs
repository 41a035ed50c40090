//! GPU utilisation from dcgm-exporter's Prometheus text format.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Pod labels that mark dcgm-exporter pods: NVIDIA's GPU Operator's, and dcgm-exporter's own
/// Helm chart's.
pub const EXPORTER_LABELS: [(&str, &str); 2] =
    [("app", "nvidia-dcgm-exporter"), ("app.kubernetes.io/name", "dcgm-exporter")];

/// Whether a pod carries one of `labels` (`key`, `value`), as dcgm-exporter pods do.
pub fn is_exporter_pod(pod: &crate::pod::InventoryPod, labels: &[(String, String)]) -> bool {
    let own = pod.metadata.labels.as_ref();
    labels.iter().any(|(key, value)| own.and_then(|l| l.get(key)).is_some_and(|v| v == value))
}

/// Utilisation below which an allocated GPU counts as idle, in percent.
pub const IDLE_UTILISATION_PCT: f64 = 5.0;

/// Compute slices of a whole GPU that MIG profiles divide (A100, H100: `1g` to `7g`).
const MIG_SLICES_PER_GPU: f64 = 7.0;

/// Utilisation of one GPU (or one MIG instance) as attributed to one pod.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GpuSample {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    /// The GPU index on its node.
    pub gpu: String,
    pub uuid: String,
    pub hostname: String,
    /// `DCGM_FI_DEV_GPU_UTIL`, 0–100.
    pub utilisation_pct: f64,
    /// `DCGM_FI_DEV_FB_USED`, MiB of frame buffer in use.
    pub memory_used_mib: f64,
    /// `DCGM_FI_PROF_GR_ENGINE_ACTIVE` as 0–100, when the exporter reports profiling metrics:
    /// a truer measure of use than `GPU_UTIL`, which counts any kernel running as busy.
    pub engine_active_pct: Option<f64>,
    /// The MIG profile (`GPU_I_PROFILE`, such as `1g.10gb`) when this is a MIG instance.
    pub mig_profile: Option<String>,
    /// Hours of the collection's window in which the device sat below
    /// [`IDLE_UTILISATION_PCT`] while allocated to the pod, in GPU equivalents.
    pub idle_hours: f64,
}

impl GpuSample {
    /// A sample from one series' labels (`label` reads a label, empty when absent), with no
    /// values yet; `None` without pod attribution, which cannot be charged to any tenant.
    pub fn from_labels(label: impl Fn(&str) -> String) -> Option<GpuSample> {
        let (namespace, pod) = (label("namespace"), label("pod"));
        if namespace.is_empty() || pod.is_empty() {
            return None;
        }
        let mig_profile = Some(label("GPU_I_PROFILE")).filter(|p| !p.is_empty());
        let instance = label("GPU_I_ID");
        let gpu = if instance.is_empty() { label("gpu") } else { format!("{}/{instance}", label("gpu")) };
        Some(GpuSample {
            namespace,
            pod,
            container: label("container"),
            gpu,
            uuid: label("UUID"),
            // dcgm-exporter's next release renames `Hostname` to `hostname`.
            hostname: Some(label("Hostname")).filter(|h| !h.is_empty()).unwrap_or_else(|| label("hostname")),
            utilisation_pct: 0.0,
            memory_used_mib: 0.0,
            engine_active_pct: None,
            mig_profile,
            idle_hours: 0.0,
        })
    }

    /// The series key samples are joined on: one device (or MIG instance) of one pod.
    pub fn key(&self) -> (String, String, String) {
        (self.namespace.clone(), self.pod.clone(), self.gpu.clone())
    }

    /// Records one metric's value; other metrics are ignored.
    pub fn set(&mut self, metric: &str, value: f64) {
        match metric {
            UTILISATION => self.utilisation_pct = value,
            MEMORY_USED => self.memory_used_mib = value,
            ENGINE_ACTIVE => self.engine_active_pct = Some(value * 100.0),
            _ => {}
        }
    }

    /// The share of a whole GPU this device is: 1 for a GPU, its compute slices out of seven
    /// for a MIG instance (`3g.40gb` is 3/7).
    pub fn gpu_equivalents(&self) -> f64 {
        self.mig_profile.as_deref().map_or(1.0, mig_gpu_equivalents)
    }

    /// The utilisation that decides idleness: engine activity when reported, else `GPU_UTIL`.
    pub fn busy_pct(&self) -> f64 {
        self.engine_active_pct.unwrap_or(self.utilisation_pct)
    }

    /// Without a time series (scraped once from the exporter), the sample stands for the whole
    /// window: idle for all of it when idle now.
    pub fn hold_for(&mut self, window_hours: f64) {
        self.idle_hours =
            if self.busy_pct() < IDLE_UTILISATION_PCT { window_hours * self.gpu_equivalents() } else { 0.0 };
    }
}

/// GPUs one pod requests, in GPU equivalents: whole `nvidia.com/gpu`s, and MIG instances
/// (`nvidia.com/mig-3g.40gb`) as their share of a GPU. GPUs are extended resources, set as
/// limits (with requests equal when given), so limits are read, and requests where no limit is.
pub fn gpus_of_pod(spec: &k8s_openapi::api::core::v1::PodSpec) -> f64 {
    let mut gpus = 0.0;
    for container in spec.init_containers.iter().flatten().chain(spec.containers.iter()) {
        let resources = container.resources.as_ref();
        let (requests, limits) =
            (resources.and_then(|r| r.requests.as_ref()), resources.and_then(|r| r.limits.as_ref()));
        let unlimited = requests.into_iter().flatten().filter(|(k, _)| !limits.is_some_and(|l| l.contains_key(*k)));
        for (resource, quantity) in limits.into_iter().flatten().chain(unlimited) {
            gpus += gpu_equivalents_of(resource, crate::quantity::parse_quantity(&quantity.0).unwrap_or(0.0));
        }
    }
    gpus
}

/// `count` of an extended resource in GPU equivalents: `nvidia.com/gpu` as is, a MIG profile
/// (`nvidia.com/mig-3g.40gb`) as its share of a GPU, anything else as none.
pub fn gpu_equivalents_of(resource: &str, count: f64) -> f64 {
    let count = count.round();
    if resource == "nvidia.com/gpu" {
        count
    } else if let Some(profile) = resource.strip_prefix("nvidia.com/mig-") {
        count * mig_gpu_equivalents(profile)
    } else {
        0.0
    }
}

/// GPU equivalents of one MIG instance of a profile (`1g.10gb`, `mig-3g.40gb`): its compute
/// slices out of seven; an unreadable profile counts as a whole GPU.
pub fn mig_gpu_equivalents(profile: &str) -> f64 {
    let profile = profile.trim_start_matches("mig-");
    let slices = profile.split_once('g').and_then(|(n, _)| n.parse::<f64>().ok()).filter(|n| *n > 0.0);
    slices.map_or(1.0, |n| (n / MIG_SLICES_PER_GPU).min(1.0))
}

/// `DCGM_FI_DEV_GPU_UTIL`: GPU utilisation, 0–100.
pub const UTILISATION: &str = "DCGM_FI_DEV_GPU_UTIL";
/// `DCGM_FI_DEV_FB_USED`: frame buffer in use, MiB.
pub const MEMORY_USED: &str = "DCGM_FI_DEV_FB_USED";
/// `DCGM_FI_PROF_GR_ENGINE_ACTIVE`: graphics engine activity, 0–1 (profiling metrics only).
pub const ENGINE_ACTIVE: &str = "DCGM_FI_PROF_GR_ENGINE_ACTIVE";
/// The metrics Rampart reads.
pub const METRICS: [&str; 3] = [UTILISATION, MEMORY_USED, ENGINE_ACTIVE];

/// Why a metrics text could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("line {line}: {reason}")]
pub struct MetricsParseError {
    pub line: usize,
    pub reason: String,
}

/// A GPU (or MIG instance) an exporter reports with no pod holding it: free capacity, charged
/// to no tenant. With the exporter's Kubernetes mode off every GPU looks free; the collection
/// tells that apart by the GPUs its pods hold without metrics.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FreeGpu {
    pub hostname: String,
    pub gpu: String,
    pub uuid: String,
}

/// What one dcgm-exporter reported.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DcgmMetrics {
    /// Its devices' samples, joined per device and pod.
    pub samples: Vec<GpuSample>,
    /// Devices reported without pod attribution, each once.
    pub free: Vec<FreeGpu>,
}

impl FreeGpu {
    /// The device of a series without pod attribution.
    pub fn from_labels(label: impl Fn(&str) -> String) -> FreeGpu {
        let instance = label("GPU_I_ID");
        let gpu = if instance.is_empty() { label("gpu") } else { format!("{}/{instance}", label("gpu")) };
        let hostname = Some(label("Hostname")).filter(|h| !h.is_empty()).unwrap_or_else(|| label("hostname"));
        FreeGpu { hostname, gpu, uuid: label("UUID") }
    }
}

/// Reads the [`METRICS`] of series that carry pod attribution (`namespace` and `pod` labels)
/// and joins them per device; the devices of series without are free. Other metrics are
/// ignored.
pub fn parse_dcgm_metrics(text: &str) -> Result<DcgmMetrics, MetricsParseError> {
    let mut samples: BTreeMap<(String, String, String), GpuSample> = BTreeMap::new();
    let mut free = std::collections::BTreeSet::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let error = |reason: &str| MetricsParseError { line: index + 1, reason: reason.to_string() };
        let (name, rest) = line.split_once('{').ok_or_else(|| error("expected labels in braces"))?;
        if !METRICS.contains(&name) {
            continue;
        }
        let (labels, value) = rest.rsplit_once('}').ok_or_else(|| error("unclosed label set"))?;
        let value: f64 = value
            .split_whitespace()
            .next()
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| error("expected a numeric sample value"))?;
        let labels = parse_labels(labels).map_err(|reason| error(&reason))?;
        let label = |key: &str| labels.get(key).cloned().unwrap_or_default();
        let Some(sample) = GpuSample::from_labels(label) else {
            free.insert(FreeGpu::from_labels(label));
            continue;
        };
        samples.entry(sample.key()).or_insert(sample).set(name, value);
    }
    Ok(DcgmMetrics { samples: samples.into_values().collect(), free: free.into_iter().collect() })
}

fn parse_labels(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut labels = BTreeMap::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let (key, after) = rest.split_once("=\"").ok_or("expected key=\"value\" in labels")?;
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next() {
                Some((_, '\\')) => {
                    if let Some((_, c)) = chars.next() {
                        value.push(if c == 'n' { '\n' } else { c });
                    }
                }
                Some((i, '"')) => break i,
                Some((_, c)) => value.push(c),
                None => return Err("unterminated label value".into()),
            }
        };
        labels.insert(key.trim().trim_start_matches(',').trim().to_string(), value);
        rest = after[end + 1..].trim_start_matches(',').trim();
    }
    Ok(labels)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).
# TYPE DCGM_FI_DEV_GPU_UTIL gauge
DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-1",device="nvidia0",modelName="H100",Hostname="gpu-1",container="train",namespace="ml",pod="train-0"} 87
DCGM_FI_DEV_FB_USED{gpu="0",UUID="GPU-1",device="nvidia0",modelName="H100",Hostname="gpu-1",container="train",namespace="ml",pod="train-0"} 40960
DCGM_FI_DEV_GPU_UTIL{gpu="1",UUID="GPU-2",device="nvidia1",modelName="H100",Hostname="gpu-1"} 0
DCGM_FI_DEV_SM_CLOCK{gpu="0",UUID="GPU-1"} 1980
"#;

    #[test]
    fn joins_utilisation_and_memory_per_attributed_gpu() {
        let DcgmMetrics { samples, free } = parse_dcgm_metrics(TEXT).unwrap();
        assert_eq!(samples.len(), 1, "the GPU no pod holds is not a sample");
        assert_eq!(free, [FreeGpu { hostname: "gpu-1".into(), gpu: "1".into(), uuid: "GPU-2".into() }], "but free");
        assert_eq!(samples[0].pod, "train-0");
        assert_eq!(samples[0].utilisation_pct, 87.0);
        assert_eq!(samples[0].memory_used_mib, 40960.0);
        assert_eq!(samples[0].hostname, "gpu-1");
    }

    #[test]
    fn the_lowercase_hostname_label_of_newer_exporters_is_read() {
        let text = r#"DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-1",hostname="gpu-7",namespace="ml",pod="a"} 10
DCGM_FI_DEV_GPU_UTIL{gpu="1",UUID="GPU-2",hostname="gpu-7"} 0
"#;
        let metrics = parse_dcgm_metrics(text).unwrap();
        assert_eq!(metrics.samples[0].hostname, "gpu-7");
        assert_eq!(metrics.free[0].hostname, "gpu-7");
    }

    #[test]
    fn mig_instances_count_as_their_profile_and_engine_activity_decides_idleness() {
        let text = r#"DCGM_FI_DEV_GPU_UTIL{gpu="0",GPU_I_ID="3",GPU_I_PROFILE="3g.40gb",UUID="GPU-1",namespace="ml",pod="a"} 60
DCGM_FI_PROF_GR_ENGINE_ACTIVE{gpu="0",GPU_I_ID="3",GPU_I_PROFILE="3g.40gb",UUID="GPU-1",namespace="ml",pod="a"} 0.02
DCGM_FI_DEV_GPU_UTIL{gpu="0",GPU_I_ID="5",GPU_I_PROFILE="1g.10gb",UUID="GPU-1",namespace="ml",pod="b"} 80
"#;
        let mut samples = parse_dcgm_metrics(text).unwrap().samples;
        assert_eq!(samples.len(), 2, "two MIG instances of one GPU are two devices");
        assert_eq!(samples[0].gpu, "0/3");
        assert!((samples[0].gpu_equivalents() - 3.0 / 7.0).abs() < 1e-9);
        assert!((samples[1].gpu_equivalents() - 1.0 / 7.0).abs() < 1e-9);
        assert_eq!(samples[0].engine_active_pct, Some(2.0));
        for sample in &mut samples {
            sample.hold_for(2.0);
        }
        assert!(
            (samples[0].idle_hours - 2.0 * 3.0 / 7.0).abs() < 1e-9,
            "2% engine activity is idle despite 60% GPU_UTIL"
        );
        assert_eq!(samples[1].idle_hours, 0.0);
    }

    #[test]
    fn mig_profiles_read_as_gpu_shares() {
        assert!((mig_gpu_equivalents("mig-2g.20gb") - 2.0 / 7.0).abs() < 1e-9);
        assert_eq!(mig_gpu_equivalents("7g.80gb"), 1.0);
        assert_eq!(mig_gpu_equivalents("nonsense"), 1.0);
    }

    #[test]
    fn malformed_sample_names_its_line() {
        let err = parse_dcgm_metrics("# x\nDCGM_FI_DEV_GPU_UTIL{gpu=\"0\",pod=\"p\",namespace=\"n\"} abc").unwrap_err();
        assert_eq!(err.line, 2);
    }
}
