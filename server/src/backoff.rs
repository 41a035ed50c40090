//! Exponential backoff with jitter: the one retry schedule of every retry loop (a cluster's
//! collections, its list pages, alert deliveries).

use std::time::Duration;

/// The wait before retry number `retry` (1 for the first): `first`, doubled for each earlier
/// retry, plus up to half of that again at random, and never more than `cap`.
pub fn backoff(first: Duration, retry: u32, cap: Duration) -> Duration {
    with_jitter(first, retry, cap, rand::random::<f64>())
}

/// [`backoff`] with the random part given: `jitter` in 0..1 adds that share of half the wait.
pub fn with_jitter(first: Duration, retry: u32, cap: Duration, jitter: f64) -> Duration {
    let doubled = first.saturating_mul(2u32.saturating_pow(retry.saturating_sub(1).min(16)));
    doubled.mul_f64(1.0 + jitter.clamp(0.0, 1.0) / 2.0).min(cap)
}
