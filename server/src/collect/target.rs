//! What is collected: a cluster and how to reach it, and why a collection can fail.

use std::path::PathBuf;
use std::time::Duration;

use domain::rules::RuleSettings;

pub use crate::config::{Deadlines, Sources};

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
    /// How long one request, and the whole collection, may take.
    pub deadlines: Deadlines,
}

/// Why a collection failed. Nothing of a failed collection is stored.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error("cannot load kubeconfig {path}: {source}")]
    Kubeconfig { path: String, source: kube::config::KubeconfigError },
    #[error("cannot configure a client for cluster {cluster}: {detail}")]
    Client { cluster: String, detail: String },
    #[error("listing {kind} failed{}: {}", if *.attempts > 1 { format!(" after {attempts} attempts") } else { String::new() }, crate::diagnosis::describe(.source))]
    List { kind: &'static str, attempts: u32, source: kube::Error },
    #[error("the collection's deadline of {}s ran out while {while_doing}", .deadline.as_secs())]
    Deadline { deadline: Duration, while_doing: &'static str },
    #[error("cannot reach {server}: {cause}")]
    Tls { server: String, cause: String },
    #[error("storing the collection failed: {0}")]
    Store(#[from] db::Error),
}

impl CollectError {
    /// A TLS failure named with the API server it was met at; any other error as it is.
    pub fn naming_server(self, server: &str) -> Self {
        match &self {
            CollectError::List { source, .. } => match crate::diagnosis::tls_cause(source) {
                Some(cause) => {
                    CollectError::Tls { server: server.to_string(), cause: format!("TLS handshake failed: {cause}") }
                }
                None => self,
            },
            _ => self,
        }
    }
}
