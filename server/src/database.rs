//! Opening the store: an external PostgreSQL from `DATABASE_URL`, or the embedded default.

use std::path::Path;

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::postgres::EmbeddedPostgres;

/// An open, migrated database, and the embedded server behind it when there is one.
pub struct Database {
    pub pool: db::PgPool,
    pub embedded: Option<EmbeddedPostgres>,
    /// Restarts the embedded server should it crash; stopped before a deliberate stop.
    watchdog: Option<tokio::task::JoinHandle<()>>,
}

impl Database {
    /// Connects to `database_url`, or starts the embedded PostgreSQL under `data_dir`, then
    /// brings the schema up to date.
    pub async fn open(database_url: Option<&str>, data_dir: &Path) -> anyhow::Result<Self> {
        let (options, embedded) = match database_url {
            Some(url) => {
                let options: PgConnectOptions = url.parse().with_context(|| {
                    format!("DATABASE_URL is not a valid PostgreSQL URL ({})", crate::redact::redact(url))
                })?;
                (options, None)
            }
            None => {
                let pg = EmbeddedPostgres::start(data_dir).await?;
                (pg.connect_options(), Some(pg))
            }
        };
        // Rampart's queries are short; PostgreSQL's JIT compiler spends more time compiling them
        // than it saves (seen: 180 ms of JIT on a 10 ms read).
        let options = options.options([("jit", "off")]);
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(std::time::Duration::from_secs(10))
            .connect_with(options)
            .await
            .with_context(|| match database_url {
                Some(url) => format!("cannot connect to the database at {}", crate::redact::redact(url)),
                None => "cannot connect to the embedded PostgreSQL".to_string(),
            })?;
        db::migrate(&pool).await.context("cannot bring the database schema up to date")?;
        let watchdog = embedded.as_ref().map(|pg| tokio::spawn(pg.watchdog().watch()));
        Ok(Database { pool, embedded, watchdog })
    }

    /// Closes the pool and stops the embedded server, if any.
    pub async fn close(self) -> anyhow::Result<()> {
        if let Some(watchdog) = self.watchdog {
            watchdog.abort();
        }
        self.pool.close().await;
        if let Some(pg) = self.embedded {
            pg.stop().await?;
        }
        Ok(())
    }
}
