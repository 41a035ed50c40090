//! Sign-in attempts per client address and typed user name, counted before the password is
//! checked: each attempt is stored (and committed) before it counts those of its window, so of
//! any number of concurrent attempts at most the limit see a count within it.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::Result;

/// Records an attempt from `source_addr` at `user_digest` and returns how many attempts of that
/// pair, this one included, were made since `since`.
pub async fn record(pool: &PgPool, source_addr: &str, user_digest: &str, since: DateTime<Utc>) -> Result<i64> {
    sqlx::query("insert into login_attempt (source_addr, user_digest) values ($1, $2)")
        .bind(source_addr)
        .bind(user_digest)
        .execute(pool)
        .await?;
    let (count,): (i64,) =
        sqlx::query_as("select count(*) from login_attempt where source_addr = $1 and user_digest = $2 and at >= $3")
            .bind(source_addr)
            .bind(user_digest)
            .bind(since)
            .fetch_one(pool)
            .await?;
    Ok(count)
}

/// Forgets the attempts of a pair that has just signed in.
pub async fn forget(pool: &PgPool, source_addr: &str, user_digest: &str) -> Result<()> {
    sqlx::query("delete from login_attempt where source_addr = $1 and user_digest = $2")
        .bind(source_addr)
        .bind(user_digest)
        .execute(pool)
        .await?;
    Ok(())
}

/// How long attempts are kept: far longer than any window they are counted in.
pub const KEPT_FOR: chrono::Duration = chrono::Duration::days(1);

/// Deletes the attempts older than [`KEPT_FOR`] at `now`; maintenance runs it.
pub async fn delete_old(pool: &PgPool, now: DateTime<Utc>) -> Result<u64> {
    let deleted = sqlx::query("delete from login_attempt where at < $1").bind(now - KEPT_FOR).execute(pool).await?;
    Ok(deleted.rows_affected())
}
