//! `proxy` mode: an authenticating reverse proxy (oauth2-proxy and the like) sends the user and
//! groups in headers. Only requests from the configured proxy addresses may carry them; the
//! same headers from anywhere else are refused, never believed.

use std::net::IpAddr;

use axum::http::HeaderMap;
use ipnet::IpNet;

use crate::config::ProxyConfig;

/// The trusted proxies and the header names they use.
#[derive(Debug, Clone)]
pub struct TrustedProxies {
    networks: Vec<IpNet>,
    user_header: String,
    groups_header: String,
}

/// What the identity headers of one request amount to.
#[derive(Debug, PartialEq, Eq)]
pub enum ProxiedIdentity {
    /// No identity headers at all.
    Absent,
    /// A trusted proxy vouches for this user and these groups.
    Vouched { user: String, groups: Vec<String> },
    /// Identity headers from an address that is not a trusted proxy: refuse the request.
    Forged,
}

impl TrustedProxies {
    pub fn new(config: &ProxyConfig) -> Self {
        TrustedProxies {
            networks: config.trusted_proxies.iter().map(|trusted| trusted.0.0).collect(),
            user_header: config.user_header.clone(),
            groups_header: config.groups_header.clone(),
        }
    }

    /// True when `peer` is one of the configured proxies.
    pub fn trusts(&self, peer: Option<IpAddr>) -> bool {
        peer.is_some_and(|peer| self.networks.iter().any(|net| net.contains(&peer)))
    }

    /// Reads the identity headers of a request that came from `peer`.
    pub fn identity(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> ProxiedIdentity {
        let user = headers.get(&self.user_header).and_then(|v| v.to_str().ok()).map(str::trim);
        let has_groups = headers.contains_key(&self.groups_header);
        if user.is_none() && !has_groups {
            return ProxiedIdentity::Absent;
        }
        if !self.trusts(peer) {
            return ProxiedIdentity::Forged;
        }
        let Some(user) = user.filter(|u| !u.is_empty()) else { return ProxiedIdentity::Absent };
        let groups = headers
            .get_all(&self.groups_header)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|g| g.trim().to_string())
            .filter(|g| !g.is_empty())
            .collect();
        ProxiedIdentity::Vouched { user: user.to_string(), groups }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies() -> TrustedProxies {
        TrustedProxies::new(&ProxyConfig {
            trusted_proxies: vec!["10.1.0.0/16".parse().unwrap(), "::1".parse().unwrap()],
            ..Default::default()
        })
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn headers_from_a_trusted_proxy_are_believed() {
        let h = headers(&[("x-forwarded-user", "ana"), ("x-forwarded-groups", "nlp-leads, sec")]);
        assert_eq!(
            proxies().identity(Some("10.1.2.3".parse().unwrap()), &h),
            ProxiedIdentity::Vouched { user: "ana".into(), groups: vec!["nlp-leads".into(), "sec".into()] }
        );
    }

    #[test]
    fn the_same_headers_from_elsewhere_are_forged() {
        let h = headers(&[("x-forwarded-user", "ana")]);
        assert_eq!(proxies().identity(Some("10.2.0.1".parse().unwrap()), &h), ProxiedIdentity::Forged);
        assert_eq!(proxies().identity(None, &h), ProxiedIdentity::Forged);
        assert_eq!(proxies().identity(Some("10.2.0.1".parse().unwrap()), &HeaderMap::new()), ProxiedIdentity::Absent);
    }
}
