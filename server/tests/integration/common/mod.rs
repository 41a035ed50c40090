//! Helpers shared by the server's integration tests.

#![allow(dead_code)]

pub mod web;

use std::path::PathBuf;

/// A fresh directory under the system temp dir, readable by the `postgres` user.
pub fn temp_dir(name: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let dir = std::env::temp_dir().join(format!("rampart-{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

/// A small simulated cluster.
pub fn small_cluster(pods: usize) -> sim::SharedCluster {
    server::demo::shared_cluster(sim::SimConfig { pods, ..sim::SimConfig::default() })
}
