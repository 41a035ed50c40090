//! The `rampart` commands: [`cli`] declares them and their flags, [`run`] hands each to its own
//! module. A command that needs the database opens it through [`with_database`], which closes it
//! (stopping an embedded PostgreSQL) whatever the command's outcome.

pub mod backup;
pub mod bench;
pub mod bench_cli;
pub mod catalogue;
pub mod cli;
pub mod collect;
pub mod demo;
pub mod report;
pub mod scan;
pub mod serve;
pub mod token;
pub mod user;

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use crate::config::Config;
use crate::database::Database;
use cli::{Cli, Command, ConfigCommand};

/// Runs the command `cli` names and returns the process exit code.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let database_url = cli.database_url.as_deref();
    let data_dir = cli.data_dir.as_path();
    let config_file = cli.config.as_deref();
    let done = |()| ExitCode::SUCCESS;
    match cli.command {
        Command::Scan(args) => Ok(scan::run(&args)),
        Command::Rules(args) => Ok(catalogue::rules(args.format)),
        Command::Frameworks(args) => Ok(catalogue::frameworks(args.format)),
        Command::Config(ConfigCommand::Check { memory_limit_mib }) => {
            let config = Config::load(config_file)?;
            println!("{config:#?}");
            eprintln!("configuration is valid");
            check_memory(&config, database_url, memory_limit_mib.or_else(crate::sizing::cgroup_memory_limit_mib))
                .await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Report(args) => {
            let config = Config::load(config_file)?;
            report::run(args, &config, async || Database::open(database_url, data_dir).await).await
        }
        Command::Backup { out } => {
            with_database(database_url, data_dir, async |db| backup::backup(db, database_url, &out).await)
                .await
                .map(done)
        }
        Command::Restore { file } => {
            with_database(database_url, data_dir, async |db| backup::restore(db, database_url, &file).await)
                .await
                .map(done)
        }
        Command::Token(command) => {
            with_database(database_url, data_dir, async |db| token::run(&db.pool, command).await).await.map(done)
        }
        Command::User(command) => {
            with_database(database_url, data_dir, async |db| user::run(&db.pool, command).await).await.map(done)
        }
        Command::Bench(bench) => bench::run(bench, database_url).await.map(done),
        Command::Migrate => with_database(database_url, data_dir, async |_| {
            eprintln!("database schema is up to date");
            Ok(())
        })
        .await
        .map(done),
        Command::Collect(args) => {
            let config = Config::load(config_file)?;
            with_database(database_url, data_dir, async |db| Ok(collect::run(&db.pool, &args, &config).await)).await
        }
        Command::Serve(args) => {
            let config = Config::load(config_file)?;
            with_database(database_url, data_dir, async |db| serve::run(db, &args, &config).await).await.map(done)
        }
        Command::Demo(args) => {
            std::fs::create_dir_all(data_dir)
                .with_context(|| format!("cannot create data directory {}", data_dir.display()))?;
            let config = Config::load(config_file)?;
            with_database(database_url, data_dir, async |db| demo::run(db, data_dir, &args, config).await)
                .await
                .map(done)
        }
    }
}

/// `config check`'s sizing: each configured cluster's last collection's pods, from the database
/// at `database_url`, against the memory limit. Without a database or a limit it says what it
/// could not check; a warning never fails the check.
async fn check_memory(config: &Config, database_url: Option<&str>, limit_mib: Option<u64>) -> anyhow::Result<()> {
    let Some(limit_mib) = limit_mib else {
        eprintln!("memory: no limit set (--memory-limit-mib, or a cgroup limit): not checked");
        return Ok(());
    };
    let Some(url) = database_url else {
        eprintln!("memory: no DATABASE_URL: the clusters' sizes are not known, not checked against {limit_mib} MiB");
        return Ok(());
    };
    let pool = db::PgPool::connect(url).await.with_context(|| "memory: cannot read the clusters' last collections")?;
    let configured: Vec<&str> = config.clusters.iter().map(|c| c.name.as_str()).collect();
    let pods: Vec<(String, i64)> = db::system::last_pod_counts(&pool)
        .await?
        .into_iter()
        .filter(|(name, _)| configured.is_empty() || configured.contains(&name.as_str()))
        .collect();
    pool.close().await;
    let warnings = crate::sizing::memory_warnings(&pods, limit_mib);
    for warning in &warnings {
        eprintln!("warning: {warning}");
    }
    if warnings.is_empty() {
        eprintln!("memory: {} cluster(s) fit in the limit of {limit_mib} MiB", pods.len());
    }
    Ok(())
}

/// Opens the database (`database_url`, else the embedded one under `data_dir`), runs `act` on
/// it and closes it, returning what `act` returned.
pub async fn with_database<T>(
    database_url: Option<&str>,
    data_dir: &Path,
    act: impl AsyncFnOnce(&Database) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let database = Database::open(database_url, data_dir).await?;
    let result = act(&database).await;
    database.close().await?;
    result
}
