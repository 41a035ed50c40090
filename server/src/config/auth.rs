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
    /// Addresses (`10.42.7.19`) or small networks of the proxies themselves. Headers from
    /// anywhere else are refused. A /8 or wider (a /32 or wider for IPv6), or a range that holds
    /// one of the `pod_networks`, is refused at load: any pod could then sign in as anyone.
    #[serde(default)]
    pub trusted_proxies: Vec<TrustedNetwork>,
    /// The cluster's pod networks (`10.42.0.0/16`), which no trusted proxy range may hold.
    #[serde(default)]
    pub pod_networks: Vec<Network>,
}

impl Default for ProxyConfig {
    fn default() -> Self {
        ProxyConfig {
            user_header: default_user_header(),
            groups_header: default_groups_header(),
            trusted_proxies: vec![],
            pod_networks: vec![],
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

/// An address (`10.0.0.5`) or a network (`10.0.0.0/16`), IPv4 or IPv6.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network(pub IpNet);

impl Network {
    /// True when the two share any address.
    pub fn overlaps(&self, other: &Network) -> bool {
        self.0.contains(&other.0.network()) || other.0.contains(&self.0.network())
    }
}

impl std::str::FromStr for Network {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        text.parse::<IpNet>()
            .ok()
            .or_else(|| text.parse::<IpAddr>().ok().map(IpNet::from))
            .map(Network)
            .ok_or_else(|| format!("{text:?} is not an address or a network"))
    }
}
deserialize_from_str!(Network);

/// The address or network of a trusted proxy: narrower than a /8 (a /32 for IPv6), since a range
/// that wide holds the pod network of most clusters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrustedNetwork(pub Network);

/// The widest IPv4 and IPv6 prefixes that are too wide to trust.
const TOO_WIDE_V4: u8 = 8;
const TOO_WIDE_V6: u8 = 32;

impl std::str::FromStr for TrustedNetwork {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let network: Network = text.parse()?;
        let too_wide = match network.0 {
            IpNet::V4(net) => net.prefix_len() <= TOO_WIDE_V4,
            IpNet::V6(net) => net.prefix_len() <= TOO_WIDE_V6,
        };
        if too_wide {
            return Err(format!(
                "{text:?} is too wide to trust: a range that size holds the pod network of most clusters, so any \
                 pod could send identity headers; list the proxy's own addresses"
            ));
        }
        Ok(TrustedNetwork(network))
    }
}
deserialize_from_str!(TrustedNetwork);

#[cfg(test)]
mod tests {
    use super::{Network, TrustedNetwork};

    #[test]
    fn a_trusted_proxy_range_of_a_slash_8_or_wider_is_refused() {
        for wide in ["10.0.0.0/8", "0.0.0.0/0", "fd00::/8", "::/0"] {
            let error = wide.parse::<TrustedNetwork>().unwrap_err();
            assert!(error.contains("too wide to trust"), "{wide}: {error}");
        }
        assert!("10.42.7.19".parse::<TrustedNetwork>().is_ok());
        assert!("10.42.7.0/28".parse::<TrustedNetwork>().is_ok());
    }

    #[test]
    fn single_addresses_and_networks_parse() {
        assert!("10.0.0.5".parse::<Network>().is_ok());
        assert!("fd00::/8".parse::<Network>().is_ok());
        assert!("not-an-ip".parse::<Network>().is_err());
    }
}
