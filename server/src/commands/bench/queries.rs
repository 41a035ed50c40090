//! `rampart bench queries`: the read models of the overview and tenant pages against 90 days of
//! history for 50 tenants × 40 namespaces and 100,000 pods, after the maintenance task has
//! rolled it up and applied the default retention.

use std::future::Future;
use std::time::Instant;

use chrono::{Duration, Utc};
use db::synthetic::{HistoryShape, fill_history};
use db::{PgPool, Scope};

use super::measure::quantile;

async fn time<T, F, Fut>(name: &str, runs: usize, worst: &mut f64, mut query: F) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = db::Result<T>>,
{
    query().await?; // warm the cache once
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        query().await?;
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let (p50, p95) = (quantile(&samples, 0.5), quantile(&samples, 0.95));
    println!("{name:<32} p50 {p50:>8.2} ms   p95 {p95:>8.2} ms");
    *worst = worst.max(p95);
    Ok(())
}

/// Fills the history, runs maintenance, and times every read model `runs` times.
pub(super) async fn measure(pool: &PgPool, runs: usize) -> anyhow::Result<()> {
    anyhow::ensure!(runs > 0, "--runs must be at least 1");
    let shape = HistoryShape::default();
    println!(
        "filling {} days of history: {} tenants × {} namespaces, {} pods, {} findings",
        shape.days, shape.tenants, shape.namespaces_per_tenant, shape.pods, shape.findings
    );
    let started = Instant::now();
    fill_history(pool, shape).await?;
    println!("filled in {:.1} s", started.elapsed().as_secs_f64());
    // As in production: the maintenance task rolls the samples up and keeps 14 days of raw
    // partitions; older history is read from the rollups.
    let started = Instant::now();
    let report = db::maintenance::run_maintenance(pool, db::maintenance::Retention::default(), Utc::now()).await?;
    println!(
        "maintenance: {} rollup rows, {} partitions dropped, in {:.1} s",
        report.rollup_rows,
        report.dropped_partitions.len(),
        started.elapsed().as_secs_f64()
    );

    let all = Scope::AllTenants;
    let lead = Scope::Tenants(vec!["team007".into()]);
    let past = Some(Utc::now() - Duration::days(30));
    let since = Utc::now() - Duration::days(14);
    let first_page = db::query::FindingQuery::default();
    let mut worst: f64 = 0.0;
    time("overview", runs, &mut worst, || db::query::tenant_overview(pool, &all, None)).await?;
    time("overview as of 30 days ago", runs, &mut worst, || db::query::tenant_overview(pool, &all, past)).await?;
    time("overview for a team lead", runs, &mut worst, || db::query::tenant_overview(pool, &lead, None)).await?;
    time("score history (14 days)", runs, &mut worst, || db::query::score_history(pool, &all, since, None)).await?;
    time("compliance summary", runs, &mut worst, || db::query::compliance_summary(pool, &all, None, None)).await?;
    time("tenant detail", runs, &mut worst, || db::query::tenant_detail(pool, &all, "team007", &first_page, None))
        .await?;
    time("tenant detail as of 30 days ago", runs, &mut worst, || {
        db::query::tenant_detail(pool, &all, "team007", &first_page, past)
    })
    .await?;
    time("score explanation", runs, &mut worst, || db::query::score_explanation(pool, &all, "team007", None)).await?;
    time("recently resolved", runs, &mut worst, || db::query::recently_resolved(pool, &lead, since, None, 50)).await?;
    time("mean time to remediate", runs, &mut worst, || db::query::mttr(pool, &lead, Utc::now() - Duration::days(90)))
        .await?;
    println!("worst_p95_ms={worst:.1}");
    Ok(())
}
