//! Rampart's PostgreSQL store. All SQL lives in this crate: [`store`] writes one collection
//! per transaction, [`query`] reads the models pages and reports show, always through the
//! viewer's [`Scope`]; [`system`] holds the few reads that are not tenant data.

pub mod alerts;
pub mod audit;
mod copy;
pub mod exceptions;
pub mod exclusive;
mod gpu_capacity;
pub mod images;
pub mod lease;
pub mod lifecycle;
pub mod login_attempts;
pub mod maintenance;
pub mod query;
pub mod reports;
mod restarts;
pub mod sessions;
pub mod store;
pub mod synthetic;
pub mod system;
pub mod tokens;
pub mod users;

pub use domain::access::Scope;
pub use sqlx::PgPool;

/// The schema migrations, embedded at compile time from `migrations/`.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// What can go wrong talking to the store.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error("a count in the assessment does not fit the database column: {0}")]
    TooLarge(String),
    #[error("collection of cluster {cluster:?} started at {started_at} is not newer than its latest ({latest})")]
    OutOfOrder { cluster: String, started_at: chrono::DateTime<chrono::Utc>, latest: chrono::DateTime<chrono::Utc> },
}

/// Result of a store operation.
pub type Result<T> = std::result::Result<T, Error>;

/// Brings the schema up to date.
pub async fn migrate(pool: &PgPool) -> Result<()> {
    MIGRATOR.run(pool).await?;
    Ok(())
}

/// True when no cluster has been stored yet (benchmarks need an empty database).
pub async fn is_empty(pool: &PgPool) -> Result<bool> {
    let (clusters,): (i64,) = sqlx::query_as("select count(*) from cluster").fetch_one(pool).await?;
    Ok(clusters == 0)
}

/// Checks that the database answers, for readiness probes.
pub async fn ping(pool: &PgPool) -> Result<()> {
    sqlx::query("select 1").execute(pool).await?;
    Ok(())
}
