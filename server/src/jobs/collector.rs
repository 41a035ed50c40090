//! The collection loops: each cluster on its own schedule, so one that is down, slow or
//! forbidden never delays another. Before each collection a process claims the cluster's lease
//! (see [`db::lease`]), so several collector processes share the clusters. A failed
//! collection is logged and recorded, and retried with exponential backoff and jitter, never
//! later than the next interval.

use std::sync::Arc;
use std::time::Duration;

use crate::collect::{ClusterTarget, collect_once};
use crate::shutdown::Shutdown;
use db::lease::Leases;

/// Something to do just before each collection (the demo advances its simulated cluster).
pub type BeforeEach = Arc<dyn Fn() + Send + Sync>;

/// How long a collection under way at shutdown may go on; after it, it is abandoned and its
/// transaction rolls back whole.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// The first retry after a failure; each further failure doubles it, up to the interval.
pub const FIRST_RETRY: Duration = Duration::from_secs(2);

/// Collects every target on its own interval until `shutdown`.
pub async fn run_collector(
    pool: db::PgPool,
    targets: Vec<ClusterTarget>,
    before_each: Option<BeforeEach>,
    shutdown: Shutdown,
) {
    let leases = Arc::new(Leases::new(pool.clone(), targets.len()));
    let loops: Vec<_> = targets
        .into_iter()
        .map(|target| {
            let cluster_loop =
                ClusterLoop { pool: pool.clone(), target, leases: leases.clone(), before_each: before_each.clone() };
            tokio::spawn(cluster_loop.run(shutdown.clone()))
        })
        .collect();
    for cluster_loop in loops {
        let _ = cluster_loop.await;
    }
}

struct ClusterLoop {
    pool: db::PgPool,
    target: ClusterTarget,
    leases: Arc<Leases>,
    before_each: Option<BeforeEach>,
}

impl ClusterLoop {
    async fn run(self, shutdown: Shutdown) {
        let mut failures = 0u32;
        loop {
            if shutdown.is_requested() {
                return;
            }
            failures = if self.collect_if_ours(&shutdown).await { 0 } else { failures.saturating_add(1) };
            let wait = next_wait(self.target.interval, failures, rand::random::<f64>());
            tokio::select! {
                _ = tokio::time::sleep(wait) => {},
                _ = shutdown.clone().requested() => return,
            }
        }
    }

    /// Collects when this process holds the cluster's lease; false when something failed.
    async fn collect_if_ours(&self, shutdown: &Shutdown) -> bool {
        let name = &self.target.name;
        match self.leases.claim(name).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::debug!(cluster = %name, "another collector holds this cluster");
                return true;
            }
            Err(error) => {
                tracing::warn!(cluster = %name, %error, "cannot reach the database to claim the cluster");
                return false;
            }
        }
        if let Some(step) = &self.before_each {
            step();
        }
        let started = std::time::Instant::now();
        let grace_over = async {
            shutdown.clone().requested().await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        };
        // The error is already logged and recorded against the cluster by collect_once.
        let outcome = tokio::select! {
            outcome = collect_once(&self.pool, &self.target) => outcome.is_ok(),
            () = grace_over => {
                tracing::warn!(cluster = %name, "shutdown grace period over: collection abandoned, nothing of it stored");
                false
            }
        };
        crate::metrics::observe_collection(name, outcome, started.elapsed().as_secs_f64());
        outcome
    }
}

/// The wait before the next collection: the interval after a success; after `failures`
/// failures in a row, [`FIRST_RETRY`] doubled per further failure, with up to 50% jitter
/// (`jitter` in 0..1), and never more than the interval.
fn next_wait(interval: Duration, failures: u32, jitter: f64) -> Duration {
    if failures == 0 {
        return interval;
    }
    crate::backoff::with_jitter(FIRST_RETRY, failures, interval, jitter)
}

/// How often the maintenance task runs.
pub const MAINTENANCE_INTERVAL: Duration = Duration::from_secs(3600);

/// Runs rollups and retention now, then every [`MAINTENANCE_INTERVAL`], until shutdown; one
/// replica at a time. A failed run is logged; the next one catches up.
pub async fn run_maintenance_loop(pool: db::PgPool, retention: db::maintenance::Retention, shutdown: Shutdown) {
    let mut ticker = tokio::time::interval(MAINTENANCE_INTERVAL);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {},
            _ = shutdown.clone().requested() => return,
        }
        let run = || db::maintenance::run_maintenance(&pool, retention, chrono::Utc::now());
        match db::exclusive::run_exclusive(&pool, "maintenance", run).await.and_then(|outcome| outcome.transpose()) {
            Ok(None) => tracing::info!("maintenance skipped: another replica is running it"),
            Ok(Some(report)) => tracing::info!(
                rollup_rows = report.rollup_rows,
                dropped_partitions = report.dropped_partitions.len(),
                pruned_rollup_rows = report.pruned_rollup_rows,
                expired_sessions = report.expired_sessions,
                old_login_attempts = report.old_login_attempts,
                "maintenance done"
            ),
            Err(error) => tracing::warn!(%error, "maintenance failed; the next run catches up"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_up_to_the_interval() {
        let interval = Duration::from_secs(300);
        assert_eq!(next_wait(interval, 0, 0.9), interval);
        assert_eq!(next_wait(interval, 1, 0.0), Duration::from_secs(2));
        assert_eq!(next_wait(interval, 2, 0.0), Duration::from_secs(4));
        assert_eq!(next_wait(interval, 4, 0.0), Duration::from_secs(16));
        assert_eq!(next_wait(interval, 4, 1.0), Duration::from_secs(24), "jitter adds up to half");
        assert_eq!(next_wait(interval, 12, 0.0), interval, "never later than the next interval");
        assert_eq!(next_wait(interval, u32::MAX, 0.5), interval);
    }
}
