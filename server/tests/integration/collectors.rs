//! Several `rampart collect` processes over one database share the configured clusters through
//! PostgreSQL advisory locks: each cluster is collected by one process at a time, the clusters
//! spread over the processes, and when one process is killed another takes its clusters over.

use crate::common;
use crate::common::process::Process;

use std::collections::BTreeMap;
use std::path::Path;

use db::PgPool;
use db::lease::CLUSTER_LOCKS;

const CLUSTERS: [&str; 2] = ["east", "west"];

/// `rampart collect` with `config`, against `database_url`.
fn collector(config: &Path, database_url: &str) -> Process {
    Process::rampart(&["--config", config.to_str().unwrap(), "collect"], Some(database_url))
}

/// Cluster name → the application name of the process holding its lock, from `pg_locks`.
async fn owners(pool: &PgPool) -> BTreeMap<String, String> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "select c.name, a.application_name
         from pg_locks l
         join pg_stat_activity a on a.pid = l.pid
         join unnest($2::text[]) as c(name) on l.objid = hashtext(c.name)::oid
         where l.locktype = 'advisory' and l.classid = $1::int4::oid and l.objsubid = 2 and l.granted
           and l.database = (select oid from pg_database where datname = current_database())",
    )
    .bind(CLUSTER_LOCKS)
    .bind(CLUSTERS.map(String::from).to_vec())
    .fetch_all(pool)
    .await
    .unwrap();
    rows.into_iter().collect()
}

/// Collections stored so far, per cluster.
async fn collections(pool: &PgPool) -> BTreeMap<String, i64> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("select c.name, count(*) from collection k join cluster c using (cluster_id) group by c.name")
            .fetch_all(pool)
            .await
            .unwrap();
    rows.into_iter().collect()
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn two_collectors_split_the_clusters_and_one_takes_over_when_the_other_is_killed(pool: PgPool) {
    let dir = common::temp_dir("collectors");
    let (servers, config_file) = common::simulated_clusters(&dir, &CLUSTERS, 40, "1s").await;
    let url = common::url_for(&pool).await;

    let mut first = collector(&config_file, &url);
    common::wait_until("the first collector holds both clusters", || async {
        owners(&pool).await.values().filter(|o| **o == first.lease_name()).count() == 2
    })
    .await;
    let second = collector(&config_file, &url);
    common::wait_until("the clusters are split, one per collector", || async {
        let owners = owners(&pool).await;
        let first_has = owners.values().filter(|o| **o == first.lease_name()).count();
        let second_has = owners.values().filter(|o| **o == second.lease_name()).count();
        (first_has, second_has) == (1, 1)
    })
    .await;
    let lock_rows: (i64,) = sqlx::query_as(
        "select count(*) from pg_locks where locktype = 'advisory' and classid = $1::int4::oid and granted
           and database = (select oid from pg_database where datname = current_database())",
    )
    .bind(CLUSTER_LOCKS)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(lock_rows.0, 2, "one lock per cluster, never two holders");

    first.kill();
    common::wait_until("the surviving collector holds both clusters", || async {
        owners(&pool).await.values().filter(|o| **o == second.lease_name()).count() == 2
    })
    .await;
    let before = collections(&pool).await;
    common::wait_until("both clusters are collected again after the takeover", || async {
        let now = collections(&pool).await;
        CLUSTERS.iter().all(|c| now.get(*c).copied().unwrap_or(0) > before.get(*c).copied().unwrap_or(0))
    })
    .await;
    let (failures,): (i64,) =
        sqlx::query_as("select count(*) from cluster where last_error is not null").fetch_one(&pool).await.unwrap();
    assert_eq!(failures, 0, "no collection failed, neither from the split nor from the takeover");
    drop(servers);
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn of_three_configured_clusters_the_two_up_are_collected_and_the_down_one_is_reported(pool: PgPool) {
    let dir = common::temp_dir("three-clusters");
    let (servers, config_file) = common::simulated_clusters(&dir, &["east", "west"], 40, "5m").await;
    let down = dir.join("down.yaml");
    std::fs::write(&down, sim::kubeconfig_yaml("http://127.0.0.1:9")).unwrap();
    let mut config = std::fs::read_to_string(&config_file).unwrap();
    config.push_str(&format!("[[clusters]]\nname = \"down\"\nkubeconfig = \"{}\"\n", down.display()));
    std::fs::write(&config_file, config).unwrap();

    // tokio's Command: the simulated clusters are served by this test's runtime meanwhile.
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["--config", config_file.to_str().unwrap(), "collect", "--once"])
        .env("DATABASE_URL", common::url_for(&pool).await)
        .env("RUST_LOG", "error")
        .output()
        .await
        .unwrap();

    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "one cluster failed: {stderr}");
    assert!(stderr.contains("collection of cluster \"down\" failed"), "{stderr}");
    let clusters = db::system::clusters(&pool).await.unwrap();
    let by_name: BTreeMap<&str, &db::system::ClusterRow> = clusters.iter().map(|c| (c.name.as_str(), c)).collect();
    assert_eq!(by_name["east"].collections, 1, "{stderr}");
    assert_eq!(by_name["west"].collections, 1, "{stderr}");
    assert_eq!(by_name["down"].collections, 0);
    assert!(by_name["down"].last_error.as_deref().is_some_and(|e| e.contains("listing")), "the down cluster says why");
    assert!(by_name["down"].is_stale(chrono::Utc::now()), "and shows as stale");
    drop(servers);
}
