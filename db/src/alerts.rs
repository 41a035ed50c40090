//! Alerts: raised once per deduplication key, with each webhook's delivery outcome. Alerts about
//! a tenant are seen only within scope; cluster alerts (no tenant) are seen by everyone.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::{Result, Scope};

/// An alert with its deliveries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct AlertRow {
    pub alert_id: i64,
    pub kind: String,
    pub tenant: Option<String>,
    pub summary: String,
    pub created_at: DateTime<Utc>,
    /// `webhook: status (attempts)` for each webhook.
    pub deliveries: Vec<String>,
}

/// Records an alert unless one with `dedup_key` exists; its id when it is new.
pub async fn raise(
    pool: &PgPool,
    dedup_key: &str,
    kind: &str,
    tenant: Option<&str>,
    summary: &str,
) -> Result<Option<i64>> {
    let row: Option<(i64,)> = sqlx::query_as(
        "insert into alert (dedup_key, kind, tenant, summary) values ($1, $2, $3, $4)
         on conflict (dedup_key) do nothing returning alert_id",
    )
    .bind(dedup_key)
    .bind(kind)
    .bind(tenant)
    .bind(summary)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(id,)| id))
}

/// Records how delivering an alert to a webhook ended.
pub async fn record_delivery(
    pool: &PgPool,
    alert_id: i64,
    webhook: &str,
    sent: bool,
    attempts: i32,
    last_error: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "insert into alert_delivery (alert_id, webhook, status, attempts, last_error) values ($1, $2, $3, $4, $5)
         on conflict (alert_id, webhook) do update
         set status = excluded.status, attempts = excluded.attempts, last_error = excluded.last_error, updated_at = now()",
    )
    .bind(alert_id)
    .bind(webhook)
    .bind(if sent { "sent" } else { "failed" })
    .bind(attempts)
    .bind(last_error)
    .execute(pool)
    .await?;
    Ok(())
}

/// The newest `limit` alerts the scope may see.
pub async fn list(pool: &PgPool, scope: &Scope, limit: i64) -> Result<Vec<AlertRow>> {
    Ok(sqlx::query_as::<_, AlertRow>(
        "select a.alert_id, a.kind, a.tenant, a.summary, a.created_at,
                coalesce(array_agg(d.webhook || ': ' || d.status || ' (' || d.attempts || ')' order by d.webhook)
                         filter (where d.webhook is not null), '{}') as deliveries
         from alert a left join alert_delivery d using (alert_id)
         where $1::text[] is null or a.tenant is null or a.tenant = any($1)
         group by a.alert_id
         order by a.created_at desc, a.alert_id desc
         limit $2",
    )
    .bind(scope.tenant_filter())
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// A critical finding opened since `since` and still open.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct NewCritical {
    pub finding_id: i64,
    pub tenant: String,
    pub rule_id: String,
    pub object_kind: String,
    pub object_namespace: Option<String>,
    pub object_name: String,
}

/// Open critical findings first seen since `since`.
pub async fn new_criticals(pool: &PgPool, since: DateTime<Utc>) -> Result<Vec<NewCritical>> {
    Ok(sqlx::query_as::<_, NewCritical>(
        "select finding_id, tenant, rule_id, object_kind, object_namespace, object_name from finding_state
         where severity = 'critical' and resolved_at is null and first_seen >= $1 order by finding_id",
    )
    .bind(since)
    .fetch_all(pool)
    .await?)
}
