//! [`ServerState`]: what the handlers can reach, each through the `FromRef` sub-state it needs.

use std::sync::Arc;

use app::AppState;
use axum::extract::FromRef;

use crate::auth::Auth;
use crate::config::MetricsConfig;

/// What the server offers besides the dashboard.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The Ed25519 key reports are sealed with.
    pub signing_key: Option<String>,
    /// Whether `/metrics` is served, and the bearer token it asks for.
    pub metrics: MetricsConfig,
    /// Reports one person may make from the dashboard per hour.
    pub web_reports_per_hour: u32,
}

impl ServeOptions {
    /// What `config` asks the server to offer, sealing reports with `signing_key`.
    pub fn from_config(config: &crate::config::Config, signing_key: Option<String>) -> Self {
        ServeOptions {
            signing_key,
            metrics: config.metrics.clone(),
            web_reports_per_hour: config.reports.web_reports_per_hour,
        }
    }
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            signing_key: None,
            metrics: MetricsConfig::default(),
            web_reports_per_hour: crate::config::ReportsConfig::default().web_reports_per_hour,
        }
    }
}

/// Everything a handler can reach; each handler takes only the part it needs (`State<PgPool>`,
/// `State<Arc<Auth>>`, ...) through `FromRef`.
#[derive(Debug, Clone)]
pub struct ServerState {
    /// The Leptos application's own state (its pages and server functions read it).
    pub app: AppState,
    /// How people sign in.
    pub auth: Arc<Auth>,
    pub options: Arc<ServeOptions>,
}

impl ServerState {
    /// The state of a server signing in through `auth`, with `options`.
    pub fn new(auth: Arc<Auth>, options: ServeOptions) -> Self {
        let site_root = super::files::static_dir().map_or_else(|_| super::files::style_dir(), |dir| dir);
        let app = AppState::new(auth.pool.clone(), auth.sign_in(), &site_root);
        ServerState { app, auth, options: Arc::new(options) }
    }
}

impl FromRef<ServerState> for db::PgPool {
    fn from_ref(state: &ServerState) -> Self {
        state.app.pool.clone()
    }
}

impl FromRef<ServerState> for Arc<Auth> {
    fn from_ref(state: &ServerState) -> Self {
        state.auth.clone()
    }
}

impl FromRef<ServerState> for Arc<ServeOptions> {
    fn from_ref(state: &ServerState) -> Self {
        state.options.clone()
    }
}
