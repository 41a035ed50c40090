//! Read models for pages and reports. Every function takes the viewer's [`Scope`]; rows of
//! tenants outside it are filtered in SQL, so they never leave the database.
//!
//! Every read model answers "now" or, given `at`, any past instant from the history: the
//! latest collection of each cluster started at or before `at`, and the findings open then.
//! Parameters are always `$1` = the scope's tenant filter and `$2` = `at` (null for now).

mod api;
mod compliance;
mod explain;
mod finding;
mod gpu;
mod history;
mod overview;
mod params;
mod tenant;
mod workload;

pub use api::{ApiFinding, ApiFindingFilter, api_findings};
pub use compliance::{ComplianceRow, ControlStatus, compliance_summary, control_findings, control_statuses};
pub use explain::{Cause, Contributor, Delta, ScoreExplanation, score_explanation};
pub use finding::{
    AFFECTED_SHOWN, AffectedObject, FindingDetail, FindingEvent, OpenFinding, finding_detail, open_finding_counts,
    open_findings, rule_findings,
};
pub use gpu::{IDLE_WINDOW_HOURS, IdleGpuHours, idle_gpu_hours};
pub use history::{MttrRow, ResolvedRow, ScorePoint, TrendPoint, mttr, recently_resolved, score_history, tenant_trend};
pub use overview::{TenantOverview, tenant_overview};
pub use params::{is_severity, parse_at, parse_finding_query};
pub use tenant::{
    FINDINGS_PAGE_SIZE, FindingQuery, FindingRow, FindingSort, NamespaceRow, TenantDetail, tenant_detail,
    tenant_findings,
};
pub use workload::{
    NamespaceRef, QuotaRow, WorkloadDetail, WorkloadFilter, WorkloadRow, namespaces_without_quota, quotas,
    workload_detail, workloads,
};

/// Prefixes a query with two CTEs: `latest`, the latest collection of every cluster as of
/// `$2`, and `open_finding`, the findings open as of `$2` in tenants the scope `$1` allows
/// (read from the state row; only findings that were reopened need their events). Sample
/// tables are joined to `latest` on both the collection and its start time, so that only the
/// partitions holding those collections are read.
macro_rules! as_of {
    ($rest:literal) => {
        concat!(
            "with latest as (
                select distinct on (cluster_id) collection_id, cluster_id, started_at, finished_at
                from collection where $2::timestamptz is null or started_at <= $2
                order by cluster_id, started_at desc),
            open_finding as (
                select s.* from finding_state s
                where ($1::text[] is null or s.tenant = any($1))
                  and case when $2::timestamptz is null then s.resolved_at is null
                           when s.first_seen > $2 then false
                           when s.reopen_count = 0 then s.resolved_at is null or s.resolved_at > $2
                           else (select e.kind from finding_event e
                                 where e.finding_id = s.finding_id and e.at <= $2
                                 order by e.at desc limit 1) in ('opened', 'reopened') end)",
            $rest
        )
    };
}
pub(crate) use as_of;
