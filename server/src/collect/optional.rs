//! The optional sources of a collection, read through the API server: metrics-server's
//! PodMetrics (an aggregated API) and Trivy Operator's reports (CRDs). They fail soft: a kind
//! the cluster does not serve (404) is simply absent, and any other failure (a refusal, a
//! server error, a 503 from an unavailable aggregated API, a timeout, a body of the wrong
//! shape) is a coverage gap naming the path and why, within their share of the collection's
//! deadline; the rules and figures that need them are then not assessable or unknown.

use domain::trivy::TrivyReports;
use domain::usage::PodMetrics;
use kube::Client;
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind};
use serde::de::DeserializeOwned;

use super::listing::{Gaps, paginate};
use super::target::CollectError;

/// The optional sources' share of the collection: how long they may take, and where their
/// failures are recorded.
pub(super) struct Optional<'a> {
    pub(super) budget: std::time::Duration,
    pub(super) gaps: &'a Gaps,
}

impl Optional<'_> {
    fn gap(&self, name: &str, why: String) {
        tracing::warn!(kind = name, %why, "optional source unreadable; recorded as a coverage gap");
        if let Ok(mut gaps) = self.gaps.lock() {
            gaps.insert(name.to_string(), why);
        }
    }
}

/// Trivy Operator's reports; `None` when turned off for the cluster, not served (the CRDs are
/// not installed) or unreadable: the image rules are then not assessable.
pub(super) async fn read_trivy_reports(
    client: &Client,
    enabled: bool,
    optional: &Optional<'_>,
) -> Result<Option<TrivyReports>, CollectError> {
    if !enabled {
        return Ok(None);
    }
    let trivy = |kind, plural| OptionalKind { group: TRIVY_GROUP, version: TRIVY_VERSION, kind, plural, name: plural };
    let Some(vulnerability_reports) =
        list_optional(client, trivy("VulnerabilityReport", "vulnerabilityreports"), optional).await
    else {
        return Ok(None);
    };
    let config_audit_reports =
        list_optional(client, trivy("ConfigAuditReport", "configauditreports"), optional).await.unwrap_or_default();
    let exposed_secret_reports =
        list_optional(client, trivy("ExposedSecretReport", "exposedsecretreports"), optional).await.unwrap_or_default();
    Ok(Some(TrivyReports { vulnerability_reports, config_audit_reports, exposed_secret_reports }))
}

/// metrics-server's PodMetrics; `None` when turned off for the cluster, not served or
/// unreadable (an APIService in `FailedDiscoveryCheck` answers 503).
pub(super) async fn read_pod_metrics(
    client: &Client,
    enabled: bool,
    optional: &Optional<'_>,
) -> Result<Option<Vec<PodMetrics>>, CollectError> {
    if !enabled {
        return Ok(None);
    }
    let kind = OptionalKind {
        group: "metrics.k8s.io",
        version: "v1beta1",
        kind: "PodMetrics",
        plural: "pods",
        name: "pods.metrics.k8s.io",
    };
    Ok(list_optional(client, kind, optional).await)
}

/// A kind of an API the cluster may not serve (an operator's CRD, an aggregated API).
struct OptionalKind {
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
    /// How coverage names it: the plural, qualified by its group where a core kind has it too.
    name: &'static str,
}

/// Lists one optional kind into Rampart's own type; `None` when the API server does not serve
/// it (404), and `None` with a gap for any other failure: a refusal, a server error, an
/// unavailable aggregated API, a timeout, a body of the wrong shape.
async fn list_optional<T: DeserializeOwned>(
    client: &Client,
    kind: OptionalKind,
    optional: &Optional<'_>,
) -> Option<Vec<T>> {
    let OptionalKind { group, version, kind, plural, name } = kind;
    let path = format!("/apis/{group}/{version}/{plural}");
    let gvk = GroupVersionKind::gvk(group, version, kind);
    let api: Api<DynamicObject> = Api::all_with(client.clone(), &ApiResource::from_gvk_with_plural(&gvk, plural));
    let listed = paginate(name, |params| {
        let api = api.clone();
        async move { api.list(&params).await }
    });
    let objects = match tokio::time::timeout(optional.budget, listed).await {
        Ok(Ok(objects)) => objects,
        Ok(Err(CollectError::List { source: kube::Error::Api(status), .. })) if status.code == 404 => return None,
        Ok(Err(CollectError::List { source: kube::Error::Api(status), .. })) => {
            optional.gap(name, format!("GET {path}: HTTP {}: {}", status.code, status.message));
            return None;
        }
        Ok(Err(error)) => {
            optional.gap(name, format!("GET {path}: {error}"));
            return None;
        }
        Err(_) => {
            let seconds = optional.budget.as_secs();
            optional.gap(
                name,
                format!("GET {path}: no complete answer within {seconds}s (its share of the collection's deadline)"),
            );
            return None;
        }
    };
    let reports = objects
        .into_iter()
        .filter_map(|o| match serde_json::to_value(o).and_then(serde_json::from_value::<T>) {
            Ok(report) => Some(report),
            Err(error) => {
                tracing::warn!(%error, kind, "skipping an object of unexpected shape");
                None
            }
        })
        .collect();
    Some(reports)
}

/// The API group and version of Trivy Operator's reports.
pub const TRIVY_GROUP: &str = "aquasecurity.github.io";
pub const TRIVY_VERSION: &str = "v1alpha1";
