//! What a rule reports: a finding against one object, with its severity and framework controls.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

/// How bad a finding is. Ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// All severities, most severe first (the order tables and charts use).
    pub const ALL: [Severity; 5] =
        [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Info];

    /// The lowercase name used in JSON, the database and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|sev| sev.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown severity {s:?} (expected critical, high, medium, low or info)"))
    }
}

impl TryFrom<String> for Severity {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

/// Open findings by severity (info findings are not counted: they carry no weight).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeverityCounts {
    pub critical: u32,
    pub high: u32,
    pub medium: u32,
    pub low: u32,
}

impl SeverityCounts {
    /// Counts one more finding of `severity`.
    pub fn add(&mut self, severity: Severity) {
        match severity {
            Severity::Critical => self.critical += 1,
            Severity::High => self.high += 1,
            Severity::Medium => self.medium += 1,
            Severity::Low => self.low += 1,
            Severity::Info => {}
        }
    }
}

/// The Kubernetes object a finding is about, as written (a workload, not its pods).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ObjectRef {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectRef {
    /// The reference for an object of `kind` with the given metadata.
    pub fn from_meta(kind: &str, meta: &ObjectMeta) -> Self {
        ObjectRef {
            kind: kind.to_string(),
            namespace: meta.namespace.clone(),
            name: meta.name.clone().unwrap_or_default(),
        }
    }

    /// The namespace whose tenant owns this finding: the object's namespace, or the
    /// Namespace object's own name. `None` for other cluster-scoped objects.
    pub fn owning_namespace(&self) -> Option<&str> {
        match (&self.namespace, self.kind.as_str()) {
            (Some(ns), _) => Some(ns),
            (None, "Namespace") => Some(&self.name),
            _ => None,
        }
    }
}

impl std::fmt::Display for ObjectRef {
    /// `Kind/namespace/name`, or `Kind/name` for cluster-scoped objects.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{}/{ns}/{}", self.kind, self.name),
            None => write!(f, "{}/{}", self.kind, self.name),
        }
    }
}

/// One rule violation on one object (and container, where the rule is per container).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The stable rule id, e.g. `pod.privileged`.
    pub rule: String,
    pub severity: Severity,
    pub object: ObjectRef,
    pub container: Option<String>,
    /// A human sentence naming the offending setting; never quotes a secret value.
    pub message: String,
    /// Framework controls this finding is evidence against, as `framework:control`.
    pub controls: Vec<String>,
    /// The field paths that offend, e.g. `spec.containers[0].securityContext.privileged`.
    pub evidence: Vec<String>,
}

/// What makes a finding the same finding from one collection to the next: its rule, object,
/// container and offending field paths (not its message or severity, which may be reworded or
/// re-rated while it stays open). The store keeps one row per identity, so an evaluation
/// reports each identity once, and every count and every list agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FindingIdentity<'a> {
    pub rule: &'a str,
    pub object: &'a ObjectRef,
    pub container: Option<&'a str>,
    pub evidence: &'a [String],
}

impl Finding {
    /// This finding's [`FindingIdentity`].
    pub fn identity(&self) -> FindingIdentity<'_> {
        FindingIdentity {
            rule: &self.rule,
            object: &self.object,
            container: self.container.as_deref(),
            evidence: &self.evidence,
        }
    }
}

/// A finding with its tenant, its share of the tenant's score, and the exception that covers
/// it, if any (an excepted finding contributes nothing while the exception is active).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TenantFinding {
    pub tenant: String,
    pub item: Finding,
    /// What this finding adds to the tenant's score before normalisation.
    pub contribution: f64,
    pub exception: Option<i64>,
}
