//! What a collection reads from the database before it reads the cluster, once: how long since
//! the cluster's previous collection (the window GPU idleness is counted over) and the
//! exceptions in force.

use std::time::Duration;

use chrono::{DateTime, Utc};
use domain::Exception;

use super::target::{ClusterTarget, CollectError};

/// The database's part of one collection.
#[derive(Debug, Clone)]
pub struct CollectionContext {
    /// The time this collection counts GPU idleness over.
    pub idle_window: Duration,
    /// The exceptions active when the collection started.
    pub exceptions: Vec<Exception>,
}

impl CollectionContext {
    /// Reads the context of a collection of `target` starting at `started_at`.
    pub async fn read(
        pool: &db::PgPool,
        target: &ClusterTarget,
        started_at: DateTime<Utc>,
    ) -> Result<Self, CollectError> {
        let idle_window = idle_window(pool, target, started_at).await?;
        let exceptions = db::exceptions::active(pool, started_at).await?;
        Ok(CollectionContext { idle_window, exceptions })
    }
}

/// The time a collection counts GPU idleness over: since the cluster's previous collection
/// started, and at most one interval, so a collection run by hand between scheduled ones does
/// not count the same time twice.
async fn idle_window(
    pool: &db::PgPool,
    target: &ClusterTarget,
    started_at: DateTime<Utc>,
) -> Result<Duration, CollectError> {
    let previous = db::store::latest_collection_start(pool, &target.name).await?;
    let since = previous.and_then(|at| (started_at - at).to_std().ok());
    Ok(since.map_or(target.interval, |since| since.min(target.interval)))
}
