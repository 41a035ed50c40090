//! What every request handler and server function can reach.

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

/// Shared state of the web application.
#[derive(Clone, Debug)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: db::PgPool,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl AppState {
    /// State for a pool, with Leptos options built in code (no cargo-leptos configuration).
    pub fn new(pool: db::PgPool) -> Self {
        let leptos_options = LeptosOptions::builder().output_name("rampart").site_root("target/site").build();
        AppState { leptos_options, pool }
    }
}
