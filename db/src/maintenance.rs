//! Maintenance: roll raw samples up into hourly and daily rollups, drop raw partitions past
//! their retention, and prune old rollups. Idempotent; run it on a schedule.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use sqlx::PgPool;

use crate::Result;
use crate::store::PARTITIONED_TABLES;

/// How long each resolution of history is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Per-collection samples (daily partitions, dropped whole).
    pub raw: Duration,
    pub hourly: Duration,
    pub daily: Duration,
}

impl Default for Retention {
    fn default() -> Self {
        Retention { raw: Duration::days(14), hourly: Duration::days(90), daily: Duration::days(730) }
    }
}

/// What one maintenance run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MaintenanceReport {
    pub rollup_rows: u64,
    pub dropped_partitions: Vec<String>,
    pub pruned_rollup_rows: u64,
    /// Web sessions past their expiry, deleted.
    pub expired_sessions: u64,
    /// Sign-in attempts older than a day, deleted.
    pub old_login_attempts: u64,
    /// Images no collection still kept refers to, deleted with their CVEs and packages.
    pub pruned_images: u64,
}

/// Rolls up, then enforces retention, as of `now`, and deletes expired web sessions and old
/// sign-in attempts.
#[tracing::instrument(skip_all, err)]
pub async fn run_maintenance(pool: &PgPool, retention: Retention, now: DateTime<Utc>) -> Result<MaintenanceReport> {
    let mut report = MaintenanceReport::default();
    for resolution in ["hour", "day"] {
        report.rollup_rows += roll_up(pool, resolution, now).await?;
    }
    report.dropped_partitions = drop_raw_partitions(pool, now - retention.raw).await?;
    for (resolution, keep) in [("hour", retention.hourly), ("day", retention.daily)] {
        for table in ["tenant_rollup", "namespace_rollup"] {
            let sql = format!("delete from {table} where resolution = $1 and bucket < $2");
            report.pruned_rollup_rows += sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(resolution)
                .bind(now - keep)
                .execute(pool)
                .await?
                .rows_affected();
        }
    }
    report.expired_sessions = crate::sessions::delete_expired(pool).await?;
    report.old_login_attempts = crate::login_attempts::delete_old(pool, now).await?;
    report.pruned_images = sqlx::query(
        "delete from image i where not exists (select 1 from workload_image w where w.image_id = i.image_id)",
    )
    .execute(pool)
    .await?
    .rows_affected();
    Ok(report)
}

/// Rolls every complete bucket since the newest one already rolled up (which is recomputed,
/// as it may have been rolled while incomplete).
async fn roll_up(pool: &PgPool, resolution: &str, now: DateTime<Utc>) -> Result<u64> {
    let (from,): (Option<DateTime<Utc>>,) =
        sqlx::query_as("select max(bucket) from tenant_rollup where resolution = $1")
            .bind(resolution)
            .fetch_one(pool)
            .await?;
    let tenants = sqlx::query(
        "insert into tenant_rollup (resolution, bucket, cluster_id, tenant, score_avg, score_max, workloads,
             critical, high, medium, low)
         select $1, date_trunc($1, s.collected_at), c.cluster_id, s.tenant, avg(s.score), max(s.score), max(s.workloads),
                max(s.critical), max(s.high), max(s.medium), max(s.low)
         from tenant_score s join collection c using (collection_id)
         where s.collected_at >= coalesce($2::timestamptz, '-infinity') and s.collected_at < date_trunc($1, $3::timestamptz)
         group by 2, 3, 4
         on conflict (resolution, bucket, cluster_id, tenant) do update set
             score_avg = excluded.score_avg, score_max = excluded.score_max, workloads = excluded.workloads,
             critical = excluded.critical, high = excluded.high, medium = excluded.medium, low = excluded.low",
    )
    .bind(resolution)
    .bind(from)
    .bind(now)
    .execute(pool)
    .await?
    .rows_affected();
    let namespaces = sqlx::query(
        "with window_samples as (select coalesce($2::timestamptz, '-infinity') as since, date_trunc($1, $3::timestamptz) as until),
         ns as (
             select date_trunc($1, n.collected_at) as bucket, c.cluster_id, n.tenant, n.namespace,
                    avg(n.pods) as pods_avg, avg(n.unhealthy) as unhealthy_avg,
                    max(n.restarts) as restarts_max
             from namespace_state n join collection c using (collection_id), window_samples w
             where n.collected_at >= w.since and n.collected_at < w.until
             group by 1, 2, 3, 4),
         q as (
             select date_trunc($1, q.collected_at) as bucket, c.cluster_id, q.namespace,
                    min(greatest(0, 100 * (1 - q.used / q.hard))) as pct
             from quota_usage q join collection c using (collection_id), window_samples w
             where q.hard > 0 and q.collected_at >= w.since and q.collected_at < w.until
             group by 1, 2, 3),
         g as (
             select date_trunc($1, g.collected_at) as bucket, c.cluster_id, g.namespace, avg(g.utilisation_pct) as util
             from gpu_sample g join collection c using (collection_id), window_samples w
             where g.collected_at >= w.since and g.collected_at < w.until
             group by 1, 2, 3)
         insert into namespace_rollup (resolution, bucket, cluster_id, tenant, namespace, pods_avg, unhealthy_avg,
             restarts_max, headroom_min_pct, gpu_util_avg)
         select $1, ns.bucket, ns.cluster_id, ns.tenant, ns.namespace, ns.pods_avg, ns.unhealthy_avg, ns.restarts_max,
                q.pct, g.util
         from ns left join q using (bucket, cluster_id, namespace) left join g using (bucket, cluster_id, namespace)
         on conflict (resolution, bucket, cluster_id, namespace) do update set
             pods_avg = excluded.pods_avg, unhealthy_avg = excluded.unhealthy_avg, restarts_max = excluded.restarts_max,
             headroom_min_pct = excluded.headroom_min_pct, gpu_util_avg = excluded.gpu_util_avg",
    )
    .bind(resolution)
    .bind(from)
    .bind(now)
    .execute(pool)
    .await?
    .rows_affected();
    Ok(tenants + namespaces)
}

/// Drops every daily partition of the sample tables that ends at or before `cutoff`.
async fn drop_raw_partitions(pool: &PgPool, cutoff: DateTime<Utc>) -> Result<Vec<String>> {
    let mut dropped = Vec::new();
    for table in PARTITIONED_TABLES {
        let partitions: Vec<(String,)> = sqlx::query_as(
            "select c.relname::text from pg_inherits i
             join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
             where p.relname = $1 order by 1",
        )
        .bind(table)
        .fetch_all(pool)
        .await?;
        for (name,) in partitions {
            let Some(day) = name.rsplit('_').next().and_then(|d| NaiveDate::parse_from_str(d, "%Y%m%d").ok()) else {
                continue;
            };
            let end = day.succ_opt().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc());
            if end.is_some_and(|end| end <= cutoff) {
                // The name comes from the catalogue and matches `<table>_YYYYMMDD`.
                sqlx::query(sqlx::AssertSqlSafe(format!("drop table if exists \"{name}\""))).execute(pool).await?;
                dropped.push(name);
            }
        }
    }
    Ok(dropped)
}
