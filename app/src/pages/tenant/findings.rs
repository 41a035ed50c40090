//! The tenant's open findings: a GET filter form (severity, category, rule, namespace, sort),
//! the table, and pages. Every row leads to its finding's page with the offending fields.

use db::query::{FINDINGS_PAGE_SIZE, FindingQuery, FindingRow, FindingSort};
use leptos::prelude::*;

use crate::components::format::timestamp;
use crate::components::links::{ObjectLink, control_href, finding_href, rule_href, with_query};
use crate::components::query::param;
use crate::components::severity::SeverityBadge;

/// The filter form, the table of one page, and links to the other pages.
#[component]
pub fn FindingsSection(
    tenant: String,
    namespaces: Vec<String>,
    rows: Vec<FindingRow>,
    total: i64,
    query: FindingQuery,
) -> impl IntoView {
    let base = format!("/tenants/{tenant}");
    view! {
        <h2 id="findings">"Open findings (" {total} ")"</h2>
        <FilterForm base=base.clone() namespaces query=query.clone() />
        <FindingsTable rows />
        <Pager base=base.clone() total page=query.page />
        <p><a class="csv" href=csv_href(&base)>"Download these findings as CSV"</a></p>
    }
}

fn options(values: Vec<(String, String)>, selected: Option<String>, any: &'static str) -> impl IntoView {
    let options = values
        .into_iter()
        .map(|(value, label)| {
            let is = selected.as_deref() == Some(value.as_str());
            view! { <option value=value selected=is>{label}</option> }
        })
        .collect_view();
    view! { <option value="">{any}</option> {options} }
}

#[component]
fn FilterForm(base: String, namespaces: Vec<String>, query: FindingQuery) -> impl IntoView {
    let severities = domain::Severity::ALL.iter().map(|s| (s.as_str().to_string(), s.as_str().to_string())).collect();
    let mut categories: Vec<&str> = domain::rules::catalogue().iter().map(|r| r.category.as_str()).collect();
    categories.sort();
    categories.dedup();
    let categories = categories.into_iter().map(|c| (c.to_string(), c.to_string())).collect();
    let rules = domain::rules::catalogue().iter().map(|r| (r.id.to_string(), r.id.to_string())).collect();
    let namespaces = namespaces.into_iter().map(|n| (n.clone(), n)).collect();
    let sorts = FindingSort::ALL
        .iter()
        .map(|(sort, name)| {
            let is = *sort == query.sort;
            view! { <option value=*name selected=is>{*name}</option> }
        })
        .collect_view();
    view! {
        <form method="get" action=format!("{base}#findings") class="filters">
            <label>"Severity" <select name="severity">{options(severities, query.severity.clone(), "any")}</select></label>
            <label>"Category" <select name="category">{options(categories, param("category"), "any")}</select></label>
            <label>"Rule" <select name="rule">{options(rules, param("rule"), "any")}</select></label>
            <label>"Namespace" <select name="namespace">{options(namespaces, query.namespace.clone(), "any")}</select></label>
            <label>"Sort" <select name="sort">{sorts}</select></label>
            <button type="submit">"Filter"</button>
            <a href=format!("{base}#findings")>"Clear"</a>
        </form>
    }
}

#[component]
fn FindingsTable(rows: Vec<FindingRow>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="empty">"No open finding matches."</p> }.into_any();
    }
    let rows = rows
        .into_iter()
        .map(|f| {
            let rule = f.finding.rule_id.clone();
            let controls =
                f.controls.iter().map(|c| view! { <a href=control_href(c)>{c.clone()}</a> " " }).collect_view();
            let reopened = (f.reopen_count > 0).then(|| format!(" (reopened {}×)", f.reopen_count));
            view! {
                <tr class="finding" data-rule=rule>
                    <td><SeverityBadge severity=f.finding.severity /></td>
                    <td><a href=rule_href(&f.finding.rule_id)><code>{f.finding.rule_id.clone()}</code></a></td>
                    <td><ObjectLink kind=f.finding.object_kind namespace=f.finding.object_namespace name=f.finding.object_name /></td>
                    <td>{f.container.unwrap_or_default()}</td>
                    <td>
                        <a class="finding-link" href=finding_href(f.finding_id)>{f.message}</a>
                        <ul class="evidence">
                            {f.evidence.into_iter().map(|path| view! { <li><code>{path}</code></li> }).collect_view()}
                        </ul>
                    </td>
                    <td class="controls">{controls}</td>
                    <td><time>{timestamp(f.first_seen)}</time>{reopened}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="data findings">
            <thead>
                <tr>
                    <th>"Severity"</th><th>"Rule"</th><th>"Object"</th><th>"Container"</th><th>"Finding"</th>
                    <th>"Controls"</th><th>"First seen"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// The CSV export of the table as filtered and sorted (every page).
fn csv_href(base: &str) -> String {
    let params: Vec<(&str, String)> = ["severity", "category", "rule", "namespace", "sort", "at"]
        .into_iter()
        .filter_map(|k| param(k).map(|v| (k, v)))
        .collect();
    with_query(&format!("{base}/findings.csv"), &params)
}

/// "Page N of M" with links that keep the other parameters.
#[component]
fn Pager(base: String, total: i64, page: u32) -> impl IntoView {
    let pages = ((total + FINDINGS_PAGE_SIZE - 1) / FINDINGS_PAGE_SIZE).max(1) as u32;
    let link = move |to: u32| {
        let mut params: Vec<(&str, String)> = ["severity", "category", "rule", "namespace", "sort", "range", "at"]
            .into_iter()
            .filter_map(|k| param(k).map(|v| (k, v)))
            .collect();
        params.push(("page", (to + 1).to_string()));
        format!("{}#findings", with_query(&base, &params))
    };
    if page >= pages {
        // Past the last page (a stale link): say so and lead back, never "Page 2 of 1".
        let last = pages - 1;
        return view! { <nav class="pager" aria-label="Pages"><span>{format!("There is no page {}: {pages} page(s) in all.", page + 1)}</span> " " <a href=link(last)>"Last page"</a></nav> }.into_any();
    }
    let previous = (page > 0).then(|| view! { <a rel="prev" href=link(page - 1)>"← Previous"</a> });
    let next = (page + 1 < pages).then(|| view! { <a rel="next" href=link(page + 1)>"Next →"</a> });
    view! { <nav class="pager" aria-label="Pages">{previous} <span>{format!("Page {} of {pages}", page + 1)}</span> {next}</nav> }.into_any()
}
