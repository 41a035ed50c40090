//! Drill-downs: a namespace, a workload, a finding, a rule's affected objects. Each reads
//! through the viewer's scope; what is outside it is `None`, the same as what does not exist.

use chrono::{DateTime, Utc};
use db::query::{AffectedObject, FindingDetail, FindingQuery, QuotaRow, TenantDetail, WorkloadDetail, WorkloadRow};
use leptos::prelude::*;

use super::AppError;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::{pool, store_error};

/// Rules whose findings tell whether a namespace's pods are covered by network policies.
pub const NETWORK_POLICY_RULES: [&str; 3] =
    ["network.namespace-without-policy", "network.no-default-deny", "network.pod-not-selected"];

/// What the namespace page shows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NamespaceData {
    pub tenant: String,
    pub namespace: String,
    pub workloads: Vec<WorkloadRow>,
    pub quotas: Vec<QuotaRow>,
    /// Open network-policy findings in the namespace.
    pub network: TenantDetail,
}

/// One namespace of one tenant; `None` when unknown or outside the viewer's scope.
#[server]
pub async fn namespace(
    tenant: String,
    namespace: String,
    at: Option<DateTime<Utc>>,
) -> Result<Option<NamespaceData>, AppError> {
    let at = db::query::check_at(at).map_err(AppError::invalid)?;
    db::query::check_name("tenant", &tenant).map_err(AppError::invalid)?;
    db::query::check_name("namespace", &namespace).map_err(AppError::invalid)?;
    let pool = pool()?;
    let scope = crate::viewer::current_scope().narrowed_to(&tenant);
    let query = FindingQuery {
        namespace: Some(namespace.clone()),
        rules: NETWORK_POLICY_RULES.iter().map(|r| r.to_string()).collect(),
        ..FindingQuery::default()
    };
    let Some(network) = db::query::tenant_detail(&pool, &scope, &tenant, &query, at).await.map_err(store_error)? else {
        return Ok(None);
    };
    if !network.namespaces.iter().any(|n| n.namespace == namespace) {
        return Ok(None);
    }
    let filter = db::query::WorkloadFilter::All;
    let workloads = db::query::workloads(&pool, &scope, Some(&namespace), filter, at).await.map_err(store_error)?;
    let quotas = db::query::quotas(&pool, &scope, Some(&namespace), at).await.map_err(store_error)?;
    Ok(Some(NamespaceData { tenant, namespace, workloads, quotas, network }))
}

/// One workload with its open findings.
#[server]
pub async fn workload(
    namespace: String,
    kind: String,
    name: String,
    at: Option<DateTime<Utc>>,
) -> Result<Option<WorkloadDetail>, AppError> {
    let at = db::query::check_at(at).map_err(AppError::invalid)?;
    for (param, value) in [("namespace", &namespace), ("kind", &kind), ("name", &name)] {
        db::query::check_name(param, value).map_err(AppError::invalid)?;
    }
    let scope = crate::viewer::current_scope();
    db::query::workload_detail(&pool()?, &scope, &namespace, &kind, &name, at).await.map_err(store_error)
}

/// One finding with its history and exception.
#[server]
pub async fn finding(finding_id: i64) -> Result<Option<FindingDetail>, AppError> {
    let scope = crate::viewer::current_scope();
    db::query::finding_detail(&pool()?, &scope, finding_id).await.map_err(store_error)
}

/// The objects in the viewer's tenants that `rule_id` fails on.
#[server]
pub async fn rule_objects(rule_id: String, at: Option<DateTime<Utc>>) -> Result<Vec<AffectedObject>, AppError> {
    let at = db::query::check_at(at).map_err(AppError::invalid)?;
    db::query::check_name("rule_id", &rule_id).map_err(AppError::invalid)?;
    let scope = crate::viewer::current_scope();
    db::query::rule_findings(&pool()?, &scope, &rule_id, at).await.map_err(store_error)
}
