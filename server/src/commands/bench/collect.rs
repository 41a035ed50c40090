//! `rampart bench collect --pods N [--training-workers W] [--vulnerable-images I
//! --cves-per-image C]`: a simulated cluster of N pods in about 2,000 namespaces of 50 tenants,
//! with a PyTorchJob of W workers owned by its custom resource (and, with I, I distinct images
//! of about C CVEs each, each run by 1–20 workloads, in Trivy Operator's reports), served over
//! the Kubernetes API on loopback, collected through `kube::Client`, assessed and stored; then
//! the same list responses fetched again and merely decoded with serde into k8s-openapi types.
//! Prints both times, their ratio and peak RSS (of the first collection), the time of a second
//! collection of the unchanged cluster, and what each wrote, ending with `cycle_s=A decode_s=B
//! ratio=C peak_rss_mib=D second_cycle_s=E rows_written=F second_rows_written=G`.
//!
//! The simulator runs in a child process (`rampart bench simulate`), so this process' peak RSS
//! is the collector's own: listing, decoding, assessing and storing.

use std::time::Instant;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{
    ConfigMap, LimitRange, Namespace, Node, PersistentVolume, PersistentVolumeClaim, Pod, ReplicationController,
    ResourceQuota, Service, ServiceAccount,
};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use kube::core::ObjectList;
use serde::de::DeserializeOwned;

use super::measure::{current_rss_mib, peak_rss_mib};
use crate::collect::listing::PAGE_SIZE;
use crate::collect::{ClusterTarget, collect_once_stored};
use crate::commands::bench_cli::PlatformShape;

/// Tenants of the benchmark's cluster; each gets 1–79 namespaces, about 2,000 in all.
const TENANTS: usize = 50;
const MAX_NAMESPACES_PER_TENANT: usize = 79;

/// Generates and serves the cluster in a child process, collects and decodes; prints the figures.
pub(super) async fn measure(pool: &db::PgPool, shape: &PlatformShape) -> anyhow::Result<()> {
    anyhow::ensure!(shape.pods > 0, "--pods must be at least 1");
    anyhow::ensure!(
        shape.vulnerable_images == 0 || shape.cves_per_image > 0,
        "--cves-per-image must be at least 1 with --vulnerable-images"
    );
    let dir = std::env::temp_dir().join(format!("rampart-bench-simulator-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let started = Instant::now();
    let mut simulator = tokio::process::Command::new(std::env::current_exe()?)
        .args(["bench", "simulate"])
        .args(shape.args())
        .arg("--dir")
        .arg(&dir)
        .stdin(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let kubeconfig = dir.join("demo-kubeconfig.yaml");
    while !kubeconfig.exists() {
        if let Some(status) = simulator.try_wait()? {
            anyhow::bail!("the simulator stopped before serving: {status}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    println!("simulated cluster served after {:.1} s (in its own process)", started.elapsed().as_secs_f64());
    let rss_before = current_rss_mib();

    let target = ClusterTarget {
        name: "bench".into(),
        kubeconfig: Some(kubeconfig),
        context: None,
        rules: domain::rules::RuleSettings::default(),
        interval: std::time::Duration::from_secs(300),
        deadlines: crate::collect::Deadlines::for_interval(std::time::Duration::from_secs(300)),
        sources: crate::collect::Sources::default(),
    };
    let cycle_started = Instant::now();
    let first = collect_once_stored(pool, &target).await?;
    let cycle_s = cycle_started.elapsed().as_secs_f64();
    let peak = peak_rss_mib();
    let clusters = db::system::clusters(pool).await?;
    let objects = clusters.iter().find(|c| c.name == target.name).and_then(|c| c.object_count).unwrap_or(0);
    println!("collection {}: {objects} objects listed, assessed and stored in {cycle_s:.2} s", first.collection_id);
    let rows = rows_written(&first);
    print_writes("first collection", &first);
    // The first collection opens every finding; the next one, of the unchanged cluster, only
    // diffs them: what a collector does every interval.
    let second_started = Instant::now();
    let second = collect_once_stored(pool, &target).await?;
    let second_s = second_started.elapsed().as_secs_f64();
    let second_rows = rows_written(&second);
    println!("second collection, nothing changed: {second_s:.2} s");
    print_writes("second collection", &second);

    let client = crate::collect::kubernetes::connect(&target).await?.client;
    let bodies = fetch_bodies(&client).await?;
    let bytes: usize = bodies.iter().map(|(_, body)| body.len()).sum();
    let decode_started = Instant::now();
    let decoded = decode_all(&bodies)?;
    let decode_s = decode_started.elapsed().as_secs_f64();
    println!(
        "decode only: {} pages, {:.1} MiB of JSON, {decoded} objects decoded in {decode_s:.2} s",
        bodies.len(),
        bytes as f64 / 1_048_576.0
    );
    drop(simulator);
    let _ = std::fs::remove_dir_all(&dir);

    let ratio = cycle_s / decode_s.max(f64::EPSILON);
    println!("rss of the collecting process: {rss_before:.0} MiB before, peak {peak:.0} MiB during the collection");
    println!(
        "cycle_s={cycle_s:.2} decode_s={decode_s:.2} ratio={ratio:.1} peak_rss_mib={peak:.0} second_cycle_s={second_s:.2} \
         rows_written={rows} second_rows_written={second_rows}"
    );
    Ok(())
}

/// Rows of findings and images a collection wrote: findings opened, reopened, resolved and
/// updated, and images, CVE and package rows and CVE states written. (Every collection also
/// writes its samples: one row per namespace, workload, quota, GPU and container image.)
fn rows_written(stored: &db::store::StoredCollection) -> u64 {
    let (f, i) = (stored.changes, stored.images);
    f.opened
        + f.reopened
        + f.resolved
        + f.updated
        + i.new_images
        + i.vulnerability_rows
        + i.package_rows
        + i.cves_opened
        + i.cves_fixed
}

fn print_writes(what: &str, stored: &db::store::StoredCollection) {
    let (f, i) = (stored.changes, stored.images);
    println!(
        "{what}: findings {} opened, {} reopened, {} resolved, {} updated; images {} new, {} rescanned, \
         {} CVE rows, {} package rows; CVEs {} opened, {} fixed",
        f.opened,
        f.reopened,
        f.resolved,
        f.updated,
        i.new_images,
        i.rescanned_images,
        i.vulnerability_rows,
        i.package_rows,
        i.cves_opened,
        i.cves_fixed
    );
}

/// The child process of [`measure`]: generates the cluster, serves it, writes the kubeconfig
/// into `dir` and serves until its standard input closes (the parent ended).
pub(super) async fn simulate(shape: &PlatformShape, dir: &std::path::Path) -> anyhow::Result<()> {
    let started = Instant::now();
    let config = sim::SimConfig {
        tenants: TENANTS,
        max_namespaces_per_tenant: MAX_NAMESPACES_PER_TENANT,
        pods: shape.pods,
        training_workers: shape.training_workers,
        trivy: shape.trivy(),
        ..sim::SimConfig::default()
    };
    let cluster = crate::commands::demo::shared_cluster(config);
    let inventory = {
        let cluster = cluster.read().map_err(|_| anyhow::anyhow!("the simulated cluster is poisoned"))?;
        crate::commands::demo::inventory_of(&cluster)?
    };
    println!(
        "simulated cluster: {} pods, {} namespaces, {} objects, generated in {:.1} s",
        inventory.pods.len(),
        inventory.namespaces.len(),
        inventory.object_count(),
        started.elapsed().as_secs_f64()
    );
    drop(inventory);
    let partial = dir.join("starting");
    std::fs::create_dir_all(&partial)?;
    let (server, kubeconfig) = crate::commands::demo::start_simulator(cluster, &partial).await?;
    std::fs::rename(kubeconfig, dir.join("demo-kubeconfig.yaml"))?;
    let _ = tokio::task::spawn_blocking(|| std::io::Read::read_to_end(&mut std::io::stdin(), &mut Vec::new())).await;
    drop(server);
    Ok(())
}

/// The kinds decoded, by API path: every kind the collector lists in full. Secrets (listed as
/// metadata only) and Trivy's reports are left out, which can only make the ratio larger.
const LISTS: [&str; 24] = [
    "/api/v1/namespaces",
    "/api/v1/nodes",
    "/api/v1/pods",
    "/apis/apps/v1/deployments",
    "/apis/apps/v1/statefulsets",
    "/apis/apps/v1/daemonsets",
    "/apis/apps/v1/replicasets",
    "/apis/batch/v1/jobs",
    "/apis/batch/v1/cronjobs",
    "/api/v1/replicationcontrollers",
    "/api/v1/services",
    "/apis/networking.k8s.io/v1/ingresses",
    "/apis/networking.k8s.io/v1/networkpolicies",
    "/api/v1/resourcequotas",
    "/api/v1/limitranges",
    "/api/v1/serviceaccounts",
    "/apis/rbac.authorization.k8s.io/v1/roles",
    "/apis/rbac.authorization.k8s.io/v1/rolebindings",
    "/apis/rbac.authorization.k8s.io/v1/clusterroles",
    "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
    "/api/v1/configmaps",
    "/api/v1/persistentvolumes",
    "/api/v1/persistentvolumeclaims",
    "/apis/metrics.k8s.io/v1beta1/pods",
];

/// Every page of every list, as the API server sent it.
async fn fetch_bodies(client: &kube::Client) -> anyhow::Result<Vec<(&'static str, String)>> {
    let mut bodies = Vec::new();
    for path in LISTS {
        let mut token = String::new();
        loop {
            let url = format!("{path}?limit={PAGE_SIZE}&continue={token}");
            let body = client.request_text(http::Request::get(&url).body(Vec::new())?).await?;
            let next: serde_json::Value = serde_json::from_str(&body)?;
            token = next["metadata"]["continue"].as_str().unwrap_or_default().to_string();
            bodies.push((path, body));
            if token.is_empty() {
                break;
            }
        }
    }
    Ok(bodies)
}

/// Decodes every page into its k8s-openapi type; returns the number of objects.
fn decode_all(bodies: &[(&'static str, String)]) -> anyhow::Result<usize> {
    let mut objects = 0;
    for (path, body) in bodies {
        let kind =
            if path.contains("metrics.k8s.io") { "podmetrics" } else { path.rsplit('/').next().unwrap_or_default() };
        objects += match kind {
            "podmetrics" => decode::<domain::usage::PodMetrics>(body)?,
            "namespaces" => decode::<Namespace>(body)?,
            "nodes" => decode::<Node>(body)?,
            "pods" => decode::<Pod>(body)?,
            "deployments" => decode::<Deployment>(body)?,
            "statefulsets" => decode::<StatefulSet>(body)?,
            "daemonsets" => decode::<DaemonSet>(body)?,
            "replicasets" => decode::<ReplicaSet>(body)?,
            "jobs" => decode::<Job>(body)?,
            "cronjobs" => decode::<CronJob>(body)?,
            "replicationcontrollers" => decode::<ReplicationController>(body)?,
            "services" => decode::<Service>(body)?,
            "ingresses" => decode::<Ingress>(body)?,
            "networkpolicies" => decode::<NetworkPolicy>(body)?,
            "resourcequotas" => decode::<ResourceQuota>(body)?,
            "limitranges" => decode::<LimitRange>(body)?,
            "serviceaccounts" => decode::<ServiceAccount>(body)?,
            "roles" => decode::<Role>(body)?,
            "rolebindings" => decode::<RoleBinding>(body)?,
            "clusterroles" => decode::<ClusterRole>(body)?,
            "clusterrolebindings" => decode::<ClusterRoleBinding>(body)?,
            "configmaps" => decode::<ConfigMap>(body)?,
            "persistentvolumes" => decode::<PersistentVolume>(body)?,
            "persistentvolumeclaims" => decode::<PersistentVolumeClaim>(body)?,
            other => anyhow::bail!("no decoder for {other}"),
        };
    }
    Ok(objects)
}

fn decode<K: DeserializeOwned + Clone>(body: &str) -> anyhow::Result<usize> {
    let list: ObjectList<K> = serde_json::from_str(body)?;
    Ok(list.items.len())
}
