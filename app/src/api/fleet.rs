//! Across tenants: compliance by control, unhealthy workloads, quotas, GPUs and clusters, each
//! limited to the viewer's tenants (clusters are not tenant data).

use chrono::{DateTime, Utc};
use db::query::{
    AffectedObject, ComplianceRow, ControlStatus, IdleGpuHours, NamespaceRef, QuotaRow, WorkloadFilter, WorkloadRow,
};
use db::system::ClusterRow;
use leptos::prelude::*;

use super::AppError;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::{pool, store_error};

/// What the compliance page shows for one framework.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ComplianceData {
    pub summary: Vec<ComplianceRow>,
    pub statuses: Vec<ControlStatus>,
    /// Trivy Operator's own verdict per control, for viewers of every tenant.
    pub trivy: Vec<db::query::TrivyControlRow>,
}

/// One framework's controls by tenant.
#[server]
pub async fn compliance(framework: String, at: Option<DateTime<Utc>>) -> Result<ComplianceData, AppError> {
    let at = db::query::check_at(at).map_err(AppError::invalid)?;
    db::query::check_name("framework", &framework).map_err(AppError::invalid)?;
    let (pool, scope) = (pool()?, crate::viewer::current_scope());
    let summary = db::query::compliance_summary(&pool, &scope, None, at).await.map_err(store_error)?;
    let statuses = db::query::control_statuses(&pool, &scope, &framework, None, at).await.map_err(store_error)?;
    let trivy = db::query::trivy_control_statuses(&pool, &scope, &framework, at).await.map_err(store_error)?;
    Ok(ComplianceData { summary, statuses, trivy })
}

/// One control's status per tenant and the findings that evidence it.
#[server]
pub async fn control(
    framework: String,
    control: String,
    at: Option<DateTime<Utc>>,
) -> Result<(Vec<ControlStatus>, Vec<AffectedObject>), AppError> {
    let at = db::query::check_at(at).map_err(AppError::invalid)?;
    db::query::check_name("framework", &framework).map_err(AppError::invalid)?;
    db::query::check_name("control", &control).map_err(AppError::invalid)?;
    let (pool, scope) = (pool()?, crate::viewer::current_scope());
    let statuses =
        db::query::control_statuses(&pool, &scope, &framework, Some(&control), at).await.map_err(store_error)?;
    let objects = db::query::control_findings(&pool, &scope, &framework, &control, at).await.map_err(store_error)?;
    Ok((statuses, objects))
}

/// Unhealthy workloads across the viewer's tenants.
#[server]
pub async fn fleet_unhealthy(at: Option<DateTime<Utc>>) -> Result<Vec<WorkloadRow>, AppError> {
    let at = db::query::check_at(at).map_err(AppError::invalid)?;
    let filter = WorkloadFilter::Unhealthy;
    db::query::workloads(&pool()?, &crate::viewer::current_scope(), None, filter, at).await.map_err(store_error)
}

/// What the GPU page shows: GPU workloads, and idle GPU-hours per namespace over the last day.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GpuData {
    pub workloads: Vec<WorkloadRow>,
    pub idle: Vec<IdleGpuHours>,
    /// Every GPU node of every cluster (platform data, shown to every viewer).
    pub nodes: Vec<db::query::GpuNodeRow>,
    /// Pods waiting for GPUs, in the viewer's tenants.
    pub pending: Vec<db::query::PendingGpuRow>,
}

/// GPU workloads and idle GPU-hours across the viewer's tenants.
#[server]
pub async fn fleet_gpus(at: Option<DateTime<Utc>>) -> Result<GpuData, AppError> {
    let at = db::query::check_at(at).map_err(AppError::invalid)?;
    let (pool, scope) = (pool()?, crate::viewer::current_scope());
    let workloads = db::query::workloads(&pool, &scope, None, WorkloadFilter::Gpu, at).await.map_err(store_error)?;
    let idle = db::query::idle_gpu_hours(&pool, &scope, at).await.map_err(store_error)?;
    let nodes = db::query::gpu_nodes(&pool, at).await.map_err(store_error)?;
    let pending = db::query::pending_gpus(&pool, &scope, at).await.map_err(store_error)?;
    Ok(GpuData { workloads, idle, nodes, pending })
}

/// What the quotas page shows: every quota resource, fullest first, and the namespaces that
/// run pods under no quota.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QuotaData {
    pub quotas: Vec<QuotaRow>,
    pub unquoted: Vec<NamespaceRef>,
}

/// Quotas across the viewer's tenants.
#[server]
pub async fn fleet_quotas(at: Option<DateTime<Utc>>) -> Result<QuotaData, AppError> {
    let at = db::query::check_at(at).map_err(AppError::invalid)?;
    let (pool, scope) = (pool()?, crate::viewer::current_scope());
    let quotas = db::query::quotas(&pool, &scope, None, at).await.map_err(store_error)?;
    let unquoted = db::query::namespaces_without_quota(&pool, &scope, at).await.map_err(store_error)?;
    Ok(QuotaData { quotas, unquoted })
}

/// Every cluster's freshness and last error.
#[server]
pub async fn clusters() -> Result<Vec<ClusterRow>, AppError> {
    db::system::clusters(&pool()?).await.map_err(store_error)
}

/// The stored reports the viewer may download, and the tenants they may report on.
#[server]
pub async fn reports() -> Result<(Vec<db::reports::ReportRow>, Vec<String>), AppError> {
    let (pool, scope) = (pool()?, crate::viewer::current_scope());
    let rows = db::reports::list(&pool, &scope).await.map_err(store_error)?;
    let tenants = db::query::tenant_overview(&pool, &scope, None).await.map_err(store_error)?;
    Ok((rows, tenants.into_iter().map(|t| t.tenant).collect()))
}

/// The newest alerts the viewer may see, with their deliveries.
#[server]
pub async fn alerts() -> Result<Vec<db::alerts::AlertRow>, AppError> {
    db::alerts::list(&pool()?, &crate::viewer::current_scope(), 500).await.map_err(store_error)
}
