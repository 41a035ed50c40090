//! Reading a page's query string: filters, sort, page and time range are GET parameters, so
//! every view is a shareable link. A malformed value is an error naming it (shown as a 400).

use db::query::{FindingQuery, parse_finding_query};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// One query parameter, when present and not empty.
pub fn param(key: &str) -> Option<String> {
    use_query_map().get_untracked().get(key).filter(|v| !v.is_empty())
}

/// The findings table's query: `?severity=&category=&rule=&namespace=&sort=&page=` (page is
/// 1-based in the URL).
pub fn finding_query() -> Result<FindingQuery, String> {
    parse_finding_query(param)
}

pub use db::query::RANGES;

/// `?range=` in days: 7, 30 (the default) or 90.
pub fn range_days() -> Result<u32, String> {
    match param("range") {
        None => Ok(30),
        Some(text) => {
            text.parse::<u32>().map_err(|_| format!("?range={text} is not a range; use 7, 30 or 90")).and_then(|days| {
                db::query::check_range_days(days).map_err(|_| format!("?range={text} is not a range; use 7, 30 or 90"))
            })
        }
    }
}

/// `?page=` of a paged list, 1-based in the URL, 0-based here; 0 when absent.
pub fn list_page() -> Result<u32, String> {
    match param("page") {
        None => Ok(0),
        Some(text) => match text.parse::<u32>() {
            Ok(page) if page >= 1 => db::query::check_page(page - 1).map(|_| page - 1),
            _ => Err(format!("?page={text} is not a page number")),
        },
    }
}
