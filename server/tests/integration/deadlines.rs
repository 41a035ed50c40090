//! Collection against sources that hang, fail or answer slowly: every request has a deadline,
//! an optional source that misses it (or fails in any way) is a coverage gap naming it, and
//! the rest of the collection is stored. No test measures time: each checks the gap and the
//! outcome.

use std::time::Duration;

use crate::common;
use crate::common::collect::{count, target_for};

use db::PgPool;
use server::collect::{ClusterTarget, CollectError, Deadlines, collect_once};

/// Short deadlines, so that a hung source is given up on quickly.
fn short(target: &mut ClusterTarget) {
    target.deadlines = Deadlines {
        connect: Duration::from_secs(1),
        request: Duration::from_secs(1),
        collection: Duration::from_secs(8),
    };
}

async fn gaps(pool: &PgPool, name: &str) -> Vec<String> {
    db::system::clusters(pool).await.unwrap().into_iter().find(|c| c.name == name).unwrap().coverage_gaps
}

async fn workloads(pool: &PgPool, id: i64) -> i64 {
    count(pool, "select count(*) from workload_state where collection_id = $1", id).await
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn a_hung_pod_proxy_is_a_gap_naming_the_path_and_the_timeout_and_the_rest_is_stored(pool: PgPool) {
    let cluster = common::small_cluster(120);
    let (_server, mut target) = target_for(&cluster, "hung-proxy").await;
    short(&mut target);
    cluster.write().unwrap().faults.pod_proxy_hangs = true;
    let id = collect_once(&pool, &target).await.unwrap();
    assert!(workloads(&pool, id).await > 0, "the workloads are stored");
    let shown = gaps(&pool, "hung-proxy").await;
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert!(shown[0].starts_with("gpu-metrics: "), "{shown:?}");
    assert!(shown[0].contains("/proxy/metrics: no answer within 1s"), "{shown:?}");
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn a_hung_prometheus_is_a_gap_naming_it_and_the_timeout(pool: PgPool) {
    let cluster = common::small_cluster(120);
    let (_server, mut target) = target_for(&cluster, "hung-prometheus").await;
    short(&mut target);
    // Accepts connections and never answers, as a Prometheus stuck on a query.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let _hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    target.sources.prometheus_url = Some(format!("http://{address}").parse().unwrap());
    let id = collect_once(&pool, &target).await.unwrap();
    assert!(workloads(&pool, id).await > 0);
    assert_eq!(count(&pool, "select count(*) from gpu_sample where collection_id = $1", id).await, 0);
    let shown = gaps(&pool, "hung-prometheus").await;
    assert!(
        shown.len() == 1
            && shown[0].contains(&format!("Prometheus: http://{address}/api/v1/query: no answer within 1s")),
        "{shown:?}"
    );
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn metrics_server_answering_500_or_503_is_a_gap_and_the_collection_is_stored(pool: PgPool) {
    let cluster = common::small_cluster(80);
    let (_server, mut target) = target_for(&cluster, "metrics-down").await;
    short(&mut target);
    for code in [503, 500] {
        cluster.write().unwrap().faults.failing_groups.insert("metrics.k8s.io".into(), code);
        let id = collect_once(&pool, &target).await.unwrap();
        assert!(workloads(&pool, id).await > 0, "HTTP {code}: the collection is stored");
        let gap: String = sqlx::query_scalar(
            "select gap from collection_coverage where collection_id = $1 and kind = 'pods.metrics.k8s.io'",
        )
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
        assert!(gap.starts_with(&format!("GET /apis/metrics.k8s.io/v1beta1/pods: HTTP {code}")), "{gap}");
        let usage: Option<f64> =
            sqlx::query_scalar("select max(cpu_usage_millis) from workload_state where collection_id = $1")
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(usage, None, "HTTP {code}: usage is unknown, never zero");
    }
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn a_core_kind_slower_than_the_deadline_fails_the_collection_and_stores_nothing(pool: PgPool) {
    let cluster = common::small_cluster(40);
    let (_server, mut target) = target_for(&cluster, "slow-pods").await;
    target.deadlines = Deadlines {
        connect: Duration::from_secs(1),
        request: Duration::from_secs(1),
        collection: Duration::from_secs(2),
    };
    cluster.write().unwrap().faults.slow_pages.insert("pods".into(), Duration::from_secs(30));
    let error = collect_once(&pool, &target).await.unwrap_err();
    assert!(matches!(error, CollectError::Deadline { .. } | CollectError::List { kind: "pods", .. }), "{error}");
    let shown = error.to_string();
    assert!(shown.contains("deadline of 2s") || shown.contains("listing pods failed"), "{shown}");
    let (stored,): (i64,) = sqlx::query_as("select count(*) from collection").fetch_one(&pool).await.unwrap();
    assert_eq!(stored, 0, "nothing of a failed collection is stored");
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn every_request_to_the_cluster_carries_rampart_s_user_agent(pool: PgPool) {
    let cluster = common::small_cluster(40);
    let (_server, target) = target_for(&cluster, "user-agent").await;
    collect_once(&pool, &target).await.unwrap();
    let seen = cluster.read().unwrap().user_agents.clone();
    let expected = format!("rampart/{}", env!("CARGO_PKG_VERSION"));
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), [expected]);
}
