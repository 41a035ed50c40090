//! GPU capacity next to use, as stored per collection: every GPU node's capacity, allocation,
//! use and free GPUs (platform data), and the pods waiting for GPUs in the viewer's tenants.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::as_of::as_of;
use crate::{Result, Scope};

/// One GPU node as of its cluster's latest collection (or as of `at`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct GpuNodeRow {
    pub cluster: String,
    pub node: String,
    pub capacity: f64,
    pub allocatable: f64,
    /// Held by running pods.
    pub allocated: f64,
    /// Reporting metrics with a pod holding them.
    pub metered: f64,
    /// Of those, under the idle threshold now.
    pub idle: f64,
}

impl GpuNodeRow {
    /// Allocatable GPUs no running pod holds.
    pub fn free(&self) -> f64 {
        domain::gpu_capacity::free_gpus(self.allocatable, self.allocated)
    }

    /// Held GPUs with no metrics: their use is unknown.
    pub fn unmetered(&self) -> f64 {
        (self.allocated - self.metered).max(0.0)
    }
}

/// Every GPU node of every cluster, by cluster and node. Nodes are the platform's, not any
/// tenant's: every viewer sees them, as they see the Clusters page.
#[tracing::instrument(skip_all, err)]
pub async fn gpu_nodes(pool: &PgPool, at: Option<DateTime<Utc>>) -> Result<Vec<GpuNodeRow>> {
    let sql = as_of!(
        "
        select c.name as cluster, g.node, g.capacity, g.allocatable, g.allocated, g.metered, g.idle
        from gpu_node_state g join latest l on l.collection_id = g.collection_id and g.collected_at = l.started_at
        join cluster c on c.cluster_id = l.cluster_id
        order by c.name, g.node"
    );
    Ok(sqlx::query_as::<_, GpuNodeRow>(sql).bind(None::<Vec<String>>).bind(at).fetch_all(pool).await?)
}

/// Pods waiting for GPUs in one namespace of a tenant in scope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct PendingGpuRow {
    pub tenant: String,
    pub namespace: String,
    pub pods: i32,
    pub gpus: f64,
}

/// The namespaces, in the viewer's tenants, whose pods wait for GPUs the scheduler cannot find.
#[tracing::instrument(skip_all, err)]
pub async fn pending_gpus(pool: &PgPool, scope: &Scope, at: Option<DateTime<Utc>>) -> Result<Vec<PendingGpuRow>> {
    let sql = as_of!(
        "
        select n.tenant, n.namespace, n.gpu_pending_pods as pods, n.gpu_pending as gpus
        from namespace_state n join latest l on l.collection_id = n.collection_id and n.collected_at = l.started_at
        where n.gpu_pending_pods > 0 and ($1::text[] is null or n.tenant = any($1))
        order by n.gpu_pending desc, n.tenant, n.namespace"
    );
    Ok(sqlx::query_as::<_, PendingGpuRow>(sql).bind(scope.tenant_filter()).bind(at).fetch_all(pool).await?)
}
