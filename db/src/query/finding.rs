//! One finding with its history, and the objects one rule currently fails on.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::as_of::as_of;
use super::exception::ExceptionRow;
use super::finding_ref::FindingRef;
use crate::{Result, Scope};
use domain::Severity;

/// A finding's full record: what, where, the offending fields, and its lifecycle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct FindingDetail {
    pub finding_id: i64,
    pub cluster: String,
    pub tenant: String,
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub finding: FindingRef,
    pub container: Option<String>,
    pub message: String,
    pub controls: Vec<String>,
    pub evidence: Vec<String>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub reopen_count: i32,
    pub contribution: f64,
    pub exception_id: Option<i64>,
    #[sqlx(skip)]
    pub events: Vec<FindingEvent>,
    #[sqlx(skip)]
    pub exception: Option<ExceptionRow>,
}

/// One step of a finding's lifecycle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct FindingEvent {
    pub at: DateTime<Utc>,
    /// `opened`, `resolved` or `reopened`.
    pub kind: String,
}

/// One finding by id; `None` when unknown or outside the viewer's scope.
#[tracing::instrument(skip_all, fields(finding_id), err)]
pub async fn finding_detail(pool: &PgPool, scope: &Scope, finding_id: i64) -> Result<Option<FindingDetail>> {
    let detail = sqlx::query_as::<_, FindingDetail>(
        "select s.finding_id, c.name as cluster, s.tenant, s.rule_id, s.severity, s.object_kind, s.object_namespace,
                s.object_name, s.container, s.message, s.controls, s.evidence, s.first_seen, s.last_seen,
                s.resolved_at, s.reopen_count, s.contribution, s.exception_id
         from finding_state s join cluster c using (cluster_id)
         where s.finding_id = $2 and ($1::text[] is null or s.tenant = any($1))",
    )
    .bind(scope.tenant_filter())
    .bind(finding_id)
    .fetch_optional(pool)
    .await?;
    let Some(mut detail) = detail else { return Ok(None) };
    detail.events =
        sqlx::query_as::<_, FindingEvent>("select at, kind from finding_event where finding_id = $1 order by at")
            .bind(finding_id)
            .fetch_all(pool)
            .await?;
    detail.exception = super::exception::exceptions(pool, &scope.narrowed_to(&detail.tenant))
        .await?
        .into_iter()
        .find(|e| Some(e.exception_id) == detail.exception_id);
    Ok(Some(detail))
}

/// An object a rule fails on, now or as of `at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct AffectedObject {
    pub finding_id: i64,
    pub tenant: String,
    #[sqlx(try_from = "String")]
    pub severity: Severity,
    pub object_kind: String,
    pub object_namespace: Option<String>,
    pub object_name: String,
    pub container: Option<String>,
    pub message: String,
    pub first_seen: DateTime<Utc>,
}

/// How many affected objects a rule page lists.
pub const AFFECTED_SHOWN: i64 = 500;

/// The objects of tenants in scope that `rule_id` fails on, most recently opened first.
#[tracing::instrument(skip_all, fields(rule_id), err)]
pub async fn rule_findings(
    pool: &PgPool,
    scope: &Scope,
    rule_id: &str,
    at: Option<DateTime<Utc>>,
) -> Result<Vec<AffectedObject>> {
    let sql = as_of!(
        "
        select f.finding_id, f.tenant, f.severity, f.object_kind, f.object_namespace, f.object_name, f.container,
               f.message, f.first_seen
        from open_finding f join latest l using (cluster_id)
        where f.rule_id = $3
        order by f.tenant, f.object_namespace nulls first, f.object_name
        limit $4"
    );
    Ok(sqlx::query_as::<_, AffectedObject>(sql)
        .bind(scope.tenant_filter())
        .bind(at)
        .bind(rule_id)
        .bind(AFFECTED_SHOWN)
        .fetch_all(pool)
        .await?)
}

/// An open finding with what a report lists of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct OpenFinding {
    pub tenant: String,
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub finding: FindingRef,
    pub message: String,
    pub evidence: Vec<String>,
}

/// The open findings of tenants in scope at `at`, most severe first, at most `limit`.
#[tracing::instrument(skip_all, err)]
pub async fn open_findings(
    pool: &PgPool,
    scope: &Scope,
    at: Option<DateTime<Utc>>,
    limit: i64,
) -> Result<Vec<OpenFinding>> {
    let sql = as_of!(
        "
        select f.tenant, f.rule_id, f.severity, f.object_kind, f.object_namespace, f.object_name, f.message, f.evidence
        from open_finding f join latest l using (cluster_id)
        order by array_position(array['critical','high','medium','low','info'], f.severity), f.contribution desc,
                 f.tenant, f.object_namespace nulls first, f.object_name, f.rule_id
        limit $3"
    );
    Ok(sqlx::query_as::<_, OpenFinding>(sql).bind(scope.tenant_filter()).bind(at).bind(limit).fetch_all(pool).await?)
}

/// Open findings per tenant and rule in scope, now: the input of category counts.
pub async fn open_finding_counts(pool: &PgPool, scope: &Scope) -> Result<Vec<(String, String, i64)>> {
    let sql = as_of!(
        "
        select f.tenant, f.rule_id, count(*) from open_finding f join latest l using (cluster_id)
        group by 1, 2 order by 1, 2"
    );
    Ok(sqlx::query_as(sql).bind(scope.tenant_filter()).bind(None::<DateTime<Utc>>).fetch_all(pool).await?)
}
