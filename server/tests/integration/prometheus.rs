//! A real Prometheus server (Debian's `prometheus`, installed by scripts/test) scrapes Rampart's
//! `/metrics` with the bearer token, and its query API returns Rampart's series.

use crate::common;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use db::{PgPool, Scope};
use openidconnect::reqwest;
use server::config::MetricsConfig;

/// Kills the Prometheus process when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn prometheus_scrapes_rampart_with_its_token(pool: PgPool) {
    server::demo::backfill(&pool, &common::small_cluster(100), 2).await.unwrap();
    let auth = Arc::new(server::auth::Auth::from_config(&common::web::config(None), pool.clone()).unwrap());
    let listener = server::web::bind("127.0.0.1:0").await.unwrap();
    let target = listener.local_addr().unwrap();
    let (stop, shutdown) = server::shutdown::channel();
    let options = server::web::ServeOptions {
        signing_key: None,
        metrics: MetricsConfig { enabled: true, bearer_token: Some("scrape-secret".into()) },
    };
    let serving = tokio::spawn(server::web::serve(pool.clone(), listener, auth, None, options, shutdown));

    let dir = common::temp_dir("prometheus");
    let config = format!(
        "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: rampart\n    authorization:\n      credentials: scrape-secret\n    static_configs:\n      - targets: ['{target}']\n"
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
    let _prometheus = Running(child);

    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/api/v1/query?query=rampart_tenant_risk_score");
    let mut result = serde_json::Value::Null;
    for _ in 0..120 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let Ok(response) = client.get(&url).send().await else { continue };
        let Ok(text) = response.text().await else { continue };
        let Ok(body) = serde_json::from_str::<serde_json::Value>(&text) else { continue };
        if body["data"]["result"].as_array().is_some_and(|r| !r.is_empty()) {
            result = body["data"]["result"].clone();
            break;
        }
    }
    let series = result.as_array().expect("Prometheus scraped rampart_tenant_risk_score within a minute");
    let vision = series.iter().find(|s| s["metric"]["tenant"] == "vision").expect("vision's score");
    let scraped: f64 = vision["value"][1].as_str().unwrap().parse().unwrap();
    let stored =
        db::query::tenant_overview(&pool, &Scope::Tenants(vec!["vision".into()]), None).await.unwrap()[0].score;
    assert!((scraped - stored).abs() < 1e-9, "Prometheus holds the score the dashboard shows");
    assert_eq!(vision["metric"]["job"], "rampart");

    stop.send(true).unwrap();
    serving.await.unwrap().unwrap();
}

/// Starts Prometheus scraping `target` (host:port) every second; returns its port.
fn start_prometheus(dir: &std::path::Path, job: &str, target: &str) -> (Running, u16) {
    let config = format!(
        "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: {job}\n    static_configs:\n      - targets: ['{target}']\n"
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
    (Running(child), port)
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn gpu_metrics_are_read_from_a_prometheus_scraping_dcgm_exporter(pool: PgPool) {
    let cluster = common::small_cluster(200);
    let dir = common::temp_dir("prometheus-gpu");
    let (simulator, kubeconfig) = server::demo::start_simulator(cluster.clone(), &dir).await.unwrap();
    let (_prometheus, port) = start_prometheus(&dir, "dcgm", &simulator.addr.to_string());
    let prometheus_url = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let probe = format!("{prometheus_url}/api/v1/query?query=DCGM_FI_DEV_FB_USED");
    let mut scraped = false;
    for _ in 0..120 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let Ok(response) = client.get(&probe).send().await else { continue };
        let Ok(text) = response.text().await else { continue };
        let Ok(body) = serde_json::from_str::<serde_json::Value>(&text) else { continue };
        if body["data"]["result"].as_array().is_some_and(|r| !r.is_empty()) {
            scraped = true;
            break;
        }
    }
    assert!(scraped, "Prometheus scraped the simulated dcgm-exporter within a minute");
    let expected = domain::gpu::parse_dcgm_metrics(&cluster.read().unwrap().dcgm_metrics(None)).unwrap();
    assert!(!expected.is_empty(), "the simulated cluster has GPU pods");

    let target = server::collect::ClusterTarget {
        name: "gpu".into(),
        kubeconfig: Some(kubeconfig),
        context: None,
        rules: domain::rules::RuleSettings::default(),
        interval: Duration::from_secs(60),
        prometheus_url: Some(prometheus_url),
    };
    let id = server::collect::collect_once(&pool, &target).await.unwrap();

    let mut stored: Vec<(String, String, String, f64, f64)> = sqlx::query_as(
        "select namespace, pod, gpu, utilisation_pct, memory_used_mib from gpu_sample where collection_id = $1",
    )
    .bind(id)
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut expected: Vec<(String, String, String, f64, f64)> = expected
        .into_iter()
        .map(|e| (e.namespace, e.pod, e.gpu, e.utilisation_pct, e.memory_used_mib))
        .collect();
    stored.sort_by(|a, b| a.partial_cmp(b).unwrap());
    expected.sort_by(|a, b| a.partial_cmp(b).unwrap());
    assert_eq!(stored, expected, "every GPU of every pod, with the exporter's figures, came through Prometheus");
    drop(simulator);
}
