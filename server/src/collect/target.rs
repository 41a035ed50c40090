//! What is collected: a cluster and how to reach it, and why a collection can fail.

use std::path::PathBuf;
use std::time::Duration;

use domain::rules::RuleSettings;

pub use crate::config::Sources;

/// One cluster to collect and how to reach it.
#[derive(Debug, Clone)]
pub struct ClusterTarget {
    /// The name the cluster is stored and shown under.
    pub name: String,
    /// Kubeconfig file; `None` infers one (in-cluster service account or `~/.kube/config`).
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context; `None` uses the current context.
    pub context: Option<String>,
    /// Tenant mapping and rule settings.
    pub rules: RuleSettings,
    /// Time between collections.
    pub interval: Duration,
    /// Where GPU and usage metrics and image reports come from.
    pub sources: Sources,
}

/// Why a collection failed. Nothing of a failed collection is stored.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error("cannot load kubeconfig {path}: {source}")]
    Kubeconfig { path: String, source: kube::config::KubeconfigError },
    #[error("cannot configure a client for cluster {cluster}: {detail}")]
    Client { cluster: String, detail: String },
    #[error("listing {kind} failed{}: {source}", if *.attempts > 1 { format!(" after {attempts} attempts") } else { String::new() })]
    List { kind: &'static str, attempts: u32, source: kube::Error },
    #[error("storing the collection failed: {0}")]
    Store(#[from] db::Error),
}
