//! Trivy Operator's reports: every kind it writes (`domain::trivy::REPORT_KINDS`), namespaced
//! and cluster-scoped, read page by page. A vulnerability report is split as it arrives into
//! the container's reference and its image, kept once per digest, so a collection holds each
//! image's CVEs once however many workloads run it, and never more than one page of reports.
//!
//! Without the VulnerabilityReport kind (404) Trivy Operator is taken as not installed: the
//! image rules are then not assessable. Any other kind the cluster does not serve is absent (an
//! older Trivy Operator writes fewer); a kind that cannot be read (a 403, a timeout) is a gap.

use domain::trivy::{REPORT_KINDS, TrivyReports};
use kube::Client;

use super::optional::{Optional, OptionalKind, fold_optional};
use super::target::CollectError;

/// Reports per page: a vulnerability report carries hundreds of CVEs, so pages stay small.
const REPORTS_PER_PAGE: u32 = 50;

/// The API group and version of Trivy Operator's reports.
pub const TRIVY_GROUP: &str = "aquasecurity.github.io";
pub const TRIVY_VERSION: &str = "v1alpha1";

/// Every Trivy Operator report of the cluster; `None` when turned off for the cluster, not
/// installed, or its vulnerability reports could not be read.
pub(super) async fn read_trivy_reports(
    client: &Client,
    enabled: bool,
    optional: &Optional<'_>,
) -> Result<Option<TrivyReports>, CollectError> {
    if !enabled {
        return Ok(None);
    }
    let mut reports = TrivyReports::default();
    for (kind, plural) in REPORT_KINDS {
        let listing = OptionalKind {
            group: TRIVY_GROUP.into(),
            version: TRIVY_VERSION.into(),
            kind: kind.into(),
            plural: plural.into(),
            name: plural.into(),
            missing_is_gap: false,
        };
        let read = fold_optional(client, listing, REPORTS_PER_PAGE, optional, |into: &mut TrivyReports, object| {
            let name = object.metadata.name.clone().unwrap_or_default();
            let added = serde_json::to_value(object).and_then(|value| into.add(kind, value));
            if let Err(error) = added {
                tracing::warn!(%error, kind, name, "skipping a Trivy report of unexpected shape");
            }
        })
        .await;
        match read {
            Some(read) => reports.merge(read),
            None if kind == "VulnerabilityReport" => return Ok(None),
            None => {}
        }
    }
    Ok(Some(reports))
}
