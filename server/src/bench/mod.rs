//! `rampart bench …`: measurements that print their figures and end with one line of
//! `key=value` pairs, so a run can be compared with the next.

mod pages;
mod queries;
mod scan;

use crate::cli::BenchCommand;

/// Runs one benchmark.
pub async fn run(command: BenchCommand, database_url: Option<&str>) -> anyhow::Result<()> {
    match command {
        BenchCommand::Scan { objects } => scan::run(objects),
        BenchCommand::Queries { runs } => queries::run(runs, database_url).await,
        BenchCommand::Pages { requests } => pages::run(requests, database_url).await,
    }
}

/// The value at quantile `q` (0–1) of unsorted samples.
pub fn quantile(samples: &[f64], q: f64) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let index = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted.get(index).copied().unwrap_or(0.0)
}

/// The process's peak resident set size so far, in MiB (Linux `VmHWM`).
pub fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kib| kib.parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}
