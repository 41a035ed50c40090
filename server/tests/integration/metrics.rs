//! `/metrics` over a real listener: bearer token, per-tenant and per-cluster series that match the
//! read models, HTTP timings, and labels that never name objects.

use crate::common;

use std::collections::BTreeMap;
use std::sync::Arc;

use db::{PgPool, Scope};
use server::config::MetricsConfig;

/// `name{labels}` → value, from the text exposition format.
fn parse(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').expect("a sample line ends with its value");
            (series.to_string(), value.parse::<f64>().expect("a numeric value"))
        })
        .collect()
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn metrics_need_the_token_and_agree_with_the_dashboard(pool: PgPool) {
    let cluster = common::small_cluster(100);
    server::commands::demo::backfill(&pool, &cluster, 3).await.unwrap();
    let config = common::web::config(None);
    let auth = Arc::new(server::auth::Auth::from_config(&config, pool.clone()).unwrap());
    let listener = server::http::serve::bind("127.0.0.1:0").await.unwrap();
    let base = server::http::serve::base_url(&listener, None).unwrap();
    let (stop, shutdown) = server::shutdown::channel();
    let options = server::http::ServeOptions {
        signing_key: None,
        metrics: MetricsConfig { enabled: true, bearer_token: Some("scrape-secret".into()) },
        ..Default::default()
    };
    let serving = tokio::spawn(server::http::serve::serve(listener, auth, None, options, shutdown));
    let client = reqwest::Client::new();

    assert_eq!(client.get(format!("{base}/metrics")).send().await.unwrap().status(), 401);
    assert_eq!(client.get(format!("{base}/healthz")).send().await.unwrap().status(), 200);
    server::metrics::observe_collection("demo", true, 1.5); // as the collector loop does
    let response = client.get(format!("{base}/metrics")).bearer_auth("scrape-secret").send().await.unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert!(text.trim_end().ends_with("# EOF"), "OpenMetrics text ends with # EOF");
    let samples = parse(&text);

    for tenant in db::query::tenant_overview(&pool, &Scope::AllTenants, None).await.unwrap() {
        let score = samples[&format!("rampart_tenant_risk_score{{tenant=\"{}\"}}", tenant.tenant)];
        assert!((score - tenant.score).abs() < 1e-9, "{} score", tenant.tenant);
        let critical =
            samples[&format!("rampart_tenant_open_findings{{tenant=\"{}\",severity=\"critical\"}}", tenant.tenant)];
        assert_eq!(critical, tenant.critical as f64);
        let unhealthy = samples[&format!("rampart_tenant_unhealthy_pods{{tenant=\"{}\"}}", tenant.tenant)];
        assert_eq!(
            unhealthy, tenant.unhealthy_pods as f64,
            "{}: unhealthy pods as the overview counts them",
            tenant.tenant
        );
    }
    assert!(
        samples.keys().any(|k| k.starts_with("rampart_tenant_compliance_ratio{tenant=\"vision\",framework=\"cis\"}"))
    );
    assert!(
        samples
            .keys()
            .any(|k| k.starts_with("rampart_tenant_open_findings_by_category{tenant=\"platform\",category=\"rbac\"}"))
    );
    assert!(samples.keys().any(|k| k.starts_with("rampart_cluster_objects{cluster=")));
    assert_eq!(samples["rampart_collection_duration_seconds_count{cluster=\"demo\",outcome=\"ok\"}"], 1.0);
    assert!(
        samples
            .keys()
            .any(|k| k.starts_with("rampart_http_request_duration_seconds_count{method=\"GET\",route=\"/healthz\""))
    );

    let workloads =
        db::query::workloads(&pool, &Scope::AllTenants, None, db::query::WorkloadFilter::All, None).await.unwrap();
    for w in workloads.iter().filter(|w| w.name.len() > 6) {
        assert!(!text.contains(&w.name), "no object name ({}) is a label value", w.name);
    }
    grafana_dashboard_only_uses_served_series(&text);
    stop.send(true).unwrap();
    serving.await.unwrap().unwrap();
}

/// Every series the Grafana dashboard in `deploy/grafana/` queries is one `/metrics` serves.
fn grafana_dashboard_only_uses_served_series(exposition: &str) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/grafana/rampart.json");
    let dashboard: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut used = Vec::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            let expr = target["expr"].as_str().unwrap();
            let mut rest = expr;
            while let Some(at) = rest.find("rampart_") {
                let name: String = rest[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                rest = &rest[at + name.len()..];
                used.push(name);
            }
        }
    }
    assert!(used.len() >= 10, "the dashboard queries the series: {used:?}");
    for name in used {
        let family = ["_bucket", "_count", "_sum"].iter().fold(name.as_str(), |n, suffix| n.trim_end_matches(suffix));
        assert!(exposition.contains(&format!("# TYPE {family} ")), "{name} is served by /metrics");
    }
}
