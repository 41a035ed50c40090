//! The audit log: who did what, from where, to which subject and tenant. Written in the same
//! transaction as the change it records; read by admins and the security team.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{PgExecutor, PgPool};

use crate::Result;

/// One user action to record.
#[derive(Debug, Clone, Default)]
pub struct AuditEntry<'a> {
    /// The user who acted (or `unknown user` for a failed login with an unknown name).
    pub actor: &'a str,
    /// A dotted verb: `login`, `login.failed`, `logout`, `exception.requested`, `user.added`, ...
    pub action: &'a str,
    /// What was acted on: `session`, `exception/42`, `user/alice`, `report/7`.
    pub subject: &'a str,
    /// The tenant the subject belongs to, when it belongs to one.
    pub tenant: Option<&'a str>,
    /// The client address the request came from, when it came over HTTP.
    pub source_addr: Option<&'a str>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// An audit event as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct AuditRow {
    pub audit_id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub tenant: Option<String>,
    pub source_addr: Option<String>,
}

/// Appends `entry` to the audit log, inside whatever transaction `executor` is part of.
pub async fn record(executor: impl PgExecutor<'_>, entry: &AuditEntry<'_>) -> Result<()> {
    sqlx::query(
        "insert into audit_event (actor, action, subject, tenant, source_addr, before, after)
         values ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(entry.actor)
    .bind(entry.action)
    .bind(entry.subject)
    .bind(entry.tenant)
    .bind(entry.source_addr)
    .bind(entry.before.as_ref().map(sqlx::types::Json))
    .bind(entry.after.as_ref().map(sqlx::types::Json))
    .execute(executor)
    .await?;
    Ok(())
}

/// The newest `limit` events at or after `since` after the first `offset`, newest first.
pub async fn recent(pool: &PgPool, since: DateTime<Utc>, limit: i64, offset: i64) -> Result<Vec<AuditRow>> {
    Ok(sqlx::query_as::<_, AuditRow>(
        "select audit_id, at, actor, action, subject, tenant, source_addr from audit_event
         where at >= $1 order by at desc, audit_id desc limit $2 offset $3",
    )
    .bind(since)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?)
}

/// Events between `from` and `to` for a report: everything for an all-tenants scope, else only
/// events about the scope's tenants.
pub async fn between(
    pool: &PgPool,
    scope: &crate::Scope,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<AuditRow>> {
    Ok(sqlx::query_as::<_, AuditRow>(
        "select audit_id, at, actor, action, subject, tenant, source_addr from audit_event
         where at >= $2 and at <= $3 and ($1::text[] is null or tenant = any($1))
         order by at, audit_id",
    )
    .bind(scope.tenant_filter())
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?)
}
