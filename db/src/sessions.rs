//! Server-side web sessions, keyed by a digest of the cookie's id. The session layer in the
//! server owns the format of `data`; this module only stores it.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::Result;

/// Inserts a new session; false when the key is taken (the caller picks another id).
pub async fn create(pool: &PgPool, key: &str, data: &serde_json::Value, expires_at: DateTime<Utc>) -> Result<bool> {
    let inserted = sqlx::query(
        "insert into web_session (session_key, data, expires_at) values ($1, $2, $3) on conflict do nothing",
    )
    .bind(key)
    .bind(sqlx::types::Json(data))
    .bind(expires_at)
    .execute(pool)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// Writes a session, creating it when missing.
pub async fn save(pool: &PgPool, key: &str, data: &serde_json::Value, expires_at: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "insert into web_session (session_key, data, expires_at) values ($1, $2, $3)
         on conflict (session_key) do update set data = excluded.data, expires_at = excluded.expires_at",
    )
    .bind(key)
    .bind(sqlx::types::Json(data))
    .bind(expires_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// A session that has not expired.
pub async fn load(pool: &PgPool, key: &str) -> Result<Option<(serde_json::Value, DateTime<Utc>)>> {
    let row: Option<(sqlx::types::Json<serde_json::Value>, DateTime<Utc>)> =
        sqlx::query_as("select data, expires_at from web_session where session_key = $1 and expires_at > now()")
            .bind(key)
            .fetch_optional(pool)
            .await?;
    Ok(row.map(|(data, expires_at)| (data.0, expires_at)))
}

/// Deletes a session (logout, or a new id at login).
pub async fn delete(pool: &PgPool, key: &str) -> Result<()> {
    sqlx::query("delete from web_session where session_key = $1").bind(key).execute(pool).await?;
    Ok(())
}

/// Deletes every expired session; returns how many.
pub async fn delete_expired(pool: &PgPool) -> Result<u64> {
    Ok(sqlx::query("delete from web_session where expires_at <= now()").execute(pool).await?.rows_affected())
}
