//! The tenant page: its summary, namespaces and open findings.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::as_of::as_of;
use super::finding_ref::FindingRef;
use super::overview::{TenantOverview, tenant_overview};
use crate::{Result, Scope};

/// One namespace of a tenant, as of its cluster's latest collection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct NamespaceRow {
    pub namespace: String,
    pub workloads: i32,
    pub pods: i32,
    /// Pods unhealthy by `domain::health::UNHEALTHY_DEFINITION`.
    pub unhealthy_pods: i32,
    /// Restarts within the last 24 hours; `None` on the cluster's first collection.
    pub restarts_24h: Option<i32>,
    /// Pods with a container OOM-killed within the last 24 hours.
    pub oom_killed: i32,
    pub findings: i64,
    pub tightest_quota_headroom_pct: Option<f64>,
}

/// An open finding as the tenant page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct FindingRow {
    pub finding_id: i64,
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub finding: FindingRef,
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
    /// One page of the open findings the query selects.
    pub findings: Vec<FindingRow>,
    /// All open findings the query selects, on every page.
    pub open_findings: i64,
}

/// Open findings per page.
pub const FINDINGS_PAGE_SIZE: i64 = 50;

/// Which open findings to list, in what order, and which page: the tenant page's query string.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingQuery {
    /// Only this severity.
    pub severity: Option<String>,
    /// Only these rules (a rule, or every rule of a category); empty for all.
    pub rules: Vec<String>,
    /// Only objects in this namespace, and the Namespace object itself.
    pub namespace: Option<String>,
    pub sort: FindingSort,
    /// 0-based page of [`FINDINGS_PAGE_SIZE`] findings.
    pub page: u32,
}

/// Orders of the findings table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingSort {
    /// Most severe first.
    #[default]
    Severity,
    /// Most recently opened first.
    Newest,
    /// Longest open first.
    Oldest,
    /// By namespace, kind and name.
    Object,
    /// By rule id.
    Rule,
}

impl FindingSort {
    /// Every order, with the name used in query strings.
    pub const ALL: [(FindingSort, &'static str); 5] = [
        (FindingSort::Severity, "severity"),
        (FindingSort::Newest, "newest"),
        (FindingSort::Oldest, "oldest"),
        (FindingSort::Object, "object"),
        (FindingSort::Rule, "rule"),
    ];

    fn order_by(self) -> String {
        const SEVERITY: &str = "array_position(array['critical','high','medium','low','info'], f.severity)";
        const OBJECT: &str = "f.object_namespace nulls first, f.object_kind, f.object_name, f.rule_id, f.container";
        match self {
            FindingSort::Severity => "{SEVERITY}, {OBJECT}",
            FindingSort::Newest => "f.first_seen desc, {OBJECT}",
            FindingSort::Oldest => "f.first_seen, {OBJECT}",
            FindingSort::Object => "{OBJECT}, {SEVERITY}",
            FindingSort::Rule => "f.rule_id, {OBJECT}",
        }
        .replace("{SEVERITY}", SEVERITY)
        .replace("{OBJECT}", OBJECT)
    }
}

/// A tenant's summary, namespaces and open findings, now or as of `at`; `None` when the
/// tenant is unknown or outside the viewer's scope (the two are indistinguishable on purpose).
#[tracing::instrument(skip_all, fields(tenant = tenant), err)]
pub async fn tenant_detail(
    pool: &PgPool,
    scope: &Scope,
    tenant: &str,
    query: &FindingQuery,
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
        select n.namespace, n.workloads, n.pods, n.unhealthy as unhealthy_pods,
               n.restarts_24h, n.oom_killed, coalesce(p.findings, 0) as findings, h.pct as tightest_quota_headroom_pct
        from namespace_state n join latest l on l.collection_id = n.collection_id and n.collected_at = l.started_at
        left join per_namespace p on p.cluster_id = l.cluster_id and p.namespace = n.namespace
        left join headroom h on h.collection_id = n.collection_id and h.namespace = n.namespace
        where n.tenant = any($1)
        order by n.namespace"
    );
    let namespaces = sqlx::query_as::<_, NamespaceRow>(namespaces_sql).bind(&filter).bind(at).fetch_all(pool).await?;
    let offset = i64::from(query.page) * FINDINGS_PAGE_SIZE;
    let counted = findings_page(pool, &filter, query, at, FINDINGS_PAGE_SIZE, offset).await?;
    let open_findings = match counted.first() {
        Some(first) => first.total,
        None => count_findings(pool, &filter, query, at).await?,
    };
    let findings = counted.into_iter().map(|f| f.row).collect();
    Ok(Some(TenantDetail { summary, namespaces, findings, open_findings }))
}

/// One namespace of a tenant, in the latest collection of a cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct TenantNamespace {
    pub tenant: String,
    pub namespace: String,
}

/// The namespaces of every tenant in scope, now or as of `at`, by tenant and name (a namespace
/// of that name in two clusters is listed twice).
#[tracing::instrument(skip_all, err)]
pub async fn tenant_namespaces(
    pool: &PgPool,
    scope: &Scope,
    at: Option<DateTime<Utc>>,
) -> Result<Vec<TenantNamespace>> {
    let sql = as_of!(
        "
        select n.tenant, n.namespace
        from namespace_state n join latest l on l.collection_id = n.collection_id and n.collected_at = l.started_at
        where $1::text[] is null or n.tenant = any($1)
        order by n.tenant, n.namespace"
    );
    Ok(sqlx::query_as::<_, TenantNamespace>(sql).bind(scope.tenant_filter()).bind(at).fetch_all(pool).await?)
}

/// True when `namespace` is one of `tenant`'s in the latest collection of some cluster.
#[tracing::instrument(skip_all, err)]
pub async fn tenant_has_namespace(pool: &PgPool, tenant: &str, namespace: &str) -> Result<bool> {
    let sql = as_of!(
        "
        select exists (
            select 1 from namespace_state n
            join latest l on l.collection_id = n.collection_id and n.collected_at = l.started_at
            where n.tenant = any($1) and n.namespace = $3)"
    );
    let (owned,): (bool,) = sqlx::query_as(sql)
        .bind(vec![tenant.to_string()])
        .bind(None::<DateTime<Utc>>)
        .bind(namespace)
        .fetch_one(pool)
        .await?;
    Ok(owned)
}

/// How many open findings `query` selects, for a page past the last one.
async fn count_findings(
    pool: &PgPool,
    filter: &Option<Vec<String>>,
    query: &FindingQuery,
    at: Option<DateTime<Utc>>,
) -> Result<i64> {
    let sql = as_of!(
        "
        select count(*) from open_finding f join latest l using (cluster_id)
        where ($3::text is null or f.severity = $3)
          and (cardinality($4::text[]) = 0 or f.rule_id = any($4))
          and ($5::text is null or f.object_namespace = $5 or (f.object_kind = 'Namespace' and f.object_name = $5))"
    );
    let (count,): (i64,) = sqlx::query_as(sql)
        .bind(filter)
        .bind(at)
        .bind(&query.severity)
        .bind(&query.rules)
        .bind(&query.namespace)
        .fetch_one(pool)
        .await?;
    Ok(count)
}

/// `limit` open findings from `offset`, each with the total `query` selects.
async fn findings_page(
    pool: &PgPool,
    filter: &Option<Vec<String>>,
    query: &FindingQuery,
    at: Option<DateTime<Utc>>,
    limit: i64,
    offset: i64,
) -> Result<Vec<CountedFinding>> {
    let findings_sql = as_of!(
        "
        select f.finding_id, f.rule_id, f.severity, f.object_kind, f.object_namespace, f.object_name, f.container,
               f.message, f.controls, f.evidence, f.first_seen, f.reopen_count, count(*) over () as total
        from open_finding f join latest l using (cluster_id)
        where ($3::text is null or f.severity = $3)
          and (cardinality($4::text[]) = 0 or f.rule_id = any($4))
          and ($5::text is null or f.object_namespace = $5 or (f.object_kind = 'Namespace' and f.object_name = $5))
        order by {order}
        limit $6 offset $7"
    )
    .replace("{order}", &query.sort.order_by());
    Ok(sqlx::query_as::<_, CountedFinding>(sqlx::AssertSqlSafe(findings_sql))
        .bind(filter)
        .bind(at)
        .bind(&query.severity)
        .bind(&query.rules)
        .bind(&query.namespace)
        .bind(limit)
        .bind(offset)
        .fetch_all(pool)
        .await?)
}

/// Every open finding of one tenant that `query` selects (its page ignored), in its order, at
/// most `limit`: what the findings table's CSV export holds. Empty outside the scope.
#[tracing::instrument(skip_all, fields(tenant = tenant), err)]
pub async fn tenant_findings(
    pool: &PgPool,
    scope: &Scope,
    tenant: &str,
    query: &FindingQuery,
    at: Option<DateTime<Utc>>,
    limit: i64,
) -> Result<Vec<FindingRow>> {
    let filter = scope.narrowed_to(tenant).tenant_filter();
    let rows = findings_page(pool, &filter, query, at, limit, 0).await?;
    Ok(rows.into_iter().map(|f| f.row).collect())
}
