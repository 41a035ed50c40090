//! Several `rampart collect` processes over one database share the configured clusters through
//! PostgreSQL advisory locks: each cluster is collected by one process at a time, the clusters
//! spread over the processes, and when one process is killed another takes its clusters over.

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use db::PgPool;
use server::collect::lease::CLUSTER_LOCKS;

const CLUSTERS: [&str; 2] = ["east", "west"];

/// A `rampart collect` process, killed when dropped.
struct Collector(Child);

impl Collector {
    fn start(config: &Path, database_url: &str) -> Collector {
        let child = Command::new(env!("CARGO_BIN_EXE_rampart"))
            .args(["--config", config.to_str().unwrap(), "collect"])
            .env("DATABASE_URL", database_url)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Collector(child)
    }

    /// The name its lease connection has in `pg_stat_activity`.
    fn application_name(&self) -> String {
        format!("rampart-collector {}", self.0.id())
    }

    /// SIGKILL: no chance to release anything; PostgreSQL ends its sessions.
    fn kill(&mut self) {
        self.0.kill().unwrap();
        self.0.wait().unwrap();
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn url_of(database: &str) -> String {
    let base = std::env::var("DATABASE_URL").unwrap();
    format!("{}/{database}", base.rsplit_once('/').unwrap().0)
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

/// Polls `condition` every 200 ms until it holds; panics with `what` after a minute.
async fn wait_until<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    for _ in 0..300 {
        if condition().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("timed out waiting until {what}");
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn two_collectors_split_the_clusters_and_one_takes_over_when_the_other_is_killed(pool: PgPool) {
    let dir = common::temp_dir("collectors");
    let mut servers = Vec::new();
    let mut config = String::new();
    for name in CLUSTERS {
        let cluster_dir = dir.join(name);
        std::fs::create_dir_all(&cluster_dir).unwrap();
        let (server, kubeconfig) =
            server::demo::start_simulator(common::small_cluster(40), &cluster_dir).await.unwrap();
        servers.push(server);
        config.push_str(&format!(
            "[[clusters]]\nname = \"{name}\"\nkubeconfig = \"{}\"\ninterval = \"1s\"\n\n",
            kubeconfig.display()
        ));
    }
    let config_file = dir.join("rampart.toml");
    std::fs::write(&config_file, config).unwrap();
    let (database,): (String,) = sqlx::query_as("select current_database()").fetch_one(&pool).await.unwrap();
    let url = url_of(&database);

    let mut first = Collector::start(&config_file, &url);
    wait_until("the first collector holds both clusters", || async {
        owners(&pool).await.values().filter(|o| **o == first.application_name()).count() == 2
    })
    .await;
    let second = Collector::start(&config_file, &url);
    wait_until("the clusters are split, one per collector", || async {
        let owners = owners(&pool).await;
        let first_has = owners.values().filter(|o| **o == first.application_name()).count();
        let second_has = owners.values().filter(|o| **o == second.application_name()).count();
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
    wait_until("the surviving collector holds both clusters", || async {
        owners(&pool).await.values().filter(|o| **o == second.application_name()).count() == 2
    })
    .await;
    let before = collections(&pool).await;
    wait_until("both clusters are collected again after the takeover", || async {
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
    let mut servers = Vec::new();
    let mut config = String::new();
    for name in ["east", "west"] {
        let cluster_dir = dir.join(name);
        std::fs::create_dir_all(&cluster_dir).unwrap();
        let (server, kubeconfig) =
            server::demo::start_simulator(common::small_cluster(40), &cluster_dir).await.unwrap();
        servers.push(server);
        config.push_str(&format!("[[clusters]]\nname = \"{name}\"\nkubeconfig = \"{}\"\n\n", kubeconfig.display()));
    }
    let down = dir.join("down.yaml");
    std::fs::write(&down, sim::kubeconfig_yaml("http://127.0.0.1:9")).unwrap();
    config.push_str(&format!("[[clusters]]\nname = \"down\"\nkubeconfig = \"{}\"\n", down.display()));
    let config_file = dir.join("rampart.toml");
    std::fs::write(&config_file, config).unwrap();
    let (database,): (String,) = sqlx::query_as("select current_database()").fetch_one(&pool).await.unwrap();

    // tokio's Command: the simulated clusters are served by this test's runtime meanwhile.
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["--config", config_file.to_str().unwrap(), "collect", "--once"])
        .env("DATABASE_URL", url_of(&database))
        .env("RUST_LOG", "error")
        .output()
        .await
        .unwrap();

    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "one cluster failed: {stderr}");
    assert!(stderr.contains("collection of cluster \"down\" failed"), "{stderr}");
    let clusters = db::query::clusters(&pool).await.unwrap();
    let by_name: BTreeMap<&str, &db::query::ClusterRow> = clusters.iter().map(|c| (c.name.as_str(), c)).collect();
    assert_eq!(by_name["east"].collections, 1, "{stderr}");
    assert_eq!(by_name["west"].collections, 1, "{stderr}");
    assert_eq!(by_name["down"].collections, 0);
    assert!(by_name["down"].last_error.as_deref().is_some_and(|e| e.contains("listing")), "the down cluster says why");
    assert!(by_name["down"].is_stale(chrono::Utc::now()), "and shows as stale");
    drop(servers);
}
