//! Users of the `local` authentication mode: a name, an argon2 password hash (never the
//! password) and groups. Every change is audited in the same transaction.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::audit::{AuditEntry, record};
use crate::{Error, Result};

/// A local user as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct UserRow {
    pub name: String,
    pub password_hash: String,
    pub groups: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub password_changed_at: DateTime<Utc>,
}

/// Adds a user; refuses a name already taken.
pub async fn add(pool: &PgPool, actor: &str, name: &str, password_hash: &str, groups: &[String]) -> Result<()> {
    let mut tx = pool.begin().await?;
    let inserted = sqlx::query(
        "insert into app_user (name, password_hash, groups) values ($1, $2, $3) on conflict (name) do nothing",
    )
    .bind(name)
    .bind(password_hash)
    .bind(groups)
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(Error::Invalid(format!("user {name:?} already exists")));
    }
    let after = serde_json::json!({ "name": name, "groups": groups });
    let subject = format!("user/{name}");
    let entry = AuditEntry { actor, action: "user.added", subject: &subject, after: Some(after), ..Default::default() };
    record(&mut *tx, &entry).await?;
    tx.commit().await?;
    Ok(())
}

/// Removes a user and ends their sessions' standing: a removed user's next request is refused.
pub async fn remove(pool: &PgPool, actor: &str, name: &str) -> Result<()> {
    let mut tx = pool.begin().await?;
    let removed: Option<(Vec<String>,)> = sqlx::query_as("delete from app_user where name = $1 returning groups")
        .bind(name)
        .fetch_optional(&mut *tx)
        .await?;
    let Some((groups,)) = removed else { return Err(Error::NotFound(format!("user {name:?}"))) };
    let before = serde_json::json!({ "name": name, "groups": groups });
    let subject = format!("user/{name}");
    let entry =
        AuditEntry { actor, action: "user.removed", subject: &subject, before: Some(before), ..Default::default() };
    record(&mut *tx, &entry).await?;
    tx.commit().await?;
    Ok(())
}

/// Replaces a user's password hash.
pub async fn set_password(pool: &PgPool, actor: &str, name: &str, password_hash: &str) -> Result<()> {
    let mut tx = pool.begin().await?;
    let changed = sqlx::query("update app_user set password_hash = $2, password_changed_at = now() where name = $1")
        .bind(name)
        .bind(password_hash)
        .execute(&mut *tx)
        .await?;
    if changed.rows_affected() == 0 {
        return Err(Error::NotFound(format!("user {name:?}")));
    }
    let subject = format!("user/{name}");
    record(&mut *tx, &AuditEntry { actor, action: "user.password-changed", subject: &subject, ..Default::default() })
        .await?;
    tx.commit().await?;
    Ok(())
}

/// One user by name.
pub async fn find(pool: &PgPool, name: &str) -> Result<Option<UserRow>> {
    Ok(sqlx::query_as::<_, UserRow>(
        "select name, password_hash, groups, created_at, password_changed_at from app_user where name = $1",
    )
    .bind(name)
    .fetch_optional(pool)
    .await?)
}

/// Every user, by name.
pub async fn list(pool: &PgPool) -> Result<Vec<UserRow>> {
    Ok(sqlx::query_as::<_, UserRow>(
        "select name, password_hash, groups, created_at, password_changed_at from app_user order by name",
    )
    .fetch_all(pool)
    .await?)
}
