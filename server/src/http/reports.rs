//! The web side of reports: `POST /reports` makes one for the viewer's own tenants (the same code
//! as the CLI) and sends the browser to its download; `GET /reports/{id}/pdf` serves the stored
//! bytes again, to anyone whose scope covers every tenant in it.

use std::sync::Arc;

use axum::extract::{Extension, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use domain::access::Permission;
use serde::Deserialize;

use super::state::ServeOptions;
use crate::auth::ClientAddr;
use crate::auth::viewer::SignedIn;
use crate::error::HttpError;
use crate::form::ValidForm;
use crate::reports::{ReportError, ReportRequest, Requester, generate_and_store};

/// Adds the export and download routes through `add(method, path, route)`.
pub fn routes(add: &mut dyn FnMut(&str, &str, axum::routing::MethodRouter<super::state::ServerState>)) {
    add("POST", "/reports", axum::routing::post(export));
    add("GET", "/reports/{id}/pdf", axum::routing::get(download));
}

/// Days a report made from the dashboard covers.
pub const WEB_PERIOD_DAYS: i64 = 30;

/// The export form: one tenant or all of the viewer's, one framework or all.
#[derive(Debug, Deserialize)]
pub struct ExportForm {
    #[serde(default)]
    tenant: String,
    #[serde(default)]
    framework: String,
    /// The first day of the period (`2026-11-01`); empty for [`WEB_PERIOD_DAYS`] before `to`.
    #[serde(default)]
    from: String,
    /// The last day of the period, included; empty for now.
    #[serde(default)]
    to: String,
}

/// The longest period a report from the dashboard covers.
const MAX_WEB_PERIOD_DAYS: i64 = 366;

/// The period a dashboard form asks for: whole days, `to` included, never past now.
fn period(form: &ExportForm, now: DateTime<Utc>) -> Result<(DateTime<Utc>, DateTime<Utc>), HttpError> {
    let day = |name: &str, text: &str| {
        chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map_err(|_| HttpError::BadRequest(format!("{name}={text:?} is not a date (YYYY-MM-DD)")))
    };
    let to = match form.to.trim() {
        "" => now,
        text => {
            let end = day("to", text)?.and_hms_opt(23, 59, 59).map(|t| t.and_utc()).unwrap_or(now);
            end.min(now)
        }
    };
    let from = match form.from.trim() {
        "" => to - chrono::Duration::days(WEB_PERIOD_DAYS),
        text => day("from", text)?.and_hms_opt(0, 0, 0).map(|t| t.and_utc()).unwrap_or(to),
    };
    if from >= to {
        return Err(HttpError::BadRequest(format!(
            "the period starts ({}) after it ends ({})",
            from.date_naive(),
            to.date_naive()
        )));
    }
    if to - from > chrono::Duration::days(MAX_WEB_PERIOD_DAYS) {
        return Err(HttpError::BadRequest(format!("a report covers at most {MAX_WEB_PERIOD_DAYS} days")));
    }
    Ok((from, to))
}

/// Reports typeset at once from the dashboard: each holds its tenants' findings in memory while
/// it is made, so a burst waits for none and is refused instead.
pub const CONCURRENT_WEB_REPORTS: usize = 2;

/// How long a refused report request is told to wait, in seconds.
const RETRY_AFTER_SECS: u64 = 60;

/// At most `capacity` reports in the making at once.
pub struct ReportGate(tokio::sync::Semaphore);

impl ReportGate {
    /// A gate for `capacity` reports at once.
    pub const fn new(capacity: usize) -> Self {
        ReportGate(tokio::sync::Semaphore::const_new(capacity))
    }

    /// A place for one report, or a 429 when every place is taken.
    pub fn enter(&self) -> Result<tokio::sync::SemaphorePermit<'_>, HttpError> {
        self.0.try_acquire().map_err(|_| HttpError::TooManyRequests {
            message: "other reports are being made; try again in a minute".into(),
            retry_after_secs: RETRY_AFTER_SECS,
        })
    }
}

/// The dashboard's one gate.
static WEB_REPORTS: ReportGate = ReportGate::new(CONCURRENT_WEB_REPORTS);

/// A 429 when `user` already made their hourly share of reports.
async fn within_hourly_share(pool: &db::PgPool, user: &str, per_hour: u32) -> Result<(), HttpError> {
    let since = Utc::now() - chrono::Duration::hours(1);
    let made = db::reports::made_by_since(pool, user, since)
        .await
        .map_err(|error| HttpError::store("the report store is unavailable", error))?;
    if made >= i64::from(per_hour) {
        return Err(HttpError::TooManyRequests {
            message: format!("you made {made} reports in the last hour, the most allowed; try again later"),
            retry_after_secs: 3600,
        });
    }
    Ok(())
}

/// `POST /reports`.
pub async fn export(
    State(pool): State<db::PgPool>,
    State(options): State<Arc<ServeOptions>>,
    SignedIn(viewer): SignedIn,
    Extension(client): Extension<ClientAddr>,
    ValidForm(form): ValidForm<ExportForm>,
) -> Result<Response, HttpError> {
    if !viewer.can(Permission::ExportReports) {
        return Err(HttpError::Forbidden("your role does not export reports".into()));
    }
    within_hourly_share(&pool, &viewer.user, options.web_reports_per_hour).await?;
    let _place = WEB_REPORTS.enter()?;
    let (from, to) = period(&form, Utc::now())?;
    let request = ReportRequest {
        tenants: [form.tenant].into_iter().filter(|t| !t.is_empty()).collect(),
        frameworks: [form.framework].into_iter().filter(|f| !f.is_empty()).collect(),
        from,
        to,
    };
    let source = client.text();
    let requester = Requester {
        name: &viewer.user,
        source_addr: source.as_deref(),
        schedule: None,
        signing_key: options.signing_key.as_deref(),
    };
    match generate_and_store(&pool, &viewer.scope(), &request, &requester).await {
        Ok(stored) => Ok(Redirect::to(&format!("/reports/{}/pdf", stored.report_id)).into_response()),
        Err(ReportError::UnknownTenant(_)) => Err(HttpError::NotFound("no such tenant".into())),
        Err(error @ (ReportError::UnknownFramework(_) | ReportError::EmptyPeriod { .. } | ReportError::NoTenants)) => {
            Err(HttpError::BadRequest(error.to_string()))
        }
        Err(error) => Err(HttpError::store("the report could not be made; see the server log", error)),
    }
}

/// `GET /reports/{id}/pdf`.
pub async fn download(
    State(pool): State<db::PgPool>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, HttpError> {
    let no_such_report = || HttpError::NotFound("no such report".into());
    let id = id.parse::<i64>().map_err(|_| no_such_report())?;
    let stored = db::reports::get(&pool, &viewer.scope(), id)
        .await
        .map_err(|error| HttpError::store("the report store is unavailable", error))?;
    let (_, bytes) = stored.ok_or_else(no_such_report)?;
    let headers = [
        (header::CONTENT_TYPE, "application/pdf".to_string()),
        (header::CONTENT_DISPOSITION, format!("attachment; filename=\"rampart-report-{id}.pdf\"")),
    ];
    Ok((headers, bytes).into_response())
}

#[cfg(test)]
mod tests {
    use super::ReportGate;

    #[test]
    fn a_full_gate_refuses_with_retry_after_and_opens_again() {
        let gate = ReportGate::new(1);
        let first = gate.enter().unwrap();
        let refused = gate.enter().err().unwrap();
        assert_eq!(refused.status(), axum::http::StatusCode::TOO_MANY_REQUESTS);
        drop(first);
        assert!(gate.enter().is_ok(), "a finished report frees its place");
    }
}
