//! History: score trends, recently resolved findings, and mean time to remediate.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::{Result, Scope};

/// One point of a tenant's score history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ScorePoint {
    pub tenant: String,
    pub at: DateTime<Utc>,
    pub score: f64,
}

/// Risk scores of every tenant in scope since `since`, oldest first, averaged over
/// six-hour buckets (enough points for a trend line, few enough to read fast). Where raw
/// samples have passed their retention, the hourly rollups fill in.
#[tracing::instrument(skip_all, err)]
pub async fn score_history(pool: &PgPool, scope: &Scope, since: DateTime<Utc>) -> Result<Vec<ScorePoint>> {
    let rows = sqlx::query_as::<_, ScorePoint>(
        "with raw_start as (select min(collected_at) as t from tenant_score),
         points as (
             select s.tenant, s.collected_at as at, s.score from tenant_score s
             where s.collected_at >= $2 and ($1::text[] is null or s.tenant = any($1))
             union all
             select r.tenant, r.bucket, r.score_avg from tenant_rollup r, raw_start
             where r.resolution = 'hour' and r.bucket >= $2 and (raw_start.t is null or r.bucket < date_trunc('hour', raw_start.t))
               and ($1::text[] is null or r.tenant = any($1)))
         select tenant, date_bin('6 hours', at, timestamptz '2000-01-01 00:00:00+00') as at, avg(score) as score
         from points
         group by 1, 2
         order by 1, 2",
    )
    .bind(scope.tenant_filter())
    .bind(since)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

/// A finding resolved recently.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ResolvedRow {
    pub finding_id: i64,
    pub tenant: String,
    pub rule_id: String,
    pub severity: String,
    pub object_kind: String,
    pub object_namespace: Option<String>,
    pub object_name: String,
    pub first_seen: DateTime<Utc>,
    pub resolved_at: DateTime<Utc>,
}

/// Findings of the tenants in scope resolved since `since`, most recent first.
#[tracing::instrument(skip_all, err)]
pub async fn recently_resolved(
    pool: &PgPool,
    scope: &Scope,
    since: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<ResolvedRow>> {
    let rows = sqlx::query_as::<_, ResolvedRow>(
        "select finding_id, tenant, rule_id, severity, object_kind, object_namespace, object_name, first_seen, resolved_at
         from finding_state
         where resolved_at >= $2 and ($1::text[] is null or tenant = any($1))
         order by resolved_at desc, finding_id
         limit $3",
    )
    .bind(scope.tenant_filter())
    .bind(since)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

/// Mean time to remediate one tenant's findings of one severity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct MttrRow {
    pub tenant: String,
    pub severity: String,
    /// Resolutions counted.
    pub resolved: i64,
    pub mean_hours: f64,
}

/// Mean time from opening (or reopening) to resolution, per tenant and severity, over the
/// resolutions since `since`. Each reopen cycle counts as its own remediation.
#[tracing::instrument(skip_all, err)]
pub async fn mttr(pool: &PgPool, scope: &Scope, since: DateTime<Utc>) -> Result<Vec<MttrRow>> {
    let rows = sqlx::query_as::<_, MttrRow>(
        "select s.tenant, s.severity, count(*) as resolved,
                avg(extract(epoch from e.at - o.opened_at) / 3600)::float8 as mean_hours
         from finding_event e
         join finding_state s using (finding_id)
         cross join lateral (select max(p.at) as opened_at from finding_event p
                             where p.finding_id = e.finding_id and p.at < e.at) o
         where e.kind = 'resolved' and e.at >= $2 and ($1::text[] is null or e.tenant = any($1))
           and o.opened_at is not null
         group by s.tenant, s.severity
         order by s.tenant, array_position(array['critical','high','medium','low','info'], s.severity)",
    )
    .bind(scope.tenant_filter())
    .bind(since)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

/// One bucket of a tenant's trend: mean score and mean open findings by severity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct TrendPoint {
    pub at: DateTime<Utc>,
    pub score: f64,
    pub critical: f64,
    pub high: f64,
    pub medium: f64,
    pub low: f64,
}

/// A tenant's score and findings by severity since `since`, oldest first: six-hour buckets up
/// to 30 days back, daily beyond, from raw samples where kept and hourly rollups before them.
/// Empty when the tenant is outside the scope.
#[tracing::instrument(skip_all, fields(tenant), err)]
pub async fn tenant_trend(pool: &PgPool, scope: &Scope, tenant: &str, since: DateTime<Utc>) -> Result<Vec<TrendPoint>> {
    if !scope.allows(tenant) {
        return Ok(Vec::new());
    }
    let bucket = if Utc::now() - since > chrono::Duration::days(30) { "1 day" } else { "6 hours" };
    let rows = sqlx::query_as::<_, TrendPoint>(
        "with raw_start as (select min(collected_at) as t from tenant_score),
         points as (
             select s.collected_at as at, s.score, s.critical, s.high, s.medium, s.low from tenant_score s
             where s.collected_at >= $2 and s.tenant = $1
             union all
             select r.bucket, r.score_avg, r.critical, r.high, r.medium, r.low from tenant_rollup r, raw_start
             where r.resolution = 'hour' and r.bucket >= $2 and r.tenant = $1
               and (raw_start.t is null or r.bucket < date_trunc('hour', raw_start.t)))
         select date_bin($3::interval, at, timestamptz '2000-01-01 00:00:00+00') as at, avg(score) as score,
                avg(critical)::float8 as critical, avg(high)::float8 as high, avg(medium)::float8 as medium,
                avg(low)::float8 as low
         from points group by 1 order by 1",
    )
    .bind(tenant)
    .bind(since)
    .bind(bucket)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}
