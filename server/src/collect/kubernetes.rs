//! Reads a cluster's API server into an `Inventory` through `kube::Client`: every list is
//! paginated, `managedFields` are stripped, and Secrets are listed as metadata only.

use std::fmt::Debug;

use domain::Inventory;
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, ListParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config, Resource, ResourceExt};
use serde::de::DeserializeOwned;

use super::{ClusterTarget, CollectError};

/// Objects requested per list page.
pub const PAGE_SIZE: u32 = 500;

/// A client for the target's kubeconfig and context (or the inferred configuration).
pub async fn client(target: &ClusterTarget) -> Result<Client, CollectError> {
    let client_error = |detail: String| CollectError::Client {
        cluster: target.name.clone(),
        detail,
    };
    let config = match &target.kubeconfig {
        Some(path) => {
            let kubeconfig =
                Kubeconfig::read_from(path).map_err(|source| CollectError::Kubeconfig {
                    path: path.display().to_string(),
                    source,
                })?;
            let options = KubeConfigOptions {
                context: target.context.clone(),
                ..KubeConfigOptions::default()
            };
            Config::from_custom_kubeconfig(kubeconfig, &options)
                .await
                .map_err(|e| client_error(e.to_string()))?
        }
        None => Config::infer()
            .await
            .map_err(|e| client_error(e.to_string()))?,
    };
    Client::try_from(config).map_err(|e| client_error(e.to_string()))
}

/// Lists every kind Rampart assesses, cluster-wide and concurrently.
pub async fn read_inventory(client: &Client) -> Result<Inventory, CollectError> {
    let (namespaces, nodes, pods, deployments, stateful_sets, daemon_sets, replica_sets) = tokio::try_join!(
        list_all(client, "namespaces"),
        list_all(client, "nodes"),
        list_all(client, "pods"),
        list_all(client, "deployments"),
        list_all(client, "statefulsets"),
        list_all(client, "daemonsets"),
        list_all(client, "replicasets"),
    )?;
    let (jobs, cron_jobs, replication_controllers, services, ingresses, network_policies) = tokio::try_join!(
        list_all(client, "jobs"),
        list_all(client, "cronjobs"),
        list_all(client, "replicationcontrollers"),
        list_all(client, "services"),
        list_all(client, "ingresses"),
        list_all(client, "networkpolicies"),
    )?;
    let (resource_quotas, limit_ranges, service_accounts, roles, role_bindings, cluster_roles) = tokio::try_join!(
        list_all(client, "resourcequotas"),
        list_all(client, "limitranges"),
        list_all(client, "serviceaccounts"),
        list_all(client, "roles"),
        list_all(client, "rolebindings"),
        list_all(client, "clusterroles"),
    )?;
    let (cluster_role_bindings, config_maps, secrets) = tokio::try_join!(
        list_all(client, "clusterrolebindings"),
        list_all(client, "configmaps"),
        list_secret_metadata(client),
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
    })
}

/// Lists every object of one kind, page by page, without `managedFields`.
async fn list_all<K>(client: &Client, kind: &'static str) -> Result<Vec<K>, CollectError>
where
    K: Resource + Clone + DeserializeOwned + Debug,
    K::DynamicType: Default,
{
    let api: Api<K> = Api::all(client.clone());
    let mut params = ListParams::default().limit(PAGE_SIZE);
    let mut objects = Vec::new();
    loop {
        let page = api
            .list(&params)
            .await
            .map_err(|source| CollectError::List { kind, source })?;
        objects.extend(page.items.into_iter().map(|mut object| {
            object.managed_fields_mut().clear();
            object
        }));
        match page.metadata.continue_ {
            Some(token) if !token.is_empty() => params = params.continue_token(&token),
            _ => return Ok(objects),
        }
    }
}

/// Secret metadata only: the list asks the API server for metadata, so no value is ever
/// transferred, held in memory or stored.
async fn list_secret_metadata(
    client: &Client,
) -> Result<Vec<k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta>, CollectError> {
    let api: Api<Secret> = Api::all(client.clone());
    let mut params = ListParams::default().limit(PAGE_SIZE);
    let mut metas = Vec::new();
    loop {
        let page = api
            .list_metadata(&params)
            .await
            .map_err(|source| CollectError::List {
                kind: "secrets",
                source,
            })?;
        metas.extend(page.items.into_iter().map(|mut item| {
            item.metadata.managed_fields = None;
            item.metadata
        }));
        match page.metadata.continue_ {
            Some(token) if !token.is_empty() => params = params.continue_token(&token),
            _ => return Ok(metas),
        }
    }
}
