//! The one way Rampart builds an outgoing HTTP client (Prometheus, alert webhooks): a timeout,
//! Rampart's User-Agent, and the proxies of the environment (`HTTPS_PROXY`, `HTTP_PROXY`,
//! `NO_PROXY`, `ALL_PROXY`; `socks5://` included), as every reqwest client reads them.

use std::time::Duration;

/// The User-Agent of every request Rampart makes (to clusters too), so that a cluster's audit
/// log and a Prometheus' logs can tell it apart.
pub const USER_AGENT: &str = concat!("rampart/", env!("CARGO_PKG_VERSION"));

/// A client builder with `timeout` per request and Rampart's User-Agent.
pub fn builder(timeout: Duration) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(crate::config::Deadlines::CONNECT))
        .user_agent(USER_AGENT)
}

/// A request error with its cause chain (reqwest's own message is only `error sending
/// request`), without the URL, which may carry credentials.
pub fn describe(error: &reqwest::Error) -> String {
    if let Some(tls) = crate::diagnosis::tls_cause(error) {
        return format!("TLS handshake failed: {tls}");
    }
    let mut messages: Vec<String> = Vec::new();
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        let message = e.to_string();
        if !messages.iter().any(|m| m.contains(&message)) {
            messages.push(message);
        }
        current = e.source();
    }
    messages.join(": ")
}
