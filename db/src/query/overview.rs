//! The overview: every tenant in scope with its posture, riskiest first. Everything comes from
//! small per-collection rows (scores with finding counts, namespace health, quotas, GPUs).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::as_of::as_of;
use super::gpu::{gpus_allocated, gpus_idle, gpus_unmetered};
use crate::{Result, Scope};

/// One tenant's row on the overview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TenantOverview {
    pub tenant: String,
    /// Risk score 0–100 (workload-weighted across clusters), higher is riskier.
    pub score: f64,
    pub workloads: i64,
    pub critical: i64,
    pub high: i64,
    pub medium: i64,
    pub low: i64,
    /// Informational findings: no weight in the score, but open findings all the same.
    pub info: i64,
    pub unhealthy_pods: i64,
    /// The smallest remaining share of any quota resource, in percent; `None` without quotas.
    pub tightest_quota_headroom_pct: Option<f64>,
    /// Mean utilisation over the tenant's GPUs; `None` when it has no GPU pods.
    pub mean_gpu_utilisation_pct: Option<f64>,
    /// GPUs its running pods hold, in GPU equivalents (0 for instants read from rollups).
    pub gpus_allocated: f64,
    /// Of those, the GPUs on workloads under the idle threshold.
    pub gpus_idle: f64,
    /// Of those, the GPUs no metrics were read for: their use is unknown, neither idle nor busy.
    pub gpus_unmetered: f64,
    pub last_collected_at: DateTime<Utc>,
}

impl TenantOverview {
    /// The share of its allocated GPUs with metrics that sit idle, in percent; `None` when it
    /// holds none, or none has metrics (unknown, never 0% or 100%).
    pub fn idle_gpu_share_pct(&self) -> Option<f64> {
        let metered = self.gpus_allocated - self.gpus_unmetered;
        (metered > 1e-9).then(|| 100.0 * self.gpus_idle / metered)
    }
}

/// The posture of every tenant in scope, now or as of `at`, riskiest first.
#[tracing::instrument(skip_all, err)]
pub async fn tenant_overview(pool: &PgPool, scope: &Scope, at: Option<DateTime<Utc>>) -> Result<Vec<TenantOverview>> {
    let sql = as_of!(concat!(
        ",
        scores as (
            select s.tenant,
                   sum(s.score * greatest(s.workloads, 1)) / sum(greatest(s.workloads, 1)) as score,
                   sum(s.workloads)::int8 as workloads, max(l.finished_at) as last_collected_at
            from tenant_score s join latest l on l.collection_id = s.collection_id and s.collected_at = l.started_at
            where $1::text[] is null or s.tenant = any($1)
            group by s.tenant),
        counts as (
            -- The same open findings every list shows: one definition for every count.
            select f.tenant,
                   count(*) filter (where f.severity = 'critical')::int8 as critical,
                   count(*) filter (where f.severity = 'high')::int8 as high,
                   count(*) filter (where f.severity = 'medium')::int8 as medium,
                   count(*) filter (where f.severity = 'low')::int8 as low,
                   count(*) filter (where f.severity = 'info')::int8 as info
            from open_finding f join latest l using (cluster_id)
            group by f.tenant),
        health as (
            select tenant, sum(unhealthy)::int8 as unhealthy_pods
            from namespace_state x join latest l on l.collection_id = x.collection_id and x.collected_at = l.started_at
            where $1::text[] is null or tenant = any($1)
            group by tenant),
        quota as (
            select tenant, min(greatest(0, 100 * (1 - used / hard))) as headroom
            from quota_usage x join latest l on l.collection_id = x.collection_id and x.collected_at = l.started_at
            where hard > 0 and ($1::text[] is null or tenant = any($1))
            group by tenant),
        gpu as (
            select tenant, avg(utilisation_pct) as utilisation
            from gpu_sample x join latest l on l.collection_id = x.collection_id and x.collected_at = l.started_at
            where $1::text[] is null or tenant = any($1)
            group by tenant),
        held as (
            select w.tenant, sum(",
        gpus_allocated!(),
        ")::float8 as allocated, sum(",
        gpus_idle!("$3"),
        ")::float8 as idle, sum(",
        gpus_unmetered!(),
        ")::float8 as unmetered
            from workload_state w join latest l on l.collection_id = w.collection_id and w.collected_at = l.started_at
            where $1::text[] is null or w.tenant = any($1)
            group by w.tenant)
        select s.tenant, round(s.score::numeric, 1)::float8 as score, s.workloads,
               coalesce(c.critical, 0) as critical, coalesce(c.high, 0) as high,
               coalesce(c.medium, 0) as medium, coalesce(c.low, 0) as low, coalesce(c.info, 0) as info,
               coalesce(h.unhealthy_pods, 0) as unhealthy_pods,
               q.headroom as tightest_quota_headroom_pct,
               g.utilisation as mean_gpu_utilisation_pct,
               coalesce(w.allocated, 0) as gpus_allocated, coalesce(w.idle, 0) as gpus_idle,
               coalesce(w.unmetered, 0) as gpus_unmetered,
               s.last_collected_at
        from scores s
        left join counts c using (tenant)
        left join health h using (tenant)
        left join quota q using (tenant) left join gpu g using (tenant) left join held w using (tenant)
        order by s.score desc, s.tenant"
    ));
    let rows = sqlx::query_as::<_, TenantOverview>(sql)
        .bind(scope.tenant_filter())
        .bind(at)
        .bind(domain::gpu::IDLE_UTILISATION_PCT)
        .fetch_all(pool)
        .await?;
    match at {
        Some(at) if rows.is_empty() => overview_from_rollups(pool, scope, at).await,
        _ => Ok(rows),
    }
}

/// The overview as of an instant whose raw samples have passed their retention: from the
/// hourly rollup bucket holding it, or the daily one once the hourly rollups are pruned too.
async fn overview_from_rollups(pool: &PgPool, scope: &Scope, at: DateTime<Utc>) -> Result<Vec<TenantOverview>> {
    let rows = sqlx::query_as::<_, TenantOverview>(
        "with chosen as (
             select distinct on (cluster_id) cluster_id, resolution, bucket
             from tenant_rollup where bucket <= $2
             order by cluster_id, (resolution = 'hour') desc, bucket desc),
         tenants as (
             select r.tenant, sum(r.score_avg * greatest(r.workloads, 1)) / sum(greatest(r.workloads, 1)) as score,
                    sum(r.workloads)::int8 as workloads, sum(r.critical)::int8 as critical, sum(r.high)::int8 as high,
                    sum(r.medium)::int8 as medium, sum(r.low)::int8 as low, max(r.bucket) as last_collected_at
             from tenant_rollup r join chosen c using (cluster_id, resolution, bucket)
             where $1::text[] is null or r.tenant = any($1)
             group by r.tenant),
         namespaces as (
             select n.tenant, round(sum(n.unhealthy_avg))::int8 as unhealthy_pods, min(n.headroom_min_pct) as headroom,
                    avg(n.gpu_util_avg) as gpu
             from namespace_rollup n join chosen c using (cluster_id, resolution, bucket)
             where $1::text[] is null or n.tenant = any($1)
             group by n.tenant)
         select t.tenant, round(t.score::numeric, 1)::float8 as score, t.workloads, t.critical, t.high, t.medium, t.low,
                0::int8 as info,
                coalesce(n.unhealthy_pods, 0) as unhealthy_pods, n.headroom as tightest_quota_headroom_pct,
                n.gpu as mean_gpu_utilisation_pct, 0::float8 as gpus_allocated, 0::float8 as gpus_idle,
                0::float8 as gpus_unmetered,
                t.last_collected_at
         from tenants t left join namespaces n using (tenant)
         order by t.score desc, t.tenant",
    )
    .bind(scope.tenant_filter())
    .bind(at)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}
