//! `rampart bench scan --objects N`: generates N workload manifests from the simulator, writes
//! them as multi-document YAML and as JSON lists, and times reading and scanning each on one
//! thread (the median of three runs).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use domain::rules::RuleSettings;
use serde_json::{Value, json};

use crate::commands::scan::{Filters, load, scan};

/// Workload kinds the benchmark draws from the simulated cluster.
const WORKLOADS: [&str; 5] = ["deployments", "statefulsets", "daemonsets", "jobs", "cronjobs"];
/// Manifests per generated file.
const PER_FILE: usize = 1_000;
/// Runs per format; the median is reported.
const RUNS: usize = 3;

pub(super) fn run(objects: usize) -> anyhow::Result<()> {
    anyhow::ensure!(objects > 0, "--objects must be at least 1");
    let dir = std::env::temp_dir().join(format!("rampart-bench-scan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let result = measure(objects, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// N workload objects with unique names, cycling through the simulator's workloads.
fn generate(objects: usize) -> anyhow::Result<Vec<Value>> {
    let cluster = sim::Cluster::generate(sim::SimConfig { pods: 600, ..sim::SimConfig::default() });
    let templates: Vec<&Value> = WORKLOADS.iter().flat_map(|plural| cluster.objects(plural)).collect();
    anyhow::ensure!(!templates.is_empty(), "the simulator generated no workloads");
    Ok((0..objects)
        .map(|i| {
            let mut object = templates[i % templates.len()].clone();
            let name = format!("{}-{i}", object["metadata"]["name"].as_str().unwrap_or("w"));
            object["metadata"]["name"] = Value::String(name);
            object
        })
        .collect())
}

fn write_files(objects: &[Value], dir: &Path, json_format: bool) -> anyhow::Result<(Vec<PathBuf>, usize)> {
    let (mut files, mut bytes) = (Vec::new(), 0);
    for (n, chunk) in objects.chunks(PER_FILE).enumerate() {
        let text = if json_format {
            serde_json::to_string_pretty(&json!({"apiVersion": "v1", "kind": "List", "items": chunk}))?
        } else {
            let mut text = String::new();
            for object in chunk {
                text.push_str("---\n");
                text.push_str(&serde_yaml_ng::to_string(object)?);
            }
            text
        };
        let path = dir.join(format!("workloads-{n:04}.{}", if json_format { "json" } else { "yaml" }));
        bytes += text.len();
        std::fs::write(&path, text)?;
        files.push(path);
    }
    Ok((files, bytes))
}

/// Reads and scans `files` once; returns the seconds it took and the finding count.
fn scan_once(files: &[PathBuf], expected: usize) -> anyhow::Result<(f64, f64, usize)> {
    let started = Instant::now();
    let manifests = load(files, "default");
    if let Some(error) = manifests.errors.first() {
        anyhow::bail!("{error}");
    }
    let read_s = started.elapsed().as_secs_f64();
    let result = scan(&manifests, &RuleSettings::default(), &Filters::default()).map_err(anyhow::Error::msg)?;
    let total_s = started.elapsed().as_secs_f64();
    let read_objects = manifests.inventory.object_count();
    anyhow::ensure!(read_objects == expected, "read {read_objects} objects, expected {expected}");
    Ok((read_s, total_s - read_s, result.findings.len()))
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn measure(objects: usize, dir: &Path) -> anyhow::Result<()> {
    let generated = generate(objects)?;
    let mut rates = Vec::new();
    for (label, json_format) in [("YAML", false), ("JSON", true)] {
        let (files, bytes) = write_files(&generated, dir, json_format)?;
        println!("{label}: {objects} workload manifests, {:.1} MiB in {} files", bytes as f64 / 1048576.0, files.len());
        let mut totals = Vec::new();
        for run in 1..=RUNS {
            let (read_s, eval_s, findings) = scan_once(&files, objects)?;
            println!("  run {run}: read and parse {read_s:.3} s, evaluate {eval_s:.3} s, {findings} findings");
            totals.push(read_s + eval_s);
        }
        let rate = objects as f64 / median(totals);
        println!("  median: {rate:.0} objects/s");
        rates.push(rate);
    }
    println!(
        "objects_per_s={:.0} json_objects_per_s={:.0} peak_rss_mib={:.0}",
        rates[0],
        rates[1],
        super::measure::peak_rss_mib()
    );
    Ok(())
}
