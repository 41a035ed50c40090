//! Compliance per tenant and framework, from the daily control statuses.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::as_of::as_of;
use super::finding::{AFFECTED_SHOWN, AffectedObject};
use crate::{Result, Scope};

/// One tenant's standing against one framework.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ComplianceRow {
    pub tenant: String,
    pub framework: String,
    pub passed: i64,
    pub failed: i64,
    pub partial: i64,
    pub manual: i64,
    pub not_assessable: i64,
}

impl ComplianceRow {
    /// Passed over assessable (pass, fail, partial) controls, in percent; `None` when none
    /// is assessable. Always shown with the manual and not-assessable counts beside it.
    pub fn percent(&self) -> Option<f64> {
        let assessable = self.passed + self.failed + self.partial;
        (assessable > 0).then(|| 100.0 * self.passed as f64 / assessable as f64)
    }
}

/// Compliance of every tenant in scope with every framework (or only `framework`), now or as of `at`: the statuses of
/// the day of each cluster's latest collection, the worst status across clusters per control.
#[tracing::instrument(skip_all, err)]
pub async fn compliance_summary(
    pool: &PgPool,
    scope: &Scope,
    framework: Option<&str>,
    at: Option<DateTime<Utc>>,
) -> Result<Vec<ComplianceRow>> {
    let sql = as_of!(
        ",
        days as (
            select l.cluster_id, (c.started_at at time zone 'UTC')::date as day
            from latest l join collection c using (collection_id)),
        per_control as (
            select cs.tenant, cs.framework, cs.control,
                   max(array_position(array['pass', 'partial', 'manual', 'not-assessable', 'fail'], cs.status)) as rank
            from compliance_status cs join days d on d.cluster_id = cs.cluster_id and d.day = cs.day
            where ($1::text[] is null or cs.tenant = any($1)) and ($3::text is null or cs.framework = $3)
            group by cs.tenant, cs.framework, cs.control)
        select tenant, framework,
               count(*) filter (where rank = 1) as passed,
               count(*) filter (where rank = 5) as failed,
               count(*) filter (where rank = 2) as partial,
               count(*) filter (where rank = 3) as manual,
               count(*) filter (where rank = 4) as not_assessable
        from per_control
        group by tenant, framework
        order by tenant, array_position(array['pss', 'cis', 'nsa'], framework)"
    );
    Ok(sqlx::query_as::<_, ComplianceRow>(sql)
        .bind(scope.tenant_filter())
        .bind(at)
        .bind(framework)
        .fetch_all(pool)
        .await?)
}

/// One control's status for one tenant (the worst across clusters).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ControlStatus {
    pub tenant: String,
    pub control: String,
    #[sqlx(try_from = "String")]
    #[schema(value_type = String)]
    pub status: domain::compliance::ControlStatus,
    pub findings: i64,
    /// The status is the cluster's, evidenced by shared cluster-scoped objects, not the
    /// tenant's own.
    pub inherited: bool,
}

/// Every control of `framework` (or only `control`) for every tenant in scope, now or as of `at`.
#[tracing::instrument(skip_all, fields(framework), err)]
pub async fn control_statuses(
    pool: &PgPool,
    scope: &Scope,
    framework: &str,
    control: Option<&str>,
    at: Option<DateTime<Utc>>,
) -> Result<Vec<ControlStatus>> {
    let sql = as_of!(
        ",
        days as (
            select l.cluster_id, (c.started_at at time zone 'UTC')::date as day
            from latest l join collection c using (collection_id))
        select cs.tenant, cs.control,
               (array['pass', 'partial', 'manual', 'not-assessable', 'fail'])[
                   max(array_position(array['pass', 'partial', 'manual', 'not-assessable', 'fail'], cs.status))] as status,
               sum(cs.findings)::int8 as findings, bool_or(cs.inherited) as inherited
        from compliance_status cs join days d on d.cluster_id = cs.cluster_id and d.day = cs.day
        where ($1::text[] is null or cs.tenant = any($1)) and cs.framework = $3
          and ($4::text is null or cs.control = $4)
        group by cs.tenant, cs.control
        order by cs.control, cs.tenant"
    );
    Ok(sqlx::query_as::<_, ControlStatus>(sql)
        .bind(scope.tenant_filter())
        .bind(at)
        .bind(framework)
        .bind(control)
        .fetch_all(pool)
        .await?)
}

/// The rules of a control every tenant inherits from its cluster (see
/// [`domain::compliance`]), or `None` for a control of the tenants' own objects.
fn cluster_level_rules(framework: &str, control: &str) -> Option<Vec<String>> {
    let framework = domain::frameworks::frameworks().into_iter().find(|f| f.id == framework)?;
    let rules = framework.rules_for(control);
    let inherited = !rules.is_empty() && rules.iter().all(|r| domain::rules::is_cluster_level(r));
    inherited.then(|| rules.iter().map(|r| r.id.to_string()).collect())
}

/// The open findings that evidence the control `framework:control`, in tenants in scope; for a
/// control a tenant inherits from its cluster, also the cluster's own objects that evidence it
/// (the API server's pod, `default/kubernetes`), which name no other tenant's objects.
#[tracing::instrument(skip_all, fields(framework, control), err)]
pub async fn control_findings(
    pool: &PgPool,
    scope: &Scope,
    framework: &str,
    control: &str,
    at: Option<DateTime<Utc>>,
) -> Result<Vec<AffectedObject>> {
    let sql = as_of!(
        "
        select f.finding_id, f.tenant, f.severity, f.object_kind, f.object_namespace, f.object_name, f.container,
               f.message, f.first_seen
        from open_finding f join latest l using (cluster_id)
        where $3 = any(f.controls) and ($5::text[] is null or f.rule_id = any($5))
          and ($6::text[] is null or exists (
                select 1 from namespace_state n
                where n.collection_id = l.collection_id and n.collected_at = l.started_at and n.tenant = any($6)))
        order by array_position(array['critical','high','medium','low','info'], f.severity), f.tenant,
                 f.object_namespace nulls first, f.object_name
        limit $4"
    );
    // An inherited control's evidence is the cluster's own objects, shown to every viewer of a
    // tenant on the cluster (and only of the clusters their tenants run on): only those rules'
    // findings, whoever's tenant holds them.
    let cluster_rules = cluster_level_rules(framework, control);
    let (tenants, clusters_of) = match cluster_rules {
        Some(_) => (None, scope.tenant_filter()),
        None => (scope.tenant_filter(), None),
    };
    Ok(sqlx::query_as::<_, AffectedObject>(sql)
        .bind(tenants)
        .bind(at)
        .bind(format!("{framework}:{control}"))
        .bind(AFFECTED_SHOWN)
        .bind(cluster_rules)
        .bind(clusters_of)
        .fetch_all(pool)
        .await?)
}

/// Trivy Operator's own verdict on one control (from its ClusterComplianceReports), over the
/// clusters at the instant read: failed when it fails on any.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct TrivyControlRow {
    pub control: String,
    pub status: String,
    /// Failed checks summed over the clusters.
    pub failed_checks: i64,
    pub clusters: i64,
}

/// Trivy Operator's verdict on each control of `framework`, shown beside Rampart's. It counts
/// every tenant's objects at once, so only viewers of every tenant see it: for anyone else the
/// list is empty.
#[tracing::instrument(skip_all, err)]
pub async fn trivy_control_statuses(
    pool: &PgPool,
    scope: &Scope,
    framework: &str,
    at: Option<DateTime<Utc>>,
) -> Result<Vec<TrivyControlRow>> {
    if scope.tenant_filter().is_some() {
        return Ok(Vec::new());
    }
    let sql = as_of!(
        "
        select t.control, case when bool_or(t.status = 'fail') then 'fail' else 'pass' end as status,
               sum(t.failed_checks)::int8 as failed_checks, count(distinct l.cluster_id) as clusters
        from trivy_control_status t join latest l on l.collection_id = t.collection_id
        where t.framework = $3
        group by t.control order by t.control"
    );
    Ok(sqlx::query_as(sql).bind(None::<Vec<String>>).bind(at).bind(framework).fetch_all(pool).await?)
}
