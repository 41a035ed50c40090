//! The embedded PostgreSQL default: first start initialises, a second user of the same data
//! directory is refused while the first keeps running, and a stop leaves a clean cluster.

use crate::common;

use server::postgres::{EmbeddedError, EmbeddedPostgres, find_binaries};

#[tokio::test]
async fn embedded_postgres_starts_refuses_a_second_user_and_restarts_cleanly() {
    if find_binaries().is_none() {
        panic!("PostgreSQL server binaries are required for this test (scripts/test installs them)");
    }
    let dir = common::temp_dir("embedded");

    let first = EmbeddedPostgres::start(&dir).await.unwrap();
    let pool = sqlx::PgPool::connect_with(first.connect_options()).await.unwrap();
    db::migrate(&pool).await.unwrap();

    let second = EmbeddedPostgres::start(&dir).await.unwrap_err();
    assert!(matches!(second, EmbeddedError::AlreadyInUse(_)), "{second}");
    assert!(second.to_string().contains("already in use"));
    let (one,): (i32,) = sqlx::query_as("select 1").fetch_one(&pool).await.unwrap();
    assert_eq!(one, 1, "the first instance keeps running unharmed");

    pool.close().await;
    first.stop().await.unwrap();
    assert!(!dir.join("pg/postmaster.pid").exists(), "stopped cleanly");

    let again = EmbeddedPostgres::start(&dir).await.unwrap();
    let pool = sqlx::PgPool::connect_with(again.connect_options()).await.unwrap();
    let (migrations,): (i64,) = sqlx::query_as("select count(*) from _sqlx_migrations").fetch_one(&pool).await.unwrap();
    assert!(migrations >= 1, "data survives a restart");
    pool.close().await;
    again.stop().await.unwrap();
    std::fs::remove_dir_all(&dir).ok();
}
