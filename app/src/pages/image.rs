//! `/images/:image`: one image — its registry, digest and scan, the workloads and tenants in scope
//! that run it, and its CVEs, sortable by severity, CVSS score, fix availability or date.

use db::query::{CveSort, ImageDetail, ImageVulnerabilityRow};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::not_found::NotFound;
use super::{BadRequest, LoadError};
use crate::api::images::image;
use crate::components::as_of::{AsOfBanner, requested_instant};
use crate::components::format::timestamp;
use crate::components::links::{Breadcrumbs, advisory_href, encode, tenant_href, vulnerabilities_href, workload_href};
use crate::components::query::param;
use crate::components::severity::{CveCounts, SeverityBadge};

/// The image page.
#[component]
pub fn ImagePage() -> impl IntoView {
    let id = use_params_map().get_untracked().get("image").and_then(|id| id.parse::<i64>().ok());
    let sort = param("sort").unwrap_or_else(|| "severity".into());
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {
                let sort = sort.clone();
                Suspend::new(async move {
                    let Some(id) = id else { return view! { <NotFound /> }.into_any() };
                    let at = match requested_instant() {
                        Ok(at) => at,
                        Err(error) => return view! { <BadRequest error /> }.into_any(),
                    };
                    if let Err(error) = CveSort::parse(&sort) {
                        return view! { <BadRequest error /> }.into_any();
                    }
                    match image(id, sort.clone(), at).await {
                        Ok(Some(detail)) => {
                            let now_href = format!("/images/{id}");
                            view! { <AsOfBanner at now_href /> <ImageView detail sort /> }.into_any()
                        }
                        Ok(None) => view! { <NotFound /> }.into_any(),
                        Err(error) => view! { <LoadError error=error.to_string() /> }.into_any(),
                    }
                })
            }
        </Suspense>
    }
}

#[component]
fn ImageView(detail: ImageDetail, sort: String) -> impl IntoView {
    let ImageDetail { image, users, vulnerabilities } = detail;
    // A CVE is accepted for a namespace of a tenant that runs the image; the form can widen it.
    let accept_in = users.first().map(|u| (u.tenant.clone(), u.namespace.clone()));
    let tenants: std::collections::BTreeSet<String> = users.iter().map(|u| u.tenant.clone()).collect();
    let tenant_links = tenants.iter().map(|t| view! { <a href=tenant_href(t)>{t.clone()}</a> " " }).collect_view();
    let user_rows = users
        .into_iter()
        .map(|u| {
            let href = workload_href(&u.kind, Some(&u.namespace), &u.name).unwrap_or_default();
            view! {
                <tr>
                    <td>{u.cluster}</td><td><a href=tenant_href(&u.tenant)>{u.tenant.clone()}</a></td>
                    <td><a href=href>{format!("{}/{}/{}", u.kind, u.namespace, u.name)}</a></td><td>{u.container}</td>
                </tr>
            }
        })
        .collect_view();
    let sorts = CveSort::ALL
        .iter()
        .map(|(_, name)| {
            let current = *name == sort;
            let href = format!("/images/{}?sort={name}", image.image_id);
            view! { <a href=href aria-current=current.then_some("true")>{*name}</a> " " }
        })
        .collect_view();
    let repository = image.repository.clone();
    let cve_rows = vulnerabilities
        .into_iter()
        .map(|v| {
            let accept = accept_in
                .as_ref()
                .map(|(tenant, namespace)| accept_href(&v.vulnerability_id, &repository, tenant, namespace));
            cve_row(v, accept)
        })
        .collect_view();
    view! {
        <Title text=format!("Image {}", image.repository) />
        <Breadcrumbs trail=vec![("Vulnerabilities".to_string(), "/vulnerabilities".to_string())] here=image.repository.clone() />
        <h1>"Image " <code>{image.repository.clone()}</code></h1>
        <dl class="summary">
            <div><dt>"Tag"</dt><dd>{image.tag.clone()}</dd></div>
            <div><dt>"Digest"</dt><dd><code>{image.digest.clone().unwrap_or_else(|| "not reported".into())}</code></dd></div>
            <div><dt>"Scanned"</dt><dd>{image.scanned_at.map(timestamp).unwrap_or_else(|| "not said".into())}</dd></div>
            <div><dt>"CVEs"</dt><dd><CveCounts image=image.clone() /></dd></div>
            <div><dt>"Tenants"</dt><dd>{tenant_links}</dd></div>
        </dl>
        <h2>"Run by"</h2>
        <table class="data image-users">
            <thead><tr><th>"Cluster"</th><th>"Tenant"</th><th>"Workload"</th><th>"Container"</th></tr></thead>
            <tbody>{user_rows}</tbody>
        </table>
        <h2>"CVEs"</h2>
        <p class="meta">"Sort by: " {sorts}</p>
        <table class="data cves">
            <thead><tr><th>"CVE"</th><th>"Severity"</th><th class="num">"CVSS"</th><th>"Package"</th><th>"Installed"</th><th>"Fixed in"</th><th>"Published"</th><th></th></tr></thead>
            <tbody>{cve_rows}</tbody>
        </table>
    }
}

/// The exception form, filled in to accept one CVE of this image's repository in a namespace.
fn accept_href(cve: &str, repository: &str, tenant: &str, namespace: &str) -> String {
    format!(
        "/exceptions?rule=images.vulnerability&cve={}&repository={}&tenant={}&namespace={}",
        encode(cve),
        encode(repository),
        encode(tenant),
        encode(namespace)
    )
}

fn cve_row(v: ImageVulnerabilityRow, accept: Option<String>) -> impl IntoView {
    let id = match v.link.as_deref().and_then(advisory_href) {
        Some(href) => view! { <a href=href rel="noopener noreferrer">{v.vulnerability_id.clone()}</a> }.into_any(),
        None => view! { <span>{v.vulnerability_id.clone()}</span> }.into_any(),
    };
    view! {
        <tr>
            <td>{id}<div class="meta">{v.title}</div></td>
            <td><SeverityBadge severity=v.severity /></td>
            <td class="num" title=v.vector.unwrap_or_default()>{v.score.map(|s| format!("{s:.1}")).unwrap_or_else(|| "—".into())}</td>
            <td><a href=vulnerabilities_href(&v.package)>{v.package.clone()}</a></td>
            <td><code>{v.installed_version}</code></td>
            <td>{v.fixed_version.unwrap_or_else(|| "no fix yet".into())}</td>
            <td>{v.published_at.map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_default()}</td>
            <td>{accept.map(|href| view! { <a href=href>"Accept…"</a> })}</td>
        </tr>
    }
}
