//! Namespaces and workloads: pod health, requests, images, GPU use and quotas, from the latest
//! collection (or as of `at`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::as_of::as_of;
use super::gpu::{gpus_allocated, gpus_idle};
use super::tenant::FindingRow;
use crate::{Result, Scope};

/// One workload as the namespace, health and GPU pages list it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct WorkloadRow {
    pub tenant: String,
    pub namespace: String,
    pub kind: String,
    pub name: String,
    pub images: Vec<String>,
    pub cpu_request_millis: i32,
    pub memory_request_mib: i32,
    /// GPUs per pod, in GPU equivalents (a MIG instance is its share of a GPU).
    pub gpus_requested: f64,
    pub pods: i32,
    pub ready: i32,
    pub running: i32,
    pub pending: i32,
    pub failed: i32,
    pub crash_looping: i32,
    /// Pods with a container OOM-killed within the last 24 hours.
    pub oom_killed: i32,
    /// Restarts since each pod started (Kubernetes' cumulative count).
    pub restarts: i32,
    /// Restarts within the last 24 hours; `None` on the cluster's first collection.
    pub restarts_24h: Option<i32>,
    /// Pods unhealthy by `domain::health::UNHEALTHY_DEFINITION`.
    pub unhealthy: i32,
    /// Why the workload is unhealthy; empty when it is healthy.
    pub problems: Vec<String>,
    /// GPUs held by its running pods, each by its own requests, in GPU equivalents.
    pub gpus_allocated: f64,
    /// The GPUs held while under the idle threshold (all of them, or none; none when no
    /// metrics were read for them: their use is unknown).
    pub gpus_idle: f64,
    /// Devices reporting utilisation, in GPU equivalents.
    pub gpus_in_use: f64,
    pub gpu_utilisation_pct: Option<f64>,
    /// CPU in use now over the workload's pods, in millicores; `None` without metrics-server.
    pub cpu_usage_millis: Option<f64>,
    /// Memory in use now over the workload's pods, in MiB; `None` without metrics-server.
    pub memory_usage_mib: Option<f64>,
    /// Open findings on the workload itself.
    pub findings: i64,
}

impl WorkloadRow {
    /// CPU in use as a share of what the running pods request, in percent.
    pub fn cpu_use_pct(&self) -> Option<f64> {
        let requested = f64::from(self.cpu_request_millis) * f64::from(self.running);
        self.cpu_usage_millis.filter(|_| requested > 0.0).map(|used| 100.0 * used / requested)
    }

    /// Memory in use as a share of what the running pods request, in percent.
    pub fn memory_use_pct(&self) -> Option<f64> {
        let requested = f64::from(self.memory_request_mib) * f64::from(self.running);
        self.memory_usage_mib.filter(|_| requested > 0.0).map(|used| 100.0 * used / requested)
    }
}

/// One ResourceQuota resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct QuotaRow {
    pub tenant: String,
    pub namespace: String,
    pub quota: String,
    pub resource: String,
    pub used: f64,
    pub hard: f64,
}

impl QuotaRow {
    /// Used over hard, in percent.
    pub fn used_pct(&self) -> f64 {
        if self.hard > 0.0 { 100.0 * self.used / self.hard } else { 0.0 }
    }

    /// At or above [`domain::quota::NEARLY_FULL_PCT`] of its hard limit.
    pub fn is_nearly_full(&self) -> bool {
        self.used_pct() >= domain::quota::NEARLY_FULL_PCT
    }
}

/// Filters of [`workloads`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WorkloadFilter {
    #[default]
    All,
    /// Unhealthy workloads: those with a problem by `domain::health::UNHEALTHY_DEFINITION`.
    Unhealthy,
    /// Workloads that request GPUs.
    Gpu,
}

/// Workloads of tenants in scope (optionally one tenant and namespace), by tenant and name.
#[tracing::instrument(skip_all, err)]
pub async fn workloads(
    pool: &PgPool,
    scope: &Scope,
    namespace: Option<&str>,
    filter: WorkloadFilter,
    at: Option<DateTime<Utc>>,
) -> Result<Vec<WorkloadRow>> {
    let sql = as_of!(concat!(
        ",
        object_findings as (
            select cluster_id, object_namespace, object_kind, object_name, count(*) as findings
            from open_finding where object_namespace is not null
            group by 1, 2, 3, 4)
        select w.tenant, w.namespace, w.kind, w.name, w.images, w.cpu_request_millis, w.memory_request_mib,
               w.gpus_requested, w.pods, w.ready, w.running, w.pending, w.failed, w.crash_looping, w.oom_killed,
               w.restarts, w.restarts_24h, w.unhealthy, w.problems, ",
        gpus_allocated!(),
        "::float8 as gpus_allocated, ",
        gpus_idle!("$5"),
        "::float8 as gpus_idle, w.gpus_in_use, w.gpu_utilisation_pct, w.cpu_usage_millis, w.memory_usage_mib,
               coalesce(f.findings, 0) as findings
        from workload_state w join latest l on l.collection_id = w.collection_id and w.collected_at = l.started_at
        left join object_findings f on f.cluster_id = l.cluster_id and f.object_namespace = w.namespace
                                    and f.object_kind = w.kind and f.object_name = w.name
        where ($1::text[] is null or w.tenant = any($1))
          and ($3::text is null or w.namespace = $3)
          and case $4 when 'unhealthy' then cardinality(w.problems) > 0
                      when 'gpu' then w.gpus_requested > 0
                      else true end
        order by w.tenant, w.namespace, w.kind, w.name"
    ));
    let filter = match filter {
        WorkloadFilter::All => "all",
        WorkloadFilter::Unhealthy => "unhealthy",
        WorkloadFilter::Gpu => "gpu",
    };
    Ok(sqlx::query_as::<_, WorkloadRow>(sql)
        .bind(scope.tenant_filter())
        .bind(at)
        .bind(namespace)
        .bind(filter)
        .bind(domain::gpu::IDLE_UTILISATION_PCT)
        .fetch_all(pool)
        .await?)
}

/// Every ResourceQuota resource of tenants in scope (optionally one namespace), fullest first.
#[tracing::instrument(skip_all, err)]
pub async fn quotas(
    pool: &PgPool,
    scope: &Scope,
    namespace: Option<&str>,
    at: Option<DateTime<Utc>>,
) -> Result<Vec<QuotaRow>> {
    let sql = as_of!(
        "
        select q.tenant, q.namespace, q.quota, q.resource, q.used, q.hard
        from quota_usage q join latest l on l.collection_id = q.collection_id and q.collected_at = l.started_at
        where ($1::text[] is null or q.tenant = any($1)) and ($3::text is null or q.namespace = $3)
        order by case when q.hard > 0 then q.used / q.hard else 0 end desc, q.tenant, q.namespace, q.resource"
    );
    Ok(sqlx::query_as::<_, QuotaRow>(sql).bind(scope.tenant_filter()).bind(at).bind(namespace).fetch_all(pool).await?)
}

/// A namespace of tenants in scope, by tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct NamespaceRef {
    pub tenant: String,
    pub namespace: String,
}

/// Namespaces of tenants in scope that run pods under no ResourceQuota, by tenant and name.
#[tracing::instrument(skip_all, err)]
pub async fn namespaces_without_quota(
    pool: &PgPool,
    scope: &Scope,
    at: Option<DateTime<Utc>>,
) -> Result<Vec<NamespaceRef>> {
    let sql = as_of!(
        "
        select distinct n.tenant, n.namespace
        from namespace_state n join latest l on l.collection_id = n.collection_id and n.collected_at = l.started_at
        where ($1::text[] is null or n.tenant = any($1)) and n.pods > 0
          and not exists (select 1 from quota_usage q
                          where q.collection_id = n.collection_id and q.collected_at = n.collected_at
                            and q.namespace = n.namespace)
        order by n.tenant, n.namespace"
    );
    Ok(sqlx::query_as::<_, NamespaceRef>(sql).bind(scope.tenant_filter()).bind(at).fetch_all(pool).await?)
}

/// One workload with its open findings; `None` when unknown or outside the viewer's scope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkloadDetail {
    pub workload: WorkloadRow,
    pub findings: Vec<FindingRow>,
    /// The images its containers run, with their CVEs counted (from Trivy Operator's reports).
    pub images: Vec<super::ContainerImageRow>,
}

/// The workload `kind/namespace/name`, now or as of `at`.
#[tracing::instrument(skip_all, err)]
pub async fn workload_detail(
    pool: &PgPool,
    scope: &Scope,
    namespace: &str,
    kind: &str,
    name: &str,
    at: Option<DateTime<Utc>>,
) -> Result<Option<WorkloadDetail>> {
    let rows = workloads(pool, scope, Some(namespace), WorkloadFilter::All, at).await?;
    let Some(workload) = rows.into_iter().find(|w| w.kind == kind && w.name == name) else { return Ok(None) };
    let sql = as_of!(
        "
        select f.finding_id, f.rule_id, f.severity, f.object_kind, f.object_namespace, f.object_name, f.container,
               f.message, f.controls, f.evidence, f.first_seen, f.reopen_count
        from open_finding f join latest l using (cluster_id)
        where f.object_namespace = $3 and f.object_kind = $4 and f.object_name = $5
        order by array_position(array['critical','high','medium','low','info'], f.severity), f.rule_id, f.container"
    );
    let findings = sqlx::query_as::<_, FindingRow>(sql)
        .bind(scope.narrowed_to(&workload.tenant).tenant_filter())
        .bind(at)
        .bind(namespace)
        .bind(kind)
        .bind(name)
        .fetch_all(pool)
        .await?;
    let images = super::workload_images(pool, &scope.narrowed_to(&workload.tenant), namespace, kind, name, at).await?;
    Ok(Some(WorkloadDetail { workload, findings, images }))
}
