//! Which proxy a request to an API server goes through, decided as kubectl (client-go)
//! decides it: the kubeconfig cluster's `proxy-url` when set (NO_PROXY does not apply to it);
//! else `HTTPS_PROXY` (for an `https` server) or `HTTP_PROXY` (for `http`), upper or lower
//! case, unless `NO_PROXY` covers the server or the server is a loopback address. `http://`,
//! `https://`, `socks5://` and `socks5h://` proxies are supported.

use kube::config::Kubeconfig;

/// The `proxy-url` of the cluster the kubeconfig's `context` (or its current context) uses.
pub fn kubeconfig_proxy_url(kubeconfig: &Kubeconfig, context: Option<&str>) -> Option<String> {
    let context_name = context.map(str::to_string).or_else(|| kubeconfig.current_context.clone())?;
    let context = kubeconfig.contexts.iter().find(|c| c.name == context_name)?.context.as_ref()?;
    let cluster = kubeconfig.clusters.iter().find(|c| c.name == context.cluster)?.cluster.as_ref()?;
    cluster.proxy_url.clone().filter(|url| !url.is_empty())
}

/// The proxy for requests to `server`, from the kubeconfig's `proxy-url` or the environment.
pub fn proxy_for(server: &http::Uri, cluster_proxy: Option<&str>) -> Result<Option<http::Uri>, String> {
    proxy_from(server, cluster_proxy, &|name| std::env::var(name).ok())
}

/// [`proxy_for`] with the environment given as a lookup.
pub fn proxy_from(
    server: &http::Uri,
    cluster_proxy: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<http::Uri>, String> {
    let variable =
        |upper: &str| env(upper).or_else(|| env(&upper.to_ascii_lowercase())).filter(|v| !v.trim().is_empty());
    let chosen = match cluster_proxy {
        Some(url) => Some(("the kubeconfig's proxy-url", url.to_string())),
        None => {
            let (name, value) = if server.scheme_str() == Some("http") {
                ("HTTP_PROXY", variable("HTTP_PROXY"))
            } else {
                ("HTTPS_PROXY", variable("HTTPS_PROXY"))
            };
            let host = server.host().unwrap_or_default().trim_matches(['[', ']']);
            let port = server.port_u16().unwrap_or(if server.scheme_str() == Some("http") { 80 } else { 443 });
            let bypassed =
                is_loopback(host) || variable("NO_PROXY").is_some_and(|list| no_proxy_covers(&list, host, port));
            value.filter(|_| !bypassed).map(|value| (name, value))
        }
    };
    let Some((source, url)) = chosen else { return Ok(None) };
    // Like client-go, a proxy given without a scheme is an http:// one.
    let url = if url.contains("://") { url } else { format!("http://{url}") };
    let uri: http::Uri =
        url.parse().map_err(|e| format!("{source} {:?} is not a URL: {e}", crate::redact::redact(&url)))?;
    match uri.scheme_str() {
        Some("http" | "https" | "socks5" | "socks5h") => Ok(Some(uri)),
        other => Err(format!("{source} has scheme {other:?}; use http, https, socks5 or socks5h")),
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// True when a `NO_PROXY` list covers `host:port`, by Go's rules: `*` covers everything; an
/// IP or CIDR covers the addresses in it; a name covers itself and its subdomains (`.name`
/// only its subdomains); an entry with `:port` covers that port only.
pub fn no_proxy_covers(list: &str, host: &str, port: u16) -> bool {
    let host = host.to_ascii_lowercase();
    let ip = host.parse::<std::net::IpAddr>().ok();
    list.split(',').map(str::trim).filter(|e| !e.is_empty()).any(|entry| {
        if entry == "*" {
            return true;
        }
        if let (Ok(network), Some(ip)) = (entry.parse::<ipnet::IpNet>(), ip) {
            return network.contains(&ip);
        }
        let (name, entry_port) = match entry.rsplit_once(':') {
            Some((name, p)) if !name.contains(':') => (name, p.parse::<u16>().ok()),
            _ => (entry, None),
        };
        if entry_port.is_some_and(|p| p != port) {
            return false;
        }
        let name = name.trim_matches(['[', ']']).to_ascii_lowercase();
        if let (Ok(entry_ip), Some(ip)) = (name.parse::<std::net::IpAddr>(), ip) {
            return entry_ip == ip;
        }
        match name.strip_prefix('.') {
            Some(domain) => host.ends_with(&format!(".{domain}")),
            None => host == name || host.ends_with(&format!(".{name}")),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    fn proxy(server: &str, cluster: Option<&str>, vars: &[(&str, &str)]) -> Option<String> {
        proxy_from(&server.parse().unwrap(), cluster, &env(vars)).unwrap().map(|u| u.to_string())
    }

    #[test]
    fn the_environment_proxy_is_used_unless_no_proxy_or_loopback_covers_the_server() {
        let vars = [("HTTPS_PROXY", "http://proxy.corp:3128"), ("NO_PROXY", "internal.corp,10.0.0.0/8,.svc")];
        assert_eq!(proxy("https://k8s.example.com:6443", None, &vars).as_deref(), Some("http://proxy.corp:3128/"));
        for bypassed in [
            "https://api.internal.corp:6443",
            "https://10.1.2.3:6443",
            "https://kubernetes.default.svc",
            "https://127.0.0.1:6443",
        ] {
            assert_eq!(proxy(bypassed, None, &vars), None, "{bypassed}");
        }
        assert_eq!(
            proxy("https://k8s.example.com", None, &[("https_proxy", "proxy.corp:3128")]).as_deref(),
            Some("http://proxy.corp:3128/")
        );
        assert_eq!(proxy("http://k8s.example.com", None, &vars), None, "HTTP_PROXY for http servers");
        assert_eq!(proxy("https://k8s.example.com", None, &[("HTTPS_PROXY", "http://p:1"), ("no_proxy", "*")]), None);
    }

    #[test]
    fn the_kubeconfig_proxy_url_wins_and_no_proxy_does_not_apply_to_it() {
        let vars = [("HTTPS_PROXY", "http://env:3128"), ("NO_PROXY", "*")];
        assert_eq!(
            proxy("https://127.0.0.1:6443", Some("socks5://127.0.0.1:1080"), &vars).as_deref(),
            Some("socks5://127.0.0.1:1080/")
        );
        let bad = proxy_from(&"https://k".parse().unwrap(), Some("ftp://p:21"), &env(&[])).unwrap_err();
        assert!(bad.contains("ftp"), "{bad}");
    }

    #[test]
    fn no_proxy_entries_follow_gos_rules() {
        assert!(no_proxy_covers("example.com", "api.example.com", 443));
        assert!(no_proxy_covers("example.com", "example.com", 443));
        assert!(!no_proxy_covers(".example.com", "example.com", 443));
        assert!(no_proxy_covers("example.com:6443", "example.com", 6443));
        assert!(!no_proxy_covers("example.com:6443", "example.com", 443));
        assert!(!no_proxy_covers("ample.com", "example.com", 443));
        assert!(no_proxy_covers("192.168.0.0/16", "192.168.4.1", 443));
        assert!(no_proxy_covers("[::1]", "::1", 443));
    }
}
