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

/// Forgets the attempts of a pair that has just signed in, and every attempt older than
/// `older_than`.
pub async fn forget(pool: &PgPool, source_addr: &str, user_digest: &str, older_than: DateTime<Utc>) -> Result<()> {
    sqlx::query("delete from login_attempt where (source_addr = $1 and user_digest = $2) or at < $3")
        .bind(source_addr)
        .bind(user_digest)
        .bind(older_than)
        .execute(pool)
        .await?;
    Ok(())
}
