//! `/compliance?framework=cis`: a framework's controls × tenants heatmap and control list;
//! `/compliance/:framework/:control`: one control's status per tenant and its evidence.

use domain::compliance::ControlStatus;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::not_found::NotFound;
use super::rules::AffectedTable;
use super::{BadRequest, LoadError};
use crate::api::fleet::{ComplianceData, compliance, control};
use crate::charts::HeatCell;
use crate::components::as_of::requested_instant;
use crate::components::links::{Breadcrumbs, Chart, control_href, rule_href, tenant_href, with_query};
use crate::components::query::param;

/// The compliance page.
#[component]
pub fn CompliancePage() -> impl IntoView {
    // The first tab is the default.
    let framework_id = param("framework").unwrap_or_else(|| domain::frameworks::frameworks()[0].id.into());
    let tabs = domain::frameworks::frameworks()
        .into_iter()
        .map(|f| {
            let current = (f.id == framework_id).then_some("page");
            view! { <a href=with_query("/compliance", &[("framework", f.id.to_string())]) aria-current=current>{f.name}</a> }
        })
        .collect_view();
    view! {
        <Title text="Compliance" />
        <Breadcrumbs trail=vec![] here="Compliance".to_string() />
        <h1>"Compliance"</h1>
        <nav class="ranges" aria-label="Frameworks">{tabs}</nav>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                let Some(framework) = domain::frameworks::framework(&framework_id) else {
                    let error = format!("?framework={framework_id} is not a framework (pss, cis, nsa)");
                    return view! { <BadRequest error /> }.into_any();
                };
                let at = match requested_instant() {
                    Ok(at) => at,
                    Err(error) => return view! { <BadRequest error /> }.into_any(),
                };
                match compliance(framework.id.to_string(), at).await {
                    Ok(data) => view! { <FrameworkView framework data /> }.into_any(),
                    Err(error) => view! { <LoadError error=error.to_string() /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn FrameworkView(framework: &'static domain::frameworks::Framework, data: ComplianceData) -> impl IntoView {
    let mut tenants: Vec<String> = data.statuses.iter().map(|s| s.tenant.clone()).collect();
    tenants.sort();
    tenants.dedup();
    let controls: Vec<String> = framework.controls.iter().map(|c| format!("{}:{}", framework.id, c.id)).collect();
    let cells: Vec<HeatCell> = data
        .statuses
        .iter()
        .filter_map(|s| {
            let row = framework.controls.iter().position(|c| c.id == s.control)?;
            let column = tenants.iter().position(|t| *t == s.tenant)?;
            Some(HeatCell { row, column, status: s.status })
        })
        .collect();
    let title = format!("{}: status of each control (rows) for each tenant (columns)", framework.name);
    let heatmap = crate::charts::heatmap(&title, &controls, &tenants, &cells);
    let summary = data
        .summary
        .iter()
        .filter(|r| r.framework == framework.id)
        .map(|r| {
            let pct = r.percent().map(|p| format!("{p:.0}%")).unwrap_or_else(|| "—".into());
            view! {
                <tr>
                    <td><a href=tenant_href(&r.tenant)>{r.tenant.clone()}</a></td>
                    <td class="num score">{pct}</td><td class="num">{r.passed}</td><td class="num">{r.failed}</td>
                    <td class="num">{r.partial}</td><td class="num">{r.manual}</td><td class="num">{r.not_assessable}</td>
                </tr>
            }
        })
        .collect_view();
    // Trivy's verdict counts every tenant's objects: it is shown only to those who see them all.
    let show_trivy = !data.trivy.is_empty();
    let rows = framework
        .controls
        .iter()
        .map(|c| {
            let reference = format!("{}:{}", framework.id, c.id);
            let failing = data.statuses.iter().filter(|s| s.control == c.id && s.status == ControlStatus::Fail).count();
            let trivy = data.trivy.iter().find(|t| t.control == c.id).map(|t| {
                let checks = if t.status == "fail" { format!(" ({} failed checks)", t.failed_checks) } else { String::new() };
                view! { <span class=format!("status {}", t.status)>{t.status.clone()}</span> {checks} }.into_any()
            });
            view! {
                <tr>
                    <td><a href=control_href(&reference)><code>{c.id}</code></a></td>
                    <td>{c.title}</td>
                    <td>{c.assessment.as_str()}</td>
                    <td class="num">{failing}</td>
                    {show_trivy.then(|| view! { <td class="trivy">{trivy.unwrap_or_else(|| view! { <span class="meta">"—"</span> }.into_any())}</td> })}
                </tr>
            }
        })
        .collect_view();
    view! {
        <p class="meta">{format!("{} {} — {} controls", framework.name, framework.version, framework.controls.len())}</p>
        <p><a class="csv" href=format!("/compliance.csv?framework={}", framework.id)>"Download control statuses as CSV"</a></p>
        <form method="post" action="/reports" class="export">
            <input type="hidden" name="csrf" value=crate::viewer::csrf_token() />
            <input type="hidden" name="framework" value=framework.id />
            <button type="submit">{format!("Download the {} report of your tenants (last 30 days)", framework.id.to_uppercase())}</button>
        </form>
        <table class="data compliance">
            <thead><tr><th>"Tenant"</th><th class="num" title="Passed over assessable (pass, fail, partial) controls">"Compliance (% of assessable controls passed)"</th><th class="num">"Pass"</th><th class="num">"Fail"</th><th class="num">"Partial"</th><th class="num">"Manual"</th><th class="num">"Not assessable"</th></tr></thead>
            <tbody>{summary}</tbody>
        </table>
        <Chart svg=heatmap />
        <table class="data controls">
            <thead><tr><th>"Control"</th><th>"Title"</th><th>"Assessment"</th><th class="num">"Failing tenants"</th>
                {show_trivy.then(|| view! { <th title="From Trivy Operator's ClusterComplianceReport, over every cluster">"Trivy Operator says"</th> })}</tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// What an inherited status means, on the control page.
const INHERITED_NOTE: &str = "This control is evidenced by the cluster's own shared objects (the API server's \
     flags and exposure), which no tenant owns: every tenant's status is the status of the cluster it runs on.";
const INHERITED_TITLE: &str = "The cluster's status, evidenced by its shared objects: see the evidence below";

/// One control.
#[component]
pub fn ControlPage() -> impl IntoView {
    let params = use_params_map().get_untracked();
    let (framework_id, control_id) =
        (params.get("framework").unwrap_or_default(), params.get("control").unwrap_or_default());
    let Some(framework) = domain::frameworks::framework(&framework_id) else {
        return view! { <NotFound /> }.into_any();
    };
    let Some(c) = framework.control(&control_id) else { return view! { <NotFound /> }.into_any() };
    let rules = framework
        .rules_for(c.id)
        .into_iter()
        .map(|r| view! { <li><a href=rule_href(r.id)><code>{r.id}</code></a> " " {r.title}</li> })
        .collect_view();
    let back = with_query("/compliance", &[("framework", framework.id.to_string())]);
    view! {
        <Title text=format!("{} {}", framework.name, c.id) />
        <Breadcrumbs trail=vec![("Compliance".to_string(), back)] here=format!("{}:{}", framework.id, c.id) />
        <h1>{format!("{} {} — {}", framework.name, c.id, c.title)}</h1>
        <p class="meta">"Assessment: " {c.assessment.as_str()}</p>
        <h2>"Rules that evidence it"</h2>
        <ul>{rules}</ul>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                let at = match requested_instant() {
                    Ok(at) => at,
                    Err(error) => return view! { <BadRequest error /> }.into_any(),
                };
                match control(framework_id.clone(), control_id.clone(), at).await {
                    Ok((statuses, objects)) => {
                        let inherited = statuses.iter().any(|s| s.inherited);
                        let rows = statuses
                            .into_iter()
                            .map(|s| view! {
                                <tr data-status=s.status.as_str()>
                                    <td><a href=tenant_href(&s.tenant)>{s.tenant.clone()}</a></td>
                                    <td>
                                        <span class=format!("status {}", s.status)>{s.status.as_str()}</span>
                                        {s.inherited.then(|| view! {
                                            " " <a class="inherited" href="#evidence" title=INHERITED_TITLE>"inherited from the cluster"</a>
                                        })}
                                    </td>
                                    <td class="num">{s.findings}</td>
                                </tr>
                            })
                            .collect_view();
                        view! {
                            <h2>"Status by tenant"</h2>
                            {inherited.then(|| view! { <p class="note">{INHERITED_NOTE}</p> })}
                            <table class="data statuses"><thead><tr><th>"Tenant"</th><th>"Status"</th><th class="num">"Findings"</th></tr></thead><tbody>{rows}</tbody></table>
                            <h2 id="evidence">"Evidence"</h2>
                            <AffectedTable objects />
                        }
                        .into_any()
                    }
                    Err(error) => view! { <LoadError error=error.to_string() /> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}
