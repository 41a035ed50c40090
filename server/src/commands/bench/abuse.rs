//! `rampart bench abuse`: the memory attack of the penetration test, replayed against the
//! limits. Tenant leads try to store five justifications of 1 MB (refused) and fill their share
//! of waiting requests with the longest justification allowed; then as many reports of that
//! tenant are made at once as the dashboard admits. Prints the resident set before and at its
//! peak, ending with `abuse_peak_rss_mib=N refused=N stored=N`.

use chrono::Utc;
use db::Scope;
use db::exceptions::{ExceptionRequest, MAX_JUSTIFICATION_CHARS, MAX_PENDING_PER_REQUESTER};

use super::measure::{current_rss_mib, peak_rss_mib, reset_peak_rss};
use crate::http::reports::CONCURRENT_WEB_REPORTS;
use crate::reports::{ReportRequest, Requester, generate_and_store};

/// Leads of the attacked tenant, each with their own share of waiting requests.
const LEADS: usize = 3;

pub(super) async fn measure(pool: &db::PgPool) -> anyhow::Result<()> {
    let cluster = crate::commands::demo::shared_cluster(sim::SimConfig::default());
    crate::commands::demo::backfill(pool, &cluster, 24).await?;
    let overview = db::query::tenant_overview(pool, &Scope::AllTenants, None).await?;
    let tenant = overview.first().map(|t| t.tenant.clone()).ok_or_else(|| anyhow::anyhow!("no tenant"))?;
    let reset = reset_peak_rss();
    let before = current_rss_mib();
    let request = |justification: String| ExceptionRequest {
        rule_id: "pod.privileged".into(),
        tenant: tenant.clone(),
        namespace: None,
        object_kind: None,
        object_name: None,
        justification,
        expires_at: Utc::now() + chrono::Duration::days(30),
        cve: None,
        image_repository: None,
        until_fixed: false,
    };
    let mut refused = 0;
    for _ in 0..5 {
        let huge = request("x".repeat(1024 * 1024));
        refused += usize::from(db::exceptions::request(pool, "lead-0", &huge).await.is_err());
    }
    let mut stored = 0;
    for lead in 0..LEADS {
        for _ in 0..=MAX_PENDING_PER_REQUESTER {
            let longest = request("y".repeat(MAX_JUSTIFICATION_CHARS));
            stored += usize::from(db::exceptions::request(pool, &format!("lead-{lead}"), &longest).await.is_ok());
        }
    }
    let to = Utc::now();
    let report =
        ReportRequest { tenants: vec![tenant.clone()], frameworks: vec![], from: to - chrono::Duration::days(1), to };
    let scope = Scope::Tenants(vec![tenant.clone()]);
    let requester = Requester { name: "lead-0", source_addr: None, schedule: None, signing_key: None };
    let started = std::time::Instant::now();
    let reports = (0..CONCURRENT_WEB_REPORTS).map(|_| generate_and_store(pool, &scope, &report, &requester));
    let made = futures::future::join_all(reports).await;
    anyhow::ensure!(made.iter().all(Result::is_ok), "a report failed: {:?}", made.iter().find(|r| r.is_err()));
    let peak = peak_rss_mib();
    println!(
        "tenant {tenant}: {refused} of 5 justifications of 1 MiB refused, {stored} requests of {MAX_JUSTIFICATION_CHARS} \
         characters stored ({LEADS} leads), {CONCURRENT_WEB_REPORTS} reports at once in {:.1}s; RSS {before:.0} MiB \
         before, {peak:.0} MiB at its peak{}",
        started.elapsed().as_secs_f64(),
        if reset { "" } else { " (since start: the kernel did not reset the peak)" }
    );
    println!("abuse_peak_rss_mib={peak:.0} refused={refused} stored={stored}");
    Ok(())
}
