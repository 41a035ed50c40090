//! `[[clusters]]`: which clusters to collect, how often, how their namespaces map to tenants,
//! and where their GPU metrics, usage and image reports come from.

use std::path::PathBuf;
use std::time::Duration;

use domain::tenancy::{TenantMapping, TenantRule};
use serde::Deserialize;

use super::secret::{HttpUrl, deserialize_from_str};

/// One cluster to collect (`[[clusters]]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterConfig {
    /// The name the cluster is stored and shown under; unique.
    pub name: String,
    /// Kubeconfig file; unset, the in-cluster service account or `KUBECONFIG` is used.
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context; unset, the file's current context.
    pub context: Option<String>,
    /// Time between collections (`30s`, `5m`, `1h`).
    #[serde(default = "Interval::five_minutes")]
    pub interval: Interval,
    /// How long one request may take: an API request, a pod-proxy scrape, a Prometheus query
    /// (default 30s, at most half the deadline).
    pub request_timeout: Option<Interval>,
    /// How long a whole collection may take (default 80% of the interval, at least 10s).
    pub deadline: Option<Interval>,
    /// The namespace label whose value names the tenant.
    #[serde(default = "default_tenant_label")]
    pub tenant_label: String,
    /// Image registries workloads may pull from; empty keeps the registry rule silent.
    #[serde(default)]
    pub allowed_registries: Vec<String>,
    /// A Prometheus scraping the cluster's dcgm-exporters (`http://prometheus:9090`), queried
    /// for GPU metrics; unset, the exporters are read through the API server's pod proxy.
    pub prometheus_url: Option<HttpUrl>,
    /// A label (`key=value`) of dcgm-exporter pods besides the well-known ones
    /// ([`domain::gpu::EXPORTER_LABELS`]: the GPU Operator's and dcgm-exporter's own chart's);
    /// the exporters are read through the API server's pod proxy when there is no
    /// `prometheus_url`, and recognised in Prometheus' answers. Empty turns discovery off.
    #[serde(default)]
    pub dcgm_exporter_label: Option<LabelSelector>,
    /// Operators' workload kinds to list (`"kubeflow.org/v1 PyTorchJob"`, optionally with the
    /// plural when it is not the kind's lowercase plus `s`), so their pod templates are
    /// assessed before any pod exists; without them, such workloads are read from their pods.
    /// A kind not served or not listable is a coverage gap.
    #[serde(default)]
    pub workload_kinds: Vec<WorkloadKind>,
    /// Read pod CPU and memory usage from metrics-server (`metrics.k8s.io`) when served.
    #[serde(default = "yes")]
    pub metrics_server: bool,
    /// Read Trivy Operator's reports (`aquasecurity.github.io`) when served.
    #[serde(default = "yes")]
    pub trivy_operator: bool,
    /// Tenant rules (`[[clusters.tenants]]`), tried in order, the first match naming the
    /// tenant; without any, the `tenant_label` alone.
    #[serde(default)]
    pub tenants: Vec<TenantRuleConfig>,
}

impl ClusterConfig {
    /// Where GPU and usage metrics and image reports come from.
    pub fn sources(&self) -> Sources {
        Sources {
            prometheus_url: self.prometheus_url.clone(),
            dcgm_exporters: match &self.dcgm_exporter_label {
                None => Sources::well_known_exporters(),
                Some(LabelSelector(None)) => Vec::new(),
                Some(LabelSelector(Some(label))) => {
                    let mut labels = Sources::well_known_exporters();
                    labels.push(label.clone());
                    labels
                }
            },
            metrics_server: self.metrics_server,
            trivy_operator: self.trivy_operator,
            workload_kinds: self.workload_kinds.clone(),
        }
    }

    /// The time between collections.
    pub fn interval(&self) -> Duration {
        self.interval.0
    }

    /// The cluster's timeouts: as configured, else the defaults for its interval.
    pub fn deadlines(&self) -> Deadlines {
        let mut deadlines = Deadlines::for_interval(self.interval());
        if let Some(deadline) = self.deadline {
            deadlines.collection = deadline.0;
            deadlines.request = deadlines.request.min(deadline.0 / 2);
        }
        if let Some(request) = self.request_timeout {
            deadlines.request = request.0;
            deadlines.connect = deadlines.connect.min(request.0);
        }
        deadlines
    }

    /// How this cluster's namespaces map to tenants.
    pub fn tenant_mapping(&self) -> TenantMapping {
        if self.tenants.is_empty() {
            return TenantMapping::by_label(&self.tenant_label);
        }
        TenantMapping { rules: self.tenants.iter().map(|rule| rule.0.clone()).collect() }
    }
}

/// Where a cluster's GPU metrics, usage and image reports come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sources {
    /// A Prometheus scraping the cluster's dcgm-exporters; preferred when set.
    pub prometheus_url: Option<HttpUrl>,
    /// The labels (any one) of dcgm-exporter pods, scraped through the API server's pod proxy
    /// when no Prometheus is configured, and recognised in Prometheus' answers (a free GPU's
    /// series carries the exporter's own pod); empty turns that discovery off.
    pub dcgm_exporters: Vec<(String, String)>,
    /// Read metrics-server's PodMetrics when the cluster serves them.
    pub metrics_server: bool,
    /// Read Trivy Operator's reports when the cluster serves them.
    pub trivy_operator: bool,
    /// Operators' workload kinds to list whole.
    pub workload_kinds: Vec<WorkloadKind>,
}

/// An operator's workload kind to list: `group/version Kind [plural]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadKind {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub plural: String,
}

impl std::str::FromStr for WorkloadKind {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let malformed = || format!("{text:?} must be \"group/version Kind\", such as \"kubeflow.org/v1 PyTorchJob\"");
        let (group_version, kind, plural) = match words.as_slice() {
            [group_version, kind] => (*group_version, *kind, format!("{}s", kind.to_lowercase())),
            [group_version, kind, plural] => (*group_version, *kind, plural.to_string()),
            _ => return Err(malformed()),
        };
        let (group, version) =
            group_version.split_once('/').filter(|(g, v)| !g.is_empty() && !v.is_empty()).ok_or_else(malformed)?;
        Ok(WorkloadKind { group: group.into(), version: version.into(), kind: kind.into(), plural })
    }
}
deserialize_from_str!(WorkloadKind);

impl Sources {
    /// [`domain::gpu::EXPORTER_LABELS`], as owned pairs.
    pub fn well_known_exporters() -> Vec<(String, String)> {
        domain::gpu::EXPORTER_LABELS.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }
}

impl Default for Sources {
    fn default() -> Self {
        Sources {
            prometheus_url: None,
            dcgm_exporters: Sources::well_known_exporters(),
            metrics_server: true,
            trivy_operator: true,
            workload_kinds: Vec::new(),
        }
    }
}

/// A time between collections, from `20s`, `5m`, `1h30m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval(pub Duration);

impl Interval {
    fn five_minutes() -> Self {
        Interval(Duration::from_secs(300))
    }
}

impl std::str::FromStr for Interval {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        crate::duration::parse_duration(text)
            .map(Interval)
            .map_err(|_| format!("{text:?} is not a duration (20s, 5m, 1h30m)"))
    }
}
deserialize_from_str!(Interval);

/// A pod label `key=value`, or nothing (the empty string) to turn a discovery off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelSelector(pub Option<(String, String)>);

impl std::str::FromStr for LabelSelector {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let label = text.trim();
        if label.is_empty() {
            return Ok(LabelSelector(None));
        }
        match label.split_once('=').map(|(k, v)| (k.trim(), v.trim())) {
            Some((key, value)) if !key.is_empty() && !value.is_empty() => {
                Ok(LabelSelector(Some((key.into(), value.into()))))
            }
            _ => Err(format!("{label:?} must be key=value (or empty to turn discovery off)")),
        }
    }
}
deserialize_from_str!(LabelSelector);

/// One tenant rule: exactly one of `label`, `namespaces` (with `tenant`) or `pattern` (with
/// `tenant`, in which `$1` or `$name` stand for the pattern's groups).
#[derive(Debug, Clone)]
pub struct TenantRuleConfig(pub TenantRule);

/// A tenant rule as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TenantRuleFields {
    label: Option<String>,
    namespaces: Option<Vec<String>>,
    pattern: Option<String>,
    tenant: Option<String>,
}

impl<'de> Deserialize<'de> for TenantRuleConfig {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let fields = TenantRuleFields::deserialize(deserializer)?;
        let rule = match (fields.label, fields.namespaces, fields.pattern, fields.tenant) {
            (Some(label), None, None, None) => Ok(TenantRule::Label(label)),
            (None, Some(namespaces), None, Some(tenant)) => Ok(TenantRule::Namespaces { namespaces, tenant }),
            (None, None, Some(pattern), Some(tenant)) => TenantRule::pattern(&pattern, &tenant),
            _ => Err("a tenant rule has exactly one of `label`, `namespaces` + `tenant`, `pattern` + `tenant`".into()),
        };
        rule.map(TenantRuleConfig).map_err(serde::de::Error::custom)
    }
}

fn default_tenant_label() -> String {
    domain::tenancy::DEFAULT_TENANT_LABEL.into()
}

fn yes() -> bool {
    true
}

/// How long a collection may wait. A request that takes longer than `request` fails (and an
/// optional source becomes a coverage gap naming it); a collection still running at
/// `collection` keeps what it has of the optional sources, and fails if the core kinds are not
/// all listed by then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    /// Connecting to the API server.
    pub connect: Duration,
    /// One request: an API request's response, a pod-proxy scrape, a Prometheus query.
    pub request: Duration,
    /// The whole collection.
    pub collection: Duration,
}

impl Deadlines {
    /// The default for one request.
    pub const REQUEST: Duration = Duration::from_secs(30);
    /// The default connect timeout.
    pub const CONNECT: Duration = Duration::from_secs(10);

    /// The defaults for a cluster collected every `interval`: 80% of the interval for the
    /// collection (at least 10 s), so one slow collection never runs into the next, and 30 s
    /// per request (at most half the collection's deadline).
    pub fn for_interval(interval: Duration) -> Self {
        let collection = interval.mul_f64(0.8).max(Duration::from_secs(10));
        Deadlines { connect: Self::CONNECT, request: Self::REQUEST.min(collection / 2), collection }
    }
}
