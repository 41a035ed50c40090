//! GPU utilisation from dcgm-exporter's Prometheus text format.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Utilisation of one GPU as attributed to one pod.
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
}

/// Why a metrics text could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("line {line}: {reason}")]
pub struct MetricsParseError {
    pub line: usize,
    pub reason: String,
}

/// Reads `DCGM_FI_DEV_GPU_UTIL` and `DCGM_FI_DEV_FB_USED` samples that carry pod attribution
/// (`namespace` and `pod` labels) and joins them per GPU. Other metrics are ignored.
pub fn parse_dcgm_metrics(text: &str) -> Result<Vec<GpuSample>, MetricsParseError> {
    let mut samples: BTreeMap<(String, String, String), GpuSample> = BTreeMap::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let error = |reason: &str| MetricsParseError { line: index + 1, reason: reason.to_string() };
        let (name, rest) = line.split_once('{').ok_or_else(|| error("expected labels in braces"))?;
        if name != "DCGM_FI_DEV_GPU_UTIL" && name != "DCGM_FI_DEV_FB_USED" {
            continue;
        }
        let (labels, value) = rest.rsplit_once('}').ok_or_else(|| error("unclosed label set"))?;
        let value: f64 = value
            .split_whitespace()
            .next()
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| error("expected a numeric sample value"))?;
        let labels = parse_labels(labels).map_err(|reason| error(&reason))?;
        let get = |key: &str| labels.get(key).cloned().unwrap_or_default();
        let (namespace, pod) = (get("namespace"), get("pod"));
        if namespace.is_empty() || pod.is_empty() {
            continue;
        }
        let key = (namespace.clone(), pod.clone(), get("gpu"));
        let sample = samples.entry(key).or_insert_with(|| GpuSample {
            namespace,
            pod,
            container: get("container"),
            gpu: get("gpu"),
            uuid: get("UUID"),
            hostname: get("Hostname"),
            utilisation_pct: 0.0,
            memory_used_mib: 0.0,
        });
        if name == "DCGM_FI_DEV_GPU_UTIL" {
            sample.utilisation_pct = value;
        } else {
            sample.memory_used_mib = value;
        }
    }
    Ok(samples.into_values().collect())
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
        let samples = parse_dcgm_metrics(TEXT).unwrap();
        assert_eq!(samples.len(), 1, "the unattributed GPU is skipped");
        assert_eq!(samples[0].pod, "train-0");
        assert_eq!(samples[0].utilisation_pct, 87.0);
        assert_eq!(samples[0].memory_used_mib, 40960.0);
        assert_eq!(samples[0].hostname, "gpu-1");
    }

    #[test]
    fn malformed_sample_names_its_line() {
        let err = parse_dcgm_metrics("# x\nDCGM_FI_DEV_GPU_UTIL{gpu=\"0\",pod=\"p\",namespace=\"n\"} abc").unwrap_err();
        assert_eq!(err.line, 2);
    }
}
