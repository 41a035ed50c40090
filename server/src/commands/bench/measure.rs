//! Figures the benchmarks share: quantiles of samples and the process's memory.

/// The value at quantile `q` (0–1) of unsorted samples.
pub fn quantile(samples: &[f64], q: f64) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let index = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted.get(index).copied().unwrap_or(0.0)
}

/// The process's peak resident set size so far, in MiB (Linux `VmHWM`).
pub fn peak_rss_mib() -> f64 {
    proc_status_mib("VmHWM:")
}

/// Starts [`peak_rss_mib`] over from the resident set now (Linux: `5` to `/proc/self/clear_refs`),
/// so a phase's peak is its own; false where the kernel does not allow it.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// The process's resident set size now, in MiB (Linux `VmRSS`).
pub fn current_rss_mib() -> f64 {
    proc_status_mib("VmRSS:")
}

/// A `/proc/self/status` field given in kB, in MiB; 0 where it cannot be read.
fn proc_status_mib(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kib| kib.parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}
