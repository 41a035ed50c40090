//! `/vulnerabilities`: the CVEs the viewer's workloads run, fixable first, then the worst, then
//! the widest reach (`?severity=` narrows them); and `?package=P`, which workloads run package P
//! and at which versions, the affected ones first.

use db::query::{CVES_SHOWN, CveReachRow, PackageUseRow};
use leptos::prelude::*;

use super::{BadRequest, fleet_page};
use crate::api::AppError;
use crate::api::images::{VulnerabilitiesData, vulnerabilities};
use crate::components::format::timestamp;
use crate::components::links::{image_href, tenant_href, vulnerabilities_href, workload_href};
use crate::components::query::param;
use crate::components::severity::SeverityBadge;

/// The Vulnerabilities page.
#[component]
pub fn VulnerabilitiesPage() -> impl IntoView {
    let (severity, package) = (param("severity"), param("package"));
    fleet_page("Vulnerabilities", "Vulnerabilities", move |at| async move {
        // A malformed filter is the request's fault: a 400 saying why, not a failed page.
        let bad_severity = severity
            .as_deref()
            .filter(|s| !db::query::is_severity(s))
            .map(|s| format!("?severity={s} is not a severity (critical, high, medium, low or info)"));
        let bad_package = package.as_deref().and_then(|p| db::query::check_name("?package", p).err());
        if let Some(error) = bad_severity.or(bad_package) {
            return Ok(view! { <BadRequest error /> }.into_any());
        }
        let search = view! {
            <form method="get" action="/vulnerabilities" class="filters">
                <label>"Which workloads run package "
                    <input type="text" name="package" value=package.clone().unwrap_or_default() placeholder="openssl" />
                </label>
                <button type="submit">"Find"</button>
            </form>
        };
        let body = match vulnerabilities(severity, package, at).await? {
            VulnerabilitiesData::Cves(rows) => view! { <CveTable rows /> }.into_any(),
            VulnerabilitiesData::Package { package, users } => view! { <PackageTable package users /> }.into_any(),
        };
        Ok::<_, AppError>(view! { {search} {body} }.into_any())
    })
}

#[component]
fn CveTable(rows: Vec<CveReachRow>) -> impl IntoView {
    if rows.is_empty() {
        return view! {
            <p class="empty">"No CVE in the images your workloads run, or no cluster serves Trivy Operator's reports."</p>
        }
        .into_any();
    }
    let shown = rows.len();
    let rows = rows
        .into_iter()
        .map(|r| {
            let packages =
                r.packages.iter().map(|p| view! { <a href=vulnerabilities_href(p)>{p.clone()}</a> " " }).collect_view();
            view! {
                <tr>
                    <td>{r.vulnerability_id}</td>
                    <td><SeverityBadge severity=r.severity /></td>
                    <td class="num">{r.score.map(|s| format!("{s:.1}")).unwrap_or_else(|| "—".into())}</td>
                    <td>{if r.fixable { "yes" } else { "no fix yet" }}</td>
                    <td class="num">{r.workloads}</td><td class="num">{r.tenants}</td><td class="num">{r.images}</td>
                    <td>{packages}</td>
                    <td>{r.first_seen.map(timestamp).unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p class="meta">
            {format!("{shown} CVEs")} {(shown as i64 >= CVES_SHOWN).then_some(" (the first shown)")}
            ", each counted once however many images carry it, fixable first. Workloads and tenants: those of "
            "yours that run an image with it, at each cluster's latest collection."
        </p>
        <table class="data fleet-cves">
            <thead><tr><th>"CVE"</th><th>"Severity"</th><th class="num">"CVSS"</th><th>"Fix"</th><th class="num">"Workloads"</th><th class="num">"Tenants"</th><th class="num">"Images"</th><th>"Packages"</th><th>"First seen"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

#[component]
fn PackageTable(package: String, users: Vec<PackageUseRow>) -> impl IntoView {
    if users.is_empty() {
        return view! { <p class="empty">{format!("No workload of yours runs an image with package {package:?}.")}</p> }
            .into_any();
    }
    let affected = users.iter().filter(|u| u.cves > 0).count();
    let summary = format!("{} containers run {package:?}; {affected} of them an affected version.", users.len());
    let rows = users
        .into_iter()
        .map(|u| {
            let href = workload_href(&u.kind, Some(&u.namespace), &u.name).unwrap_or_default();
            view! {
                <tr>
                    <td><a href=tenant_href(&u.tenant)>{u.tenant.clone()}</a></td>
                    <td><a href=href>{format!("{}/{}/{}", u.kind, u.namespace, u.name)}</a></td><td>{u.container}</td>
                    <td><a href=image_href(u.image_id)><code>{u.image_key}</code></a></td>
                    <td><code>{u.version}</code></td><td class="num">{u.cves}</td><td class="num">{u.fixable_cves}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p class="glance">{summary}</p>
        <p class="meta"><a href="/vulnerabilities">"Back to every CVE"</a></p>
        <table class="data package-users">
            <thead><tr><th>"Tenant"</th><th>"Workload"</th><th>"Container"</th><th>"Image"</th><th>"Version"</th><th class="num">"CVEs"</th><th class="num">"With a fix"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}
