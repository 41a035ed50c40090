//! A real Prometheus server (Debian's `prometheus`, installed by scripts/test) scrapes Rampart's
//! `/metrics` with the bearer token, and its query API returns Rampart's series.

use crate::common;
use crate::common::process::Process;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use db::{PgPool, Scope};
use server::config::MetricsConfig;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn prometheus_scrapes_rampart_with_its_token(pool: PgPool) {
    server::commands::demo::backfill(&pool, &common::small_cluster(100), 2).await.unwrap();
    let auth = Arc::new(server::auth::Auth::from_config(&common::web::config(None), pool.clone()).unwrap());
    let listener = server::http::serve::bind("127.0.0.1:0").await.unwrap();
    let target = listener.local_addr().unwrap();
    let (stop, shutdown) = server::shutdown::channel();
    let options = server::http::ServeOptions {
        signing_key: None,
        metrics: MetricsConfig { enabled: true, bearer_token: Some("scrape-secret".into()) },
        ..Default::default()
    };
    let serving = tokio::spawn(server::http::serve::serve(listener, auth, None, options, shutdown));

    let dir = common::temp_dir("prometheus");
    let (_prometheus, port) = start_prometheus(&dir, "rampart", &target.to_string(), Some("scrape-secret"));

    let series = wait_for_series(port, "rampart_tenant_risk_score").await;
    let vision = series.iter().find(|s| s["metric"]["tenant"] == "vision").expect("vision's score");
    let scraped: f64 = vision["value"][1].as_str().unwrap().parse().unwrap();
    let stored =
        db::query::tenant_overview(&pool, &Scope::Tenants(vec!["vision".into()]), None).await.unwrap()[0].score;
    assert!((scraped - stored).abs() < 1e-9, "Prometheus holds the score the dashboard shows");
    assert_eq!(vision["metric"]["job"], "rampart");

    stop.send(true).unwrap();
    serving.await.unwrap().unwrap();
}

/// The series Prometheus on `port` answers for `query`, once it has any; panics after a minute.
async fn wait_for_series(port: u16, query: &str) -> Vec<serde_json::Value> {
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/api/v1/query?query={query}");
    for _ in 0..120 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let Ok(response) = client.get(&url).send().await else { continue };
        let Ok(text) = response.text().await else { continue };
        let Ok(body) = serde_json::from_str::<serde_json::Value>(&text) else { continue };
        if let Some(series) = body["data"]["result"].as_array().filter(|r| !r.is_empty()) {
            return series.clone();
        }
    }
    panic!("Prometheus had no {query} within a minute");
}

/// Starts Prometheus scraping `target` (host:port) every second as `job`, sending `bearer` as
/// its token when given; returns the running server and its port.
fn start_prometheus(dir: &std::path::Path, job: &str, target: &str, bearer: Option<&str>) -> (Process, u16) {
    let authorization =
        bearer.map(|token| format!("    authorization:\n      credentials: {token}\n")).unwrap_or_default();
    start_prometheus_with(dir, job, target, &authorization, "")
}

/// Starts Prometheus as [`start_prometheus`] does, with `job_settings` (indented YAML lines of
/// the scrape job) and `target_labels` (`key: value` pairs the target carries).
fn start_prometheus_with(
    dir: &std::path::Path,
    job: &str,
    target: &str,
    job_settings: &str,
    target_labels: &str,
) -> (Process, u16) {
    let labels =
        if target_labels.is_empty() { String::new() } else { format!("        labels: {{{target_labels}}}\n") };
    let config = format!(
        "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: {job}\n{job_settings}    static_configs:\n      - targets: ['{target}']\n{labels}"
    );
    std::fs::write(dir.join("prometheus.yml"), config).unwrap();
    let port = free_port();
    let child = Command::new("prometheus")
        .arg(format!("--config.file={}", dir.join("prometheus.yml").display()))
        .arg(format!("--storage.tsdb.path={}", dir.join("data").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the prometheus server is installed (Debian package prometheus; scripts/test installs it)");
    (Process(child), port)
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn gpu_metrics_are_read_from_a_prometheus_scraping_dcgm_exporter(pool: PgPool) {
    let cluster = common::small_cluster(200);
    let dir = common::temp_dir("prometheus-gpu");
    let (simulator, kubeconfig) = server::commands::demo::start_simulator(cluster.clone(), &dir).await.unwrap();
    let (_prometheus, port) = start_prometheus(&dir, "dcgm", &simulator.exporter_addr.to_string(), None);
    let prometheus_url = format!("http://127.0.0.1:{port}");
    wait_for_series(port, "DCGM_FI_DEV_FB_USED").await;
    let expected = domain::gpu::parse_dcgm_metrics(&cluster.read().unwrap().dcgm_metrics(None)).unwrap().samples;
    assert!(!expected.is_empty(), "the simulated cluster has GPU pods");

    let target = server::collect::ClusterTarget {
        name: "gpu".into(),
        kubeconfig: Some(kubeconfig),
        context: None,
        rules: domain::rules::RuleSettings::default(),
        interval: Duration::from_secs(60),
        deadlines: server::collect::Deadlines::for_interval(Duration::from_secs(60)),
        sources: server::collect::Sources {
            prometheus_url: Some(prometheus_url.parse().unwrap()),
            ..Default::default()
        },
    };
    let id = server::collect::collect_once(&pool, &target).await.unwrap();

    let mut stored: Vec<(String, String, String, f64, f64)> = sqlx::query_as(
        "select namespace, pod, gpu, utilisation_pct, memory_used_mib from gpu_sample where collection_id = $1",
    )
    .bind(id)
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut expected: Vec<(String, String, String, f64, f64)> =
        expected.into_iter().map(|e| (e.namespace, e.pod, e.gpu, e.utilisation_pct, e.memory_used_mib)).collect();
    stored.sort_by(|a, b| a.partial_cmp(b).unwrap());
    expected.sort_by(|a, b| a.partial_cmp(b).unwrap());
    assert_eq!(stored, expected, "every GPU of every pod, with the exporter's figures, came through Prometheus");

    // Idle time comes from query_range over the collection's interval: the simulator holds its
    // figures still, so a GPU under the idle threshold was idle at every step Prometheus has,
    // and a busy one at none.
    let idle: Vec<(String, String, f64, f64)> = sqlx::query_as(
        "select tenant, namespace, utilisation_pct, idle_hours from gpu_sample where collection_id = $1",
    )
    .bind(id)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(idle.iter().any(|(.., utilisation, _)| *utilisation < domain::gpu::IDLE_UTILISATION_PCT), "some GPUs idle");
    for (_, namespace, utilisation, hours) in &idle {
        let is_idle = *utilisation < domain::gpu::IDLE_UTILISATION_PCT;
        assert_eq!(*hours > 0.0, is_idle, "{namespace}: {utilisation}% utilisation, {hours} idle hours");
        assert!(*hours <= 60.0 / 3600.0 + 1e-9, "never more idle time than the one-minute window");
    }

    // Per tenant, on the GPU page of a viewer who may see them.
    let (tenant, _, _, _) = idle.iter().find(|(.., hours)| *hours > 0.0).unwrap();
    let total: f64 = idle.iter().filter(|(t, ..)| t == tenant).map(|(.., hours)| hours).sum();
    let rows = db::query::idle_gpu_hours(&pool, &db::Scope::AllTenants, None).await.unwrap();
    let shown: f64 = rows.iter().filter(|r| &r.tenant == tenant).map(|r| r.idle_hours).sum();
    assert!((shown - total).abs() < 1e-9, "{tenant}'s idle GPU-hours are the sum of its namespaces'");
    let app = common::web::app(&pool, &common::web::config(Some(server::config::AuthMode::Local))).await;
    let mut browser = common::web::signed_in(&app, "sergio").await;
    let page = browser.get("/gpu").await;
    assert!(page.body.contains("Idle GPU-hours, last 24 hours"), "{}", page.body);
    let total = app::components::format::hours(total);
    assert!(page.body.contains(&format!(">{tenant}</a>")) && page.body.contains(&total), "{tenant}: {total} shown");
    drop(simulator);
}

/// Scraped as the Prometheus Operator's ServiceMonitor does, each series carries the target's own
/// labels (the exporter's pod): with `honor_labels` off, the exporter's pod labels become
/// `exported_*`; with it on they win. Either way a GPU no pod holds is free capacity, charged to
/// nobody, never to the exporter's pod in tenant `platform`.
#[sqlx::test(migrator = "db::MIGRATOR")]
async fn free_gpus_through_prometheus_are_nobodys_with_honor_labels_on_or_off(pool: PgPool) {
    let cluster = common::small_cluster(200);
    let dir = common::temp_dir("prometheus-relabel");
    let (simulator, kubeconfig) = server::commands::demo::start_simulator(cluster.clone(), &dir).await.unwrap();
    let (expected, exporter) = {
        let cluster = cluster.read().unwrap();
        let metrics = domain::gpu::parse_dcgm_metrics(&cluster.dcgm_metrics(None)).unwrap();
        assert!(!metrics.free.is_empty(), "the exporter reports free GPUs");
        let exporter =
            cluster.objects("pods").iter().find(|p| p["metadata"]["labels"]["app"] == "nvidia-dcgm-exporter");
        (metrics.samples.len(), exporter.unwrap()["metadata"]["name"].as_str().unwrap().to_string())
    };
    for honor in [false, true] {
        let dir = dir.join(format!("honor-{honor}"));
        std::fs::create_dir_all(&dir).unwrap();
        let labels = format!("namespace: gpu-operator, pod: {exporter}, container: nvidia-dcgm-exporter");
        let settings = format!("    honor_labels: {honor}\n");
        let (_prometheus, port) =
            start_prometheus_with(&dir, "dcgm", &simulator.exporter_addr.to_string(), &settings, &labels);
        wait_for_series(port, "DCGM_FI_DEV_GPU_UTIL").await;
        let name = format!("relabel-{honor}");
        let target = server::collect::ClusterTarget {
            name: name.clone(),
            kubeconfig: Some(kubeconfig.clone()),
            context: None,
            rules: domain::rules::RuleSettings::default(),
            interval: Duration::from_secs(60),
            deadlines: server::collect::Deadlines::for_interval(Duration::from_secs(60)),
            sources: server::collect::Sources {
                prometheus_url: Some(format!("http://127.0.0.1:{port}").parse().unwrap()),
                ..Default::default()
            },
        };
        let id = server::collect::collect_once(&pool, &target).await.unwrap();
        let stored: Vec<(String, String)> =
            sqlx::query_as("select tenant, pod from gpu_sample where collection_id = $1")
                .bind(id)
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(stored.len(), expected, "honor_labels {honor}: the held GPUs, each charged to its pod");
        assert!(
            !stored.iter().any(|(_, pod)| *pod == exporter),
            "honor_labels {honor}: nothing charged to the exporter"
        );
        assert!(!stored.iter().any(|(tenant, _)| tenant == "platform"), "honor_labels {honor}: nor to platform");
        let gaps =
            db::system::clusters(&pool).await.unwrap().into_iter().find(|c| c.name == name).unwrap().coverage_gaps;
        assert!(gaps.is_empty(), "honor_labels {honor}: free GPUs are no gap: {gaps:?}");
    }
    drop(simulator);
}
