//! `rampart bench …`: measurements that print their figures and end with one line of
//! `key=value` pairs, so a run can be compared with the next.

mod abuse;
mod collect;
mod measure;
mod pages;
mod queries;
mod report;
mod scan;
mod soak;

use crate::commands::bench_cli::BenchCommand;

/// Runs one benchmark.
pub async fn run(command: BenchCommand, database_url: Option<&str>) -> anyhow::Result<()> {
    match command {
        BenchCommand::Scan { objects } => scan::run(objects),
        BenchCommand::Queries { runs } => {
            with_empty_database("queries", database_url, |pool| async move { queries::measure(&pool, runs).await })
                .await
        }
        BenchCommand::Report { tenants, findings, runs } => report::run(tenants, findings, runs),
        BenchCommand::Pages { requests } => {
            with_empty_database("pages", database_url, |pool| async move { pages::measure(&pool, requests).await })
                .await
        }
        BenchCommand::Collect { shape } => {
            with_empty_database("collect", database_url, |pool| async move { collect::measure(&pool, &shape).await })
                .await
        }
        BenchCommand::Simulate { shape, dir } => collect::simulate(&shape, &dir).await,
        BenchCommand::Abuse => {
            with_empty_database("abuse", database_url, |pool| async move { abuse::measure(&pool).await }).await
        }
        BenchCommand::Soak { minutes } => {
            with_empty_database("soak", database_url, |pool| async move { soak::measure(&pool, minutes).await }).await
        }
    }
}

/// Runs `measure` on a fresh database: `DATABASE_URL`'s when set (it must hold no cluster), else
/// a throwaway embedded PostgreSQL that is removed afterwards.
pub async fn with_empty_database<F, Fut>(name: &str, database_url: Option<&str>, measure: F) -> anyhow::Result<()>
where
    F: FnOnce(db::PgPool) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    use anyhow::Context;
    let dir = std::env::temp_dir().join(format!("rampart-bench-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let result = async {
        let database = crate::database::Database::open(database_url, &dir).await?;
        let outcome = if db::is_empty(&database.pool).await? {
            measure(database.pool.clone()).await
        } else {
            Err(anyhow::anyhow!("bench {name} stores its own data and needs an empty database"))
        };
        database.close().await?;
        outcome
    }
    .await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}
