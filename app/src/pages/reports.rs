//! `/reports`: the stored reports the viewer may download (every tenant in them is theirs), and a
//! form to make one. Reports are made by `POST /reports`, the same code as `rampart report`.

use leptos::prelude::*;
use leptos_meta::Title;

use super::LoadError;
use crate::api::fleet::reports;
use crate::components::format::timestamp;
use crate::components::links::Breadcrumbs;
use crate::viewer::csrf_token;

/// The Reports page.
#[component]
pub fn ReportsPage() -> impl IntoView {
    view! {
        <Title text="Reports" />
        <Breadcrumbs trail=vec![] here="Reports".to_string() />
        <h1>"Reports"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {Suspend::new(async move {
                match reports().await {
                    Ok((rows, tenants)) => view! { <ExportForm tenants tenant=String::new() /> <ReportTable rows /> }.into_any(),
                    Err(error) => view! { <LoadError error=error.to_string() /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ReportTable(rows: Vec<db::reports::ReportRow>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="empty">"No report has been made yet."</p> }.into_any();
    }
    let rows = rows
        .into_iter()
        .map(|r| {
            let href = format!("/reports/{}/pdf", r.report_id);
            view! {
                <tr data-report=r.report_id.to_string()>
                    <td><a href=href>{r.title.clone()}</a></td>
                    <td>{r.tenants.join(", ")}</td>
                    <td>{r.frameworks.join(", ").to_uppercase()}</td>
                    <td>{format!("{} to {}", r.period_from.format("%Y-%m-%d"), r.period_to.format("%Y-%m-%d"))}</td>
                    <td>{format!("{}, {}", r.created_by, timestamp(r.created_at))}{r.schedule.map(|s| format!(" (schedule {s})"))}</td>
                    <td class="num">{format!("{} KiB", r.bytes / 1024)}</td>
                    <td>{if r.signed { "signed" } else { "" }}</td>
                    <td><code title="SHA-256 of the data snapshot">{r.snapshot_sha256[..16].to_string()}</code></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="data reports">
            <thead><tr><th>"Report"</th><th>"Tenants"</th><th>"Frameworks"</th><th>"Period"</th><th>"Made by"</th><th class="num">"Size"</th><th></th><th>"Snapshot"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// A form that makes a PDF report of a period (the last 30 days unless other days are chosen)
/// and downloads it: for one tenant (or all of the viewer's when `tenants` offers a choice) and
/// one framework or all.
#[component]
pub fn ExportForm(tenants: Vec<String>, tenant: String) -> impl IntoView {
    let choice = (!tenants.is_empty()).then(|| {
        let options = tenants.into_iter().map(|t| { let value = t.clone(); view! { <option value=value>{t}</option> } }).collect_view();
        view! { <label>"Tenant" <select name="tenant"><option value="">"all of mine"</option>{options}</select></label> }
    });
    let fixed = choice.is_none().then(|| view! { <input type="hidden" name="tenant" value=tenant /> });
    let frameworks = domain::frameworks::frameworks()
        .into_iter()
        .map(|f| view! { <option value=f.id>{f.name}</option> })
        .collect_view();
    let today = chrono::Utc::now().date_naive();
    let (from, to) = ((today - chrono::Duration::days(30)).to_string(), today.to_string());
    view! {
        <form method="post" action="/reports" class="export">
            <input type="hidden" name="csrf" value=csrf_token() />
            {fixed}
            {choice}
            <label>"Framework" <select name="framework"><option value="">"all"</option>{frameworks}</select></label>
            <label>"From" <input type="date" name="from" value=from /></label>
            <label>"To" <input type="date" name="to" value=to /></label>
            <button type="submit">"Download PDF report"</button>
        </form>
    }
}
