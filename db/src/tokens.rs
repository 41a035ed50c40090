//! API tokens: stored as SHA-256 digests, each with a role and tenants, revocable. Creation and
//! revocation are audited.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::audit::{AuditEntry, record};
use crate::{Error, Result};

/// A token as stored (never the token itself).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct TokenRow {
    pub name: String,
    pub role: String,
    pub tenants: Vec<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "name, role, tenants, created_by, created_at, revoked_at, last_used_at";

/// Stores a new token's digest.
pub async fn create(
    pool: &PgPool,
    actor: &str,
    name: &str,
    digest: &str,
    role: &str,
    tenants: &[String],
) -> Result<()> {
    let mut tx = pool.begin().await?;
    let inserted = sqlx::query(
        "insert into api_token (name, token_sha256, role, tenants, created_by) values ($1, $2, $3, $4, $5)
         on conflict (name) do nothing",
    )
    .bind(name)
    .bind(digest)
    .bind(role)
    .bind(tenants)
    .bind(actor)
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(Error::Invalid(format!("a token named {name:?} already exists")));
    }
    let subject = format!("token/{name}");
    let after = serde_json::json!({ "role": role, "tenants": tenants });
    record(
        &mut *tx,
        &AuditEntry { actor, action: "token.created", subject: &subject, after: Some(after), ..Default::default() },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Revokes a token; its next request is refused.
pub async fn revoke(pool: &PgPool, actor: &str, name: &str) -> Result<()> {
    let mut tx = pool.begin().await?;
    let revoked = sqlx::query("update api_token set revoked_at = now() where name = $1 and revoked_at is null")
        .bind(name)
        .execute(&mut *tx)
        .await?;
    if revoked.rows_affected() == 0 {
        return Err(Error::NotFound(format!("active token {name:?}")));
    }
    let subject = format!("token/{name}");
    record(&mut *tx, &AuditEntry { actor, action: "token.revoked", subject: &subject, ..Default::default() }).await?;
    tx.commit().await?;
    Ok(())
}

/// The active token with this digest, marking it used.
pub async fn find_active(pool: &PgPool, digest: &str) -> Result<Option<TokenRow>> {
    let sql = format!(
        "update api_token set last_used_at = now() where token_sha256 = $1 and revoked_at is null returning {COLUMNS}"
    );
    Ok(sqlx::query_as::<_, TokenRow>(sqlx::AssertSqlSafe(sql)).bind(digest).fetch_optional(pool).await?)
}

/// Every token, by name.
pub async fn list(pool: &PgPool) -> Result<Vec<TokenRow>> {
    let sql = format!("select {COLUMNS} from api_token order by name");
    Ok(sqlx::query_as::<_, TokenRow>(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?)
}
