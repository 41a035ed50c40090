//! `[alerts]`: which changes raise an alert, and the webhooks that receive them.

use serde::Deserialize;

use super::secret::deserialize_from_str;

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
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    pub name: String,
    pub url: WebhookUrl,
    #[serde(default)]
    pub format: WebhookFormat,
}

/// The URL of a chat webhook: it is its own credential, so its `Debug` shows only the scheme
/// and host.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookUrl(String);

impl WebhookUrl {
    /// The whole URL, for the request that posts to it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for WebhookUrl {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let (scheme, rest) = text.split_once("://").unwrap_or_default();
        let host = rest.split('/').next().unwrap_or_default();
        if matches!(scheme, "http" | "https") && !host.is_empty() {
            Ok(WebhookUrl(text.to_string()))
        } else {
            Err("must be an http:// or https:// URL with a host".to_string())
        }
    }
}
deserialize_from_str!(WebhookUrl);

impl std::fmt::Debug for WebhookUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let host = self.0.split('/').take(3).collect::<Vec<_>>().join("/");
        write!(f, "{:?}", format!("{host}/…"))
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
