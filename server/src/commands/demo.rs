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

use super::cli::DemoArgs;
use crate::auth::once::{DEMO_GROUP, OneTimeLinks};
use crate::auth::{Auth, Method};
use crate::collect::{ClusterTarget, Sources};
use crate::config::Config;
use crate::database::Database;
use crate::http::serve::{ServeOptions, base_url, bind, serve};
use crate::jobs::collector::{run_collector, run_maintenance_loop};
use crate::shutdown::on_signals;
use domain::access::Role;

/// The name the simulated cluster is stored under.
pub const DEMO_CLUSTER: &str = "demo";

/// Writes `hours` hourly collections of the simulated cluster, ending an hour ago, each one
/// after a `step()`. Skipped when the demo cluster already has history (a restarted demo keeps
/// what it stored). Prints progress to stderr.
pub async fn backfill(pool: &db::PgPool, cluster: &SharedCluster, hours: u32) -> anyhow::Result<()> {
    let existing = db::system::collection_count(pool, Some(DEMO_CLUSTER), None, None).await?;
    if existing > 0 || hours == 0 {
        return Ok(());
    }
    let settings = RuleSettings::default();
    let now = Utc::now();
    let started = std::time::Instant::now();
    for hour in 0..hours {
        let started_at = now - chrono::Duration::hours(i64::from(hours - hour));
        let (mut inventory, gpus) = {
            let mut cluster = cluster.write().map_err(|_| anyhow::anyhow!("simulator state poisoned"))?;
            // The simulated pods' state changes are stamped with the hour they stand for.
            cluster.step_to(started_at.timestamp());
            let mut gpus = domain::gpu::parse_dcgm_metrics(&cluster.dcgm_metrics(None))?.samples;
            // Each backfilled collection stands for one hour.
            gpus.iter_mut().for_each(|gpu| gpu.hold_for(1.0));
            (inventory_of(&cluster)?, gpus)
        };
        inventory.observed_at = Some(crate::collect::observation_time(started_at));
        let assessment = domain::assess(&inventory, &settings, gpus, &[]);
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
/// path; live collections go through the API server and `kube::Client` instead), as a
/// collector with the default sources reads them: operators' objects (PyTorchJobs) are not
/// listed, their workloads are known from their pods.
pub fn inventory_of(cluster: &Cluster) -> anyhow::Result<Inventory> {
    inventory_into(cluster, Inventory::default())
}

/// [`inventory_of`], added to `inventory` (whose pods may be kept whole: see
/// [`domain::pod::Pods::whole`]).
pub fn inventory_into(cluster: &Cluster, mut inventory: Inventory) -> anyhow::Result<Inventory> {
    for (_, objects) in cluster.resources().filter(|(plural, _)| *plural != "pytorchjobs") {
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
    std::fs::write(&kubeconfig, server.kubeconfig_yaml())
        .with_context(|| format!("cannot write {}", kubeconfig.display()))?;
    Ok((server, kubeconfig))
}

/// A new shared simulated cluster.
pub fn shared_cluster(cfg: sim::SimConfig) -> SharedCluster {
    Arc::new(RwLock::new(Cluster::generate(cfg)))
}

/// How often the demo collects.
pub const DEFAULT_DEMO_INTERVAL: Duration = Duration::from_secs(20);

/// Runs `rampart demo` on `database` until shutdown.
pub async fn run(
    database: &Database,
    data_dir: &std::path::Path,
    args: &DemoArgs,
    mut config: Config,
) -> anyhow::Result<()> {
    let listener = bind(&args.listen).await?;
    let auth = match config.auth.mode {
        Some(_) => Arc::new(Auth::from_config(&config, database.pool.clone())?),
        None => {
            let links =
                OneTimeLinks::new(base_url(&listener, config.tls.as_ref())?, Some(data_dir.join("demo-login-link")));
            config.auth.group_roles.insert(DEMO_GROUP.into(), Role::Admin);
            Arc::new(Auth {
                config: config.auth.clone(),
                method: Method::OneTimeLink(links),
                pool: database.pool.clone(),
                tls: config.tls.is_some(),
            })
        }
    };
    let shutdown = on_signals();
    let cluster = shared_cluster(sim::SimConfig {
        tenants: args.tenants,
        pods: args.pods,
        seed: args.seed,
        ..sim::SimConfig::default()
    });
    eprintln!("demo: backfilling {} days of simulated history", args.backfill_days);
    backfill(&database.pool, &cluster, args.backfill_days.saturating_mul(24)).await?;
    let (sim_server, kubeconfig) = start_simulator(cluster.clone(), data_dir).await?;
    eprintln!("demo: simulated cluster API at {} (kubeconfig {})", sim_server.url(), kubeconfig.display());
    let target = ClusterTarget {
        name: DEMO_CLUSTER.to_string(),
        kubeconfig: Some(kubeconfig),
        context: None,
        rules: RuleSettings::default(),
        interval: args.interval,
        deadlines: crate::collect::Deadlines::for_interval(args.interval),
        sources: Sources::default(),
    };
    let step = move || {
        if let Ok(mut cluster) = cluster.write() {
            cluster.step_to(Utc::now().timestamp());
        }
    };
    let collector =
        tokio::spawn(run_collector(database.pool.clone(), vec![target], Some(Arc::new(step)), shutdown.clone()));
    let maintenance =
        tokio::spawn(run_maintenance_loop(database.pool.clone(), args.retention.retention(), shutdown.clone()));
    if let Method::OneTimeLink(links) = &auth.method {
        links.issue();
    }
    let options = ServeOptions::from_config(&config, crate::reports::signing_key(&config)?);
    serve(listener, auth, config.tls.clone(), options, shutdown).await?;
    let _ = collector.await;
    let _ = maintenance.await;
    drop(sim_server);
    Ok(())
}
