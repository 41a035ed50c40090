//! Collection, in one direction: what the database already knows ([`context`]: the previous
//! collection's start, the active exceptions) → the cluster's sources (one module per source;
//! `kubernetes` reads the API server, `gpu` dcgm-exporter or Prometheus) → `domain::assess` →
//! one transaction that stores it.

pub mod context;
pub mod gpu;
pub mod kubernetes;
pub mod listing;
mod optional;
pub mod proxy;
pub mod target;
pub mod trivy;

use chrono::{DateTime, Utc};
use db::store::{CollectionTimes, record_collection_failure, write_collection};

use context::CollectionContext;
pub use target::{ClusterTarget, CollectError, Deadlines, Sources};

/// Collects one cluster once: on success its collection is stored whole and its id returned;
/// on failure nothing of it is stored and the error is recorded against the cluster.
pub async fn collect_once(pool: &db::PgPool, target: &ClusterTarget) -> Result<i64, CollectError> {
    Ok(collect_once_stored(pool, target).await?.stored.collection_id)
}

/// What one collection stored, and how long each of its phases took.
#[derive(Debug, Clone)]
pub struct CollectionRun {
    pub stored: db::store::StoredCollection,
    pub phases: PhaseTimes,
}

/// Seconds each phase of a collection took.
#[derive(Debug, Clone, Copy, Default)]
pub struct PhaseTimes {
    /// Listing the API server's objects (and the optional sources') into the inventory.
    pub list_s: f64,
    /// Reading GPU metrics.
    pub gpu_s: f64,
    /// Evaluating the rules, health, quotas and scores.
    pub assess_s: f64,
    /// The one transaction that stores the collection.
    pub store_s: f64,
}

/// [`collect_once`], returning what the collection changed and wrote, and its phases' times.
#[tracing::instrument(skip_all, fields(cluster = %target.name), err)]
pub async fn collect_once_stored(pool: &db::PgPool, target: &ClusterTarget) -> Result<CollectionRun, CollectError> {
    if let Err(error) = db::store::record_interval(pool, &target.name, target.interval).await {
        tracing::warn!(%error, "could not record the cluster's interval");
    }
    let result = collect_and_store(pool, target).await;
    if let Err(error) = &result
        && let Err(store_error) = record_collection_failure(pool, &target.name, &error.to_string()).await
    {
        tracing::warn!(error = %store_error, "could not record the collection failure");
    }
    result
}

/// A collection's start as the inventory's observation time, from which pod health's grace
/// periods and 24-hour window are measured.
pub fn observation_time(started_at: DateTime<Utc>) -> k8s_openapi::jiff::Timestamp {
    k8s_openapi::jiff::Timestamp::from_millisecond(started_at.timestamp_millis())
        .unwrap_or(k8s_openapi::jiff::Timestamp::UNIX_EPOCH)
}

async fn collect_and_store(pool: &db::PgPool, target: &ClusterTarget) -> Result<CollectionRun, CollectError> {
    let started_at = Utc::now();
    let context = CollectionContext::read(pool, target, started_at).await?;
    let mut stopwatch = Stopwatch::start();
    let deadline = tokio::time::Instant::now() + target.deadlines.collection;
    let ran_out = |while_doing| CollectError::Deadline { deadline: target.deadlines.collection, while_doing };
    let kubernetes::Connection { client, server } = kubernetes::connect(target).await?;
    let listed = kubernetes::read_inventory(&client, &target.sources, &target.deadlines);
    let mut inventory = tokio::time::timeout_at(deadline, listed)
        .await
        .map_err(|_| ran_out("listing the cluster's objects"))?
        .map_err(|error| error.naming_server(&server))?;
    inventory.observed_at = Some(observation_time(started_at));
    let list_s = stopwatch.lap();
    let window = context.idle_window;
    let request_timeout = target.deadlines.request;
    let reading = async {
        let labels = &target.sources.dcgm_exporters;
        match &target.sources.prometheus_url {
            Some(url) => {
                let exporters = gpu::exporter_pods(&inventory, labels);
                gpu::read_prometheus(url.as_str(), window, request_timeout, &exporters).await
            }
            None if !labels.is_empty() => {
                gpu::read_dcgm_exporters(&client, &inventory, labels, window, request_timeout).await
            }
            None => gpu::GpuReading::default(),
        }
    };
    // What is left of the deadline bounds the GPU metrics; running out leaves them a gap.
    let gpus = tokio::time::timeout_at(deadline, reading).await.unwrap_or_else(|_| gpu::GpuReading {
        gap: Some(format!(
            "not read: the collection's deadline of {}s ran out while reading GPU metrics",
            target.deadlines.collection.as_secs()
        )),
        ..gpu::GpuReading::default()
    });
    let reads_gpus = target.sources.prometheus_url.is_some() || !target.sources.dcgm_exporters.is_empty();
    if let Some(why) = gpus.coverage_gap(&inventory).filter(|_| reads_gpus) {
        inventory.gaps.insert(gpu::GPU_METRICS.to_string(), why);
    }
    let gpu_s = stopwatch.lap();
    let assessment = domain::assess(&inventory, &target.rules, gpus.samples, &context.exceptions);
    drop(inventory);
    let assess_s = stopwatch.lap();
    let times = CollectionTimes { started_at, finished_at: Utc::now() };
    let stored = write_collection(pool, &target.name, times, &assessment).await?;
    let store_s = stopwatch.lap();
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
        new_images = stored.images.new_images,
        rescanned_images = stored.images.rescanned_images,
        cves_opened = stored.images.cves_opened,
        cves_fixed = stored.images.cves_fixed,
        "collection stored"
    );
    Ok(CollectionRun { stored, phases: PhaseTimes { list_s, gpu_s, assess_s, store_s } })
}

/// Seconds spent in each phase of a collection, for its log line.
struct Stopwatch(std::time::Instant);

impl Stopwatch {
    fn start() -> Self {
        Stopwatch(std::time::Instant::now())
    }

    /// Seconds since the last lap, rounded to milliseconds.
    fn lap(&mut self) -> f64 {
        let now = std::time::Instant::now();
        let seconds = now.duration_since(self.0).as_secs_f64();
        self.0 = now;
        (seconds * 1000.0).round() / 1000.0
    }
}
