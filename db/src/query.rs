//! Read models for pages and reports. Every function takes the viewer's [`Scope`]; rows of
//! tenants outside it are filtered in SQL, so they never leave the database.
//!
//! "Current" means the latest collection of each cluster.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::{Result, Scope};

/// Prefixes a query with the CTE `latest`: the latest collection of every cluster, the head
/// of every "current state" query.
macro_rules! with_latest {
    ($rest:literal) => {
        concat!(
            "with latest as (
                select distinct on (cluster_id) collection_id, finished_at
                from collection order by cluster_id, started_at desc)",
            $rest
        )
    };
}

/// One tenant's row on the overview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct TenantOverview {
    pub tenant: String,
    /// Risk score 0–100 (workload-weighted across clusters), higher is riskier.
    pub score: f64,
    pub workloads: i64,
    pub critical: i64,
    pub high: i64,
    pub medium: i64,
    pub low: i64,
    pub unhealthy_pods: i64,
    /// The smallest remaining share of any quota resource, in percent; `None` without quotas.
    pub tightest_quota_headroom_pct: Option<f64>,
    /// Mean utilisation over the tenant's GPUs; `None` when it has no GPU pods.
    pub mean_gpu_utilisation_pct: Option<f64>,
    pub last_collected_at: DateTime<Utc>,
}

/// Current posture of every tenant in scope, riskiest first.
#[tracing::instrument(skip_all, err)]
pub async fn tenant_overview(pool: &PgPool, scope: &Scope) -> Result<Vec<TenantOverview>> {
    let sql = with_latest!(
        ",
        scores as (
            select s.tenant,
                   sum(s.score * greatest(s.workloads, 1)) / sum(greatest(s.workloads, 1)) as score,
                   sum(s.workloads)::int8 as workloads, max(l.finished_at) as last_collected_at
            from tenant_score s join latest l using (collection_id)
            where $1::text[] is null or s.tenant = any($1)
            group by s.tenant),
        counts as (
            select tenant,
                   count(*) filter (where severity = 'critical') as critical,
                   count(*) filter (where severity = 'high') as high,
                   count(*) filter (where severity = 'medium') as medium,
                   count(*) filter (where severity = 'low') as low
            from finding join latest using (collection_id)
            where $1::text[] is null or tenant = any($1)
            group by tenant),
        health as (
            select tenant, sum(pending + failed + crash_looping)::int8 as unhealthy_pods
            from namespace_state join latest using (collection_id)
            where $1::text[] is null or tenant = any($1)
            group by tenant),
        quota as (
            select tenant, min(greatest(0, 100 * (1 - used / hard))) as headroom
            from quota_usage join latest using (collection_id)
            where hard > 0 and ($1::text[] is null or tenant = any($1))
            group by tenant),
        gpu as (
            select tenant, avg(utilisation_pct) as utilisation
            from gpu_sample join latest using (collection_id)
            where $1::text[] is null or tenant = any($1)
            group by tenant)
        select s.tenant, round(s.score::numeric, 1)::float8 as score, s.workloads,
               coalesce(c.critical, 0) as critical, coalesce(c.high, 0) as high,
               coalesce(c.medium, 0) as medium, coalesce(c.low, 0) as low,
               coalesce(h.unhealthy_pods, 0) as unhealthy_pods,
               q.headroom as tightest_quota_headroom_pct,
               g.utilisation as mean_gpu_utilisation_pct,
               s.last_collected_at
        from scores s
        left join counts c using (tenant) left join health h using (tenant)
        left join quota q using (tenant) left join gpu g using (tenant)
        order by s.score desc, s.tenant"
    );
    let rows = sqlx::query_as::<_, TenantOverview>(sql).bind(scope.tenant_filter()).fetch_all(pool).await?;
    Ok(rows)
}

/// One point of a tenant's score history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ScorePoint {
    pub tenant: String,
    pub at: DateTime<Utc>,
    pub score: f64,
}

/// Hourly risk scores of every tenant in scope since `since`, oldest first.
#[tracing::instrument(skip_all, err)]
pub async fn score_history(pool: &PgPool, scope: &Scope, since: DateTime<Utc>) -> Result<Vec<ScorePoint>> {
    let rows = sqlx::query_as::<_, ScorePoint>(
        "select s.tenant, date_trunc('hour', c.started_at) as at, avg(s.score) as score
         from tenant_score s join collection c using (collection_id)
         where c.started_at >= $2 and ($1::text[] is null or s.tenant = any($1))
         group by s.tenant, date_trunc('hour', c.started_at)
         order by s.tenant, at",
    )
    .bind(scope.tenant_filter())
    .bind(since)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

/// One namespace of a tenant, as of its cluster's latest collection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct NamespaceRow {
    pub namespace: String,
    pub workloads: i32,
    pub pods: i32,
    pub unhealthy_pods: i32,
    pub restarts: i32,
    pub oom_killed: i32,
    pub findings: i64,
    pub tightest_quota_headroom_pct: Option<f64>,
}

/// An open finding as the tenant page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct FindingRow {
    pub rule_id: String,
    pub severity: String,
    pub object_kind: String,
    pub object_namespace: Option<String>,
    pub object_name: String,
    pub container: Option<String>,
    pub message: String,
    pub controls: Vec<String>,
    /// The offending field paths.
    pub evidence: Vec<String>,
}

/// Everything the tenant page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenantDetail {
    pub summary: TenantOverview,
    pub namespaces: Vec<NamespaceRow>,
    pub findings: Vec<FindingRow>,
}

/// A tenant's current summary, namespaces and open findings; `None` when the tenant is
/// unknown or outside the viewer's scope (the two are indistinguishable on purpose).
#[tracing::instrument(skip_all, fields(tenant = tenant), err)]
pub async fn tenant_detail(pool: &PgPool, scope: &Scope, tenant: &str) -> Result<Option<TenantDetail>> {
    let scope = scope.narrowed_to(tenant);
    let Some(summary) = tenant_overview(pool, &scope).await?.into_iter().next() else {
        return Ok(None);
    };
    let filter = scope.tenant_filter();
    let namespaces_sql = with_latest!(
        "
        select n.namespace, n.workloads, n.pods, n.pending + n.failed + n.crash_looping as unhealthy_pods,
               n.restarts, n.oom_killed,
               (select count(*) from finding f
                 where f.collection_id = n.collection_id and f.tenant = n.tenant
                   and (f.object_namespace = n.namespace
                        or (f.object_kind = 'Namespace' and f.object_name = n.namespace))) as findings,
               (select min(greatest(0, 100 * (1 - q.used / q.hard))) from quota_usage q
                 where q.collection_id = n.collection_id and q.namespace = n.namespace
                   and q.hard > 0) as tightest_quota_headroom_pct
        from namespace_state n join latest using (collection_id)
        where n.tenant = any($1)
        order by n.namespace"
    );
    let namespaces = sqlx::query_as::<_, NamespaceRow>(namespaces_sql).bind(&filter).fetch_all(pool).await?;
    let findings_sql = with_latest!(
        "
        select rule_id, severity, object_kind, object_namespace, object_name, container,
               message, controls, evidence
        from finding join latest using (collection_id)
        where tenant = any($1)
        order by array_position(array['critical','high','medium','low','info'], severity),
                 object_namespace nulls first, object_kind, object_name, rule_id, container"
    );
    let findings = sqlx::query_as::<_, FindingRow>(findings_sql).bind(&filter).fetch_all(pool).await?;
    Ok(Some(TenantDetail { summary, namespaces, findings }))
}

/// When the newest collection of any cluster finished, if any has.
pub async fn last_collection_at(pool: &PgPool) -> Result<Option<DateTime<Utc>>> {
    let (at,): (Option<DateTime<Utc>>,) =
        sqlx::query_as("select max(finished_at) from collection").fetch_one(pool).await?;
    Ok(at)
}
