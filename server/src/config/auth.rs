//! `[auth]` and `[tls]`: how people sign in, what their groups allow them, and the certificate
//! the dashboard is served with.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;

use domain::access::Role;
use ipnet::IpNet;
use serde::Deserialize;

use super::secret::{HttpUrl, Secret, deserialize_from_str};

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
    pub public_url: Option<HttpUrl>,
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
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcConfig {
    /// The issuer URL; its discovery document is read at start-up.
    pub issuer: String,
    pub client_id: String,
    /// Better set through `RAMPART_AUTH__OIDC__CLIENT_SECRET` than in the file.
    pub client_secret: Option<Secret<String>>,
    /// The ID-token (or userinfo) claim holding the user's groups.
    #[serde(default = "default_groups_claim")]
    pub groups_claim: String,
    /// Scopes to ask for besides `openid`.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
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
    pub trusted_proxies: Vec<TrustedNetwork>,
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

/// The address (`10.0.0.5`) or network (`10.0.0.0/8`, IPv4 or IPv6) of a trusted proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrustedNetwork(pub IpNet);

impl std::str::FromStr for TrustedNetwork {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        text.parse::<IpNet>()
            .ok()
            .or_else(|| text.parse::<IpAddr>().ok().map(IpNet::from))
            .map(TrustedNetwork)
            .ok_or_else(|| format!("{text:?} is not an address or a network"))
    }
}
deserialize_from_str!(TrustedNetwork);

#[cfg(test)]
mod tests {
    use super::TrustedNetwork;

    #[test]
    fn single_addresses_and_networks_parse() {
        assert!("10.0.0.5".parse::<TrustedNetwork>().is_ok());
        assert!("fd00::/8".parse::<TrustedNetwork>().is_ok());
        assert!("not-an-ip".parse::<TrustedNetwork>().is_err());
    }
}
