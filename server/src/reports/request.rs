//! What a report covers, who asks for it, what comes back, and why it can fail.

use chrono::{DateTime, Utc};

/// What a report covers.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRequest {
    /// Tenants to cover; empty for every tenant in the viewer's scope.
    pub tenants: Vec<String>,
    /// Framework ids (`pss`, `cis`, `nsa`); empty for all three.
    pub frameworks: Vec<String>,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// Why a report could not be made. Nothing is stored or written then.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("unknown tenant {0:?} (or not one you may report on)")]
    UnknownTenant(String),
    #[error("unknown framework {0:?} (expected pss, cis or nsa)")]
    UnknownFramework(String),
    #[error("--from ({from}) is not before --to ({to})")]
    Backwards { from: DateTime<Utc>, to: DateTime<Utc> },
    #[error("no collection finished between {from} and {to}: the period is empty")]
    EmptyPeriod { from: DateTime<Utc>, to: DateTime<Utc> },
    #[error("no tenant to report on")]
    NoTenants,
    #[error(transparent)]
    Store(#[from] db::Error),
    #[error(transparent)]
    Render(#[from] report::Error),
    #[error("cannot read the signing key {path}: {error}")]
    Key { path: String, error: std::io::Error },
}

/// A report made and stored.
#[derive(Debug, Clone)]
pub struct Stored {
    pub report_id: i64,
    /// The file: the PDF, with its signature line when a key is configured.
    pub bytes: Vec<u8>,
    pub snapshot_sha256: String,
    pub pages: usize,
}

/// Who asks, and how the result is recorded.
#[derive(Debug, Clone, Default)]
pub struct Requester<'a> {
    pub name: &'a str,
    pub source_addr: Option<&'a str>,
    pub schedule: Option<&'a str>,
    /// PEM text of the Ed25519 key to seal with, when signing is configured.
    pub signing_key: Option<&'a str>,
}
