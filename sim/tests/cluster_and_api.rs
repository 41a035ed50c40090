//! The simulator: deterministic generation, movement under `step`, and Kubernetes API shapes.

use std::sync::{Arc, RwLock};

use http::{Request, StatusCode};
use serde_json::Value;
use sim::{Cluster, SimConfig};
use tower::ServiceExt;

fn cluster() -> Cluster {
    Cluster::generate(SimConfig { pods: 120, ..SimConfig::default() })
}

async fn get(cluster: Cluster, uri: &str, accept: Option<&str>) -> (StatusCode, Value) {
    let app = sim::api::router(Arc::new(RwLock::new(cluster)));
    let mut req = Request::get(uri);
    if let Some(accept) = accept {
        req = req.header("accept", accept);
    }
    let res = app.oneshot(req.body(axum::body::Body::empty()).unwrap()).await.unwrap();
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

#[test]
fn the_same_seed_yields_the_same_cluster_and_another_seed_does_not() {
    let (a, b) = (cluster(), cluster());
    assert_eq!(a.objects("pods"), b.objects("pods"));
    let c = Cluster::generate(SimConfig { pods: 120, seed: 7, ..SimConfig::default() });
    assert_ne!(a.objects("pods"), c.objects("pods"));
}

#[test]
fn generated_cluster_has_tenants_gpu_pods_and_the_planted_misconfigurations() {
    let c = cluster();
    let tenants: std::collections::BTreeSet<&str> =
        c.objects("namespaces").iter().filter_map(|n| n["metadata"]["labels"]["rampart.io/tenant"].as_str()).collect();
    assert_eq!(tenants.len(), 9, "eight teams plus the platform");
    assert!(c.pod_count() >= 120);
    let anonymous = c.objects("clusterrolebindings").iter().any(|b| b["subjects"][0]["name"] == "system:anonymous");
    assert!(anonymous);
    assert!(c.objects("configmaps").iter().any(|m| m["data"]["DATABASE_PASSWORD"].is_string()));
    assert!(c.dcgm_metrics(None).contains("DCGM_FI_DEV_GPU_UTIL{"));
    let apiserver = c
        .objects("pods")
        .iter()
        .find(|p| p["metadata"]["name"].as_str().unwrap().starts_with("kube-apiserver-"))
        .unwrap();
    assert!(
        apiserver["spec"]["containers"][0]["command"].as_array().unwrap().contains(&"--anonymous-auth=true".into())
    );
}

#[test]
fn step_moves_pod_restarts_and_gpu_use() {
    let mut c = cluster();
    let (pods, metrics) = (c.objects("pods").to_vec(), c.dcgm_metrics(None));
    c.step();
    assert_eq!(c.tick(), 1);
    assert_ne!(c.objects("pods"), pods.as_slice());
    assert_ne!(c.dcgm_metrics(None), metrics);
}

#[tokio::test]
async fn lists_are_paginated_with_continue_tokens_and_resource_versions() {
    let total = cluster().pod_count();
    let (status, first) = get(cluster(), "/api/v1/pods?limit=50", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first["kind"], "PodList");
    assert_eq!(first["items"].as_array().unwrap().len(), 50);
    assert!(first["metadata"]["resourceVersion"].is_string());
    let token = first["metadata"]["continue"].as_str().unwrap().to_string();
    let (_, rest) = get(cluster(), &format!("/api/v1/pods?limit=100000&continue={token}"), None).await;
    assert_eq!(rest["items"].as_array().unwrap().len(), total - 50);
    assert!(rest["metadata"].get("continue").is_none());
}

#[tokio::test]
async fn namespaced_lists_and_grouped_kinds_are_served() {
    let (status, body) = get(cluster(), "/apis/apps/v1/namespaces/kube-system/daemonsets", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body["items"].as_array().unwrap().iter().all(|d| d["metadata"]["namespace"] == "kube-system"));
    let (status, groups) = get(cluster(), "/apis", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(groups["groups"].as_array().unwrap().iter().any(|g| g["name"] == "rbac.authorization.k8s.io"));
}

#[tokio::test]
async fn metadata_only_secret_lists_carry_no_data() {
    let accept = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";
    let (_, body) = get(cluster(), "/api/v1/secrets", Some(accept)).await;
    assert_eq!(body["kind"], "PartialObjectMetadataList");
    assert!(!body["items"].as_array().unwrap().is_empty());
    assert!(body["items"].as_array().unwrap().iter().all(|s| s.get("data").is_none()));
}

#[tokio::test]
async fn unknown_resources_get_a_kubernetes_status_404() {
    let (status, body) = get(cluster(), "/apis/example.com/v1/widgets", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["kind"], "Status");
    assert_eq!(body["code"], 404);
}
