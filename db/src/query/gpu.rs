//! Idle GPU time: the hours GPUs sat allocated but unused, per tenant and namespace.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::{Result, Scope};

/// The GPUs a workload row `w` of `workload_state` holds: each running pod by its own requests,
/// in GPU equivalents. The one definition of "allocated" every read model uses.
macro_rules! gpus_allocated {
    () => {
        "w.gpus_allocated"
    };
}
pub(crate) use gpus_allocated;

/// The GPUs a workload row `w` holds while their mean utilisation is under the idle threshold
/// (bound as the parameter `$threshold`, always [`domain::gpu::IDLE_UTILISATION_PCT`]). GPUs
/// with no metrics are not idle but unknown ([`gpus_unmetered`]). The one definition of "idle".
macro_rules! gpus_idle {
    ($threshold:literal) => {
        concat!("(case when w.gpu_utilisation_pct < ", $threshold, "::float8 then w.gpus_allocated else 0 end)")
    };
}
pub(crate) use gpus_idle;

/// The GPUs a workload row `w` holds for which no metrics were read: their use is unknown,
/// never idle or 0%.
macro_rules! gpus_unmetered {
    () => {
        "(case when w.gpu_utilisation_pct is null then w.gpus_allocated else 0 end)"
    };
}
pub(crate) use gpus_unmetered;

/// The window idle GPU-hours are summed over, ending now or at the as-of time.
pub const IDLE_WINDOW_HOURS: i32 = 24;

/// One namespace's idle GPU-hours over [`IDLE_WINDOW_HOURS`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct IdleGpuHours {
    pub tenant: String,
    pub namespace: String,
    /// GPU-hours (in GPU equivalents) below the idle threshold while allocated.
    pub idle_hours: f64,
}

/// Idle GPU-hours of every namespace in scope over the window ending at `at` (or now), most
/// idle first. Each collection's samples cover its interval, so the sum over the window's
/// collections is the window's idle time.
#[tracing::instrument(skip_all, err)]
pub async fn idle_gpu_hours(pool: &PgPool, scope: &Scope, at: Option<DateTime<Utc>>) -> Result<Vec<IdleGpuHours>> {
    Ok(sqlx::query_as::<_, IdleGpuHours>(
        "select tenant, namespace, sum(idle_hours) as idle_hours
         from gpu_sample
         where collected_at > coalesce($2, now()) - make_interval(hours => $3)
           and collected_at <= coalesce($2, now())
           and ($1::text[] is null or tenant = any($1))
         group by tenant, namespace
         having sum(idle_hours) > 0
         order by idle_hours desc, tenant, namespace",
    )
    .bind(scope.tenant_filter())
    .bind(at)
    .bind(IDLE_WINDOW_HOURS)
    .fetch_all(pool)
    .await?)
}
