//! `rampart demo`: the whole product on one machine with nothing to configure. An embedded
//! PostgreSQL, a simulated cluster served over the Kubernetes API, a backfill of simulated
//! history so trends exist at once, the collector on a short interval, and the dashboard.

use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::Context;
use chrono::Utc;
use db::store::{CollectionTimes, write_collection};
use domain::Inventory;
use domain::rules::RuleSettings;
use sim::{Cluster, SharedCluster};

/// The name the simulated cluster is stored under.
pub const DEMO_CLUSTER: &str = "demo";

/// Writes `hours` hourly collections of the simulated cluster, ending an hour ago, each one
/// after a `step()`. Skipped when the demo cluster already has history (a restarted demo keeps
/// what it stored). Prints progress to stderr.
pub async fn backfill(pool: &db::PgPool, cluster: &SharedCluster, hours: u32) -> anyhow::Result<()> {
    let existing = db::query::collection_count(pool, Some(DEMO_CLUSTER), None, None).await?;
    if existing > 0 || hours == 0 {
        return Ok(());
    }
    let settings = RuleSettings::default();
    let now = Utc::now();
    let started = std::time::Instant::now();
    for hour in 0..hours {
        let (inventory, gpus) = {
            let mut cluster = cluster.write().map_err(|_| anyhow::anyhow!("simulator state poisoned"))?;
            cluster.step();
            let mut gpus = domain::gpu::parse_dcgm_metrics(&cluster.dcgm_metrics(None))?.samples;
            // Each backfilled collection stands for one hour.
            gpus.iter_mut().for_each(|gpu| gpu.hold_for(1.0));
            (inventory_of(&cluster)?, gpus)
        };
        let assessment = domain::assess(&inventory, &settings, gpus, &[]);
        let started_at = now - chrono::Duration::hours(i64::from(hours - hour));
        let times = CollectionTimes { started_at, finished_at: started_at + chrono::Duration::seconds(3) };
        write_collection(pool, DEMO_CLUSTER, times, &assessment).await?;
        if (hour + 1) % 24 == 0 || hour + 1 == hours {
            eprintln!(
                "backfill: {}/{hours} simulated hours stored ({:.1}s)",
                hour + 1,
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}

/// The simulated cluster's objects as an inventory, read straight from memory (the backfill
/// path; live collections go through the API server and `kube::Client` instead).
pub fn inventory_of(cluster: &Cluster) -> anyhow::Result<Inventory> {
    let mut inventory = Inventory::default();
    for (_, objects) in cluster.resources() {
        for object in objects {
            inventory.add_object(object).context("simulated object")?;
        }
    }
    // The simulator serves Trivy Operator's kinds, so its reports are assessable even when
    // none was published.
    inventory.trivy.get_or_insert_default();
    Ok(inventory)
}

/// Starts the simulated API server and writes a kubeconfig for it under `data_dir`.
pub async fn start_simulator(
    cluster: SharedCluster,
    data_dir: &Path,
) -> anyhow::Result<(sim::SimServer, std::path::PathBuf)> {
    let server = sim::serve(cluster, "127.0.0.1:0".parse()?).await.context("cannot start the simulated API server")?;
    let kubeconfig = data_dir.join("demo-kubeconfig.yaml");
    std::fs::write(&kubeconfig, sim::kubeconfig_yaml(&server.url()))
        .with_context(|| format!("cannot write {}", kubeconfig.display()))?;
    Ok((server, kubeconfig))
}

/// A new shared simulated cluster.
pub fn shared_cluster(cfg: sim::SimConfig) -> SharedCluster {
    Arc::new(RwLock::new(Cluster::generate(cfg)))
}

/// How often the demo collects.
pub const DEFAULT_DEMO_INTERVAL: Duration = Duration::from_secs(20);
