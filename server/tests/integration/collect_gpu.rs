//! The collector's GPU metrics against the simulated API server: coverage gaps when they cannot
//! be read, and idle time counted once.

use crate::common;
use crate::common::collect::{count, scalar, target_for};

use db::PgPool;
use server::collect::collect_once;

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn gpu_metrics_that_cannot_be_read_are_a_coverage_gap(pool: PgPool) {
    let cluster = common::small_cluster(120);
    let (_server, mut target) = target_for(&cluster, "gpu-gap").await;
    cluster.write().unwrap().faults.forbidden.insert("pods/proxy".into());
    let id = collect_once(&pool, &target).await.unwrap();
    assert_eq!(count(&pool, "select count(*) from gpu_sample where collection_id = $1", id).await, 0);
    let gaps = |pool: PgPool| async move {
        db::system::clusters(&pool).await.unwrap().into_iter().find(|c| c.name == "gpu-gap").unwrap().coverage_gaps
    };
    let shown = gaps(pool.clone()).await;
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert!(
        shown[0].starts_with("gpu-metrics: ")
            && shown[0].contains("dcgm-exporters unreadable")
            && shown[0].contains("403")
    );

    // An exporter without its Kubernetes mode reports every GPU without pod attribution: the
    // GPUs pods hold then have no metrics, a gap naming those workloads and what to check.
    {
        let mut cluster = cluster.write().unwrap();
        cluster.faults.forbidden.clear();
        cluster.faults.gpus_unattributed = true;
    }
    let id = collect_once(&pool, &target).await.unwrap();
    assert_eq!(count(&pool, "select count(*) from gpu_sample where collection_id = $1", id).await, 0);
    let shown = gaps(pool.clone()).await;
    assert!(
        shown.len() == 1
            && shown[0].contains("have no metrics, so their use is unknown")
            && shown[0].contains("DCGM_EXPORTER_KUBERNETES=true"),
        "{shown:?}"
    );
    let app = common::web::app(&pool, &common::web::config(Some(server::config::AuthMode::Local))).await;
    let page = common::web::signed_in(&app, "sergio").await.get("/gpu").await;
    assert!(page.body.contains("0: no metrics for its pods"), "GPU workloads without metrics are flagged");

    // A Prometheus that does not answer is a gap too, never zero utilisation.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    target.sources.prometheus_url = Some(format!("http://{closed}").parse().unwrap());
    let id = collect_once(&pool, &target).await.unwrap();
    assert_eq!(count(&pool, "select count(*) from gpu_sample where collection_id = $1", id).await, 0);
    let shown = gaps(pool.clone()).await;
    assert!(shown.len() == 1 && shown[0].starts_with("gpu-metrics: Prometheus: http://127.0.0.1:"), "{shown:?}");
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn idle_gpu_time_is_counted_since_the_previous_collection_never_twice(pool: PgPool) {
    let cluster = common::small_cluster(200);
    let (_server, target) = target_for(&cluster, "idle").await;
    let first = collect_once(&pool, &target).await.unwrap();
    let second = collect_once(&pool, &target).await.unwrap();
    let idle = |id: i64| scalar::<f64>(&pool, "select max(idle_hours) from gpu_sample where collection_id = $1", id);
    let interval_hours = target.interval.as_secs_f64() / 3600.0;
    assert!((idle(first).await - interval_hours).abs() < 1e-9, "a first collection counts one interval");
    let (between,): (f64,) = sqlx::query_as(
        "select extract(epoch from (select started_at from collection where collection_id = $2)
                                 - (select started_at from collection where collection_id = $1))::float8",
    )
    .bind(first)
    .bind(second)
    .fetch_one(&pool)
    .await
    .unwrap();
    let second_idle = idle(second).await;
    assert!(second_idle > 0.0 && second_idle < interval_hours, "{second_idle} h");
    assert!((second_idle - between / 3600.0).abs() < 1e-6, "only the time since the first collection counts");
}
