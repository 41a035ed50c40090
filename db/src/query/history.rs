//! History: score trends, recently resolved findings, and mean time to remediate.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::finding_ref::FindingRef;
use crate::{Result, Scope};
use domain::Severity;

/// One point of a tenant's score history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ScorePoint {
    pub tenant: String,
    pub at: DateTime<Utc>,
    pub score: f64,
}

/// Risk scores of every tenant in scope from `since` to `until` (now when `None`), oldest first,
/// averaged over six-hour buckets (enough points for a trend line, few enough to read fast).
/// Where raw samples have passed their retention, the hourly rollups fill in.
#[tracing::instrument(skip_all, err)]
pub async fn score_history(
    pool: &PgPool,
    scope: &Scope,
    since: DateTime<Utc>,
    until: Option<DateTime<Utc>>,
) -> Result<Vec<ScorePoint>> {
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
         having $3::timestamptz is null or date_bin('6 hours', at, timestamptz '2000-01-01 00:00:00+00') <= $3
         order by 1, 2",
    )
    .bind(scope.tenant_filter())
    .bind(since)
    .bind(until)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

/// A finding resolved recently.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ResolvedRow {
    pub finding_id: i64,
    pub tenant: String,
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub finding: FindingRef,
    pub first_seen: DateTime<Utc>,
    pub resolved_at: DateTime<Utc>,
}

/// Findings of the tenants in scope resolved from `since` to `until` (now when `None`), most
/// recent first.
#[tracing::instrument(skip_all, err)]
pub async fn recently_resolved(
    pool: &PgPool,
    scope: &Scope,
    since: DateTime<Utc>,
    until: Option<DateTime<Utc>>,
    limit: i64,
) -> Result<Vec<ResolvedRow>> {
    let rows = sqlx::query_as::<_, ResolvedRow>(
        "select finding_id, tenant, rule_id, severity, object_kind, object_namespace, object_name, first_seen, resolved_at
         from finding_state
         where resolved_at >= $2 and ($4::timestamptz is null or resolved_at <= $4)
           and ($1::text[] is null or tenant = any($1))
         order by resolved_at desc, finding_id
         limit $3",
    )
    .bind(scope.tenant_filter())
    .bind(since)
    .bind(limit)
    .bind(until)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

/// Mean time to remediate one tenant's findings of one severity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct MttrRow {
    pub tenant: String,
    #[sqlx(try_from = "String")]
    pub severity: Severity,
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

/// One bucket of a trend: the mean score of the tenants in scope, and their open findings by
/// severity (each tenant's mean over the bucket, summed over the tenants).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct TrendPoint {
    pub at: DateTime<Utc>,
    pub score: f64,
    pub critical: f64,
    pub high: f64,
    pub medium: f64,
    pub low: f64,
}

/// The trend of the tenants in scope from `since` to `until` (now when `None`), oldest first:
/// six-hour buckets up to 30 days back, daily beyond, from raw samples where kept and hourly
/// rollups before them. Narrow the scope to one tenant for that tenant's own trend.
#[tracing::instrument(skip_all, err)]
pub async fn trend(
    pool: &PgPool,
    scope: &Scope,
    since: DateTime<Utc>,
    until: Option<DateTime<Utc>>,
) -> Result<Vec<TrendPoint>> {
    let bucket = if Utc::now() - since > chrono::Duration::days(30) { "1 day" } else { "6 hours" };
    let rows = sqlx::query_as::<_, TrendPoint>(
        "with raw_start as (select min(collected_at) as t from tenant_score),
         points as (
             select s.tenant, s.collected_at as at, s.score, s.critical, s.high, s.medium, s.low from tenant_score s
             where s.collected_at >= $2 and ($1::text[] is null or s.tenant = any($1))
             union all
             select r.tenant, r.bucket, r.score_avg, r.critical, r.high, r.medium, r.low from tenant_rollup r, raw_start
             where r.resolution = 'hour' and r.bucket >= $2 and ($1::text[] is null or r.tenant = any($1))
               and (raw_start.t is null or r.bucket < date_trunc('hour', raw_start.t))),
         per_tenant as (
             select tenant, date_bin($3::interval, at, timestamptz '2000-01-01 00:00:00+00') as at, avg(score) as score,
                    avg(critical) as critical, avg(high) as high, avg(medium) as medium, avg(low) as low
             from points group by 1, 2)
         select at, avg(score)::float8 as score, sum(critical)::float8 as critical, sum(high)::float8 as high,
                sum(medium)::float8 as medium, sum(low)::float8 as low
         from per_tenant
         where $4::timestamptz is null or at <= $4
         group by at order by at",
    )
    .bind(scope.tenant_filter())
    .bind(since)
    .bind(bucket)
    .bind(until)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}
