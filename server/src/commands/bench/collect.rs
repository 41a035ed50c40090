//! `rampart bench collect --pods N [--training-workers W] [--vulnerable-images I
//! --cves-per-image C]`: a simulated cluster of N pods in about 2,000 namespaces of 50 tenants,
//! with a PyTorchJob of W workers owned by its custom resource (and, with I, I distinct images
//! of about C CVEs each, each run by 1–20 workloads, in Trivy Operator's reports), served over
//! the Kubernetes API on loopback, collected through `kube::Client`, assessed and stored; then
//! the same list responses fetched again and merely decoded with serde into k8s-openapi types.
//! Prints the first collection's phases (list, assess, store), the time of a second collection
//! of the unchanged cluster, what each wrote, PostgreSQL's own time to `COPY` the first
//! collection's findings, the decode-only time and what decoding holds, and the peak RSS of
//! the first collection, whole and per 10,000 pods; then the goals (peak ≤ 1,536 MiB, first
//! collection ≤ list + 1.5 × COPY, steady state ≤ 2 × list) against the figures. Ends with
//! `cycle_s= decode_s= ratio= list_s= assess_s= store_s= copy_s= peak_rss_mib= mib_per_10k_pods=
//! second_cycle_s= rows_written= second_rows_written=`.
//!
//! The simulator runs in a child process (`rampart bench simulate`), so this process' peak RSS
//! is the collector's own: listing, decoding, assessing and storing.

use std::collections::BTreeMap;
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
    let first = collect_once_stored(pool, &target).await?;
    let peak = peak_rss_mib();
    let phases = first.phases;
    let first_s = phases.list_s + phases.gpu_s + phases.assess_s + phases.store_s;
    let clusters = db::system::clusters(pool).await?;
    let objects = clusters.iter().find(|c| c.name == target.name).and_then(|c| c.object_count).unwrap_or(0);
    println!(
        "first collection {}: {objects} objects in {first_s:.2} s: listed in {:.2} s, assessed in {:.2} s, \
         stored in {:.2} s",
        first.stored.collection_id, phases.list_s, phases.assess_s, phases.store_s
    );
    let rows = rows_written(&first.stored);
    print_writes("first collection", &first.stored);
    // The first collection opens every finding; the next one, of the unchanged cluster, only
    // diffs them: what a collector does every interval.
    let second = collect_once_stored(pool, &target).await?;
    let steady = second.phases;
    let second_s = steady.list_s + steady.gpu_s + steady.assess_s + steady.store_s;
    let second_rows = rows_written(&second.stored);
    println!(
        "steady-state collection, nothing changed: {second_s:.2} s: listed in {:.2} s, assessed in {:.2} s, \
         stored in {:.2} s",
        steady.list_s, steady.assess_s, steady.store_s
    );
    print_writes("steady-state collection", &second.stored);

    let connection = crate::collect::kubernetes::connect(&target).await?;
    let copy_s = finding_copy_seconds(pool, &connection.client, &target).await?;
    let bodies = fetch_bodies(&connection.client).await?;
    let bytes: usize = bodies.iter().map(|(_, body)| body.len()).sum();
    let decoded = decode_all(&bodies)?;
    let decode_s = decoded.seconds;
    println!(
        "decode only: {} pages, {:.1} MiB of JSON, {} objects decoded into k8s-openapi types in {decode_s:.2} s",
        bodies.len(),
        bytes as f64 / 1_048_576.0,
        decoded.objects
    );
    let other_mib: f64 = decoded.other_kinds.iter().map(|(_, mib)| mib).sum();
    let largest: Vec<String> =
        decoded.other_kinds.iter().take(6).map(|(kind, mib)| format!("{kind} {mib:.0}")).collect();
    println!(
        "held after decoding: pods {:.0} MiB as k8s-openapi objects, {:.0} MiB as the inventory holds them \
         ({} distinct specs); the other kinds {other_mib:.0} MiB (largest: {})",
        decoded.pods_mib,
        decoded.slim_pods_mib,
        decoded.distinct_specs,
        largest.join(", ")
    );
    drop(simulator);
    let _ = std::fs::remove_dir_all(&dir);

    let ratio = first_s / decode_s.max(f64::EPSILON);
    let pods = decoded.pods.max(1);
    let mib_per_10k_pods = (peak - rss_before).max(0.0) / pods as f64 * 10_000.0;
    let (first_limit_s, steady_limit_s) = (phases.list_s + 1.5 * copy_s, 2.0 * steady.list_s);
    println!(
        "rss of the collecting process: {rss_before:.0} MiB before, peak {peak:.0} MiB during the first collection"
    );
    println!("{mib_per_10k_pods:.0} MiB per 10,000 pods above the idle process ({pods} pods)");
    println!(
        "goals: peak {peak:.0} of 1536 MiB; first collection {first_s:.2} of {first_limit_s:.2} s (list + 1.5 x COPY); \
         steady-state {second_s:.2} of {steady_limit_s:.2} s (2 x list)"
    );
    println!(
        "cycle_s={first_s:.2} decode_s={decode_s:.2} ratio={ratio:.1} list_s={:.2} assess_s={:.2} store_s={:.2} \
         copy_s={copy_s:.2} peak_rss_mib={peak:.0} mib_per_10k_pods={mib_per_10k_pods:.0} second_cycle_s={second_s:.2} \
         rows_written={rows} second_rows_written={second_rows}",
        phases.list_s, phases.assess_s, phases.store_s
    );
    Ok(())
}

/// PostgreSQL's own time to `COPY` the first collection's findings (assessed again from a
/// fresh listing) into a table shaped as the finding states: the store phase's limit. On the
/// way it prints what the listed inventory and the assessment add to the resident set: the
/// two that are held together at the collection's peak.
async fn finding_copy_seconds(pool: &db::PgPool, client: &kube::Client, target: &ClusterTarget) -> anyhow::Result<f64> {
    let before = current_rss_mib();
    let inventory = crate::collect::kubernetes::read_inventory(client, &target.sources, &target.deadlines).await?;
    let listed = current_rss_mib();
    let assessment = domain::assess(&inventory, &target.rules, Vec::new(), &[]);
    let assessed = current_rss_mib();
    drop(inventory);
    println!(
        "held while assessing: the listed inventory {:.0} MiB, the assessment ({} findings) {:.0} MiB more",
        listed - before,
        assessment.findings.len(),
        assessed - listed
    );
    let took = db::lifecycle::time_finding_copy(pool, &assessment).await?;
    println!(
        "PostgreSQL COPY (binary) of the {} findings into a table shaped as finding_state: {:.2} s",
        assessment.findings.len(),
        took.as_secs_f64()
    );
    Ok(took.as_secs_f64())
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

/// What [`decode_all`] decoded and held.
struct Decoded {
    /// Seconds spent decoding every page once into k8s-openapi types, each page dropped as
    /// soon as it is decoded (decoding alone, as the collector's listing does it).
    seconds: f64,
    objects: usize,
    pods: usize,
    distinct_specs: usize,
    /// Resident MiB the pods added as k8s-openapi objects, and then as the inventory's pods.
    pods_mib: f64,
    slim_pods_mib: f64,
    /// Resident MiB each other kind added, as the collector holds it, largest first.
    other_kinds: Vec<(&'static str, f64)>,
}

/// Decodes every page into its k8s-openapi type twice: once timed, dropping each page as it
/// is decoded; then holding everything decoded so that what each part adds to the resident
/// set can be read, the pods once as k8s-openapi objects and once in the inventory's form.
fn decode_all(bodies: &[(&'static str, String)]) -> anyhow::Result<Decoded> {
    let started = Instant::now();
    let mut objects = 0;
    for (path, body) in bodies {
        objects += decode_page(path, body)?.0;
    }
    let seconds = started.elapsed().as_secs_f64();

    let mut held: Vec<Box<dyn std::any::Any>> = Vec::new();
    let pod_pages = || bodies.iter().filter(|(path, _)| *path == "/api/v1/pods");
    let before = current_rss_mib();
    for (path, body) in pod_pages() {
        held.push(decode_page(path, body)?.1);
    }
    let pods_mib = current_rss_mib() - before;
    let before = current_rss_mib();
    let mut slim = domain::pod::Pods::default();
    for (_, body) in pod_pages() {
        slim.extend(serde_json::from_str::<ObjectList<Pod>>(body)?.items);
    }
    let slim_pods_mib = current_rss_mib() - before;
    let (pods, distinct_specs) = (slim.len(), slim.distinct_specs());
    held.push(Box::new(slim));
    let mut other_kinds: BTreeMap<&'static str, f64> = BTreeMap::new();
    for (path, body) in bodies.iter().filter(|(path, _)| *path != "/api/v1/pods") {
        let before = current_rss_mib();
        let (kind, list) = (kind_of(path), decode_page(path, body)?.1);
        *other_kinds.entry(kind).or_default() += current_rss_mib() - before;
        held.push(list);
    }
    drop(held);
    let mut other_kinds: Vec<_> = other_kinds.into_iter().collect();
    other_kinds.sort_by(|a, b| b.1.total_cmp(&a.1));
    Ok(Decoded { seconds, objects, pods, distinct_specs, pods_mib, slim_pods_mib, other_kinds })
}

/// The kind a list path lists (its last segment; `podmetrics` for metrics-server's).
fn kind_of(path: &'static str) -> &'static str {
    if path.contains("metrics.k8s.io") { "podmetrics" } else { path.rsplit('/').next().unwrap_or_default() }
}

/// One page decoded into its kind's type, trimmed as the collector trims that kind: the
/// number of objects and the objects.
fn decode_page(path: &'static str, body: &str) -> anyhow::Result<(usize, Box<dyn std::any::Any>)> {
    match kind_of(path) {
        "pods" => decode::<Pod>(body),
        "podmetrics" => decode::<domain::usage::PodMetrics>(body),
        "namespaces" => decode::<Namespace>(body),
        "nodes" => decode::<Node>(body),
        "deployments" => decode::<Deployment>(body),
        "statefulsets" => decode::<StatefulSet>(body),
        "daemonsets" => decode::<DaemonSet>(body),
        "replicasets" => decode_trimmed::<ReplicaSet>(body, domain::inventory::trim_controlled_replica_set),
        "jobs" => decode_trimmed::<Job>(body, domain::inventory::trim_controlled_job),
        "cronjobs" => decode::<CronJob>(body),
        "replicationcontrollers" => decode::<ReplicationController>(body),
        "services" => decode::<Service>(body),
        "ingresses" => decode::<Ingress>(body),
        "networkpolicies" => decode::<NetworkPolicy>(body),
        "resourcequotas" => decode::<ResourceQuota>(body),
        "limitranges" => decode::<LimitRange>(body),
        "serviceaccounts" => decode::<ServiceAccount>(body),
        "roles" => decode::<Role>(body),
        "rolebindings" => decode::<RoleBinding>(body),
        "clusterroles" => decode::<ClusterRole>(body),
        "clusterrolebindings" => decode::<ClusterRoleBinding>(body),
        "configmaps" => decode::<ConfigMap>(body),
        "persistentvolumes" => decode::<PersistentVolume>(body),
        "persistentvolumeclaims" => decode::<PersistentVolumeClaim>(body),
        other => anyhow::bail!("no decoder for {other}"),
    }
}

fn decode<K: DeserializeOwned + Clone + 'static>(body: &str) -> anyhow::Result<(usize, Box<dyn std::any::Any>)> {
    decode_trimmed::<K>(body, |_| {})
}

/// One page decoded and trimmed as the collector trims that kind.
fn decode_trimmed<K: DeserializeOwned + Clone + 'static>(
    body: &str,
    trim: impl Fn(&mut K),
) -> anyhow::Result<(usize, Box<dyn std::any::Any>)> {
    let mut list: ObjectList<K> = serde_json::from_str(body)?;
    list.items.iter_mut().for_each(trim);
    Ok((list.items.len(), Box::new(list.items)))
}
