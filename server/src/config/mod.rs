//! The configuration file (TOML), layered with `RAMPART_<SECTION>__<KEY>` environment variables
//! (`RAMPART_AUTH__MODE=local`, `RAMPART_AUTH__OIDC__CLIENT_SECRET=…`). Flags stay on the
//! command line; the file holds what a deployment sets once: authentication, role and tenant
//! mappings, TLS, clusters, reports, alerts.
//!
//! Every value is parsed into its type as the file loads (an [`Interval`], a [`LabelSelector`],
//! a [`TrustedNetwork`], a [`CronSchedule`], a [`WebhookUrl`]), so a bad value fails the load
//! with its key and line, and nothing re-parses it later. Credentials are [`Secret`]s, whose
//! `Debug` never shows them.

mod alerts;
mod auth;
mod clusters;
mod reports;
mod secret;

use std::path::Path;

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use serde::Deserialize;

pub use alerts::{AlertsConfig, WebhookConfig, WebhookFormat, WebhookUrl};
pub use auth::{AuthConfig, AuthMode, Network, OidcConfig, ProxyConfig, TlsConfig, TrustedNetwork};
pub use clusters::{ClusterConfig, Deadlines, Interval, LabelSelector, Sources, TenantRuleConfig, WorkloadKind};
pub use reports::{CronSchedule, MetricsConfig, ReportSchedule, ReportsConfig};
pub use secret::{HttpUrl, Secret};

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
        let config: Config = figment.extract().map_err(|error| describe(error, file, &figment))?;
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
        if self.auth.public_url.is_none() && (self.tls.is_some() || self.auth.mode == Some(AuthMode::Proxy)) {
            let why = if self.tls.is_some() { "[tls] is set" } else { "auth.mode is \"proxy\"" };
            return fail(format!(
                "auth.public_url is required because {why}: the origin of state-changing requests is checked \
                 against it, never against the request's own Host header"
            ));
        }
        let proxy = &self.auth.proxy;
        for trusted in &proxy.trusted_proxies {
            if let Some(pods) = proxy.pod_networks.iter().find(|pods| trusted.0.overlaps(pods)) {
                return fail(format!(
                    "auth.proxy.trusted_proxies: {} overlaps the pod network {}: any pod there could send identity \
                     headers; list the proxy's own addresses",
                    trusted.0.0, pods.0
                ));
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
            let deadlines = cluster.deadlines();
            if deadlines.request >= deadlines.collection {
                return fail(format!(
                    "clusters {:?}: request_timeout ({}s) must be shorter than deadline ({}s)",
                    cluster.name,
                    deadlines.request.as_secs(),
                    deadlines.collection.as_secs()
                ));
            }
        }
        Ok(())
    }
}

/// Turns a figment error into one message per problem naming the key, the file and the line.
/// A key inside a cluster is named by the cluster (`clusters "east": interval`); a message that
/// quotes the offending value follows its key directly (`interval "often" is not a duration`).
fn describe(error: figment::Error, file: Option<&Path>, figment: &Figment) -> ConfigError {
    let text = file.and_then(|f| std::fs::read_to_string(f).ok()).unwrap_or_default();
    let messages: Vec<String> = error
        .into_iter()
        .map(|e| {
            let key = key_name(&e.path, figment);
            let line = e.path.iter().rev().find(|part| part.parse::<usize>().is_err()).and_then(|k| line_of(&text, k));
            let place = match (file, line) {
                (Some(f), Some(line)) => format!(" ({}:{line})", f.display()),
                (Some(f), None) => format!(" ({})", f.display()),
                _ => String::new(),
            };
            let message = e.kind.to_string();
            let what = match (key.is_empty(), message.starts_with('"')) {
                (true, _) => String::new(),
                (false, true) => format!("{key} "),
                (false, false) => format!("{key}: "),
            };
            format!("{what}{message}{place}")
        })
        .collect();
    ConfigError { message: format!("invalid configuration: {}", messages.join("; ")) }
}

/// The dotted key of `path`, with a cluster named by its `name` and list items by `[index]`.
fn key_name(path: &[String], figment: &Figment) -> String {
    let mut key = String::new();
    let mut parts = path.iter().peekable();
    while let Some(part) = parts.next() {
        if let Ok(index) = part.parse::<usize>() {
            key.push_str(&format!("[{index}]"));
            continue;
        }
        if part == "clusters" && key.is_empty() {
            if let Some(index) = parts.peek().and_then(|p| p.parse::<usize>().ok()) {
                parts.next();
                match cluster_name(figment, index) {
                    Some(name) => key.push_str(&format!("clusters {name:?}:")),
                    None => key.push_str(&format!("clusters[{index}]:")),
                }
                continue;
            }
        }
        if !key.is_empty() && !key.ends_with(':') {
            key.push('.');
        } else if key.ends_with(':') {
            key.push(' ');
        }
        key.push_str(part);
    }
    key.trim_end_matches(':').to_string()
}

/// The `name` of the cluster at `index` of `[[clusters]]`, as written.
fn cluster_name(figment: &Figment, index: usize) -> Option<String> {
    let figment::value::Value::Array(_, clusters) = figment.find_value("clusters").ok()? else { return None };
    clusters.into_iter().nth(index)?.find("name")?.into_string()
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
    use domain::access::Role;
    use domain::tenancy::TenantRule;

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
    fn a_trusted_proxy_range_that_holds_a_pod_network_is_refused_at_load() {
        let wide =
            load_text("[auth]\nmode = \"proxy\"\n[auth.proxy]\ntrusted_proxies = [\"10.0.0.0/8\"]\n").unwrap_err();
        let message = wide.to_string();
        assert!(message.contains("auth.proxy.trusted_proxies") && message.contains("too wide to trust"), "{message}");
        let pods = "[auth]\nmode = \"proxy\"\npublic_url = \"https://rampart.example\"\n\
                    [auth.proxy]\npod_networks = [\"10.42.0.0/16\"]\ntrusted_proxies = ";
        let overlap = load_text(&format!("{pods}[\"10.42.0.0/20\"]\n")).unwrap_err();
        assert!(overlap.to_string().contains("overlaps the pod network 10.42.0.0/16"), "{overlap}");
        let proxy_only = load_text(&format!("{pods}[\"10.43.7.19\"]\n")).unwrap();
        assert_eq!(proxy_only.auth.proxy.trusted_proxies.len(), 1);
    }

    #[test]
    fn behind_a_proxy_or_with_tls_the_public_url_is_required() {
        let proxy =
            load_text("[auth]\nmode = \"proxy\"\n[auth.proxy]\ntrusted_proxies = [\"10.43.7.19\"]\n").unwrap_err();
        assert!(proxy.to_string().contains("auth.public_url is required because auth.mode is \"proxy\""), "{proxy}");
        let tls = load_text("[auth]\nmode = \"local\"\n[tls]\ncert = \"/c.pem\"\nkey = \"/k.pem\"\n").unwrap_err();
        assert!(tls.to_string().contains("because [tls] is set"), "{tls}");
        let named = "[auth]\nmode = \"local\"\npublic_url = \"https://rampart.example\"\n[tls]\ncert = \"/c.pem\"\nkey = \"/k.pem\"\n";
        assert!(load_text(named).is_ok());
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
        assert_eq!(
            sources.dcgm_exporters,
            [("app".into(), "nvidia-dcgm-exporter".into()), ("app.kubernetes.io/name".into(), "dcgm-exporter".into())],
            "the GPU Operator's label and dcgm-exporter's own chart's"
        );
        assert!(sources.metrics_server && sources.trivy_operator, "every source the cluster serves is read");
    }

    #[test]
    fn sources_can_be_turned_off_and_a_malformed_exporter_label_is_named() {
        let off = load_text(
            "[[clusters]]\nname = \"east\"\ndcgm_exporter_label = \"\"\nmetrics_server = false\ntrivy_operator = false\n",
        )
        .unwrap();
        let sources = off.clusters[0].sources();
        assert_eq!((sources.dcgm_exporters, sources.metrics_server, sources.trivy_operator), (vec![], false, false));
        let custom = load_text("[[clusters]]\nname = \"east\"\ndcgm_exporter_label = \"k8s-app = dcgm\"\n").unwrap();
        let labels = custom.clusters[0].sources().dcgm_exporters;
        assert_eq!(labels.len(), 3, "the configured label joins the well-known ones");
        assert_eq!(labels[2], ("k8s-app".into(), "dcgm".into()));
        let kinds = load_text("[[clusters]]\nname = \"east\"\nworkload_kinds = [\"kubeflow.org/v1 PyTorchJob\", \"ray.io/v1 RayCluster rayclusters\"]\n").unwrap();
        let kinds = kinds.clusters[0].sources().workload_kinds;
        assert_eq!((kinds[0].group.as_str(), kinds[0].plural.as_str()), ("kubeflow.org", "pytorchjobs"));
        assert_eq!(kinds[1].kind, "RayCluster");
        let wrong = load_text("[[clusters]]\nname = \"east\"\nworkload_kinds = [\"PyTorchJob\"]\n").unwrap_err();
        assert!(wrong.to_string().contains("must be \"group/version Kind\""), "{wrong}");
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
        let slow =
            load_text("[[clusters]]\nname = \"east\"\nrequest_timeout = \"2m\"\ndeadline = \"1m\"\n").unwrap_err();
        assert!(slow.to_string().contains("request_timeout (120s) must be shorter than deadline (60s)"), "{slow}");
    }

    #[test]
    fn deadlines_default_below_the_interval_and_can_be_set_per_cluster() {
        let config = load_text(
            "[[clusters]]\nname = \"east\"\ninterval = \"5m\"\n\
             [[clusters]]\nname = \"west\"\ninterval = \"5m\"\nrequest_timeout = \"5s\"\ndeadline = \"1m\"\n",
        )
        .unwrap();
        let east = config.clusters[0].deadlines();
        assert_eq!((east.request.as_secs(), east.collection.as_secs()), (30, 240));
        let west = config.clusters[1].deadlines();
        assert_eq!((west.connect.as_secs(), west.request.as_secs(), west.collection.as_secs()), (5, 5, 60));
    }

    #[test]
    fn tenant_rules_load_in_order_and_a_bad_one_is_named() {
        let config = load_text(
            "[[clusters]]\nname = \"east\"\n[[clusters.tenants]]\nnamespaces = [\"payments\"]\ntenant = \"fintech\"\n\
             [[clusters.tenants]]\npattern = \"^ml-(?P<team>[a-z]+)-.*$\"\ntenant = \"$team\"\n",
        )
        .unwrap();
        let mapping = config.clusters[0].tenant_mapping();
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
