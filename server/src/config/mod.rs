//! The configuration file (TOML), layered with `RAMPART_<SECTION>__<KEY>` environment variables
//! (`RAMPART_AUTH__MODE=local`, `RAMPART_AUTH__OIDC__CLIENT_SECRET=…`). Flags stay on the
//! command line; the file holds what a deployment sets once: authentication, role and tenant
//! mappings, TLS.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use domain::access::Role;
use domain::tenancy::{TenantMapping, TenantRule};
use figment::Figment;
use figment::providers::{Env, Format, Toml};
use serde::Deserialize;

/// Everything the configuration file can set.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub auth: AuthConfig,
    /// Serve HTTPS with this certificate and key (PEM files).
    pub tls: Option<TlsConfig>,
    #[serde(default)]
    pub reports: ReportsConfig,
    #[serde(default)]
    pub metrics: MetricsConfig,
    #[serde(default)]
    pub alerts: AlertsConfig,
    /// The clusters to collect; without any, `collect` and `serve` use the cluster flags.
    #[serde(default)]
    pub clusters: Vec<ClusterConfig>,
}

/// One cluster to collect (`[[clusters]]`).
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterConfig {
    /// The name the cluster is stored and shown under; unique.
    pub name: String,
    /// Kubeconfig file; unset, the in-cluster service account or `KUBECONFIG` is used.
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context; unset, the file's current context.
    pub context: Option<String>,
    /// Time between collections (`30s`, `5m`, `1h`).
    #[serde(default = "default_interval")]
    pub interval: String,
    /// The namespace label whose value names the tenant.
    #[serde(default = "default_tenant_label")]
    pub tenant_label: String,
    /// Image registries workloads may pull from; empty keeps the registry rule silent.
    #[serde(default)]
    pub allowed_registries: Vec<String>,
    /// A Prometheus scraping the cluster's dcgm-exporters (`http://prometheus:9090`), queried
    /// for GPU metrics; unset, the exporters are read through the API server's pod proxy.
    pub prometheus_url: Option<String>,
    /// The label (`key=value`) of dcgm-exporter pods, read through the API server's pod proxy
    /// when there is no `prometheus_url`; empty turns direct discovery off.
    #[serde(default = "default_dcgm_exporter_label")]
    pub dcgm_exporter_label: String,
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

/// One tenant rule: exactly one of `label`, `namespaces` (with `tenant`) or `pattern` (with
/// `tenant`, in which `$1` or `$name` stand for the pattern's groups).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantRuleConfig {
    pub label: Option<String>,
    pub namespaces: Option<Vec<String>>,
    pub pattern: Option<String>,
    pub tenant: Option<String>,
}

impl TenantRuleConfig {
    fn rule(&self) -> Result<TenantRule, String> {
        match (&self.label, &self.namespaces, &self.pattern, &self.tenant) {
            (Some(label), None, None, None) => Ok(TenantRule::Label(label.clone())),
            (None, Some(namespaces), None, Some(tenant)) => {
                Ok(TenantRule::Namespaces { namespaces: namespaces.clone(), tenant: tenant.clone() })
            }
            (None, None, Some(pattern), Some(tenant)) => TenantRule::pattern(pattern, tenant),
            _ => Err("a tenant rule has exactly one of `label`, `namespaces` + `tenant`, `pattern` + `tenant`".into()),
        }
    }
}

fn default_interval() -> String {
    "5m".into()
}

fn default_tenant_label() -> String {
    domain::tenancy::DEFAULT_TENANT_LABEL.into()
}

fn default_dcgm_exporter_label() -> String {
    format!("app={}", crate::collect::gpu::DCGM_APP_LABEL)
}

fn yes() -> bool {
    true
}

impl ClusterConfig {
    /// Where GPU and usage metrics and image reports come from (validated when the
    /// configuration loads).
    pub fn sources(&self) -> crate::collect::Sources {
        crate::collect::Sources {
            prometheus_url: self.prometheus_url.clone(),
            dcgm_exporters: self.dcgm_exporter_label().unwrap_or_default(),
            metrics_server: self.metrics_server,
            trivy_operator: self.trivy_operator,
        }
    }

    /// The dcgm-exporter label as (key, value); `None` when empty (discovery off).
    pub fn dcgm_exporter_label(&self) -> Result<Option<(String, String)>, String> {
        let label = self.dcgm_exporter_label.trim();
        if label.is_empty() {
            return Ok(None);
        }
        match label.split_once('=').map(|(k, v)| (k.trim(), v.trim())) {
            Some((key, value)) if !key.is_empty() && !value.is_empty() => Ok(Some((key.into(), value.into()))),
            _ => Err(format!("dcgm_exporter_label {label:?} must be key=value (or empty to turn discovery off)")),
        }
    }

    /// The collection interval (validated when the configuration loads).
    pub fn interval(&self) -> std::time::Duration {
        crate::duration::parse_duration(&self.interval).unwrap_or(std::time::Duration::from_secs(300))
    }

    /// How this cluster's namespaces map to tenants (validated when the configuration loads).
    pub fn tenant_mapping(&self) -> Result<TenantMapping, String> {
        if self.tenants.is_empty() {
            return Ok(TenantMapping::by_label(&self.tenant_label));
        }
        let rules =
            self.tenants.iter().enumerate().map(|(i, rule)| rule.rule().map_err(|e| format!("tenants[{i}]: {e}")));
        Ok(TenantMapping { rules: rules.collect::<Result<_, _>>()? })
    }
}

/// Alert rules and where alerts go.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertsConfig {
    /// Alert on each new critical finding.
    #[serde(default)]
    pub new_critical: bool,
    /// Alert when a tenant's risk score rises by more than this within a day.
    pub score_rise: Option<f64>,
    /// Alert when a cluster has had no good collection for three intervals.
    #[serde(default)]
    pub stale_clusters: bool,
    /// Alert when a quota resource is at or above this percentage of its hard limit.
    pub quota_percent: Option<f64>,
    #[serde(default)]
    pub webhook: Vec<WebhookConfig>,
}

impl AlertsConfig {
    /// True when some rule is on and some webhook receives it.
    pub fn enabled(&self) -> bool {
        let any_rule =
            self.new_critical || self.score_rise.is_some() || self.stale_clusters || self.quota_percent.is_some();
        any_rule && !self.webhook.is_empty()
    }
}

/// A webhook alerts are posted to.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    pub name: String,
    pub url: String,
    #[serde(default)]
    pub format: WebhookFormat,
}

/// Shown as set or not: `rampart config check` and logs never print a credential.
fn secret(value: Option<&str>) -> Option<&'static str> {
    value.map(|_| "<set, not shown>")
}

impl std::fmt::Debug for MetricsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsConfig")
            .field("enabled", &self.enabled)
            .field("bearer_token", &secret(self.bearer_token.as_deref()))
            .finish()
    }
}

impl std::fmt::Debug for ClusterConfig {
    /// A Prometheus URL may carry basic-auth credentials: its password is not shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterConfig")
            .field("name", &self.name)
            .field("kubeconfig", &self.kubeconfig)
            .field("context", &self.context)
            .field("interval", &self.interval)
            .field("tenant_label", &self.tenant_label)
            .field("allowed_registries", &self.allowed_registries)
            .field("prometheus_url", &self.prometheus_url.as_deref().map(crate::redact::redact))
            .field("dcgm_exporter_label", &self.dcgm_exporter_label)
            .field("metrics_server", &self.metrics_server)
            .field("trivy_operator", &self.trivy_operator)
            .field("tenants", &self.tenants)
            .finish()
    }
}

impl std::fmt::Debug for WebhookConfig {
    /// The URL of a chat webhook is its credential: only its scheme and host are shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let host = self.url.split('/').take(3).collect::<Vec<_>>().join("/");
        f.debug_struct("WebhookConfig")
            .field("name", &self.name)
            .field("url", &format!("{host}/…"))
            .field("format", &self.format)
            .finish()
    }
}

/// The body a webhook receives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebhookFormat {
    /// `{"source":"rampart","kind":…,"tenant":…,"summary":…,"key":…,"at":…}`
    #[default]
    Json,
    /// Slack incoming webhooks: `{"text": …}`.
    Slack,
    /// Microsoft Teams incoming webhooks: a MessageCard.
    Teams,
}

/// `/metrics` for Prometheus. Off by default: it shows every tenant's posture.
#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    #[serde(default)]
    pub enabled: bool,
    /// When set, scrapes must send `Authorization: Bearer <token>` (better set through
    /// `RAMPART_METRICS__BEARER_TOKEN`).
    pub bearer_token: Option<String>,
}

/// Compliance reports: signing, and reports generated on a schedule.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportsConfig {
    /// An Ed25519 private key (PKCS#8 PEM, e.g. from `rampart report keygen`) to sign reports with.
    pub signing_key: Option<PathBuf>,
    /// Reports generated when their cron expression comes due.
    #[serde(default)]
    pub schedule: Vec<ReportSchedule>,
}

/// One scheduled report.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSchedule {
    /// A unique name, shown with the reports it made.
    pub name: String,
    /// When to generate it: a cron expression in UTC (`0 6 * * 1` is Mondays at 06:00).
    pub cron: String,
    /// Tenants to cover; empty for all.
    #[serde(default)]
    pub tenants: Vec<String>,
    /// Framework ids; empty for all.
    #[serde(default)]
    pub frameworks: Vec<String>,
    /// Days before the run the report covers.
    #[serde(default = "default_period_days")]
    pub period_days: u32,
}

fn default_period_days() -> u32 {
    7
}

/// How people sign in and what their groups allow them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// `oidc`, `proxy` or `local`. Unset, the server fails closed: it serves only the health
    /// probes and a login page that says so.
    pub mode: Option<AuthMode>,
    /// The address users reach Rampart at (`https://rampart.example.com`): the origin
    /// state-changing requests must come from, and the base of the OIDC redirect URL. Unset,
    /// a request's own `Host` is the expected origin.
    pub public_url: Option<String>,
    /// Minutes without a request after which a session ends.
    #[serde(default = "default_idle_minutes")]
    pub idle_timeout_minutes: u32,
    /// Hours after sign-in after which a session ends however active it is.
    #[serde(default = "default_absolute_hours")]
    pub absolute_timeout_hours: u32,
    /// Failed sign-ins allowed from one address within 15 minutes before it must wait.
    #[serde(default = "default_login_attempts")]
    pub max_failed_logins: u32,
    /// Group → role. A user in several mapped groups gets the most privileged role.
    #[serde(default)]
    pub group_roles: BTreeMap<String, Role>,
    /// Group → tenants, for tenant leads: a lead sees the union of their groups' tenants.
    #[serde(default)]
    pub group_tenants: BTreeMap<String, Vec<String>>,
    pub oidc: Option<OidcConfig>,
    #[serde(default)]
    pub proxy: ProxyConfig,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            mode: None,
            public_url: None,
            idle_timeout_minutes: default_idle_minutes(),
            absolute_timeout_hours: default_absolute_hours(),
            max_failed_logins: default_login_attempts(),
            group_roles: BTreeMap::new(),
            group_tenants: BTreeMap::new(),
            oidc: None,
            proxy: ProxyConfig::default(),
        }
    }
}

fn default_idle_minutes() -> u32 {
    60
}
fn default_absolute_hours() -> u32 {
    12
}
fn default_login_attempts() -> u32 {
    10
}

/// The configured authentication mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    Oidc,
    Proxy,
    Local,
}

/// An OpenID Connect provider and this client's registration with it.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcConfig {
    /// The issuer URL; its discovery document is read at start-up.
    pub issuer: String,
    pub client_id: String,
    /// Better set through `RAMPART_AUTH__OIDC__CLIENT_SECRET` than in the file.
    pub client_secret: Option<String>,
    /// The ID-token (or userinfo) claim holding the user's groups.
    #[serde(default = "default_groups_claim")]
    pub groups_claim: String,
    /// Scopes to ask for besides `openid`.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
}

impl std::fmt::Debug for OidcConfig {
    /// Shows everything but the client secret, which `rampart config check` must not print.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcConfig")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &secret(self.client_secret.as_deref()))
            .field("groups_claim", &self.groups_claim)
            .field("scopes", &self.scopes)
            .finish()
    }
}

fn default_groups_claim() -> String {
    "groups".into()
}
fn default_scopes() -> Vec<String> {
    vec!["profile".into(), "email".into(), "groups".into()]
}

/// Identity headers set by a trusted authenticating proxy (oauth2-proxy and the like).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProxyConfig {
    #[serde(default = "default_user_header")]
    pub user_header: String,
    #[serde(default = "default_groups_header")]
    pub groups_header: String,
    /// Addresses (`10.0.0.5`) or networks (`10.0.0.0/8`) of the proxies. Headers from anywhere
    /// else are refused.
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
}

impl Default for ProxyConfig {
    fn default() -> Self {
        ProxyConfig {
            user_header: default_user_header(),
            groups_header: default_groups_header(),
            trusted_proxies: vec![],
        }
    }
}

fn default_user_header() -> String {
    "X-Forwarded-User".into()
}
fn default_groups_header() -> String {
    "X-Forwarded-Groups".into()
}

/// A certificate chain and private key in PEM files.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// A configuration that could not be read, with the key and line it is about.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ConfigError {
    message: String,
}

impl Config {
    /// Reads `file` (when given) and the `RAMPART_AUTH__…`/`RAMPART_TLS__…` environment.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        let mut figment = Figment::new();
        if let Some(file) = file {
            if !file.is_file() {
                return Err(ConfigError { message: format!("configuration file {} does not exist", file.display()) });
            }
            figment = figment.merge(Toml::file_exact(file));
        }
        figment = figment.merge(Env::prefixed("RAMPART_").split("__").filter(|key| {
            let key = key.as_str().to_ascii_lowercase();
            key.starts_with("auth.")
                || key.starts_with("tls.")
                || key.starts_with("reports.")
                || key.starts_with("metrics.")
                || key.starts_with("alerts.")
        }));
        let config: Config = figment.extract().map_err(|error| describe(error, file))?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let fail = |message: String| Err(ConfigError { message });
        match self.auth.mode {
            Some(AuthMode::Oidc) if self.auth.oidc.is_none() => {
                return fail("auth.mode is \"oidc\" but the [auth.oidc] section is missing".into());
            }
            Some(AuthMode::Proxy) if self.auth.proxy.trusted_proxies.is_empty() => {
                return fail("auth.mode is \"proxy\" but auth.proxy.trusted_proxies is empty".into());
            }
            _ => {}
        }
        for proxy in &self.auth.proxy.trusted_proxies {
            if crate::auth::proxy::parse_network(proxy).is_none() {
                return fail(format!("auth.proxy.trusted_proxies: {proxy:?} is not an address or a network"));
            }
        }
        for schedule in &self.reports.schedule {
            if let Err(error) = crate::jobs::report_schedule::next_run(&schedule.cron, chrono::Utc::now()) {
                return fail(format!("reports.schedule {:?}: {error}", schedule.name));
            }
        }
        let mut names = std::collections::BTreeSet::new();
        for cluster in &self.clusters {
            if cluster.name.trim().is_empty() {
                return fail("clusters: a cluster has an empty name".into());
            }
            if !names.insert(cluster.name.as_str()) {
                return fail(format!("clusters: the name {:?} is used twice", cluster.name));
            }
            if let Err(error) = crate::duration::parse_duration(&cluster.interval) {
                return fail(format!("clusters {:?}: interval: {error}", cluster.name));
            }
            if let Some(url) = &cluster.prometheus_url
                && !(url.starts_with("http://") || url.starts_with("https://"))
            {
                return fail(format!(
                    "clusters {:?}: prometheus_url {url:?} must start with http:// or https://",
                    cluster.name
                ));
            }
            if let Err(error) = cluster.dcgm_exporter_label() {
                return fail(format!("clusters {:?}: {error}", cluster.name));
            }
            if let Err(error) = cluster.tenant_mapping() {
                return fail(format!("clusters {:?}: {error}", cluster.name));
            }
        }
        if let Some(url) = &self.auth.public_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return fail(format!("auth.public_url: {url:?} must start with http:// or https://"));
        }
        Ok(())
    }
}

/// Turns a figment error into one message per problem naming the key, the file and the line.
fn describe(error: figment::Error, file: Option<&Path>) -> ConfigError {
    let text = file.and_then(|f| std::fs::read_to_string(f).ok()).unwrap_or_default();
    let messages: Vec<String> = error
        .into_iter()
        .map(|e| {
            let key = e.path.join(".");
            let line = e.path.last().and_then(|last| line_of(&text, last));
            let place = match (file, line) {
                (Some(f), Some(line)) => format!(" ({}:{line})", f.display()),
                (Some(f), None) => format!(" ({})", f.display()),
                _ => String::new(),
            };
            let what = if key.is_empty() { String::new() } else { format!("{key}: ") };
            format!("{what}{}{place}", e.kind)
        })
        .collect();
    ConfigError { message: format!("invalid configuration: {}", messages.join("; ")) }
}

/// The 1-based line where `key` is assigned or opens a table, if it appears in `text`.
fn line_of(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|line| {
            let line = line.trim_start();
            let quoted = format!("\"{key}\"");
            line.strip_prefix(key)
                .or_else(|| line.strip_prefix(quoted.as_str()))
                .is_some_and(|rest| rest.trim_start().starts_with('='))
                || line.trim_end().trim_start_matches('[').trim_end_matches(']').ends_with(key)
        })
        .map(|index| index + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> Result<Config, ConfigError> {
        let dir = std::env::temp_dir().join(format!("rampart-config-{}-{}", std::process::id(), text.len()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("rampart.toml");
        std::fs::write(&file, text).unwrap();
        Config::load(Some(&file))
    }

    #[test]
    fn a_local_configuration_with_mappings_loads() {
        let config = load_text(
            "[auth]\nmode = \"local\"\n[auth.group_roles]\nsec = \"security\"\nleads = \"tenant-lead\"\n\
             [auth.group_tenants]\nleads = [\"nlp\"]\n",
        )
        .unwrap();
        assert_eq!(config.auth.mode, Some(AuthMode::Local));
        assert_eq!(config.auth.group_roles["sec"], Role::Security);
        assert_eq!(config.auth.group_tenants["leads"], vec!["nlp".to_string()]);
        assert_eq!(config.auth.idle_timeout_minutes, 60);
    }

    #[test]
    fn an_unknown_role_names_the_key_and_the_line() {
        let error = load_text("[auth]\nmode = \"local\"\n\n[auth.group_roles]\nsec = \"superuser\"\n").unwrap_err();
        let message = error.to_string();
        assert!(message.contains("auth.group_roles.sec"), "{message}");
        assert!(message.contains("rampart.toml:5"), "{message}");
    }

    #[test]
    fn proxy_mode_without_trusted_proxies_is_refused() {
        let error = load_text("[auth]\nmode = \"proxy\"\n").unwrap_err();
        assert!(error.to_string().contains("trusted_proxies"), "{error}");
    }

    #[test]
    fn config_check_output_shows_no_credential() {
        let config = load_text(
            "[metrics]\nenabled = true\nbearer_token = \"scrape-secret\"\n\n[[alerts.webhook]]\nname = \"chat\"\n\
             url = \"https://hooks.example/services/T0/B0/hook-secret\"\nformat = \"slack\"\n\n\
             [[clusters]]\nname = \"east\"\nprometheus_url = \"https://rampart:prom-secret@prometheus.example\"\n",
        )
        .unwrap();
        let shown = format!("{config:#?}");
        assert!(!shown.contains("scrape-secret") && !shown.contains("hook-secret"), "{shown}");
        assert!(!shown.contains("prom-secret") && shown.contains("rampart:***@prometheus.example"), "{shown}");
        assert!(shown.contains("https://hooks.example/…"));
    }

    #[test]
    fn a_missing_file_is_named() {
        let error = Config::load(Some(Path::new("/nonexistent/rampart.toml"))).unwrap_err();
        assert!(error.to_string().contains("/nonexistent/rampart.toml"));
    }

    #[test]
    fn clusters_load_with_their_defaults() {
        let config = load_text(
            "[[clusters]]\nname = \"east\"\nkubeconfig = \"/etc/rampart/east.yaml\"\ninterval = \"30s\"\n\n\
             [[clusters]]\nname = \"west\"\n",
        )
        .unwrap();
        assert_eq!(config.clusters.len(), 2);
        assert_eq!(config.clusters[0].interval(), std::time::Duration::from_secs(30));
        assert_eq!(config.clusters[1].interval(), std::time::Duration::from_secs(300));
        assert_eq!(config.clusters[1].kubeconfig, None);
        assert_eq!(config.clusters[1].tenant_label, domain::tenancy::DEFAULT_TENANT_LABEL);
        let sources = config.clusters[1].sources();
        assert_eq!(sources.dcgm_exporters, Some(("app".into(), "nvidia-dcgm-exporter".into())));
        assert!(sources.metrics_server && sources.trivy_operator, "every source the cluster serves is read");
    }

    #[test]
    fn sources_can_be_turned_off_and_a_malformed_exporter_label_is_named() {
        let off = load_text(
            "[[clusters]]\nname = \"east\"\ndcgm_exporter_label = \"\"\nmetrics_server = false\ntrivy_operator = false\n",
        )
        .unwrap();
        let sources = off.clusters[0].sources();
        assert_eq!((sources.dcgm_exporters, sources.metrics_server, sources.trivy_operator), (None, false, false));
        let custom = load_text("[[clusters]]\nname = \"east\"\ndcgm_exporter_label = \"k8s-app = dcgm\"\n").unwrap();
        assert_eq!(custom.clusters[0].sources().dcgm_exporters, Some(("k8s-app".into(), "dcgm".into())));
        let bad = load_text("[[clusters]]\nname = \"east\"\ndcgm_exporter_label = \"dcgm\"\n").unwrap_err();
        assert!(bad.to_string().contains("clusters \"east\": dcgm_exporter_label \"dcgm\" must be key=value"), "{bad}");
    }

    #[test]
    fn a_cluster_named_twice_or_with_a_bad_interval_is_refused() {
        let twice = load_text("[[clusters]]\nname = \"east\"\n[[clusters]]\nname = \"east\"\n").unwrap_err();
        assert!(twice.to_string().contains("\"east\" is used twice"), "{twice}");
        let interval = load_text("[[clusters]]\nname = \"east\"\ninterval = \"often\"\n").unwrap_err();
        assert!(interval.to_string().contains("clusters \"east\": interval"), "{interval}");
        let url = load_text("[[clusters]]\nname = \"east\"\nprometheus_url = \"prometheus:9090\"\n").unwrap_err();
        assert!(url.to_string().contains("prometheus_url \"prometheus:9090\" must start with http"), "{url}");
        let unknown = load_text("[[clusters]]\nname = \"east\"\nkubecfg = \"x\"\n").unwrap_err();
        assert!(unknown.to_string().contains("kubecfg"), "{unknown}");
    }

    #[test]
    fn tenant_rules_load_in_order_and_a_bad_one_is_named() {
        let config = load_text(
            "[[clusters]]\nname = \"east\"\n[[clusters.tenants]]\nnamespaces = [\"payments\"]\ntenant = \"fintech\"\n\
             [[clusters.tenants]]\npattern = \"^ml-(?P<team>[a-z]+)-.*$\"\ntenant = \"$team\"\n",
        )
        .unwrap();
        let mapping = config.clusters[0].tenant_mapping().unwrap();
        assert_eq!(mapping.rules.len(), 2);
        assert!(matches!(&mapping.rules[0], TenantRule::Namespaces { tenant, .. } if tenant == "fintech"));
        let bad = load_text("[[clusters]]\nname = \"east\"\n[[clusters.tenants]]\npattern = \"(\"\ntenant = \"x\"\n")
            .unwrap_err();
        assert!(bad.to_string().contains("clusters \"east\": tenants[0]: invalid pattern"), "{bad}");
        let both = load_text("[[clusters]]\nname = \"east\"\n[[clusters.tenants]]\nlabel = \"team\"\ntenant = \"x\"\n")
            .unwrap_err();
        assert!(both.to_string().contains("exactly one of"), "{both}");
    }
}
