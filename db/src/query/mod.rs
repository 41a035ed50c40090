//! Read models for pages and reports. Every function takes the viewer's [`Scope`]; rows of
//! tenants outside it are filtered in SQL, so they never leave the database.
//!
//! Every read model answers "now" or, given `at`, any past instant from the history: the
//! latest collection of each cluster started at or before `at`, and the findings open then.
//! Parameters are always `$1` = the scope's tenant filter and `$2` = `at` (null for now).

mod api;
mod as_of;
mod compliance;
mod exception;
mod explain;
mod finding;
mod finding_ref;
mod gpu;
mod gpu_capacity;
mod history;
mod images;
mod overview;
mod params;
mod tenant;
mod workload;

pub use api::{ApiFinding, ApiFindingFilter, api_findings};
pub use compliance::{
    ComplianceRow, ControlStatus, TrivyControlRow, compliance_summary, control_findings, control_statuses,
    trivy_control_statuses,
};
pub(crate) use exception::EXCEPTION_COLUMNS;
pub use exception::{ExceptionRow, exceptions, exceptions_in_period, exceptions_page};
pub use explain::{Cause, Contributor, Delta, ScoreExplanation, score_explanation};
pub use finding::{
    AFFECTED_SHOWN, AffectedObject, FindingDetail, FindingEvent, OpenFinding, finding_detail, open_finding_counts,
    open_findings, rule_findings,
};
pub use finding_ref::FindingRef;
pub use gpu::{IDLE_WINDOW_HOURS, IdleGpuHours, idle_gpu_hours};
pub use gpu_capacity::{GpuNodeRow, PendingGpuRow, gpu_nodes, pending_gpus};
pub use history::{MttrRow, ResolvedRow, ScorePoint, TrendPoint, mttr, recently_resolved, score_history, trend};
pub use images::{
    CVES_SHOWN, ContainerImageRow, CveReachRow, CveSort, ImageDetail, ImageRow, ImageUser, ImageVulnerabilityRow,
    PackageUseRow, fleet_vulnerabilities, image_detail, package_users, workload_images,
};
pub use overview::{TenantOverview, tenant_overview};
pub use params::{
    LIST_PAGE_SIZE, MAX_LIST_PAGE, MAX_NAME_CHARS, RANGES, check_at, check_finding_query, check_name, check_page,
    check_range_days, is_severity, parse_at, parse_finding_query,
};
pub use tenant::{
    FINDINGS_PAGE_SIZE, FindingQuery, FindingRow, FindingSort, NamespaceRow, TenantDetail, TenantNamespace,
    tenant_detail, tenant_findings, tenant_has_namespace, tenant_namespaces,
};
pub use workload::{
    NamespaceRef, QuotaRow, WorkloadDetail, WorkloadFilter, WorkloadRow, namespaces_without_quota, quotas,
    workload_detail, workloads,
};
