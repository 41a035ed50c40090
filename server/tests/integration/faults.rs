//! Faults in the middle of a collection's transaction: the collector killed with SIGKILL,
//! PostgreSQL crashing, SIGTERM. A collection is stored whole or not at all, no finding is
//! duplicated or lost, lifecycle states stay right, and the collector resumes on its own.
//!
//! The simulated cluster does not change between collections, so every stored collection must
//! look the same, and no finding may ever be resolved or reopened: a half-written collection
//! would show as one with missing namespaces, or as findings resolved and reopened.

use crate::common;
use crate::common::process::Process;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use db::PgPool;
use server::postgres::EmbeddedPostgres;

/// A simulated cluster and a configuration collecting it every second.
async fn one_cluster(name: &str, pods: usize) -> (Vec<sim::SimServer>, PathBuf) {
    common::simulated_clusters(&common::temp_dir(name), &[name], pods, "1s").await
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(pool).await.unwrap();
    n
}

/// Waits until `sql` counts at least `at_least`; panics after two minutes.
async fn wait_for_count(pool: &PgPool, sql: &str, at_least: i64) {
    common::wait_until(&format!("{sql} counts {at_least}"), || async {
        let counted = sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(pool).await;
        matches!(counted, Ok((n,)) if n >= at_least)
    })
    .await;
}

/// Waits until a client other than this one has a transaction open that has written
/// something: a collection being stored.
async fn wait_for_open_write(pool: &PgPool) {
    wait_for_count(
        pool,
        "select count(*) from pg_stat_activity
         where datname = current_database() and pid <> pg_backend_pid() and backend_xid is not null",
        1,
    )
    .await;
}

/// Every stored collection is whole and the lifecycle is right for an unchanging cluster.
async fn assert_whole(pool: &PgPool) {
    let collections = count(pool, "select count(*) from collection").await;
    assert!(collections >= 2, "collections went on being stored: {collections}");
    let shapes = count(
        pool,
        "select count(distinct (n, s)) from (
             select (select count(*) from namespace_state x where x.collection_id = c.collection_id) as n,
                    (select count(*) from tenant_score t where t.collection_id = c.collection_id) as s
             from collection c) shapes",
    )
    .await;
    assert_eq!(shapes, 1, "every collection holds the same namespaces and scores: none is half-written");
    let empty = count(
        pool,
        "select count(*) from collection c
         where not exists (select 1 from namespace_state x where x.collection_id = c.collection_id)",
    )
    .await;
    assert_eq!(empty, 0, "no collection without its namespaces");
    assert_eq!(count(pool, "select count(*) from finding_state where resolved_at is not null").await, 0);
    assert_eq!(count(pool, "select count(*) from finding_event where kind <> 'opened'").await, 0);
    assert_eq!(
        count(pool, "select count(*) from finding_event").await,
        count(pool, "select count(*) from finding_state").await,
        "each finding opened once, none duplicated"
    );
    assert!(count(pool, "select count(*) from finding_state").await > 0);
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn a_collector_killed_mid_transaction_leaves_whole_collections(pool: PgPool) {
    let (_cluster, config) = one_cluster("sigkill", 1500).await;
    let url = common::url_for(&pool).await;
    let args = ["--config", config.to_str().unwrap(), "collect"];

    for _ in 0..3 {
        let collector = Process::rampart(&args, Some(&url));
        wait_for_open_write(&pool).await;
        collector.signal("KILL");
        drop(collector);
    }
    let before = count(&pool, "select count(*) from collection").await;
    let _collector = Process::rampart(&args, Some(&url));
    wait_for_count(&pool, "select count(*) from collection", before + 2).await;

    assert_whole(&pool).await;
}

/// PostgreSQL's own process for `pg_dir`, from its `postmaster.pid`.
fn postmaster_pid(pg_dir: &Path) -> String {
    let pid_file = std::fs::read_to_string(pg_dir.join("postmaster.pid")).unwrap();
    pid_file.lines().next().unwrap().trim().to_string()
}

#[tokio::test]
async fn postgres_crashing_mid_transaction_loses_nothing_and_the_collector_resumes() {
    let (_cluster, config) = one_cluster("pgcrash", 1500).await;
    let data = common::temp_dir("pgcrash-db");
    let postgres = EmbeddedPostgres::start(&data).await.unwrap();
    let url = format!("postgres://postgres@localhost/rampart?host={}", postgres.socket_dir().display());
    let connect = || async { PgPool::connect(&url).await.unwrap() };
    let pool = connect().await;
    db::migrate(&pool).await.unwrap();
    let collector = Process::rampart(&["--config", config.to_str().unwrap(), "collect"], Some(&url));
    wait_for_count(&pool, "select count(*) from collection", 1).await;

    wait_for_open_write(&pool).await;
    // SIGQUIT is `pg_ctl stop -m immediate`: every backend dies at once, no checkpoint, and
    // the next start replays the write-ahead log as after a power cut.
    let quit = Command::new("kill").args(["-s", "QUIT", &postmaster_pid(&data.join("pg"))]).status().unwrap();
    assert!(quit.success());
    pool.close().await;
    drop(postgres);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let postgres = EmbeddedPostgres::start(&data).await.unwrap();
    let pool = connect().await;
    let before = count(&pool, "select count(*) from collection").await;

    wait_for_count(&pool, "select count(*) from collection", before + 2).await;
    assert_whole(&pool).await;
    drop(collector);
    pool.close().await;
    postgres.stop().await.unwrap();
}

#[tokio::test]
async fn the_embedded_postgres_crashing_mid_transaction_is_restarted_and_loses_nothing() {
    let (_cluster, config) = one_cluster("embedded-crash", 1500).await;
    let data = common::temp_dir("embedded-crash-data");
    let args = ["--data-dir", data.to_str().unwrap(), "--config", config.to_str().unwrap(), "collect"];
    let mut collector = Process::rampart(&args, None);
    let pool = connect_to_embedded(&data).await;
    wait_for_count(&pool, "select count(*) from collection", 1).await;

    wait_for_open_write(&pool).await;
    let quit = Command::new("kill").args(["-s", "QUIT", &postmaster_pid(&data.join("pg"))]).status().unwrap();
    assert!(quit.success());
    pool.close().await;
    // Nobody but rampart's own watchdog starts it again.
    let pool = connect_to_embedded(&data).await;
    let before = count(&pool, "select count(*) from collection").await;
    wait_for_count(&pool, "select count(*) from collection", before + 2).await;

    assert_whole(&pool).await;
    let log = std::fs::read_to_string(data.join("pg/postgres.log")).unwrap();
    assert!(log.contains("redo"), "PostgreSQL recovered from its write-ahead log");
    pool.close().await;
    collector.signal("TERM");
    assert!(collector.exited().await.success(), "and it still stops cleanly");
}

#[tokio::test]
async fn sigterm_mid_collection_exits_cleanly_and_embedded_postgres_needs_no_recovery() {
    let (_cluster, config) = one_cluster("sigterm", 1500).await;
    let data = common::temp_dir("sigterm-data");
    let args = ["--data-dir", data.to_str().unwrap(), "--config", config.to_str().unwrap(), "collect"];
    let mut collector = Process::rampart(&args, None);
    let log = data.join("pg/postgres.log");
    let stored = || std::fs::read_to_string(&log).unwrap_or_default();
    let pool = connect_to_embedded(&data).await;
    wait_for_count(&pool, "select count(*) from collection", 1).await;
    wait_for_open_write(&pool).await;
    pool.close().await;

    collector.signal("TERM");
    let status = collector.exited().await;
    assert!(status.success(), "SIGTERM ends rampart normally: {status:?}");
    assert!(stored().contains("database system is shut down"), "embedded PostgreSQL stopped cleanly");
    assert!(!data.join("pg/postmaster.pid").exists());

    let mut restarted = Process::rampart(&["--data-dir", data.to_str().unwrap(), "migrate"], None);
    assert!(restarted.exited().await.success());
    let after = stored();
    let last_start = &after[after.rfind("starting PostgreSQL").unwrap()..];
    assert!(!last_start.contains("redo starts"), "no recovery after a clean stop: {last_start}");
    assert!(!last_start.contains("not properly shut down"), "{last_start}");

    let postgres = EmbeddedPostgres::start(&data).await.unwrap();
    let pool = PgPool::connect_with(postgres.connect_options()).await.unwrap();
    assert_whole_or_single(&pool).await;
    pool.close().await;
    postgres.stop().await.unwrap();
}

/// Like [`assert_whole`], for a run that may have stored a single collection.
async fn assert_whole_or_single(pool: &PgPool) {
    let shapes = count(
        pool,
        "select count(distinct (select count(*) from namespace_state x where x.collection_id = c.collection_id))
         from collection c",
    )
    .await;
    assert_eq!(shapes, 1, "every collection is whole");
    assert_eq!(count(pool, "select count(*) from finding_event where kind <> 'opened'").await, 0);
}

/// A pool on the embedded PostgreSQL of the `rampart` running on `data_dir`, once it
/// accepts connections to its database.
async fn connect_to_embedded(data_dir: &Path) -> PgPool {
    let socket = server::postgres::socket_dir_for(&data_dir.canonicalize().unwrap());
    let url = format!("postgres://postgres@localhost/rampart?host={}", socket.display());
    for _ in 0..300 {
        if let Ok(pool) = PgPool::connect(&url).await {
            return pool;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("embedded PostgreSQL did not start under {}", data_dir.display());
}
