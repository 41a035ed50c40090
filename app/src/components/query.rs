//! Reading a page's query string: filters, sort, page and time range are GET parameters, so
//! every view is a shareable link. A malformed value is an error naming it (shown as a 400).

use db::query::{FindingQuery, FindingSort};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// One query parameter, when present and not empty.
pub fn param(key: &str) -> Option<String> {
    use_query_map().get_untracked().get(key).filter(|v| !v.is_empty())
}

/// Severities a filter may name.
pub const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "info"];

/// The findings table's query: `?severity=&category=&rule=&namespace=&sort=&page=` (page is
/// 1-based in the URL).
pub fn finding_query() -> Result<FindingQuery, String> {
    parse_finding_query(param)
}

/// [`finding_query`] over any source of parameters (`param` gives a non-empty value or `None`),
/// so that exports read the same query string the same way.
pub fn parse_finding_query(param: impl Fn(&str) -> Option<String>) -> Result<FindingQuery, String> {
    let severity = param("severity");
    if let Some(s) = &severity
        && !SEVERITIES.contains(&s.as_str())
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

/// Trend ranges offered, in days.
pub const RANGES: [u32; 3] = [7, 30, 90];

/// `?range=` in days: 7, 30 (the default) or 90.
pub fn range_days() -> Result<u32, String> {
    match param("range") {
        None => Ok(30),
        Some(text) => text
            .parse::<u32>()
            .ok()
            .filter(|d| RANGES.contains(d))
            .ok_or_else(|| format!("?range={text} is not a range; use 7, 30 or 90")),
    }
}
