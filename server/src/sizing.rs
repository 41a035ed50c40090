//! How much memory a collector needs, from the figures `rampart bench collect` measured
//! (`docs/scaling.md`): the Helm chart's memory request and limit and `rampart config check`'s
//! warning both follow from them.

/// Resident memory a collector needs whatever the cluster's size: a serving process idles at
/// about 135 MiB (`rampart bench soak`), and a collection's fixed part (pools, caches, the
/// catalogue) is about 130 MiB more. `rampart bench collect` at 10k, 30k and 100k pods fits
/// `peak = 155 MiB + 235 MiB per 10,000 pods` in a process idling at 27 MiB; rounded up.
pub const IDLE_MEMORY_MIB: u64 = 270;

/// Peak resident memory a collection adds per 10,000 pods of the cluster (with the rest of a
/// cluster's objects in the simulator's proportions: about 3.8 objects per pod, 2.3 pods per
/// controller), the slope of `rampart bench collect` at 10k, 30k and 100k pods (235 MiB),
/// rounded up.
pub const MEMORY_MIB_PER_10K_PODS: u64 = 240;

/// The memory a collector needs for clusters of `pods` pods in all: the idle process and the
/// measured peak per pod.
pub fn memory_needed_mib(pods: u64) -> u64 {
    IDLE_MEMORY_MIB + pods.saturating_mul(MEMORY_MIB_PER_10K_PODS).div_ceil(10_000)
}

/// The memory limit this process runs under: its cgroup's (`memory.max` of cgroup v2, or
/// `memory.limit_in_bytes` of v1), in MiB; `None` when there is none.
pub fn cgroup_memory_limit_mib() -> Option<u64> {
    let v2 = std::fs::read_to_string("/sys/fs/cgroup/memory.max").ok();
    let v1 = || std::fs::read_to_string("/sys/fs/cgroup/memory/memory.limit_in_bytes").ok();
    let bytes: u64 = v2.or_else(v1)?.trim().parse().ok()?;
    // cgroup v1 writes "no limit" as a number near i64::MAX.
    (bytes < 1 << 60).then_some(bytes / 1_048_576)
}

/// What `rampart config check` says of the collector's memory: for each cluster, by its last
/// collection's pods, the memory it needs against `limit_mib`; a warning for each cluster, and
/// for the clusters together, that would not fit.
pub fn memory_warnings(pods: &[(String, i64)], limit_mib: u64) -> Vec<String> {
    let mut warnings = Vec::new();
    let needed = |pods: i64| memory_needed_mib(u64::try_from(pods).unwrap_or(0));
    for (cluster, count) in pods {
        if needed(*count) > limit_mib {
            warnings.push(format!(
                "cluster {cluster:?}: its last collection listed {count} pods, which needs about {} MiB, above the \
                 memory limit of {limit_mib} MiB: raise the limit (the Helm chart's sizing.pods) or the collector \
                 will be OOM-killed",
                needed(*count)
            ));
        }
    }
    let total: i64 = pods.iter().map(|(_, count)| count).sum();
    if pods.len() > 1 && needed(total) > limit_mib {
        warnings.push(format!(
            "the {} clusters together listed {total} pods, which needs about {} MiB if they are collected at once, \
             above the memory limit of {limit_mib} MiB",
            pods.len(),
            needed(total)
        ));
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cluster_too_large_for_the_limit_is_named_and_one_that_fits_is_not() {
        let pods = vec![("small".to_string(), 1_000), ("large".to_string(), 200_000)];
        let warnings = memory_warnings(&pods, memory_needed_mib(50_000));
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].starts_with("cluster \"large\": its last collection listed 200000 pods"), "{warnings:?}");
        assert!(warnings[1].contains("the 2 clusters together listed 201000 pods"), "{warnings:?}");
        assert!(memory_warnings(&pods[..1], memory_needed_mib(1_000)).is_empty());
    }

    #[test]
    fn the_chart_sizes_memory_from_the_measured_figures() {
        let values =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/helm/rampart/values.yaml"))
                .unwrap();
        let values: serde_json::Value = serde_yaml_ng::from_str(&values).unwrap();
        let sizing = &values["sizing"];
        assert_eq!(sizing["idleMemoryMi"], IDLE_MEMORY_MIB, "values.yaml's sizing.idleMemoryMi");
        assert_eq!(sizing["memoryMiPer10kPods"], MEMORY_MIB_PER_10K_PODS, "values.yaml's sizing.memoryMiPer10kPods");
    }
}
