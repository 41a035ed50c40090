//! The web side of reports: `POST /reports` makes one for the viewer's own tenants (the same code
//! as the CLI) and sends the browser to its download; `GET /reports/{id}/pdf` serves the stored
//! bytes again, to anyone whose scope covers every tenant in it.

use crate::form::ValidForm;
use app::viewer::{Permission, Viewer};
use axum::extract::{Extension, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;

use super::{ReportError, ReportRequest, Requester, generate_and_store};
use crate::auth::{Auth, ClientAddr};

/// Adds the export and download routes through `add(method, path, route)`.
pub fn routes(add: &mut dyn FnMut(&str, &str, axum::routing::MethodRouter<std::sync::Arc<Auth>>)) {
    add("POST", "/reports", axum::routing::post(export));
    add("GET", "/reports/{id}/pdf", axum::routing::get(download));
}

/// The Ed25519 key reports are sealed with, when one is configured.
#[derive(Debug, Clone)]
pub struct ReportSigning(pub Option<String>);

/// Days a report made from the dashboard covers.
pub const WEB_PERIOD_DAYS: i64 = 30;

/// The export form: one tenant or all of the viewer's, one framework or all.
#[derive(Debug, Deserialize)]
pub struct ExportForm {
    #[serde(default)]
    tenant: String,
    #[serde(default)]
    framework: String,
}

/// `POST /reports`.
pub async fn export(
    State(auth): State<std::sync::Arc<Auth>>,
    Extension(viewer): Extension<Viewer>,
    Extension(client): Extension<ClientAddr>,
    signing: Option<Extension<ReportSigning>>,
    ValidForm(form): ValidForm<ExportForm>,
) -> Response {
    if !viewer.can(Permission::ExportReports) {
        return (StatusCode::FORBIDDEN, "your role does not export reports").into_response();
    }
    let to = Utc::now();
    let request = ReportRequest {
        tenants: [form.tenant].into_iter().filter(|t| !t.is_empty()).collect(),
        frameworks: [form.framework].into_iter().filter(|f| !f.is_empty()).collect(),
        from: to - chrono::Duration::days(WEB_PERIOD_DAYS),
        to,
    };
    let key = signing.and_then(|Extension(ReportSigning(key))| key);
    let source = client.text();
    let requester =
        Requester { name: &viewer.user, source_addr: source.as_deref(), schedule: None, signing_key: key.as_deref() };
    match generate_and_store(&auth.pool, &viewer.scope(), &request, &requester).await {
        Ok(stored) => Redirect::to(&format!("/reports/{}/pdf", stored.report_id)).into_response(),
        Err(ReportError::UnknownTenant(_)) => (StatusCode::NOT_FOUND, "no such tenant").into_response(),
        Err(error @ (ReportError::UnknownFramework(_) | ReportError::EmptyPeriod { .. } | ReportError::NoTenants)) => {
            (StatusCode::BAD_REQUEST, error.to_string()).into_response()
        }
        Err(error) => {
            tracing::error!(%error, "report export failed");
            (StatusCode::SERVICE_UNAVAILABLE, "the report could not be made; see the server log").into_response()
        }
    }
}

/// `GET /reports/{id}/pdf`.
pub async fn download(
    State(auth): State<std::sync::Arc<Auth>>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else { return (StatusCode::NOT_FOUND, "no such report").into_response() };
    match db::reports::get(&auth.pool, &viewer.scope(), id).await {
        Ok(Some((_, bytes))) => (
            [
                (header::CONTENT_TYPE, "application/pdf".to_string()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"rampart-report-{id}.pdf\"")),
            ],
            bytes,
        )
            .into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, "no such report").into_response(),
        Err(error) => {
            tracing::error!(%error, "report download failed");
            (StatusCode::SERVICE_UNAVAILABLE, "the report store is unavailable").into_response()
        }
    }
}
