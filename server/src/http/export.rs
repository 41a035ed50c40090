//! CSV exports: a tenant's findings table with the same filters and order as the page
//! (`/tenants/{tenant}/findings.csv?severity=…`), and a framework's control statuses
//! (`/compliance.csv?framework=cis`). Read through the viewer's scope like the pages.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::auth::viewer::SignedIn;
use crate::error::HttpError;

/// The most rows one export holds.
pub const MAX_ROWS: i64 = 100_000;

/// Adds the export routes through `add(method, path, route)`.
pub fn routes(add: &mut dyn FnMut(&str, &str, axum::routing::MethodRouter<super::state::ServerState>)) {
    add("GET", "/tenants/{tenant}/findings.csv", axum::routing::get(findings_csv));
    add("GET", "/compliance.csv", axum::routing::get(compliance_csv));
}

/// One CSV field: quoted when it must be, and defused when a spreadsheet would run it as a
/// formula (a leading `=`, `+`, `-`, `@`, tab or carriage return gets a `'`).
pub fn field(value: &str) -> String {
    let value = match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_string(),
    };
    if value.contains([',', '"', '\n', '\r']) { format!("\"{}\"", value.replace('"', "\"\"")) } else { value }
}

fn line(fields: &[&str]) -> String {
    let mut out = fields.iter().map(|f| field(f)).collect::<Vec<_>>().join(",");
    out.push_str("\r\n");
    out
}

fn csv_response(filename: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", safe_file_name(filename))),
        ],
        body,
    )
        .into_response()
}

/// A download's file name made of `[a-z0-9._-]` only (anything else becomes `_`), so a name
/// taken from the URL cannot close the quoted `filename` or add a parameter of its own.
pub fn safe_file_name(name: &str) -> String {
    name.chars()
        .map(|c| c.to_ascii_lowercase())
        .map(|c| if c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-') { c } else { '_' })
        .collect()
}

/// A query-string value, when present and not empty.
pub fn param(query: &HashMap<String, String>, key: &str) -> Option<String> {
    query.get(key).filter(|v| !v.is_empty()).cloned()
}

fn at(query: &HashMap<String, String>) -> Result<Option<chrono::DateTime<chrono::Utc>>, HttpError> {
    db::query::parse_at(query.get("at").map(String::as_str)).map_err(HttpError::BadRequest)
}

fn unavailable(error: db::Error) -> HttpError {
    HttpError::store("the export could not read its database", error)
}

/// `GET /tenants/{tenant}/findings.csv`.
pub async fn findings_csv(
    State(pool): State<db::PgPool>,
    SignedIn(viewer): SignedIn,
    Path(tenant): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, HttpError> {
    let filters = db::query::parse_finding_query(|key| param(&query, key)).map_err(HttpError::BadRequest)?;
    let at = at(&query)?;
    let scope = viewer.scope();
    if !scope.allows(&tenant) {
        return Err(HttpError::NotFound("no such tenant".into()));
    }
    let rows = db::query::tenant_findings(&pool, &scope, &tenant, &filters, at, MAX_ROWS).await.map_err(unavailable)?;
    let mut body = line(&[
        "severity",
        "rule",
        "kind",
        "namespace",
        "name",
        "container",
        "message",
        "fields",
        "controls",
        "first_seen",
    ]);
    for f in rows {
        body.push_str(&line(&[
            f.finding.severity.as_str(),
            &f.finding.rule_id,
            &f.finding.object_kind,
            f.finding.object_namespace.as_deref().unwrap_or(""),
            &f.finding.object_name,
            f.container.as_deref().unwrap_or(""),
            &f.message,
            &f.evidence.join(" "),
            &f.controls.join(" "),
            &f.first_seen.to_rfc3339(),
        ]));
    }
    Ok(csv_response(&format!("{tenant}-findings.csv"), body))
}

/// `GET /compliance.csv?framework=cis`: every control's status for every tenant in scope.
pub async fn compliance_csv(
    State(pool): State<db::PgPool>,
    SignedIn(viewer): SignedIn,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, HttpError> {
    let id = param(&query, "framework").unwrap_or_else(|| "cis".into());
    let Some(framework) = domain::frameworks::framework(&id) else {
        return Err(HttpError::BadRequest(format!("?framework={id} is not a framework (pss, cis, nsa)")));
    };
    let at = at(&query)?;
    let statuses =
        db::query::control_statuses(&pool, &viewer.scope(), framework.id, None, at).await.map_err(unavailable)?;
    let mut body = line(&["framework", "control", "title", "assessment", "tenant", "status", "inherited", "findings"]);
    for s in statuses {
        let Some(control) = framework.control(&s.control) else { continue };
        body.push_str(&line(&[
            framework.id,
            control.id,
            control.title,
            control.assessment.as_str(),
            &s.tenant,
            s.status.as_str(),
            if s.inherited { "yes" } else { "no" },
            &s.findings.to_string(),
        ]));
    }
    Ok(csv_response(&format!("{}-compliance.csv", framework.id), body))
}

#[cfg(test)]
mod tests {
    use super::{field, safe_file_name};

    #[test]
    fn download_names_cannot_close_their_quotes_or_add_parameters() {
        let name = safe_file_name("x\"; filename=\"evil.html-findings.csv");
        assert_eq!(name, "x___filename__evil.html-findings.csv");
        assert!(name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c)));
        assert_eq!(safe_file_name("NLP-findings.csv"), "nlp-findings.csv");
    }

    #[test]
    fn fields_are_quoted_and_formulas_defused() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("-1"), "'-1");
    }
}
