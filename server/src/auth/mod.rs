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
pub mod state;
pub mod tokens;
pub mod viewer;

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::{MethodRouter, get, post};
use tower_sessions::cookie::SameSite;
use tower_sessions::cookie::time::Duration;
use tower_sessions::{Expiry, SessionManagerLayer};

pub use state::{Auth, ClientAddr, Method, SESSION_COOKIE};

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
