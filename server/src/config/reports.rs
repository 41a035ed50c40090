//! `[reports]` and `[metrics]`: signing and scheduling compliance reports, and the Prometheus
//! endpoint.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::secret::{Secret, deserialize_from_str};

/// Compliance reports: signing, and reports generated on a schedule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportsConfig {
    /// An Ed25519 private key (PKCS#8 PEM, e.g. from `rampart report keygen`) to sign reports with.
    pub signing_key: Option<PathBuf>,
    /// Reports generated when their cron expression comes due.
    #[serde(default)]
    pub schedule: Vec<ReportSchedule>,
    /// Reports one person may make from the dashboard per hour (each reads and typesets every
    /// finding of the tenants it covers).
    #[serde(default = "default_web_reports_per_hour")]
    pub web_reports_per_hour: u32,
}

fn default_web_reports_per_hour() -> u32 {
    10
}

impl Default for ReportsConfig {
    fn default() -> Self {
        ReportsConfig { signing_key: None, schedule: Vec::new(), web_reports_per_hour: default_web_reports_per_hour() }
    }
}

/// One scheduled report.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSchedule {
    /// A unique name, shown with the reports it made.
    pub name: String,
    /// When to generate it: a cron expression in UTC (`0 6 * * 1` is Mondays at 06:00).
    pub cron: CronSchedule,
    /// Tenants to cover; empty for all.
    #[serde(default)]
    pub tenants: Vec<String>,
    /// Framework ids; empty for all.
    #[serde(default)]
    pub frameworks: Vec<String>,
    /// Days before the run the report covers.
    #[serde(default = "default_period_days")]
    pub period_days: u32,
}

fn default_period_days() -> u32 {
    7
}

/// A cron expression (UTC) that fires.
#[derive(Debug, Clone)]
pub struct CronSchedule {
    text: String,
    cron: croner::Cron,
}

impl CronSchedule {
    /// The first time it fires after `after`.
    pub fn next_after(&self, after: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
        self.cron.find_next_occurrence(&after, false).map_err(|e| format!("cron {:?} never fires: {e}", self.text))
    }
}

impl std::str::FromStr for CronSchedule {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let cron = croner::Cron::from_str(text).map_err(|e| format!("invalid cron expression {text:?}: {e}"))?;
        let schedule = CronSchedule { text: text.to_string(), cron };
        schedule.next_after(Utc::now())?;
        Ok(schedule)
    }
}
deserialize_from_str!(CronSchedule);

/// `/metrics` for Prometheus. Off by default: it shows every tenant's posture.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    #[serde(default)]
    pub enabled: bool,
    /// When set, scrapes must send `Authorization: Bearer <token>` (better set through
    /// `RAMPART_METRICS__BEARER_TOKEN`).
    pub bearer_token: Option<Secret<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekly_monday_six_oclock_fires_next_monday() {
        let after = DateTime::parse_from_rfc3339("2026-11-28T12:00:00Z").unwrap().with_timezone(&Utc); // a Saturday
        let next = "0 6 * * 1".parse::<CronSchedule>().unwrap().next_after(after).unwrap();
        assert_eq!(next.to_rfc3339(), "2026-11-30T06:00:00+00:00");
        assert!("every tuesday".parse::<CronSchedule>().unwrap_err().contains("invalid cron expression"));
    }
}
