//! Authentication and request protection. One place decides who the viewer is
//! ([`middleware::authenticate`]): from the server-side session (local, OIDC and one-time-link
//! sign-ins) or from a trusted proxy's headers. Pages and server functions only read the
//! [`domain::access::Viewer`] it leaves in the request; with no viewer, nothing but the health
//! probes, the stylesheet and the sign-in routes is served.

pub mod csrf;
pub mod identity;
pub mod local;
pub mod middleware;
pub mod oidc;
pub mod once;
pub mod password;
pub mod proxy;
pub mod session;
pub mod session_store;
pub mod tokens;
pub mod viewer;

use std::net::IpAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::{MethodRouter, get, post};
use tower_sessions::cookie::SameSite;
use tower_sessions::cookie::time::Duration;
use tower_sessions::{Expiry, SessionManagerLayer};

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
    Oidc(oidc::Provider),
    Proxy(proxy::TrustedProxies),
    OneTimeLink(Arc<once::OneTimeLinks>),
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
            Some(AuthMode::Proxy) => Method::Proxy(proxy::TrustedProxies::new(&config.auth.proxy)),
            Some(AuthMode::Oidc) => {
                let oidc = config.auth.oidc.clone().ok_or_else(|| anyhow::anyhow!("[auth.oidc] is missing"))?;
                Method::Oidc(oidc::Provider::new(
                    oidc,
                    config.auth.public_url.as_ref().map(|url| url.as_str().to_string()),
                )?)
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

/// Adds the sign-in and sign-out routes through `add(method, path, route)`.
pub fn routes<S>(add: &mut dyn FnMut(&str, &str, MethodRouter<S>))
where
    Arc<Auth>: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    add("POST", "/login", post(local::login));
    add("POST", "/logout", post(local::logout));
    add("GET", "/auth/oidc/login", get(oidc::start));
    add("GET", "/auth/oidc/callback", get(oidc::callback));
    add("GET", "/auth/once/{token}", get(once::redeem));
}

/// Wraps `router` (the whole application) in sessions, authentication and CSRF checks.
pub fn protect<S: Clone + Send + Sync + 'static>(router: Router<S>, auth: Arc<Auth>) -> Router<S> {
    let sessions = SessionManagerLayer::new(session_store::PgSessionStore::new(auth.pool.clone()))
        .with_name(SESSION_COOKIE)
        .with_secure(auth.tls)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(Duration::minutes(i64::from(auth.config.idle_timeout_minutes))));
    router
        .layer(axum::middleware::from_fn_with_state(auth.clone(), csrf::verify))
        .layer(axum::middleware::from_fn_with_state(auth, middleware::authenticate))
        .layer(sessions)
}
