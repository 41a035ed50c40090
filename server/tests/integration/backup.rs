//! `rampart backup` and `rampart restore` through PostgreSQL's own tools: a restored database
//! holds what the backed-up one did, and the schema is current.

use crate::common;

use std::process::Command;

use db::{PgPool, Scope};

fn rampart(args: &[&str], url: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn a_backup_restores_into_an_empty_database_whole(pool: PgPool) {
    server::commands::demo::backfill(&pool, &common::small_cluster(100), 2).await.unwrap();
    let (source,): (String,) = sqlx::query_as("select current_database()").fetch_one(&pool).await.unwrap();
    let file = common::temp_dir("backup").join("rampart.dump");

    let made = rampart(&["backup", "--out", file.to_str().unwrap()], &common::url_of(&source));
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    assert!(std::fs::metadata(&file).unwrap().len() > 1000);

    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    let target = format!("rampart_restored_{}_{nanos}", std::process::id()); // names stop at 63 bytes
    sqlx::query(sqlx::AssertSqlSafe(format!("create database \"{target}\""))).execute(&pool).await.unwrap();
    let restored = rampart(&["restore", file.to_str().unwrap()], &common::url_of(&target));
    assert!(restored.status.success(), "{}", String::from_utf8_lossy(&restored.stderr));

    let copy = PgPool::connect(&common::url_of(&target)).await.unwrap();
    let before = db::query::tenant_overview(&pool, &Scope::AllTenants, None).await.unwrap();
    let after = db::query::tenant_overview(&copy, &Scope::AllTenants, None).await.unwrap();
    assert_eq!(before, after, "the restored database reads the same");
    let count = |p: PgPool| async move {
        let (n,): (i64,) = sqlx::query_as("select count(*) from finding_state").fetch_one(&p).await.unwrap();
        n
    };
    assert_eq!(count(pool.clone()).await, count(copy.clone()).await);
    copy.close().await;
    sqlx::query(sqlx::AssertSqlSafe(format!("drop database \"{target}\""))).execute(&pool).await.unwrap();

    let missing = rampart(&["restore", "/nonexistent/rampart.dump"], &common::url_of(&source));
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("does not exist"));
}
