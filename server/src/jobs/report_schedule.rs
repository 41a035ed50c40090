//! Scheduled reports: each `[[reports.schedule]]` entry of the configuration is generated when
//! its cron expression comes due, covering the `period_days` before, and listed on the Reports
//! page like any other.

use chrono::{DateTime, Utc};
use db::Scope;

use crate::reports::{ReportRequest, Requester, generate_and_store};
use crate::config::ReportSchedule;
use crate::shutdown::Shutdown;

/// How often the schedule is checked.
pub const CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// The first time `cron` fires after `after`.
pub fn next_run(cron: &str, after: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    use std::str::FromStr;
    let parsed = croner::Cron::from_str(cron).map_err(|e| format!("invalid cron expression {cron:?}: {e}"))?;
    parsed.find_next_occurrence(&after, false).map_err(|e| format!("cron {cron:?} never fires: {e}"))
}

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
    let due = next_run(&schedule.cron, last).map_err(anyhow::Error::msg)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekly_monday_six_oclock_fires_next_monday() {
        let after = DateTime::parse_from_rfc3339("2026-11-28T12:00:00Z").unwrap().with_timezone(&Utc); // a Saturday
        let next = next_run("0 6 * * 1", after).unwrap();
        assert_eq!(next.to_rfc3339(), "2026-11-30T06:00:00+00:00");
        assert!(next_run("every tuesday", after).unwrap_err().contains("invalid cron expression"));
    }
}
