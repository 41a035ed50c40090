//! Jobs that one process at a time may run, however many `rampart serve` replicas share the
//! database: scheduled reports and maintenance. PostgreSQL advisory locks decide.

use std::future::Future;

use sqlx::{Connection, PgPool};

use crate::Result;

/// The first key of every job lock (`'RAMQ'`); the second is `hashtext(job name)`.
pub const JOB_LOCKS: i32 = 0x5241_4d52;

/// Runs `work` unless another process is running the job named `job` right now: `None` then.
/// The lock is held by a connection taken out of the pool for the duration, so it is released
/// when the work ends, and also if the work is cancelled or the process dies.
pub async fn run_exclusive<T, F, Fut>(pool: &PgPool, job: &str, work: F) -> Result<Option<T>>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = T>,
{
    let mut connection = pool.acquire().await?.detach();
    let (taken,): (bool,) = sqlx::query_as("select pg_try_advisory_lock($1, hashtext($2))")
        .bind(JOB_LOCKS)
        .bind(job)
        .fetch_one(&mut connection)
        .await?;
    if !taken {
        return Ok(None);
    }
    let outcome = work().await;
    // Ending the session releases the lock; dropping the connection would too, less politely.
    let _ = connection.close().await;
    Ok(Some(outcome))
}
