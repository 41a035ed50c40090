//! The embedded PostgreSQL default: with no `DATABASE_URL`, `rampart` initialises and runs its
//! own PostgreSQL cluster under `<data-dir>/pg`, reachable only through a Unix socket inside
//! the data directory, and stops it on exit.
//!
//! PostgreSQL refuses to run as root; when `rampart` runs as root, the server processes run as
//! the `postgres` user (or `nobody`), which then owns `<data-dir>/pg`.

use std::fs::{File, TryLockError};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use sqlx::postgres::PgConnectOptions;

/// Name of the database Rampart uses inside its embedded cluster.
pub const DATABASE: &str = "rampart";

/// What can go wrong running the embedded PostgreSQL.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error(
        "no PostgreSQL server binaries found (initdb, pg_ctl) on PATH or under /usr/lib/postgresql/*/bin.\n\
         Install them (Debian/Ubuntu: `apt-get install postgresql`), or point rampart at an existing \
         server with DATABASE_URL=postgres://user:password@host/db (or --database-url)"
    )]
    BinariesMissing,
    #[error("data directory {0} is already in use by another rampart process (lock held on {0}/rampart.lock)")]
    AlreadyInUse(PathBuf),
    #[error("cannot prepare data directory {path}: {source}")]
    DataDir { path: PathBuf, source: std::io::Error },
    #[error(
        "rampart runs as root and PostgreSQL refuses to; neither a `postgres` nor a `nobody` user exists \
         to run it as. Create one, run rampart as an ordinary user, or set DATABASE_URL"
    )]
    NoUnprivilegedUser,
    #[error("{step} failed: {detail}")]
    Command { step: &'static str, detail: String },
}

/// A running embedded PostgreSQL. Stopped by [`EmbeddedPostgres::stop`], or on drop.
#[derive(Debug)]
pub struct EmbeddedPostgres {
    /// Where the server lives and how to run its tools; also its watchdog.
    server: Watchdog,
    running: bool,
    _lock: File,
}

impl EmbeddedPostgres {
    /// Initialises (on first use) and starts PostgreSQL under `data_dir`, waits until it
    /// accepts connections and makes sure the `rampart` database exists.
    pub async fn start(data_dir: &Path) -> Result<Self, EmbeddedError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| EmbeddedError::DataDir { path, source }
        };
        std::fs::create_dir_all(data_dir).map_err(io(data_dir))?;
        let data_dir = data_dir.canonicalize().map_err(io(data_dir))?;
        let lock = take_lock(&data_dir)?;
        let bin = find_binaries().ok_or(EmbeddedError::BinariesMissing)?;
        let run_as = if effective_uid() == Some(0) { Some(unprivileged_user()?) } else { None };

        let pg_dir = data_dir.join("pg");
        let socket_dir = socket_dir_for(&data_dir);
        for dir in [&pg_dir, &socket_dir] {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io(dir))?;
            if let Some((uid, gid)) = run_as {
                std::os::unix::fs::chown(dir, Some(uid), Some(gid)).map_err(io(dir))?;
            }
        }
        let mut pg =
            EmbeddedPostgres { server: Watchdog { bin, pg_dir, socket_dir, run_as }, running: false, _lock: lock };
        if !pg.server.pg_dir.join("PG_VERSION").exists() {
            tracing::info!(dir = %pg.server.pg_dir.display(), "initialising embedded PostgreSQL");
            let dir = pg.server.pg_dir.display().to_string();
            pg.run("initdb", &["-D", &dir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-instructions"])
                .await?;
        }
        pg.stop_leftover().await;
        pg.server.start_server().await?;
        pg.running = true;
        pg.ensure_database().await?;
        tracing::info!(socket = %pg.server.socket_dir.display(), "embedded PostgreSQL running");
        Ok(pg)
    }

    /// The private socket's directory, for PostgreSQL's own client tools.
    pub fn socket_dir(&self) -> &Path {
        &self.server.socket_dir
    }

    /// The directory of the server binaries (and of `pg_dump` and `pg_restore` beside them).
    pub fn bin_dir(&self) -> &Path {
        &self.server.bin
    }

    /// Connection options for the `rampart` database over the private socket.
    pub fn connect_options(&self) -> PgConnectOptions {
        self.admin_options().database(DATABASE)
    }

    fn admin_options(&self) -> PgConnectOptions {
        PgConnectOptions::new().socket(&self.server.socket_dir).username("postgres").database("postgres")
    }

    async fn ensure_database(&self) -> Result<(), EmbeddedError> {
        let failed =
            |e: sqlx::Error| EmbeddedError::Command { step: "creating the rampart database", detail: e.to_string() };
        let pool = sqlx::PgPool::connect_with(self.admin_options()).await.map_err(failed)?;
        let exists: Option<(i32,)> = sqlx::query_as("select 1 from pg_database where datname = $1")
            .bind(DATABASE)
            .fetch_optional(&pool)
            .await
            .map_err(failed)?;
        if exists.is_none() {
            sqlx::query("create database rampart").execute(&pool).await.map_err(failed)?;
        }
        pool.close().await;
        Ok(())
    }

    /// Stops a server a killed rampart left running on this data directory.
    async fn stop_leftover(&self) {
        if self.server.pg_dir.join("postmaster.pid").exists() {
            let dir = self.server.pg_dir.display().to_string();
            if self.run("pg_ctl", &["status", "-D", &dir]).await.is_ok() {
                tracing::warn!("stopping a PostgreSQL left running by an earlier rampart");
                let _ = self.run("pg_ctl", &["stop", "-m", "fast", "-w", "-D", &dir]).await;
            }
        }
    }

    /// Stops PostgreSQL cleanly (a fast shutdown: no recovery on the next start).
    pub async fn stop(mut self) -> Result<(), EmbeddedError> {
        let dir = self.server.pg_dir.display().to_string();
        self.run("pg_ctl", &["stop", "-m", "fast", "-w", "-D", &dir]).await?;
        self.running = false;
        tracing::info!("embedded PostgreSQL stopped");
        Ok(())
    }

    async fn run(&self, program: &'static str, args: &[&str]) -> Result<Output, EmbeddedError> {
        self.server.run(program, args).await
    }

    /// A handle that restarts this server should it stop without being asked to.
    pub fn watchdog(&self) -> Watchdog {
        self.server.clone()
    }
}

/// Restarts the embedded PostgreSQL when it has stopped without being asked to (a crash, the
/// out-of-memory killer): it then recovers from its write-ahead log, and the pool reconnects.
#[derive(Debug, Clone)]
pub struct Watchdog {
    bin: PathBuf,
    pg_dir: PathBuf,
    socket_dir: PathBuf,
    run_as: Option<(u32, u32)>,
}

impl Watchdog {
    /// How often [`Watchdog::watch`] checks the server.
    pub const EVERY: std::time::Duration = std::time::Duration::from_secs(2);

    /// Checks the server every [`Watchdog::EVERY`] and restarts it when it is not running; runs
    /// until the task is aborted (before a deliberate stop).
    pub async fn watch(self) {
        loop {
            tokio::time::sleep(Self::EVERY).await;
            if let Err(error) = self.restart_if_stopped().await {
                tracing::warn!(%error, "the embedded PostgreSQL is down and could not be restarted; retrying");
            }
        }
    }

    /// Starts the server when it is not running; true when it did.
    pub async fn restart_if_stopped(&self) -> Result<bool, EmbeddedError> {
        let dir = self.pg_dir.display().to_string();
        if self.run("pg_ctl", &["status", "-D", &dir]).await.is_ok() {
            return Ok(false);
        }
        tracing::warn!("the embedded PostgreSQL stopped unexpectedly; restarting it");
        self.start_server().await?;
        tracing::info!("the embedded PostgreSQL is running again");
        Ok(true)
    }

    /// `pg_ctl start`, listening only on the private socket, logging to `pg/postgres.log`.
    async fn start_server(&self) -> Result<(), EmbeddedError> {
        let options =
            format!("-c listen_addresses='' -k {} -c unix_socket_permissions=0700", self.socket_dir.display());
        let log = self.pg_dir.join("postgres.log").display().to_string();
        let dir = self.pg_dir.display().to_string();
        self.run("pg_ctl", &["start", "-w", "-t", "60", "-D", &dir, "-l", &log, "-o", &options]).await?;
        Ok(())
    }

    async fn run(&self, program: &'static str, args: &[&str]) -> Result<Output, EmbeddedError> {
        let mut command = tokio::process::Command::new(self.bin.join(program));
        command.args(args).current_dir(&self.pg_dir).kill_on_drop(true);
        if let Some((uid, gid)) = self.run_as {
            command.uid(uid).gid(gid);
        }
        let output =
            command.output().await.map_err(|e| EmbeddedError::Command { step: program, detail: e.to_string() })?;
        if !output.status.success() {
            let mut detail = String::from_utf8_lossy(&output.stderr).trim().to_string();
            if detail.is_empty() {
                detail = String::from_utf8_lossy(&output.stdout).trim().to_string();
            }
            if self.run_as.is_some() {
                detail.push_str(" (PostgreSQL runs as an unprivileged user here: every parent folder of the data directory must be searchable by it)");
            }
            return Err(EmbeddedError::Command { step: program, detail });
        }
        Ok(output)
    }
}

impl Drop for EmbeddedPostgres {
    fn drop(&mut self) {
        if !self.running {
            return;
        }
        let mut command = std::process::Command::new(self.server.bin.join("pg_ctl"));
        command.args(["stop", "-m", "fast", "-w", "-D"]).arg(&self.server.pg_dir).current_dir(&self.server.pg_dir);
        if let Some((uid, gid)) = self.server.run_as {
            std::os::unix::process::CommandExt::uid(&mut command, uid);
            std::os::unix::process::CommandExt::gid(&mut command, gid);
        }
        let _ = command.output();
    }
}

fn take_lock(data_dir: &Path) -> Result<File, EmbeddedError> {
    let path = data_dir.join("rampart.lock");
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| EmbeddedError::DataDir { path: path.clone(), source })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(EmbeddedError::AlreadyInUse(data_dir.to_path_buf())),
        Err(TryLockError::Error(source)) => Err(EmbeddedError::DataDir { path, source }),
    }
}

/// The directory holding `initdb` and `pg_ctl`: from PATH first, then the newest
/// `/usr/lib/postgresql/<version>/bin`.
pub fn find_binaries() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").map(|p| std::env::split_paths(&p).collect::<Vec<_>>()).unwrap_or_default();
    let has_both = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(dir) = on_path.into_iter().find(|d| has_both(d)) {
        return Some(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin)| has_both(bin))
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// The Unix socket directory: inside the data directory, unless its path would exceed the
/// ~107-byte socket path limit, then a short directory in /tmp named after the data directory.
pub fn socket_dir_for(data_dir: &Path) -> PathBuf {
    let inside = data_dir.join("run");
    if inside.join(".s.PGSQL.5432").as_os_str().len() < 100 {
        return inside;
    }
    let hash = data_dir
        .as_os_str()
        .as_encoded_bytes()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3));
    PathBuf::from(format!("/tmp/rampart-{hash:016x}"))
}

fn effective_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

fn unprivileged_user() -> Result<(u32, u32), EmbeddedError> {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let lookup = |name: &str| {
        passwd.lines().find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            (fields.first() == Some(&name) && fields.len() > 3)
                .then(|| Some((fields[2].parse().ok()?, fields[3].parse().ok()?)))
                .flatten()
        })
    };
    lookup("postgres").or_else(|| lookup("nobody")).ok_or(EmbeddedError::NoUnprivilegedUser)
}

#[cfg(test)]
mod tests {
    use super::socket_dir_for;
    use std::path::Path;

    #[test]
    fn socket_stays_inside_a_short_data_dir() {
        assert_eq!(socket_dir_for(Path::new("/srv/rampart")), Path::new("/srv/rampart/run"));
    }

    #[test]
    fn socket_moves_to_tmp_for_a_long_data_dir() {
        let long = format!("/srv/{}", "x".repeat(120));
        let dir = socket_dir_for(Path::new(&long));
        assert!(dir.to_string_lossy().starts_with("/tmp/rampart-"));
        assert_eq!(dir, socket_dir_for(Path::new(&long)), "stable across runs");
    }
}
