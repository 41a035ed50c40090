//! Parameters of the read models, checked one way for pages, server functions, exports and the
//! API: a malformed or out-of-range value is an error naming it (answered with a 400), never a
//! panic, a database error or a 5xx.

use chrono::{DateTime, NaiveDate, Utc};
use domain::Severity;

use super::tenant::{FindingQuery, FindingSort};

/// True when `name` is a severity's name as filters write it (`critical` … `info`).
pub fn is_severity(name: &str) -> bool {
    Severity::ALL.iter().any(|severity| severity.as_str() == name)
}

/// The instant an `?at=` value names: `None` when absent or empty, an error naming it when it is
/// not RFC 3339 or out of range. Pages and exports read `?at=` through this one function.
pub fn parse_at(value: Option<&str>) -> Result<Option<DateTime<Utc>>, String> {
    match value {
        None | Some("") => Ok(None),
        Some(text) => {
            let at = DateTime::parse_from_rfc3339(text)
                .map_err(|_| format!("?at={text} is not a time; use RFC 3339, e.g. ?at=2026-10-01T00:00:00Z"))?;
            check_at(Some(at.with_timezone(&Utc)))
        }
    }
}

/// `at` when it lies between 2000 and 9999 (or is `None`, for now): the history a read can ask
/// for, with room for every window the read models subtract from it.
pub fn check_at(at: Option<DateTime<Utc>>) -> Result<Option<DateTime<Utc>>, String> {
    let bound = |year| NaiveDate::from_ymd_opt(year, 1, 1).map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc());
    match (at, bound(2000), bound(9999)) {
        (Some(at), Some(earliest), Some(latest)) if at < earliest || at >= latest => {
            Err(format!("at={} is out of range; ask for a time between 2000 and 9999", at.to_rfc3339()))
        }
        _ => Ok(at),
    }
}

/// Trend ranges offered, in days.
pub const RANGES: [u32; 3] = [7, 30, 90];

/// `days` when it is one of the [`RANGES`].
pub fn check_range_days(days: u32) -> Result<u32, String> {
    RANGES.contains(&days).then_some(days).ok_or_else(|| format!("range={days} is not a range; use 7, 30 or 90"))
}

/// The longest name a parameter may carry (a Kubernetes name is at most 253 characters).
pub const MAX_NAME_CHARS: usize = 253;

/// `value` of the parameter `name` when it is a plausible name: at most [`MAX_NAME_CHARS`]
/// characters and no control character (a NUL byte would reach PostgreSQL as an error).
pub fn check_name<'a>(name: &str, value: &'a str) -> Result<&'a str, String> {
    if value.chars().count() > MAX_NAME_CHARS {
        return Err(format!("{name} is longer than {MAX_NAME_CHARS} characters"));
    }
    if value.chars().any(char::is_control) {
        return Err(format!("{name} contains a control character"));
    }
    Ok(value)
}

/// The most rows one page of a paged list (exceptions, the audit log) holds.
pub const LIST_PAGE_SIZE: i64 = 50;

/// The furthest page a paged list may ask for (0-based).
pub const MAX_LIST_PAGE: u32 = 10_000;

/// `page` (0-based) when a paged list has room for it; its rows start at `page × LIST_PAGE_SIZE`.
pub fn check_page(page: u32) -> Result<i64, String> {
    if page > MAX_LIST_PAGE {
        return Err(format!("page={page} is past the last page a list can have ({MAX_LIST_PAGE})"));
    }
    Ok(i64::from(page) * LIST_PAGE_SIZE)
}

/// A findings query whose every field is in range.
pub fn check_finding_query(query: &FindingQuery) -> Result<(), String> {
    if let Some(severity) = &query.severity
        && !is_severity(severity)
    {
        return Err(format!(
            "severity={} is not a severity (critical, high, medium, low, info)",
            severity.escape_debug()
        ));
    }
    for rule in &query.rules {
        check_name("rule", rule)?;
    }
    if let Some(namespace) = &query.namespace {
        check_name("namespace", namespace)?;
    }
    Ok(())
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
    if let Some(namespace) = param("namespace") {
        check_name("?namespace", &namespace)?;
    }
    let page = match param("page") {
        None => 0,
        Some(text) => match text.parse::<u32>() {
            Ok(page) if page >= 1 => page - 1,
            _ => return Err(format!("?page={text} is not a page number")),
        },
    };
    Ok(FindingQuery { severity, rules, namespace: param("namespace"), sort, page })
}
