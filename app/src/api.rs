//! Server functions: thin, each derives the viewer's scope and calls one `db::query` function.

use chrono::{DateTime, Utc};
use db::query::{ScorePoint, TenantDetail, TenantOverview};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What the overview page shows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OverviewData {
    pub tenants: Vec<TenantOverview>,
    /// Hourly scores over the last 14 days, for the sparklines.
    pub history: Vec<ScorePoint>,
    pub last_collection_at: Option<DateTime<Utc>>,
}

/// Logs a store error in full and gives the browser a safe message.
#[cfg(feature = "ssr")]
fn store_error(error: db::Error) -> ServerFnError {
    tracing::error!(error = %error, "read model failed");
    ServerFnError::new("the dashboard could not read its database; see the server log")
}

#[cfg(feature = "ssr")]
fn pool() -> Result<db::PgPool, ServerFnError> {
    use_context::<crate::AppState>()
        .map(|state| state.pool)
        .ok_or_else(|| ServerFnError::new("application state missing"))
}

/// The overview: every tenant in the viewer's scope with its current posture.
#[server]
pub async fn overview() -> Result<OverviewData, ServerFnError> {
    let pool = pool()?;
    let scope = crate::viewer::current_scope();
    let since = Utc::now() - chrono::Duration::days(14);
    let tenants = db::query::tenant_overview(&pool, &scope).await.map_err(store_error)?;
    let history = db::query::score_history(&pool, &scope, since).await.map_err(store_error)?;
    let last_collection_at = db::query::last_collection_at(&pool).await.map_err(store_error)?;
    Ok(OverviewData { tenants, history, last_collection_at })
}

/// One tenant's namespaces and open findings; `None` when unknown or outside the scope.
#[server]
pub async fn tenant(tenant: String) -> Result<Option<TenantDetail>, ServerFnError> {
    let pool = pool()?;
    let scope = crate::viewer::current_scope();
    db::query::tenant_detail(&pool, &scope, &tenant).await.map_err(store_error)
}
