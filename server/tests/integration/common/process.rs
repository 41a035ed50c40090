//! Child processes of a test: `rampart` itself, Prometheus. Each is killed and reaped when
//! dropped, however the test ends.

use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

/// A child process, killed (SIGKILL) and reaped when dropped.
pub struct Process(pub Child);

impl Process {
    /// `rampart args…` against `database_url`, or its embedded PostgreSQL when `None`; output
    /// discarded.
    pub fn rampart(args: &[&str], database_url: Option<&str>) -> Process {
        let mut command = Command::new(env!("CARGO_BIN_EXE_rampart"));
        command.args(args).env("RUST_LOG", "warn").stdout(Stdio::null()).stderr(Stdio::null());
        match database_url {
            Some(url) => command.env("DATABASE_URL", url),
            None => command.env_remove("DATABASE_URL"),
        };
        Process(command.spawn().unwrap())
    }

    /// The name a `rampart` collector's lease connection has in `pg_stat_activity`.
    pub fn lease_name(&self) -> String {
        format!("rampart-collector {}", self.0.id())
    }

    /// Sends `signal` (`TERM`, `KILL`, …).
    pub fn signal(&self, signal: &str) {
        let sent = Command::new("kill").args(["-s", signal, &self.0.id().to_string()]).status().unwrap();
        assert!(sent.success());
    }

    /// SIGKILL, then reaps it: no chance to release anything.
    pub fn kill(&mut self) {
        self.0.kill().unwrap();
        self.0.wait().unwrap();
    }

    /// Waits for the process to exit without blocking the test's runtime, which may also serve
    /// a simulated cluster the process is still reading.
    pub async fn exited(&mut self) -> ExitStatus {
        loop {
            if let Some(status) = self.0.try_wait().unwrap() {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
