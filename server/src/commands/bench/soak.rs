//! `rampart bench soak --minutes N`: the demo's dataset, the real HTTP server with sign-in, and
//! 64 concurrent connections cycling through every page for N minutes while the simulated
//! cluster changes and is collected every 20 s. Prints each minute's requests, errors, p99 and
//! RSS, and ends with `errors=N rss_growth_pct=M`.
//!
//! RSS is this process' (server, collector and load generator; PostgreSQL runs apart). Growth
//! is measured from the end of a one-minute warm-up (connection pools, allocator arenas and
//! caches filled) to the end of the run.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use super::measure::{current_rss_mib, quantile};
use super::pages::Served;
use crate::collect::ClusterTarget;

/// Concurrent connections.
pub const CONNECTIONS: usize = 64;
/// Time between collections during the soak.
pub const COLLECTION_INTERVAL: Duration = Duration::from_secs(20);
const WARM_UP: Duration = Duration::from_secs(60);

/// One minute's (or the whole run's) latencies in ms and error count.
#[derive(Default)]
struct Window {
    samples: Vec<f64>,
    errors: usize,
}

/// Runs the soak for `minutes` on `pool` (an empty database).
pub(super) async fn measure(pool: &db::PgPool, minutes: u32) -> anyhow::Result<()> {
    anyhow::ensure!(minutes > 0, "--minutes must be at least 1");
    let started = Instant::now();
    let cluster = crate::commands::demo::shared_cluster(sim::SimConfig::default());
    crate::commands::demo::backfill(pool, &cluster, 3 * 24).await?;
    println!("demo dataset: 3 days of hourly collections stored in {:.1} s", started.elapsed().as_secs_f64());

    let dir = std::env::temp_dir().join(format!("rampart-soak-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let (simulator, kubeconfig) = crate::commands::demo::start_simulator(cluster.clone(), &dir).await?;
    let target = ClusterTarget {
        name: crate::commands::demo::DEMO_CLUSTER.to_string(),
        kubeconfig: Some(kubeconfig),
        context: None,
        rules: domain::rules::RuleSettings::default(),
        interval: COLLECTION_INTERVAL,
        deadlines: crate::collect::Deadlines::for_interval(COLLECTION_INTERVAL),
        sources: crate::collect::Sources::default(),
    };
    let step = move || {
        if let Ok(mut cluster) = cluster.write() {
            cluster.step();
        }
    };
    let soak_started = chrono::Utc::now();
    let (stop_collector, collector_shutdown) = crate::shutdown::channel();
    let collector = tokio::spawn(crate::jobs::collector::run_collector(
        pool.clone(),
        vec![target],
        Some(Arc::new(step)),
        collector_shutdown,
    ));

    let served = Arc::new(Served::start(pool, CONNECTIONS).await?);
    println!(
        "{} pages, {CONNECTIONS} connections, a collection every {} s, for {minutes} min",
        served.paths.len(),
        COLLECTION_INTERVAL.as_secs()
    );
    let window = Arc::new(Mutex::new(Window::default()));
    let running = Arc::new(AtomicBool::new(true));
    let workers: Vec<_> = (0..CONNECTIONS)
        .map(|worker| tokio::spawn(load(served.clone(), window.clone(), running.clone(), worker)))
        .collect();

    let rss_at_start = current_rss_mib();
    let mut rss_after_warm_up = rss_at_start;
    let (mut requests, mut errors, mut all) = (0usize, 0usize, Vec::new());
    for minute in 1..=minutes {
        tokio::time::sleep(Duration::from_secs(60)).await;
        let Window { samples, errors: minute_errors } = std::mem::take(&mut *window.lock().await);
        let rss = current_rss_mib();
        if u64::from(minute) * 60 == WARM_UP.as_secs() {
            rss_after_warm_up = rss;
        }
        println!(
            "minute {minute:>3}: {:>7} requests  errors {minute_errors:>4}  p99 {:>7.1} ms  rss {rss:>7.1} MiB",
            samples.len(),
            quantile(&samples, 0.99)
        );
        requests += samples.len();
        errors += minute_errors;
        all.extend(samples);
    }
    running.store(false, Ordering::Relaxed);
    for worker in workers {
        let _ = worker.await;
    }
    let _ = stop_collector.send(true);
    let _ = collector.await;
    let collections = db::system::collection_count(pool, None, Some(soak_started), None).await?;
    if let Ok(served) = Arc::try_unwrap(served) {
        served.stop().await;
    }
    drop(simulator);
    let _ = std::fs::remove_dir_all(&dir);

    let rss_at_end = current_rss_mib();
    let growth = if rss_after_warm_up > 0.0 { (rss_at_end / rss_after_warm_up - 1.0) * 100.0 } else { 0.0 };
    println!(
        "total: {requests} requests, {errors} errors, p99 {:.1} ms; {collections} collections stored during the soak",
        quantile(&all, 0.99)
    );
    println!(
        "rss: {rss_at_start:.1} MiB at start, {rss_after_warm_up:.1} MiB after the warm-up, {rss_at_end:.1} MiB at the end"
    );
    println!("errors={errors} rss_growth_pct={growth:.1}");
    Ok(())
}

/// One connection's loop: every page in turn, starting at its own offset, until stopped.
async fn load(served: Arc<Served>, window: Arc<Mutex<Window>>, running: Arc<AtomicBool>, worker: usize) {
    let mut index = worker;
    while running.load(Ordering::Relaxed) {
        let path = &served.paths[index % served.paths.len()];
        index += 1;
        let started = Instant::now();
        let ok = match served.client.get(format!("{}{path}", served.base)).header("cookie", &served.cookie).send().await
        {
            Ok(response) => response.status() == 200 && response.bytes().await.is_ok(),
            Err(_) => false,
        };
        let elapsed = started.elapsed().as_secs_f64() * 1000.0;
        let mut window = window.lock().await;
        window.samples.push(elapsed);
        window.errors += usize::from(!ok);
    }
}
