//! Rampart's own timings, recorded as they happen and exposed on `/metrics`
//! ([`crate::http::metrics`]): HTTP latency by method, matched route and status class, and
//! collection duration by cluster and outcome.

use std::sync::LazyLock;

use axum::http::StatusCode;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

type Labels = Vec<(&'static str, String)>;
type Timings = Family<Labels, Histogram, fn() -> Histogram>;

fn latency_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

/// Request latency by method, matched route and status class.
static HTTP: LazyLock<Timings> = LazyLock::new(|| Family::new_with_constructor(latency_buckets as fn() -> Histogram));
/// Collection duration by cluster and outcome.
static COLLECTIONS: LazyLock<Timings> =
    LazyLock::new(|| Family::new_with_constructor(latency_buckets as fn() -> Histogram));

/// Records one HTTP request.
pub fn observe_request(method: &str, route: &str, status: StatusCode, seconds: f64) {
    let class = format!("{}xx", status.as_u16() / 100);
    HTTP.get_or_create(&vec![("method", method.to_string()), ("route", route.to_string()), ("status", class)])
        .observe(seconds);
}

/// Records one collection.
pub fn observe_collection(cluster: &str, ok: bool, seconds: f64) {
    let outcome = if ok { "ok" } else { "failed" };
    COLLECTIONS
        .get_or_create(&vec![("cluster", cluster.to_string()), ("outcome", outcome.to_string())])
        .observe(seconds);
}

/// Adds the timings to `registry`, for the exposition.
pub fn register_timings(registry: &mut Registry) {
    registry.register("http_request_duration_seconds", "HTTP request latency", HTTP.clone());
    registry.register("collection_duration_seconds", "Collection duration", COLLECTIONS.clone());
}
