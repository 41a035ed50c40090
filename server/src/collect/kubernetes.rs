//! Reads a cluster's API server into an `Inventory` through `kube::Client`: every list is
//! paginated, `managedFields` are stripped, and Secrets are listed as metadata only.
//!
//! Every request has a connect and a read timeout, retries are Rampart's own (kube's retry
//! layer is off, so they never stack), and the optional sources (metrics-server, Trivy
//! Operator's kinds) fail soft: any failure of theirs is a coverage gap naming the path and
//! why, never a failed collection.

use std::fmt::Debug;

use domain::Inventory;
use domain::inventory::{trim_controlled_job, trim_controlled_replica_set, trim_metadata};
use domain::pod::Pods;
use k8s_openapi::api::core::v1::{Pod, Secret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::Api;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config, Resource};
use serde::de::DeserializeOwned;

use super::listing::{Gaps, PAGE_SIZE, fold_pages, paginate};
use super::optional::{Optional, read_pod_metrics, read_workload_kinds};
use super::target::{ClusterTarget, CollectError, Deadlines, Sources};
use super::trivy::read_trivy_reports;
use crate::diagnosis;

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
    config.headers.push((http::header::USER_AGENT, http::HeaderValue::from_static(crate::http_client::USER_AGENT)));
    config.proxy_url =
        super::proxy::proxy_for(&config.cluster_url, cluster_proxy.as_deref()).map_err(|e| client_error(e))?;
    let server = config.cluster_url.to_string();
    let client = Client::try_from(config).map_err(|e| client_error(diagnosis::describe(&e)))?;
    Ok(Connection { client, server })
}

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
        list_pods(client, &gaps),
        list_all(client, "deployments", &gaps),
        list_all(client, "statefulsets", &gaps),
        list_all(client, "daemonsets", &gaps),
        list_trimmed(client, "replicasets", &gaps, trim_controlled_replica_set),
    )?;
    let (jobs, cron_jobs, replication_controllers, services, ingresses, network_policies) = tokio::try_join!(
        list_trimmed(client, "jobs", &gaps, trim_controlled_job),
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
    let custom = read_workload_kinds(client, &sources.workload_kinds, &optional).await;
    let mut inventory = Inventory {
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
        // Stamped by the collection, which knows when it started.
        observed_at: None,
        custom_workloads: Vec::new(),
    };
    for object in &custom {
        if let Err(error) = inventory.add_object(object) {
            tracing::warn!(%error, "skipping an operator's workload object of unexpected shape");
        }
    }
    Ok(inventory)
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

/// Lists every object of one kind, without `managedFields`.
async fn list_all<K>(client: &Client, kind: &'static str, gaps: &Gaps) -> Result<Vec<K>, CollectError>
where
    K: Resource + Clone + DeserializeOwned + Debug,
    K::DynamicType: Default,
{
    list_trimmed(client, kind, gaps, |_| {}).await
}

/// Lists every object of one kind, one page at a time, trimming each object as its page
/// arrives: its metadata ([`trim_metadata`]), then by `trim`, so what is dropped is never
/// held for more than a page.
async fn list_trimmed<K>(
    client: &Client,
    kind: &'static str,
    gaps: &Gaps,
    trim: impl Fn(&mut K),
) -> Result<Vec<K>, CollectError>
where
    K: Resource + Clone + DeserializeOwned + Debug,
    K::DynamicType: Default,
{
    let mut objects: Vec<K> = list_into(client, kind, gaps, trim).await?;
    objects.shrink_to_fit();
    Ok(objects)
}

/// Every pod, one page at a time into [`Pods`]: each page's pods share their specs as they
/// arrive, so no more than one page of whole pods is held.
async fn list_pods(client: &Client, gaps: &Gaps) -> Result<Pods, CollectError> {
    let mut pods: Pods = list_into(client, "pods", gaps, |_: &mut Pod| {}).await?;
    pods.shrink_to_fit();
    Ok(pods)
}

/// Every object of one kind folded into `A` page by page, each trimmed ([`trim_metadata`],
/// then `trim`) as its page arrives. A kind that cannot be listed is a gap: none of it is
/// held, not even the pages already read.
async fn list_into<K, A>(
    client: &Client,
    kind: &'static str,
    gaps: &Gaps,
    trim: impl Fn(&mut K),
) -> Result<A, CollectError>
where
    K: Resource + Clone + DeserializeOwned + Debug,
    K::DynamicType: Default,
    A: Default + Extend<K>,
{
    let api: Api<K> = Api::all(client.clone());
    let mut into = A::default();
    let listed = fold_pages(
        kind,
        PAGE_SIZE,
        |params| {
            let api = api.clone();
            async move { api.list(&params).await }
        },
        &mut into,
        |into, page| {
            into.extend(page.into_iter().map(|mut object| {
                trim_metadata(object.meta_mut());
                trim(&mut object);
                object
            }))
        },
    )
    .await;
    gap_or_empty(kind, listed.map(|()| into), gaps)
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
