//! The collection loop: collect every target now, then once per interval, until shutdown.
//! A failed collection is logged and recorded; the loop carries on.

use std::time::Duration;

use crate::collect::{ClusterTarget, collect_once};
use crate::shutdown::Shutdown;

/// Something to do just before each collection (the demo advances its simulated cluster).
pub type BeforeEach = Box<dyn Fn() + Send + Sync>;

/// Collects `targets` every `interval` until `shutdown`. A collection under way when shutdown
/// is requested finishes (its transaction commits or rolls back whole) before the loop ends.
pub async fn run_collector(
    pool: db::PgPool,
    targets: Vec<ClusterTarget>,
    interval: Duration,
    before_each: Option<BeforeEach>,
    shutdown: Shutdown,
) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {},
            _ = shutdown.clone().requested() => return,
        }
        if let Some(step) = &before_each {
            step();
        }
        for target in &targets {
            // The error is already logged and recorded against the cluster by collect_once.
            let started = std::time::Instant::now();
            let outcome = collect_once(&pool, target).await;
            crate::metrics::observe_collection(&target.name, outcome.is_ok(), started.elapsed().as_secs_f64());
        }
        if shutdown.is_requested() {
            return;
        }
    }
}

/// How often the maintenance task runs.
pub const MAINTENANCE_INTERVAL: Duration = Duration::from_secs(3600);

/// Runs rollups and retention now, then every [`MAINTENANCE_INTERVAL`], until shutdown. A
/// failed run is logged; the next one catches up.
pub async fn run_maintenance_loop(pool: db::PgPool, retention: db::maintenance::Retention, shutdown: Shutdown) {
    let mut ticker = tokio::time::interval(MAINTENANCE_INTERVAL);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {},
            _ = shutdown.clone().requested() => return,
        }
        match db::maintenance::run_maintenance(&pool, retention, chrono::Utc::now()).await {
            Ok(report) => tracing::info!(
                rollup_rows = report.rollup_rows,
                dropped_partitions = report.dropped_partitions.len(),
                pruned_rollup_rows = report.pruned_rollup_rows,
                expired_sessions = report.expired_sessions,
                "maintenance done"
            ),
            Err(error) => tracing::warn!(%error, "maintenance failed; the next run catches up"),
        }
    }
}
