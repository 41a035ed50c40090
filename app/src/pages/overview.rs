//! `/`: every tenant in scope, riskiest first.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos_meta::Title;

use super::{BadRequest, LoadError};
use crate::api::{OverviewData, overview};
use crate::components::as_of::{AsOfBanner, requested_instant};
use crate::components::format::{percent, score, timestamp};
use crate::components::health::UnhealthyDefinition;
use crate::components::links::{Chart, tenant_href, with_query};
use crate::components::severity::SeverityCount;

/// The overview page.
#[component]
pub fn OverviewPage() -> impl IntoView {
    view! {
        <Title text="Overview" />
        <h1>"Tenants"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                let at = match requested_instant() {
                    Ok(at) => at,
                    Err(error) => return view! { <BadRequest error /> }.into_any(),
                };
                match overview(at).await {
                    Ok(data) => view! {
                        <AsOfBanner at now_href="/".to_string() />
                        <OverviewTable data at />
                    }
                    .into_any(),
                    Err(error) => view! { <LoadError error=error.to_string() /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Clusters that are stale or could not assess every rule, said wherever their data is shown.
#[component]
fn ClusterBanner(clusters: Vec<db::system::ClusterRow>) -> impl IntoView {
    let now = chrono::Utc::now();
    let notes: Vec<String> = clusters
        .iter()
        .filter_map(|c| {
            let stale = c.is_stale(now).then(|| {
                let last = c.last_finished_at.map(timestamp).unwrap_or_else(|| "never".into());
                format!("cluster {} is stale (last good collection {last})", c.name)
            });
            let gaps = (c.not_assessable > 0)
                .then(|| format!("{} rules could not be assessed on cluster {}", c.not_assessable, c.name));
            match (stale, gaps) {
                (None, None) => None,
                (a, b) => Some([a, b].into_iter().flatten().collect::<Vec<_>>().join("; ")),
            }
        })
        .collect();
    (!notes.is_empty()).then(|| {
        view! { <p class="as-of" role="status">{notes.join(". ")} ". " <a href="/clusters">"Clusters"</a></p> }
    })
}

#[component]
fn OverviewTable(data: OverviewData, at: Option<chrono::DateTime<chrono::Utc>>) -> impl IntoView {
    let Some(last) = data.last_collection_at else {
        return view! {
            <p class="empty">"No collection has finished yet. The first one appears here when it does."</p>
        }
        .into_any();
    };
    let mut history: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut spans: BTreeMap<String, (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)> = BTreeMap::new();
    for point in &data.history {
        history.entry(point.tenant.clone()).or_default().push(point.score);
        let span = spans.entry(point.tenant.clone()).or_insert((point.at, point.at));
        span.1 = point.at;
    }
    let compliance = |tenant: &str, framework: &str| {
        data.compliance.iter().find(|c| c.tenant == tenant && c.framework == framework).and_then(|c| c.percent())
    };
    let at_param = at.map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)).unwrap_or_default();
    let widest = data.tenants.iter().map(|t| (t.critical + t.high + t.medium + t.low) as f64).fold(1.0, f64::max);
    let rows = data
        .tenants
        .iter()
        .map(|t| {
            let counts = [t.critical, t.high, t.medium, t.low].map(|c| c as f64);
            let bar_title = format!(
                "{}: {} critical, {} high, {} medium, {} low open findings",
                t.tenant, t.critical, t.high, t.medium, t.low
            );
            let bar = crate::charts::severity_bar(&bar_title, counts, widest);
            let trend = history.remove(&t.tenant).unwrap_or_default();
            // Say what the line holds: the days it covers (the data may start within the 30
            // asked for) and the range it is scaled to.
            let (low, high) = trend.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), s| (l.min(*s), h.max(*s)));
            let trend_title = match spans.get(&t.tenant) {
                Some((first, last)) => format!(
                    "{} risk score from {} to {} ({} days of data, of the last 30), between {low:.1} and {high:.1}",
                    t.tenant,
                    first.format("%Y-%m-%d"),
                    last.format("%Y-%m-%d"),
                    (*last - *first).num_days().max(1)
                ),
                None => format!("{}: no risk score history yet", t.tenant),
            };
            let href = with_query(&tenant_href(&t.tenant), &[("at", at_param.clone())]);
            let sparkline = crate::charts::sparkline(&trend_title, &trend);
            let count = |severity: &'static str, count: i64| {
                let params = [("severity", severity.to_string()), ("at", at_param.clone())];
                let href = format!("{}#findings", with_query(&tenant_href(&t.tenant), &params));
                view! { <a href=href><SeverityCount severity count /></a> }
            };
            // With no workload, the pod rules have nothing to judge: not a pass.
            let no_workloads = t.workloads == 0;
            let frameworks = ["pss", "cis", "nsa"].map(|f| {
                let shown = if no_workloads && f == "pss" { "no workloads".to_string() } else { percent(compliance(&t.tenant, f)) };
                view! { <td class="num"><a href=format!("/compliance?framework={f}")>{shown}</a></td> }
            });
            let key = t.tenant.clone();
            view! {
                <tr data-tenant=key>
                    <td><a href=href>{t.tenant.clone()}</a></td>
                    <td class="num score">{score(t.score)}</td>
                    <td><Chart svg=sparkline /></td>
                    <td><a href=format!("{}#findings", with_query(&tenant_href(&t.tenant), &[("at", at_param.clone())]))><Chart svg=bar /></a></td>
                    <td class="num">{count("critical", t.critical)}</td>
                    <td class="num">{count("high", t.high)}</td>
                    <td class="num">{count("medium", t.medium)}</td>
                    <td class="num">{count("low", t.low)}</td>
                    <td class="num">{count("info", t.info)}</td>
                    {frameworks}
                    <td class="num"><a href="/health">{t.unhealthy_pods}</a></td>
                    <td class="num"><a href="/quotas">{percent(t.tightest_quota_headroom_pct)}</a></td>
                    <td class="num"><a href="/gpu">{idle_share(&t)}</a></td>
                    <td class="num">{t.workloads}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <ClusterBanner clusters=data.clusters.clone() />
        <p class="meta">"Last collection: " <time>{timestamp(last)}</time></p>
        <table class="data tenants">
            <thead>
                <tr>
                    <th>"Tenant"</th>
                    <th class="num">"Risk"</th>
                    <th title="Risk score over the last 30 days, or since the data starts; each line is scaled to its own range (hover it for the dates and range)">"Risk trend"</th>
                    <th>"Open findings"</th>
                    <th class="num">"Critical"</th>
                    <th class="num">"High"</th>
                    <th class="num">"Medium"</th>
                    <th class="num">"Low"</th>
                    <th class="num">"Info"</th>
                    <th class="num">"PSS"</th>
                    <th class="num">"CIS"</th>
                    <th class="num">"NSA"</th>
                    <th class="num">"Unhealthy pods"</th>
                    <th class="num">"Tightest quota headroom"</th>
                    <th class="num">"GPUs idle"</th>
                    <th class="num">"Workloads"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        <p class="legend">
            "PSS, CIS and NSA: the share of assessable controls that pass. Tightest quota headroom: the "
            "share of its hard limit still free on the tenant's fullest quota resource. GPUs idle: the "
            "share of allocated GPUs with metrics under 5% utilisation (\"unknown\" when none has metrics). Unhealthy pods: as defined below."
        </p>
        <UnhealthyDefinition />
    }
    .into_any()
}

/// The share of a tenant's allocated GPUs that sit idle; "unknown" when it holds GPUs but no
/// metrics were read for any of them (never 0% or 100% for want of data).
fn idle_share(t: &db::query::TenantOverview) -> String {
    match t.idle_gpu_share_pct() {
        Some(pct) => percent(Some(pct)),
        None if t.gpus_allocated > 0.0 => "unknown".to_string(),
        None => percent(None),
    }
}
