//! How this server signs people in ([`Auth`], [`Method`]) and where a request came from
//! ([`ClientAddr`]): the state every sign-in handler and the authentication layer share.

use std::net::IpAddr;
use std::sync::Arc;

use super::oidc::provider::Provider;
use super::once::links::OneTimeLinks;
use super::proxy::TrustedProxies;
use crate::config::{AuthConfig, AuthMode, Config};

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "rampart_session";

/// How this server signs people in, with its configuration.
#[derive(Debug)]
pub struct Auth {
    pub config: AuthConfig,
    pub method: Method,
    pub pool: db::PgPool,
    /// Served over HTTPS: cookies are `Secure` and HSTS is sent.
    pub tls: bool,
}

/// The configured sign-in method and what it needs at run time.
#[derive(Debug)]
pub enum Method {
    /// Fail closed: nobody can sign in.
    Unconfigured,
    Local,
    Oidc(Provider),
    Proxy(TrustedProxies),
    OneTimeLink(Arc<OneTimeLinks>),
}

/// The address a request came from: the peer, or, behind a trusted proxy, the client it names.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<IpAddr>);

impl ClientAddr {
    /// The address as text for the audit log.
    pub fn text(&self) -> Option<String> {
        self.0.map(|ip| ip.to_string())
    }
}

impl Auth {
    /// The method `config` selects.
    pub fn from_config(config: &Config, pool: db::PgPool) -> anyhow::Result<Auth> {
        let method = match config.auth.mode {
            None => Method::Unconfigured,
            Some(AuthMode::Local) => Method::Local,
            Some(AuthMode::Proxy) => Method::Proxy(TrustedProxies::new(&config.auth.proxy)),
            Some(AuthMode::Oidc) => {
                let oidc = config.auth.oidc.clone().ok_or_else(|| anyhow::anyhow!("[auth.oidc] is missing"))?;
                Method::Oidc(Provider::new(oidc, config.auth.public_url.as_ref().map(|url| url.as_str().to_string()))?)
            }
        };
        Ok(Auth { config: config.auth.clone(), method, pool, tls: config.tls.is_some() })
    }

    /// What the login page offers.
    pub fn sign_in(&self) -> app::SignIn {
        match self.method {
            Method::Unconfigured => app::SignIn::Unconfigured,
            Method::Local => app::SignIn::Local,
            Method::Oidc(_) => app::SignIn::Oidc,
            Method::Proxy(_) => app::SignIn::Proxy,
            Method::OneTimeLink(_) => app::SignIn::OneTimeLink,
        }
    }
}
