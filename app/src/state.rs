//! What every request handler and server function can reach.

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

/// How people sign in, which decides what the login page offers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SignIn {
    /// No authentication mode is configured: nothing but the health probes and this page is
    /// served.
    #[default]
    Unconfigured,
    /// User name and password, checked against the local user table.
    Local,
    /// Single sign-on through an OpenID Connect provider.
    Oidc,
    /// A trusted reverse proxy authenticates and passes the identity in headers.
    Proxy,
    /// `rampart demo`: a one-time link printed on the console.
    OneTimeLink,
}

/// Shared state of the web application.
#[derive(Clone, Debug)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: db::PgPool,
    pub sign_in: SignIn,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl AppState {
    /// State for a pool, with Leptos options built in code (no cargo-leptos configuration). The
    /// only files served beside the pages come from `site_root`, an absolute directory.
    pub fn new(pool: db::PgPool, sign_in: SignIn, site_root: &std::path::Path) -> Self {
        let site_root = site_root.display().to_string();
        let leptos_options = LeptosOptions::builder().output_name("rampart").site_root(site_root).build();
        AppState { leptos_options, pool, sign_in }
    }
}
