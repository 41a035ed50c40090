//! Reads a cluster's API server into an `Inventory` through `kube::Client`: every list is
//! paginated, `managedFields` are stripped, and Secrets are listed as metadata only.
//!
//! Every request has a connect and a read timeout, retries are Rampart's own (kube's retry
//! layer is off, so they never stack), and the optional sources (metrics-server, Trivy
//! Operator's kinds) fail soft: any failure of theirs is a coverage gap naming the path and
//! why, never a failed collection.

use std::fmt::Debug;

use domain::Inventory;
use domain::inventory::trim_metadata;
use domain::trivy::TrivyReports;
use domain::usage::PodMetrics;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ListParams, ObjectList};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config, Resource};
use serde::de::DeserializeOwned;

use super::diagnosis;
use super::target::{ClusterTarget, CollectError, Deadlines, Sources};

/// Objects requested per list page.
pub const PAGE_SIZE: u32 = 500;

/// The User-Agent of every request Rampart makes, so that a cluster's audit log and a
/// Prometheus' logs can tell it apart.
pub const USER_AGENT: &str = concat!("rampart/", env!("CARGO_PKG_VERSION"));

/// A client of one cluster's API server, and the server's URL (for errors).
pub struct Connection {
    pub client: Client,
    pub server: String,
}

/// A client for the target's kubeconfig and context (or the inferred configuration), with the
/// target's timeouts, Rampart's User-Agent, the proxy kubectl would use, and no retry layer of
/// its own.
pub async fn connect(target: &ClusterTarget) -> Result<Connection, CollectError> {
    let client_error = |detail: String| CollectError::Client { cluster: target.name.clone(), detail };
    let (mut config, cluster_proxy) = match &target.kubeconfig {
        Some(path) => {
            let kubeconfig = Kubeconfig::read_from(path)
                .map_err(|source| CollectError::Kubeconfig { path: path.display().to_string(), source })?;
            let proxy = super::proxy::kubeconfig_proxy_url(&kubeconfig, target.context.as_deref());
            let options = KubeConfigOptions { context: target.context.clone(), ..KubeConfigOptions::default() };
            let config =
                Config::from_custom_kubeconfig(kubeconfig, &options).await.map_err(|e| client_error(e.to_string()))?;
            (config, proxy)
        }
        None => (Config::infer().await.map_err(|e| client_error(e.to_string()))?, None),
    };
    let Deadlines { connect, request, .. } = target.deadlines;
    config.connect_timeout = Some(connect);
    config.read_timeout = Some(request);
    config.write_timeout = Some(request);
    config.reset_reader_on_write = true;
    config.default_retry = false;
    config.headers.push((http::header::USER_AGENT, http::HeaderValue::from_static(USER_AGENT)));
    config.proxy_url =
        super::proxy::proxy_for(&config.cluster_url, cluster_proxy.as_deref()).map_err(|e| client_error(e))?;
    let server = config.cluster_url.to_string();
    let client = Client::try_from(config).map_err(|e| client_error(diagnosis::describe(&e)))?;
    Ok(Connection { client, server })
}

/// Kinds that could not be listed, with why.
type Gaps = std::sync::Mutex<std::collections::BTreeMap<String, String>>;

/// Lists every kind Rampart assesses, cluster-wide and concurrently. A kind the collector may
/// not list (403) or the cluster does not serve (404) is recorded as a gap in the inventory,
/// and the collection goes on with the rest.
pub async fn read_inventory(
    client: &Client,
    sources: &Sources,
    deadlines: &Deadlines,
) -> Result<Inventory, CollectError> {
    let gaps = Gaps::default();
    // The optional sources may take part of the collection's time, never all of it.
    let optional = Optional { budget: deadlines.collection / 2, gaps: &gaps };
    let (namespaces, nodes, pods, deployments, stateful_sets, daemon_sets, replica_sets) = tokio::try_join!(
        list_all(client, "namespaces", &gaps),
        list_all(client, "nodes", &gaps),
        list_all(client, "pods", &gaps),
        list_all(client, "deployments", &gaps),
        list_all(client, "statefulsets", &gaps),
        list_all(client, "daemonsets", &gaps),
        list_all(client, "replicasets", &gaps),
    )?;
    let (jobs, cron_jobs, replication_controllers, services, ingresses, network_policies) = tokio::try_join!(
        list_all(client, "jobs", &gaps),
        list_all(client, "cronjobs", &gaps),
        list_all(client, "replicationcontrollers", &gaps),
        list_all(client, "services", &gaps),
        list_all(client, "ingresses", &gaps),
        list_all(client, "networkpolicies", &gaps),
    )?;
    let (resource_quotas, limit_ranges, service_accounts, roles, role_bindings, cluster_roles, pod_metrics) = tokio::try_join!(
        list_all(client, "resourcequotas", &gaps),
        list_all(client, "limitranges", &gaps),
        list_all(client, "serviceaccounts", &gaps),
        list_all(client, "roles", &gaps),
        list_all(client, "rolebindings", &gaps),
        list_all(client, "clusterroles", &gaps),
        read_pod_metrics(client, sources.metrics_server, &optional),
    )?;
    let (cluster_role_bindings, config_maps, secrets, persistent_volumes, persistent_volume_claims, trivy) = tokio::try_join!(
        list_all(client, "clusterrolebindings", &gaps),
        list_all(client, "configmaps", &gaps),
        list_secret_metadata(client, &gaps),
        list_all(client, "persistentvolumes", &gaps),
        list_all(client, "persistentvolumeclaims", &gaps),
        read_trivy_reports(client, sources.trivy_operator, &optional),
    )?;
    Ok(Inventory {
        namespaces,
        nodes,
        pods,
        deployments,
        stateful_sets,
        daemon_sets,
        replica_sets,
        jobs,
        cron_jobs,
        replication_controllers,
        services,
        ingresses,
        network_policies,
        resource_quotas,
        limit_ranges,
        service_accounts,
        roles,
        role_bindings,
        cluster_roles,
        cluster_role_bindings,
        config_maps,
        secrets,
        persistent_volumes,
        persistent_volume_claims,
        trivy,
        pod_metrics,
        gaps: gaps.into_inner().unwrap_or_default(),
        // Manifests only: an API server answers in current versions and serves no
        // authorization configuration.
        outdated_apis: Vec::new(),
        authorization_configs: Vec::new(),
    })
}

/// A kind the API server refuses (403) or does not serve (404) becomes a gap, not a failure.
fn gap_or_empty<T: Default>(
    kind: &'static str,
    result: Result<T, CollectError>,
    gaps: &Gaps,
) -> Result<T, CollectError> {
    match result {
        Err(CollectError::List { source: kube::Error::Api(status), .. }) if matches!(status.code, 403 | 404) => {
            let why = format!("HTTP {}: {}", status.code, status.message);
            tracing::warn!(kind, %why, "cannot list this kind; recorded as a coverage gap");
            if let Ok(mut gaps) = gaps.lock() {
                gaps.insert(kind.to_string(), why);
            }
            Ok(T::default())
        }
        other => other,
    }
}

/// Attempts per page before a list fails: a 5xx, 429, a broken connection or an unreadable body
/// is retried with exponential backoff and jitter; a 4xx is not.
pub const PAGE_ATTEMPTS: u32 = 4;
/// How often a list starts over after its `continue` token expired (410 Gone).
pub const LIST_RESTARTS: u32 = 3;
const FIRST_PAGE_RETRY: std::time::Duration = std::time::Duration::from_millis(200);

/// Reads every page of a list: `fetch` is called with the page's parameters until the API
/// server returns no `continue` token. Pages are appended as they arrive; the raw bodies are
/// not kept.
async fn paginate<K, F, Fut>(kind: &'static str, mut fetch: F) -> Result<Vec<K>, CollectError>
where
    F: FnMut(ListParams) -> Fut,
    Fut: Future<Output = kube::Result<ObjectList<K>>>,
    K: Clone,
{
    let first = ListParams::default().limit(PAGE_SIZE);
    let mut params = first.clone();
    let mut items = Vec::new();
    let mut restarts = 0;
    loop {
        let page = match fetch_page(&mut fetch, &params).await {
            Ok(page) => page,
            Err((kube::Error::Api(status), _)) if status.code == 410 && restarts < LIST_RESTARTS => {
                restarts += 1;
                tracing::info!(kind, restarts, "the list's continue token expired (410 Gone): starting it over");
                items.clear();
                params = first.clone();
                continue;
            }
            Err((source, attempts)) => return Err(CollectError::List { kind, attempts, source }),
        };
        items.extend(page.items);
        match page.metadata.continue_ {
            Some(token) if !token.is_empty() => params = params.continue_token(&token),
            _ => {
                items.shrink_to_fit();
                return Ok(items);
            }
        }
    }
}

/// One page, retried while the failure is transient; on failure, the error and the attempts made.
async fn fetch_page<K, F, Fut>(fetch: &mut F, params: &ListParams) -> Result<ObjectList<K>, (kube::Error, u32)>
where
    F: FnMut(ListParams) -> Fut,
    Fut: Future<Output = kube::Result<ObjectList<K>>>,
    K: Clone,
{
    let mut attempt = 1;
    loop {
        match fetch(params.clone()).await {
            Ok(page) => return Ok(page),
            Err(error) if attempt < PAGE_ATTEMPTS && is_transient(&error) => {
                let wait = crate::backoff::backoff(FIRST_PAGE_RETRY, attempt, std::time::Duration::MAX);
                tracing::debug!(%error, attempt, "list page failed; retrying");
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
            Err(error) => return Err((error, attempt)),
        }
    }
}

/// Whether a failed request may succeed when repeated: server errors, throttling, broken
/// connections and unreadable bodies; not refusals (401, 403, 404) or expired tokens (410).
fn is_transient(error: &kube::Error) -> bool {
    match error {
        kube::Error::Api(status) => status.code >= 500 || status.code == 429,
        // The server's certificate will not change between attempts.
        other => !diagnosis::is_certificate_error(other),
    }
}

/// Lists every object of one kind, without `managedFields`.
async fn list_all<K>(client: &Client, kind: &'static str, gaps: &Gaps) -> Result<Vec<K>, CollectError>
where
    K: Resource + Clone + DeserializeOwned + Debug,
    K::DynamicType: Default,
{
    let api: Api<K> = Api::all(client.clone());
    let listed = paginate(kind, |params| {
        let api = api.clone();
        async move { api.list(&params).await }
    })
    .await;
    let mut objects = gap_or_empty(kind, listed, gaps)?;
    for object in &mut objects {
        trim_metadata(object.meta_mut());
    }
    Ok(objects)
}

/// Secret metadata only: the list asks the API server for metadata, so no value is ever
/// transferred, held in memory or stored.
async fn list_secret_metadata(client: &Client, gaps: &Gaps) -> Result<Vec<ObjectMeta>, CollectError> {
    let api: Api<Secret> = Api::all(client.clone());
    let listed = paginate("secrets", |params| {
        let api = api.clone();
        async move { api.list_metadata(&params).await }
    })
    .await;
    let items = gap_or_empty("secrets", listed, gaps)?;
    Ok(items
        .into_iter()
        .map(|mut item| {
            trim_metadata(&mut item.metadata);
            item.metadata
        })
        .collect())
}

/// The optional sources' share of the collection: how long they may take, and where their
/// failures are recorded.
struct Optional<'a> {
    budget: std::time::Duration,
    gaps: &'a Gaps,
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
async fn read_trivy_reports(
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
async fn read_pod_metrics(
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
