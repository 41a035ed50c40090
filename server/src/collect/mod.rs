//! Collection: read a cluster into an `Inventory`, assess it, store it in one transaction.
//! One module per source; `kubernetes` reads the API server, `gpu` reads dcgm-exporter.

pub mod gpu;
pub mod kubernetes;

use std::path::PathBuf;
use std::time::Duration;

use chrono::Utc;
use db::store::{CollectionTimes, record_collection_failure, write_collection};
use domain::rules::RuleSettings;

/// One cluster to collect and how to reach it.
#[derive(Debug, Clone)]
pub struct ClusterTarget {
    /// The name the cluster is stored and shown under.
    pub name: String,
    /// Kubeconfig file; `None` infers one (in-cluster service account or `~/.kube/config`).
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context; `None` uses the current context.
    pub context: Option<String>,
    /// Tenant mapping and rule settings.
    pub rules: RuleSettings,
    /// Time between collections.
    pub interval: Duration,
    /// Where GPU and usage metrics and image reports come from.
    pub sources: Sources,
}

pub use crate::config::Sources;

/// Why a collection failed. Nothing of a failed collection is stored.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error("cannot load kubeconfig {path}: {source}")]
    Kubeconfig { path: String, source: kube::config::KubeconfigError },
    #[error("cannot configure a client for cluster {cluster}: {detail}")]
    Client { cluster: String, detail: String },
    #[error("listing {kind} failed{}: {source}", if *.attempts > 1 { format!(" after {attempts} attempts") } else { String::new() })]
    List { kind: &'static str, attempts: u32, source: kube::Error },
    #[error("storing the collection failed: {0}")]
    Store(#[from] db::Error),
}

/// Collects one cluster once: on success its collection is stored whole and its id returned;
/// on failure nothing of it is stored and the error is recorded against the cluster.
#[tracing::instrument(skip_all, fields(cluster = %target.name), err)]
pub async fn collect_once(pool: &db::PgPool, target: &ClusterTarget) -> Result<i64, CollectError> {
    let result = collect_and_store(pool, target).await;
    if let Err(error) = &result
        && let Err(store_error) = record_collection_failure(pool, &target.name, &error.to_string()).await
    {
        tracing::warn!(error = %store_error, "could not record the collection failure");
    }
    result
}

async fn collect_and_store(pool: &db::PgPool, target: &ClusterTarget) -> Result<i64, CollectError> {
    let started_at = Utc::now();
    let mut phases = Phases::start();
    let client = kubernetes::client(target).await?;
    let mut inventory = kubernetes::read_inventory(&client, &target.sources).await?;
    let list_s = phases.lap();
    let window = idle_window(pool, target, started_at).await?;
    let gpus = match (&target.sources.prometheus_url, &target.sources.dcgm_exporters) {
        (Some(url), _) => gpu::read_prometheus(url.as_str(), window).await,
        (None, Some(label)) => gpu::read_dcgm_exporters(&client, &inventory, label, window).await,
        (None, None) => gpu::GpuReading::default(),
    };
    if let Some(why) = gpus.coverage_gap() {
        inventory.gaps.insert(gpu::GPU_METRICS.to_string(), why);
    }
    let gpu_s = phases.lap();
    let exceptions = db::exceptions::active(pool, started_at).await?;
    let assessment = domain::assess(&inventory, &target.rules, gpus.samples, &exceptions);
    drop(inventory);
    let assess_s = phases.lap();
    let times = CollectionTimes { started_at, finished_at: Utc::now() };
    let stored = write_collection(pool, &target.name, times, &assessment).await?;
    let store_s = phases.lap();
    let changes = stored.changes;
    tracing::info!(
        list_s,
        gpu_s,
        assess_s,
        store_s,
        collection = stored.collection_id,
        objects = assessment.object_count,
        findings = assessment.findings.len(),
        opened = changes.opened,
        reopened = changes.reopened,
        resolved = changes.resolved,
        "collection stored"
    );
    Ok(stored.collection_id)
}

/// The time a collection counts GPU idleness over: since the cluster's previous collection
/// started, and at most one interval, so a collection run by hand between scheduled ones does
/// not count the same time twice.
async fn idle_window(
    pool: &db::PgPool,
    target: &ClusterTarget,
    started_at: chrono::DateTime<Utc>,
) -> Result<Duration, CollectError> {
    let previous = db::store::latest_collection_start(pool, &target.name).await?;
    let since = previous.and_then(|at| (started_at - at).to_std().ok());
    Ok(since.map_or(target.interval, |since| since.min(target.interval)))
}

/// Seconds spent in each phase of a collection, for its log line.
struct Phases(std::time::Instant);

impl Phases {
    fn start() -> Self {
        Phases(std::time::Instant::now())
    }

    /// Seconds since the last lap, rounded to milliseconds.
    fn lap(&mut self) -> f64 {
        let now = std::time::Instant::now();
        let seconds = now.duration_since(self.0).as_secs_f64();
        self.0 = now;
        (seconds * 1000.0).round() / 1000.0
    }
}
