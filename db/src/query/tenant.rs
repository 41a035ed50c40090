//! The tenant page: its summary, namespaces and open findings.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::{TenantOverview, as_of, tenant_overview};
use crate::{Result, Scope};

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
    pub finding_id: i64,
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
    pub first_seen: DateTime<Utc>,
    pub reopen_count: i32,
}

/// A finding row with the count of all open findings beside it.
#[derive(sqlx::FromRow)]
struct CountedFinding {
    #[sqlx(flatten)]
    row: FindingRow,
    total: i64,
}

/// Everything the tenant page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenantDetail {
    pub summary: TenantOverview,
    pub namespaces: Vec<NamespaceRow>,
    /// The most severe open findings, at most [`FINDINGS_SHOWN`].
    pub findings: Vec<FindingRow>,
    /// All open findings of the tenant, shown or not.
    pub open_findings: i64,
}

/// How many open findings the tenant read model returns, most severe first.
pub const FINDINGS_SHOWN: i64 = 200;

/// A tenant's summary, namespaces and open findings, now or as of `at`; `None` when the
/// tenant is unknown or outside the viewer's scope (the two are indistinguishable on purpose).
#[tracing::instrument(skip_all, fields(tenant = tenant), err)]
pub async fn tenant_detail(
    pool: &PgPool,
    scope: &Scope,
    tenant: &str,
    at: Option<DateTime<Utc>>,
) -> Result<Option<TenantDetail>> {
    let scope = scope.narrowed_to(tenant);
    let Some(summary) = tenant_overview(pool, &scope, at).await?.into_iter().next() else {
        return Ok(None);
    };
    let filter = scope.tenant_filter();
    let namespaces_sql = as_of!(
        "
        ,
        per_namespace as (
            select cluster_id, coalesce(object_namespace, object_name) as namespace, count(*) as findings
            from open_finding
            where object_namespace is not null or object_kind = 'Namespace'
            group by 1, 2),
        headroom as (
            select q.collection_id, q.namespace, min(greatest(0, 100 * (1 - q.used / q.hard))) as pct
            from quota_usage q join latest l on l.collection_id = q.collection_id and q.collected_at = l.started_at
            where q.hard > 0 and q.tenant = any($1)
            group by 1, 2)
        select n.namespace, n.workloads, n.pods, n.pending + n.failed + n.crash_looping as unhealthy_pods,
               n.restarts, n.oom_killed, coalesce(p.findings, 0) as findings, h.pct as tightest_quota_headroom_pct
        from namespace_state n join latest l on l.collection_id = n.collection_id and n.collected_at = l.started_at
        left join per_namespace p on p.cluster_id = l.cluster_id and p.namespace = n.namespace
        left join headroom h on h.collection_id = n.collection_id and h.namespace = n.namespace
        where n.tenant = any($1)
        order by n.namespace"
    );
    let namespaces = sqlx::query_as::<_, NamespaceRow>(namespaces_sql).bind(&filter).bind(at).fetch_all(pool).await?;
    let findings_sql = as_of!(
        "
        select f.finding_id, f.rule_id, f.severity, f.object_kind, f.object_namespace, f.object_name, f.container,
               f.message, f.controls, f.evidence, f.first_seen, f.reopen_count, count(*) over () as total
        from open_finding f join latest l using (cluster_id)
        order by array_position(array['critical','high','medium','low','info'], f.severity),
                 f.object_namespace nulls first, f.object_kind, f.object_name, f.rule_id, f.container
        limit $3"
    );
    let counted = sqlx::query_as::<_, CountedFinding>(findings_sql)
        .bind(&filter)
        .bind(at)
        .bind(FINDINGS_SHOWN)
        .fetch_all(pool)
        .await?;
    let open_findings = counted.first().map_or(0, |f| f.total);
    let findings = counted.into_iter().map(|f| f.row).collect();
    Ok(Some(TenantDetail { summary, namespaces, findings, open_findings }))
}
