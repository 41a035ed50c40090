//! Scheduled reports: each `[[reports.schedule]]` entry of the configuration is generated when
//! its cron expression comes due, covering the `period_days` before, and listed on the Reports
//! page like any other.

use chrono::{DateTime, Utc};
use db::Scope;

use crate::config::ReportSchedule;
use crate::reports::{ReportRequest, Requester, generate_and_store};
use crate::shutdown::Shutdown;

/// How often the schedule is checked.
pub const CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Generates each schedule's report whenever it comes due, until shutdown.
pub async fn run_report_schedule(
    pool: db::PgPool,
    schedules: Vec<ReportSchedule>,
    signing_key: Option<String>,
    shutdown: Shutdown,
) {
    if schedules.is_empty() {
        return;
    }
    let started = Utc::now();
    let mut ticker = tokio::time::interval(CHECK_EVERY);
    loop {
        tokio::select! {
            _ = ticker.tick() => {},
            _ = shutdown.clone().requested() => return,
        }
        for schedule in &schedules {
            if let Err(error) = run_if_due(&pool, schedule, signing_key.as_deref(), started).await {
                tracing::warn!(schedule = schedule.name, %error, "scheduled report failed; retried at the next check");
            }
        }
    }
}

/// Generates `schedule`'s report when it is due: its cron fired since its last report (or since
/// `started`, for one that never ran). Returns the stored report's id. Replicas sharing the
/// database take turns: the one holding the schedule's lock checks and generates; the others
/// skip, and see the report once it is stored.
pub async fn run_if_due(
    pool: &db::PgPool,
    schedule: &ReportSchedule,
    signing_key: Option<&str>,
    started: DateTime<Utc>,
) -> anyhow::Result<Option<i64>> {
    let job = format!("report-schedule:{}", schedule.name);
    let outcome =
        db::exclusive::run_exclusive(pool, &job, || generate_if_due(pool, schedule, signing_key, started)).await?;
    outcome.unwrap_or(Ok(None))
}

async fn generate_if_due(
    pool: &db::PgPool,
    schedule: &ReportSchedule,
    signing_key: Option<&str>,
    started: DateTime<Utc>,
) -> anyhow::Result<Option<i64>> {
    let last = db::reports::last_scheduled(pool, &schedule.name).await?.unwrap_or(started);
    let due = schedule.cron.next_after(last).map_err(anyhow::Error::msg)?;
    let now = Utc::now();
    if due > now {
        return Ok(None);
    }
    let request = ReportRequest {
        tenants: schedule.tenants.clone(),
        frameworks: schedule.frameworks.clone(),
        from: now - chrono::Duration::days(i64::from(schedule.period_days)),
        to: now,
    };
    let requester = Requester { name: "schedule", source_addr: None, schedule: Some(&schedule.name), signing_key };
    let stored = generate_and_store(pool, &Scope::AllTenants, &request, &requester).await?;
    tracing::info!(schedule = schedule.name, report = stored.report_id, "scheduled report stored");
    Ok(Some(stored.report_id))
}
