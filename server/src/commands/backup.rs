//! `rampart backup` and `rampart restore`: PostgreSQL's own `pg_dump` and `pg_restore` (custom
//! format) against the embedded database or `DATABASE_URL`. A restore replaces what the target
//! holds, in one transaction, then brings the schema up to date, so an older backup restores
//! into a newer Rampart.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;

use crate::database::Database;

/// The connection arguments of the PostgreSQL client tools for `database`.
fn connection(database: &Database, database_url: Option<&str>) -> Vec<String> {
    match (&database.embedded, database_url) {
        (Some(pg), _) => vec![
            "--host".into(),
            pg.socket_dir().display().to_string(),
            "--username".into(),
            "postgres".into(),
            "--dbname".into(),
            crate::postgres::DATABASE.into(),
        ],
        (None, Some(url)) => vec!["--dbname".into(), url.to_string()],
        (None, None) => Vec::new(),
    }
}

/// A client tool: beside the embedded server's binaries, else the newest installed, else PATH.
fn tool(database: &Database, name: &str) -> PathBuf {
    let dir = database.embedded.as_ref().map(|pg| pg.bin_dir().to_path_buf()).or_else(crate::postgres::find_binaries);
    dir.map(|d| d.join(name)).filter(|p| p.is_file()).unwrap_or_else(|| PathBuf::from(name))
}

fn run(mut command: Command, what: &str) -> anyhow::Result<()> {
    let output =
        command.output().with_context(|| format!("cannot run {what} (install the postgresql-client package)"))?;
    anyhow::ensure!(output.status.success(), "{what} failed: {}", String::from_utf8_lossy(&output.stderr).trim());
    Ok(())
}

/// Writes a backup of `database` to `out` (written whole or not at all).
pub async fn backup(database: &Database, database_url: Option<&str>, out: &Path) -> anyhow::Result<()> {
    let partial = out.with_extension("partial");
    let mut command = Command::new(tool(database, "pg_dump"));
    command.args(["--format=custom", "--no-owner", "--file"]).arg(&partial).args(connection(database, database_url));
    run(command, "pg_dump")?;
    std::fs::rename(&partial, out).with_context(|| format!("cannot write {}", out.display()))?;
    let bytes = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
    eprintln!("backup written to {} ({bytes} bytes)", out.display());
    Ok(())
}

/// Replaces what `database` holds with the backup in `file`, then migrates it.
pub async fn restore(database: &Database, database_url: Option<&str>, file: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(file.is_file(), "backup file {} does not exist", file.display());
    let mut command = Command::new(tool(database, "pg_restore"));
    command
        .args(["--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error"])
        .args(connection(database, database_url))
        .arg(file);
    run(command, "pg_restore")?;
    db::migrate(&database.pool).await.context("cannot bring the restored schema up to date")?;
    eprintln!("restored from {}", file.display());
    Ok(())
}
