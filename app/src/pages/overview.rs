//! `/`: every tenant in scope, riskiest first.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos_meta::Title;

use super::{BadRequest, LoadError};
use crate::api::{OverviewData, overview};
use crate::components::as_of::{AsOfBanner, requested_instant};
use crate::components::format::{percent, score, timestamp};
use crate::components::severity::SeverityCount;
use crate::components::sparkline::Sparkline;

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

#[component]
fn OverviewTable(data: OverviewData, at: Option<chrono::DateTime<chrono::Utc>>) -> impl IntoView {
    let Some(last) = data.last_collection_at else {
        return view! {
            <p class="empty">"No collection has finished yet. The first one appears here when it does."</p>
        }
        .into_any();
    };
    let mut history: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for point in &data.history {
        history.entry(point.tenant.clone()).or_default().push(point.score);
    }
    let rows = data
        .tenants
        .into_iter()
        .map(|t| {
            let trend = history.remove(&t.tenant).unwrap_or_default();
            let href = match at {
                Some(at) => {
                    format!("/tenants/{}?at={}", t.tenant, at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                }
                None => format!("/tenants/{}", t.tenant),
            };
            let label = format!("{} risk score, last 14 days", t.tenant);
            let key = t.tenant.clone();
            view! {
                <tr data-tenant=key>
                    <td><a href=href>{t.tenant.clone()}</a></td>
                    <td class="num score">{score(t.score)}</td>
                    <td><Sparkline scores=trend label /></td>
                    <td class="num"><SeverityCount severity="critical" count=t.critical /></td>
                    <td class="num"><SeverityCount severity="high" count=t.high /></td>
                    <td class="num"><SeverityCount severity="medium" count=t.medium /></td>
                    <td class="num"><SeverityCount severity="low" count=t.low /></td>
                    <td class="num">{t.unhealthy_pods}</td>
                    <td class="num">{percent(t.tightest_quota_headroom_pct)}</td>
                    <td class="num">{percent(t.mean_gpu_utilisation_pct)}</td>
                    <td class="num">{t.workloads}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p class="meta">"Last collection: " <time>{timestamp(last)}</time></p>
        <table class="data tenants">
            <thead>
                <tr>
                    <th>"Tenant"</th>
                    <th class="num">"Risk"</th>
                    <th>"14 days"</th>
                    <th class="num">"Critical"</th>
                    <th class="num">"High"</th>
                    <th class="num">"Medium"</th>
                    <th class="num">"Low"</th>
                    <th class="num">"Unhealthy pods"</th>
                    <th class="num">"Tightest quota headroom"</th>
                    <th class="num">"Mean GPU use"</th>
                    <th class="num">"Workloads"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}
