//! Helpers shared by the server's integration tests.

#![allow(dead_code)]

pub mod collect;
pub mod process;
pub mod web;

use std::path::{Path, PathBuf};
use std::time::Duration;

/// A fresh directory under the system temp dir, readable by the `postgres` user.
pub fn temp_dir(name: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let dir = std::env::temp_dir().join(format!("rampart-{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

/// A PDF's text as `pdftotext -layout` reads it back (Debian's poppler-utils).
pub fn pdf_text(bytes: &[u8]) -> String {
    let file = temp_dir("report-text").join("report.pdf");
    std::fs::write(&file, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext is installed (poppler-utils; scripts/test installs it)");
    assert!(out.status.success(), "pdftotext read {}", file.display());
    String::from_utf8(out.stdout).unwrap()
}

/// A small simulated cluster.
pub fn small_cluster(pods: usize) -> sim::SharedCluster {
    server::commands::demo::shared_cluster(sim::SimConfig { pods, ..sim::SimConfig::default() })
}

/// Simulated clusters named `names`, of `pods` pods each, served on loopback, and a
/// configuration file in `dir` collecting each every `interval`. The servers stop when dropped.
pub async fn simulated_clusters(
    dir: &Path,
    names: &[&str],
    pods: usize,
    interval: &str,
) -> (Vec<sim::SimServer>, PathBuf) {
    let mut servers = Vec::new();
    let mut config = String::new();
    for name in names {
        let cluster_dir = dir.join(name);
        std::fs::create_dir_all(&cluster_dir).unwrap();
        let (server, kubeconfig) =
            server::commands::demo::start_simulator(small_cluster(pods), &cluster_dir).await.unwrap();
        servers.push(server);
        config.push_str(&format!(
            "[[clusters]]\nname = \"{name}\"\nkubeconfig = \"{}\"\ninterval = \"{interval}\"\n\n",
            kubeconfig.display()
        ));
    }
    let file = dir.join("rampart.toml");
    std::fs::write(&file, config).unwrap();
    (servers, file)
}

/// The URL of `database` on the test PostgreSQL (`DATABASE_URL`'s server).
pub fn url_of(database: &str) -> String {
    let base = std::env::var("DATABASE_URL").unwrap();
    format!("{}/{database}", base.rsplit_once('/').unwrap().0)
}

/// The URL of the database `pool` is connected to, for a child `rampart` to use.
pub async fn url_for(pool: &db::PgPool) -> String {
    let (database,): (String,) = sqlx::query_as("select current_database()").fetch_one(pool).await.unwrap();
    url_of(&database)
}

/// Polls `condition` every 200 ms until it holds; panics with `what` after two minutes.
pub async fn wait_until<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    for _ in 0..600 {
        if condition().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("timed out waiting until {what}");
}
