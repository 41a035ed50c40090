//! The optional sources of a collection, read through the API server: metrics-server's
//! PodMetrics (an aggregated API), operators' workload kinds, and (through
//! [`super::trivy`]) Trivy Operator's reports (CRDs). They fail soft: a kind
//! the cluster does not serve (404) is simply absent, and any other failure (a refusal, a
//! server error, a 503 from an unavailable aggregated API, a timeout, a body of the wrong
//! shape) is a coverage gap naming the path and why, within their share of the collection's
//! deadline; the rules and figures that need them are then not assessable or unknown.

use domain::usage::PodMetrics;
use kube::Client;
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind};
use serde::de::DeserializeOwned;

use super::listing::{Gaps, PAGE_SIZE, fold_pages};
use super::target::CollectError;
use crate::config::WorkloadKind;

/// The optional sources' share of the collection: how long they may take, and where their
/// failures are recorded.
pub(super) struct Optional<'a> {
    pub(super) budget: std::time::Duration,
    pub(super) gaps: &'a Gaps,
}

impl Optional<'_> {
    pub(super) fn gap(&self, name: &str, why: String) {
        tracing::warn!(kind = name, %why, "optional source unreadable; recorded as a coverage gap");
        if let Ok(mut gaps) = self.gaps.lock() {
            gaps.insert(name.to_string(), why);
        }
    }
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
        group: "metrics.k8s.io".into(),
        version: "v1beta1".into(),
        kind: "PodMetrics".into(),
        plural: "pods".into(),
        name: "pods.metrics.k8s.io".into(),
        missing_is_gap: false,
    };
    Ok(list_optional(client, kind, optional).await)
}

/// The objects of the operators' workload kinds the cluster is configured to list (a
/// PyTorchJob, a RayCluster), whole, for their pod templates. A kind that is not served (404)
/// or may not be listed (403) is a coverage gap: its workloads are then read from their pods.
pub(super) async fn read_workload_kinds(
    client: &Client,
    kinds: &[WorkloadKind],
    optional: &Optional<'_>,
) -> Vec<serde_json::Value> {
    let mut objects = Vec::new();
    for kind in kinds {
        let listing = OptionalKind {
            group: kind.group.clone(),
            version: kind.version.clone(),
            kind: kind.kind.clone(),
            plural: kind.plural.clone(),
            name: format!("{}.{}", kind.plural, kind.group),
            missing_is_gap: true,
        };
        let api_version = format!("{}/{}", kind.group, kind.version);
        for mut object in list_optional::<serde_json::Value>(client, listing, optional).await.unwrap_or_default() {
            // Items of a list may carry no kind of their own: they are the list's.
            object["apiVersion"] = api_version.clone().into();
            object["kind"] = kind.kind.clone().into();
            objects.push(object);
        }
    }
    objects
}

/// A kind of an API the cluster may not serve (an operator's CRD, an aggregated API).
pub(super) struct OptionalKind {
    pub(super) group: String,
    pub(super) version: String,
    pub(super) kind: String,
    pub(super) plural: String,
    /// How coverage names it: the plural, qualified by its group where a core kind has it too.
    pub(super) name: String,
    /// Whether a 404 is a gap (a kind configured to be read) rather than an API not installed.
    pub(super) missing_is_gap: bool,
}

/// Lists one optional kind into Rampart's own type; `None` when the API server does not serve
/// it (404), and `None` with a gap for any other failure: a refusal, a server error, an
/// unavailable aggregated API, a timeout, a body of the wrong shape.
async fn list_optional<T: DeserializeOwned>(
    client: &Client,
    kind: OptionalKind,
    optional: &Optional<'_>,
) -> Option<Vec<T>> {
    let what = kind.kind.clone();
    fold_optional(client, kind, PAGE_SIZE, optional, |items: &mut Vec<T>, object| {
        match serde_json::to_value(object).and_then(serde_json::from_value::<T>) {
            Ok(item) => items.push(item),
            Err(error) => tracing::warn!(%error, kind = what.as_str(), "skipping an object of unexpected shape"),
        }
    })
    .await
}

/// Lists one optional kind `page_size` objects at a time into `A`, each object given to `add`
/// as it arrives, so that only one page is held whole; `None` as [`list_optional`] says.
pub(super) async fn fold_optional<A: Default>(
    client: &Client,
    kind: OptionalKind,
    page_size: u32,
    optional: &Optional<'_>,
    mut add: impl FnMut(&mut A, DynamicObject),
) -> Option<A> {
    let OptionalKind { group, version, kind, plural, name, missing_is_gap } = kind;
    let path = format!("/apis/{group}/{version}/{plural}");
    let gvk = GroupVersionKind::gvk(&group, &version, &kind);
    let api: Api<DynamicObject> = Api::all_with(client.clone(), &ApiResource::from_gvk_with_plural(&gvk, &plural));
    let mut into = A::default();
    let listed = fold_pages(
        "optional kind",
        page_size,
        |params| {
            let api = api.clone();
            async move { api.list(&params).await }
        },
        &mut into,
        |into, page| page.into_iter().for_each(|object| add(into, object)),
    );
    match tokio::time::timeout(optional.budget, listed).await {
        Ok(Ok(())) => Some(into),
        Ok(Err(CollectError::List { source: kube::Error::Api(status), .. }))
            if status.code == 404 && !missing_is_gap =>
        {
            None
        }
        Ok(Err(CollectError::List { source: kube::Error::Api(status), .. })) => {
            optional.gap(&name, format!("GET {path}: HTTP {}: {}", status.code, status.message));
            None
        }
        Ok(Err(error)) => {
            optional.gap(&name, format!("GET {path}: {error}"));
            None
        }
        Err(_) => {
            let seconds = optional.budget.as_secs();
            optional.gap(
                &name,
                format!("GET {path}: no complete answer within {seconds}s (its share of the collection's deadline)"),
            );
            None
        }
    }
}
