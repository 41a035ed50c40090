//! Why a tenant's score is what it is: its top contributing findings, and what changed its
//! score over the last day and week.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::as_of::as_of;
use super::finding_ref::FindingRef;
use super::overview::tenant_overview;
use crate::{Result, Scope};

/// One open finding's share of its tenant's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Contributor {
    pub finding_id: i64,
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub finding: FindingRef,
    pub contribution: f64,
    /// Percent of the tenant's total contribution.
    pub share_pct: f64,
}

/// A finding opened, reopened or resolved in a window, with what it adds or removes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Cause {
    pub finding_id: i64,
    /// `opened`, `reopened` or `resolved`.
    pub kind: String,
    pub at: DateTime<Utc>,
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub finding: FindingRef,
    /// Positive when it raised the score (opened), negative when it lowered it (resolved).
    pub signed_contribution: f64,
}

/// How the score moved over a window, and the findings that moved it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delta {
    pub window: String,
    pub previous_score: Option<f64>,
    pub change: Option<f64>,
    pub causes: Vec<Cause>,
}

/// A tenant's score with its explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreExplanation {
    pub tenant: String,
    pub score: f64,
    pub top: Vec<Contributor>,
    pub deltas: Vec<Delta>,
}

/// The explanation of a tenant's score, now or as of `at`; `None` when the tenant is unknown
/// or outside the scope.
#[tracing::instrument(skip_all, fields(tenant = tenant), err)]
pub async fn score_explanation(
    pool: &PgPool,
    scope: &Scope,
    tenant: &str,
    at: Option<DateTime<Utc>>,
) -> Result<Option<ScoreExplanation>> {
    let scope = scope.narrowed_to(tenant);
    let Some(current) = tenant_overview(pool, &scope, at).await?.into_iter().next() else { return Ok(None) };
    let filter = scope.tenant_filter();
    let top_sql = as_of!(
        "
        select f.finding_id, f.rule_id, f.severity, f.object_kind, f.object_namespace, f.object_name, f.contribution,
               coalesce(100 * f.contribution / nullif(sum(f.contribution) over (), 0), 0) as share_pct
        from open_finding f join latest l using (cluster_id)
        where f.exception_id is null
        order by f.contribution desc, f.finding_id
        limit 10"
    );
    let top = sqlx::query_as::<_, Contributor>(top_sql).bind(&filter).bind(at).fetch_all(pool).await?;
    let now = at.unwrap_or_else(Utc::now);
    let mut deltas = Vec::new();
    for (window, length) in [("day", Duration::days(1)), ("week", Duration::days(7))] {
        let previous = score_at(pool, tenant, now - length).await?;
        let causes = sqlx::query_as::<_, Cause>(
            "select e.finding_id, e.kind, e.at, s.rule_id, s.severity, s.object_kind, s.object_namespace, s.object_name,
                    case when e.kind = 'resolved' then -s.contribution else s.contribution end as signed_contribution
             from finding_event e join finding_state s using (finding_id)
             where e.tenant = any($1) and e.at > $2 and e.at <= $3 and s.contribution > 0
             order by s.contribution desc, e.at desc
             limit 10",
        )
        .bind(&filter)
        .bind(now - length)
        .bind(now)
        .fetch_all(pool)
        .await?;
        deltas.push(Delta {
            window: window.to_string(),
            change: previous.map(|p| ((current.score - p) * 10.0).round() / 10.0),
            previous_score: previous,
            causes,
        });
    }
    Ok(Some(ScoreExplanation { tenant: tenant.to_string(), score: current.score, top, deltas }))
}

/// A tenant's score as of `at` (workload-weighted across clusters), from the raw samples or,
/// past their retention, the rollups; `None` before its first collection.
async fn score_at(pool: &PgPool, tenant: &str, at: DateTime<Utc>) -> Result<Option<f64>> {
    let (score,): (Option<f64>,) = sqlx::query_as(
        "with chosen as (
             select distinct on (cluster_id) collection_id, started_at from collection
             where started_at <= $2 order by cluster_id, started_at desc),
         raw as (
             select sum(s.score * greatest(s.workloads, 1)) / sum(greatest(s.workloads, 1)) as score
             from tenant_score s join chosen c on c.collection_id = s.collection_id and s.collected_at = c.started_at
             where s.tenant = $1),
         rolled as (
             select sum(r.score_avg * greatest(r.workloads, 1)) / sum(greatest(r.workloads, 1)) as score
             from (select distinct on (cluster_id) * from tenant_rollup
                   where tenant = $1 and bucket <= $2 order by cluster_id, (resolution = 'hour') desc, bucket desc) r)
         select round(coalesce((select score from raw), (select score from rolled))::numeric, 1)::float8",
    )
    .bind(tenant)
    .bind(at)
    .fetch_one(pool)
    .await?;
    Ok(score)
}
