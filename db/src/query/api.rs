//! Read models of the JSON API: findings with cursor pagination.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use domain::Severity;

use crate::{Result, Scope};

/// A finding as the API returns it, open or resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ApiFinding {
    pub id: i64,
    pub cluster: String,
    pub tenant: String,
    pub rule: String,
    #[sqlx(try_from = "String")]
    #[schema(value_type = String)]
    pub severity: Severity,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    pub container: Option<String>,
    pub message: String,
    pub controls: Vec<String>,
    pub fields: Vec<String>,
    pub first_seen: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// `open` or `resolved`.
    pub status: String,
}

/// Which findings to return: every filter is optional; `after` is the cursor (the last id of
/// the previous page).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiFindingFilter {
    pub tenant: Option<String>,
    pub severity: Option<String>,
    pub rule: Option<String>,
    /// `open` or `resolved`.
    pub status: Option<String>,
    /// Findings opened or resolved at or after this time.
    pub since: Option<DateTime<Utc>>,
    pub after: Option<i64>,
    pub limit: i64,
}

/// One page of findings in scope, by id.
pub async fn api_findings(pool: &PgPool, scope: &Scope, filter: &ApiFindingFilter) -> Result<Vec<ApiFinding>> {
    Ok(sqlx::query_as::<_, ApiFinding>(
        "select s.finding_id as id, c.name as cluster, s.tenant, s.rule_id as rule, s.severity,
                s.object_kind as kind, s.object_namespace as namespace, s.object_name as name, s.container,
                s.message, s.controls, s.evidence as fields, s.first_seen, s.resolved_at,
                case when s.resolved_at is null then 'open' else 'resolved' end as status
         from finding_state s join cluster c using (cluster_id)
         where ($1::text[] is null or s.tenant = any($1))
           and ($2::text is null or s.tenant = $2)
           and ($3::text is null or s.severity = $3)
           and ($4::text is null or s.rule_id = $4)
           and ($5::text is null or ($5 = 'open') = (s.resolved_at is null))
           and ($6::timestamptz is null or s.first_seen >= $6 or s.resolved_at >= $6)
           and ($7::int8 is null or s.finding_id > $7)
         order by s.finding_id
         limit $8",
    )
    .bind(scope.tenant_filter())
    .bind(&filter.tenant)
    .bind(&filter.severity)
    .bind(&filter.rule)
    .bind(&filter.status)
    .bind(filter.since)
    .bind(filter.after)
    .bind(filter.limit)
    .fetch_all(pool)
    .await?)
}
