//! Query-string parameters of the read models, parsed one way for pages, exports and the API:
//! a malformed value is an error naming it (shown as a 400).

use chrono::{DateTime, Utc};
use domain::Severity;

use super::tenant::{FindingQuery, FindingSort};

/// True when `name` is a severity's name as filters write it (`critical` … `info`).
pub fn is_severity(name: &str) -> bool {
    Severity::ALL.iter().any(|severity| severity.as_str() == name)
}

/// The instant an `?at=` value names: `None` when absent or empty, an error naming it when it is
/// not RFC 3339. Pages and exports read `?at=` through this one function.
pub fn parse_at(value: Option<&str>) -> Result<Option<DateTime<Utc>>, String> {
    match value {
        None | Some("") => Ok(None),
        Some(text) => DateTime::parse_from_rfc3339(text)
            .map(|at| Some(at.with_timezone(&Utc)))
            .map_err(|_| format!("?at={text} is not a time; use RFC 3339, e.g. ?at=2026-10-01T00:00:00Z")),
    }
}

/// The findings table's query from a query string (`param` gives a non-empty value or `None`):
/// `?severity=&category=&rule=&namespace=&sort=&page=` (page is 1-based in the URL). Pages,
/// exports and the API read it through this one function.
pub fn parse_finding_query(param: impl Fn(&str) -> Option<String>) -> Result<FindingQuery, String> {
    let severity = param("severity");
    if let Some(s) = &severity
        && !is_severity(s)
    {
        return Err(format!("?severity={s} is not a severity (critical, high, medium, low, info)"));
    }
    let mut rules = Vec::new();
    if let Some(category) = param("category") {
        rules = domain::rules::catalogue()
            .into_iter()
            .filter(|r| r.category.as_str() == category)
            .map(|r| r.id.to_string())
            .collect();
        if rules.is_empty() {
            return Err(format!("?category={category} is not a rule category"));
        }
    }
    if let Some(rule) = param("rule") {
        if !domain::rules::catalogue().iter().any(|r| r.id == rule) {
            return Err(format!("?rule={rule} is not a rule id"));
        }
        rules.retain(|r| *r == rule);
        if rules.is_empty() {
            rules.push(rule);
        }
    }
    let sort = match param("sort") {
        None => FindingSort::default(),
        Some(name) => FindingSort::ALL
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(sort, _)| *sort)
            .ok_or_else(|| format!("?sort={name} is not an order (severity, newest, oldest, object, rule)"))?,
    };
    let page = match param("page") {
        None => 0,
        Some(text) => match text.parse::<u32>() {
            Ok(page) if page >= 1 => page - 1,
            _ => return Err(format!("?page={text} is not a page number")),
        },
    };
    Ok(FindingQuery { severity, rules, namespace: param("namespace"), sort, page })
}
