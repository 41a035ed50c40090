//! An AI platform as it really runs, collected through the simulated API server: workloads owned
//! by operators (PyTorchJob, RayCluster, Rollout, JobSet) with their findings and GPUs, GPU
//! capacity and pending demand equal to the simulator's own counts, free GPUs that are nobody's,
//! and exporters found by either chart's label, or else GPU use that is unknown, never idle.

use crate::common;
use crate::common::collect::{count, target_for};

use axum::http::StatusCode;
use db::query::WorkloadFilter;
use db::{PgPool, Scope};
use server::collect::collect_once;

async fn workloads(pool: &PgPool) -> Vec<db::query::WorkloadRow> {
    db::query::workloads(pool, &Scope::AllTenants, None, WorkloadFilter::All, None).await.unwrap()
}

/// The open findings of `rule` on the workload `kind/name`, with their evidence.
async fn findings_on(pool: &PgPool, rule: &str, kind: &str, name: &str) -> Vec<(String, Vec<String>)> {
    sqlx::query_as(
        "select message, evidence from finding_state
         where resolved_at is null and rule_id = $1 and object_kind = $2 and object_name = $3",
    )
    .bind(rule)
    .bind(kind)
    .bind(name)
    .fetch_all(pool)
    .await
    .unwrap()
}

fn gaps(clusters: &[db::system::ClusterRow], name: &str) -> Vec<String> {
    clusters.iter().find(|c| c.name == name).unwrap().coverage_gaps.clone()
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn operator_owned_workloads_are_collected_with_their_findings_and_gpus(pool: PgPool) {
    let cluster = common::small_cluster(200);
    let (_server, target) = target_for(&cluster, "ai").await;
    collect_once(&pool, &target).await.unwrap();
    let rows = workloads(&pool).await;
    let row = |kind: &str, name: &str| {
        rows.iter().find(|w| w.kind == kind && w.name == name).unwrap_or_else(|| panic!("{kind}/{name} is a workload"))
    };

    let training = row("PyTorchJob", "llm-pretrain");
    assert_eq!(training.pods, 4, "a master and three workers");
    assert_eq!(training.gpus_allocated, 4.0 * f64::from(training.running), "each running pod holds its 4 GPUs");
    assert!(training.running > 0 && training.gpu_utilisation_pct.is_some(), "its GPUs report use");
    let privileged = findings_on(&pool, "pod.privileged", "PyTorchJob", "llm-pretrain").await;
    assert_eq!(privileged.len(), 2, "the master's template and the workers', not one per pod: {privileged:?}");
    assert!(privileged.iter().any(|(m, e)| e[0].starts_with("pods(training.kubeflow.org/replica-type=worker).")
        && m.contains("one of 3 with this spec")));
    assert_eq!(findings_on(&pool, "pod.host-namespaces", "PyTorchJob", "llm-pretrain").await.len(), 2);

    let ray = row("RayCluster", "ray-serve");
    assert_eq!(ray.pods, 3);
    let ray_workers_running = ray.running - 1;
    assert!(ray.gpus_allocated <= 2.0 * f64::from(ray_workers_running), "the head holds no GPU");
    assert_eq!(row("Rollout", "checkout-api").pods, 2, "the Rollout's pods, through its ReplicaSet");
    assert_eq!(row("JobSet", "eval-sweep").pods, 2, "the JobSet's pods, through its Jobs");
    assert!(!rows.iter().any(|w| w.kind == "ReplicaSet" && w.name.starts_with("checkout-api")), "no ReplicaSet row");

    let app = common::web::app(&pool, &common::web::config(Some(server::config::AuthMode::Local))).await;
    let mut security = common::web::signed_in(&app, "sergio").await;
    let gpu = security.get("/gpu").await;
    assert_eq!(gpu.status, StatusCode::OK);
    assert!(gpu.body.contains("PyTorchJob/") && gpu.body.contains("RayCluster/"), "the GPU page lists them");
    let page = security.get(&format!("/workloads/{}/PyTorchJob/llm-pretrain", training.namespace)).await;
    assert_eq!(page.status, StatusCode::OK, "an operator's workload has its page");
    assert!(page.body.contains("pod.privileged"));
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn gpu_capacity_and_pending_demand_equal_the_simulators_counts(pool: PgPool) {
    let cluster = common::small_cluster(200);
    let (_server, target) = target_for(&cluster, "capacity").await;
    collect_once(&pool, &target).await.unwrap();
    let expected = cluster.read().unwrap().gpu_counts();
    assert!(expected.pending_gpus > 0, "the simulated cluster has pods waiting for GPUs: {expected:?}");

    let nodes = db::query::gpu_nodes(&pool, None).await.unwrap();
    let sum = |f: fn(&db::query::GpuNodeRow) -> f64| nodes.iter().map(f).sum::<f64>();
    assert_eq!(sum(|n| n.capacity), f64::from(expected.capacity), "capacity");
    assert_eq!(sum(|n| n.allocated), f64::from(expected.allocated), "allocated");
    assert_eq!(sum(db::query::GpuNodeRow::free), f64::from(expected.capacity - expected.allocated), "free");
    let reserved = nodes.iter().find(|n| n.node == "node-gpu-reserved").unwrap();
    assert_eq!((reserved.free(), reserved.metered), (8.0, 0.0), "a node no pod uses: free, nobody's use");
    let pending = db::query::pending_gpus(&pool, &Scope::AllTenants, None).await.unwrap();
    assert_eq!(pending.iter().map(|p| p.gpus).sum::<f64>(), f64::from(expected.pending_gpus), "pending demand");
    assert_eq!(pending.iter().map(|p| p.pods).sum::<i32>() as u32, expected.pending_pods);

    // Free GPUs are reported by the exporter without pod labels: capacity, not a gap.
    let clusters = db::system::clusters(&pool).await.unwrap();
    assert!(gaps(&clusters, "capacity").is_empty(), "{:?}", gaps(&clusters, "capacity"));
    let text = server::http::metrics::render(&pool).await.unwrap();
    assert!(
        text.contains("rampart_gpu_node_gpus{cluster=\"capacity\",node=\"node-gpu-reserved\",state=\"free\"} 8.0"),
        "/metrics has per-node GPU states"
    );

    let app = common::web::app(&pool, &common::web::config(Some(server::config::AuthMode::Local))).await;
    let gpu = common::web::signed_in(&app, "sergio").await.get("/gpu").await;
    let glance = format!("{} of {} allocatable GPUs allocated;", expected.allocated, expected.capacity);
    assert!(gpu.body.contains(&glance), "the GPU page's glance: {glance}");
    assert!(gpu.body.contains(&format!("wait for {} GPUs", expected.pending_gpus)), "and the pending demand");
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn exporters_are_found_by_either_label_and_with_neither_gpu_use_is_unknown(pool: PgPool) {
    let upstream = server::commands::demo::shared_cluster(sim::SimConfig {
        pods: 200,
        exporter_chart: sim::ExporterChart::Upstream,
        ..sim::SimConfig::default()
    });
    let (_server, mut target) = target_for(&upstream, "upstream").await;
    let id = collect_once(&pool, &target).await.unwrap();
    assert!(count(&pool, "select count(*) from gpu_sample where collection_id = $1", id).await > 0, "found");
    let clusters = db::system::clusters(&pool).await.unwrap();
    assert!(gaps(&clusters, "upstream").is_empty(), "{:?}", gaps(&clusters, "upstream"));

    // Found by neither label: the GPU workloads are named, and their use is unknown, not idle.
    target.sources.dcgm_exporters = vec![("app".into(), "no-such-exporter".into())];
    let id = collect_once(&pool, &target).await.unwrap();
    assert_eq!(count(&pool, "select count(*) from gpu_sample where collection_id = $1", id).await, 0);
    let clusters = db::system::clusters(&pool).await.unwrap();
    let shown = gaps(&clusters, "upstream");
    assert!(
        shown.len() == 1
            && shown[0].starts_with("gpu-metrics: ")
            && shown[0].contains("have no metrics, so their use is unknown")
            && shown[0].contains("PyTorchJob/")
            && shown[0].contains("DCGM_EXPORTER_KUBERNETES"),
        "{shown:?}"
    );
    for tenant in db::query::tenant_overview(&pool, &Scope::AllTenants, None).await.unwrap() {
        assert_eq!(tenant.gpus_idle, 0.0, "{}: GPUs without metrics are not idle", tenant.tenant);
        assert_eq!(tenant.idle_gpu_share_pct(), None, "{}: nor 0% idle", tenant.tenant);
    }
    let app = common::web::app(&pool, &common::web::config(Some(server::config::AuthMode::Local))).await;
    let mut security = common::web::signed_in(&app, "sergio").await;
    let gpu = security.get("/gpu").await;
    assert!(gpu.body.contains("with no metrics: their use is unknown"), "the GPU page says unknown");
    let overview = security.get("/").await;
    assert!(overview.body.contains(">unknown</a>"), "the overview's idle share is unknown, not 0% or 100%");
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn a_configured_operator_kind_is_listed_and_its_templates_assessed_or_else_is_a_gap(pool: PgPool) {
    let cluster = common::small_cluster(200);
    let (_server, mut target) = target_for(&cluster, "crds").await;
    let kind = |text: &str| text.parse::<server::config::WorkloadKind>().unwrap();
    target.sources.workload_kinds = vec![kind("kubeflow.org/v1 PyTorchJob"), kind("ray.io/v1 RayCluster")];
    collect_once(&pool, &target).await.unwrap();
    let privileged = findings_on(&pool, "pod.privileged", "PyTorchJob", "llm-pretrain").await;
    let mut paths: Vec<&str> = privileged.iter().map(|(_, e)| e[0].as_str()).collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "spec.pytorchReplicaSpecs.Master.template.spec.containers[0].securityContext.privileged",
            "spec.pytorchReplicaSpecs.Worker.template.spec.containers[0].securityContext.privileged"
        ],
        "the PyTorchJob's templates, not its pods"
    );
    let rows = workloads(&pool).await;
    let training = rows.iter().find(|w| w.kind == "PyTorchJob").unwrap();
    assert_eq!(training.pods, 4, "its pods' health still rolls up to it");
    let clusters = db::system::clusters(&pool).await.unwrap();
    let shown = gaps(&clusters, "crds");
    assert!(
        shown.len() == 1 && shown[0].starts_with("rayclusters.ray.io: GET /apis/ray.io/v1/rayclusters: HTTP 404"),
        "a kind the cluster does not serve is a gap: {shown:?}"
    );
    assert!(rows.iter().any(|w| w.kind == "RayCluster"), "and its workloads are read from their pods");

    // May not be listed: a gap, and the pods speak for the PyTorchJob again.
    cluster.write().unwrap().faults.forbidden.insert("pytorchjobs".into());
    collect_once(&pool, &target).await.unwrap();
    let clusters = db::system::clusters(&pool).await.unwrap();
    assert!(gaps(&clusters, "crds").iter().any(|g| g.starts_with("pytorchjobs.kubeflow.org: ") && g.contains("403")));
    let privileged = findings_on(&pool, "pod.privileged", "PyTorchJob", "llm-pretrain").await;
    assert!(privileged.iter().all(|(_, e)| e[0].starts_with("pods(")), "{privileged:?}");
}
