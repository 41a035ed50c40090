//! Where things live: one function per kind of page, so every link is built the same way.

use leptos::prelude::*;

/// Percent-encodes a query value or path segment.
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `base` with the non-empty `params` as its query string.
pub fn with_query(base: &str, params: &[(&str, String)]) -> String {
    let query: Vec<String> =
        params.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={}", encode(v))).collect();
    if query.is_empty() { base.to_string() } else { format!("{base}?{}", query.join("&")) }
}

/// Links to the newer and the older page of a paged list at `base` (`?page=` is 1-based).
#[component]
pub fn OlderNewer(base: &'static str, page: u32, more: bool) -> impl IntoView {
    let link = |to: u32| if to == 0 { base.to_string() } else { with_query(base, &[("page", (to + 1).to_string())]) };
    let newer = (page > 0).then(|| view! { <a rel="prev" href=link(page - 1)>"← Newer"</a> });
    let older = more.then(|| view! { <a rel="next" href=link(page + 1)>"Older →"</a> });
    view! { <nav class="pager" aria-label="Pages">{newer} <span>{format!("Page {}", page + 1)}</span> {older}</nav> }
}

pub fn tenant_href(tenant: &str) -> String {
    format!("/tenants/{}", encode(tenant))
}

pub fn namespace_href(tenant: &str, namespace: &str) -> String {
    format!("/tenants/{}/namespaces/{}", encode(tenant), encode(namespace))
}

/// The workload page of an object, when it is a namespaced workload (Kubernetes' own or an
/// operator's; see `domain::owners::is_workload_kind`).
pub fn workload_href(kind: &str, namespace: Option<&str>, name: &str) -> Option<String> {
    let namespace = namespace?;
    domain::owners::is_workload_kind(kind)
        .then(|| format!("/workloads/{}/{}/{}", encode(namespace), encode(kind), encode(name)))
}

/// An image's page.
pub fn image_href(image_id: i64) -> String {
    format!("/images/{image_id}")
}

/// The Vulnerabilities page searching for the workloads that run `package`.
pub fn vulnerabilities_href(package: &str) -> String {
    format!("/vulnerabilities?package={}", encode(package))
}

/// An advisory link from a report, only when it is a plain web address: a report is cluster
/// data, and a `javascript:` link in it must never become a link on the page.
pub fn advisory_href(link: &str) -> Option<String> {
    let link = link.trim();
    (link.starts_with("https://") || link.starts_with("http://")).then(|| link.to_string())
}

pub fn finding_href(finding_id: i64) -> String {
    format!("/findings/{finding_id}")
}

pub fn rule_href(rule_id: &str) -> String {
    format!("/rules/{}", encode(rule_id))
}

/// The compliance page of a control given as `framework:control`.
pub fn control_href(control: &str) -> String {
    match control.split_once(':') {
        Some((framework, id)) => format!("/compliance/{}/{}", encode(framework), encode(id)),
        None => "/compliance".to_string(),
    }
}

/// `Kind/namespace/name`, or `Kind/name` for cluster-scoped objects.
pub fn object_label(kind: &str, namespace: Option<&str>, name: &str) -> String {
    domain::ObjectRef { kind: kind.to_string(), namespace: namespace.map(str::to_string), name: name.to_string() }
        .to_string()
}

/// An object's label, linked to its workload page when it has one.
#[component]
pub fn ObjectLink(kind: String, namespace: Option<String>, name: String) -> impl IntoView {
    let label = object_label(&kind, namespace.as_deref(), &name);
    match workload_href(&kind, namespace.as_deref(), &name) {
        Some(href) => view! { <a class="object" href=href>{label}</a> }.into_any(),
        None => view! { <span class="object">{label}</span> }.into_any(),
    }
}

/// The trail from the overview to this page; the last crumb is the page itself.
#[component]
pub fn Breadcrumbs(trail: Vec<(String, String)>, here: String) -> impl IntoView {
    let crumbs = trail.into_iter().map(|(label, href)| view! { <a href=href>{label}</a> " / " }).collect_view();
    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumbs">
            <a href="/">"Overview"</a> " / " {crumbs} <span aria-current="page">{here}</span>
        </nav>
    }
}

/// An SVG chart from [`crate::charts`], inlined.
#[component]
pub fn Chart(svg: String) -> impl IntoView {
    view! { <figure class="chart" inner_html=svg></figure> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_encode_their_parts_and_only_workloads_get_a_workload_page() {
        assert_eq!(with_query("/t", &[("a", "x y".into()), ("b", String::new())]), "/t?a=x%20y");
        assert_eq!(workload_href("Deployment", Some("ml"), "api").as_deref(), Some("/workloads/ml/Deployment/api"));
        assert_eq!(workload_href("ClusterRoleBinding", None, "x"), None);
        assert_eq!(workload_href("Service", Some("ml"), "api"), None);
        assert_eq!(control_href("cis:5.2.2"), "/compliance/cis/5.2.2");
    }
}

#[cfg(test)]
mod render_tests {
    use leptos::prelude::*;

    use super::*;

    #[test]
    fn breadcrumbs_lead_from_the_overview_to_the_current_page() {
        let trail = vec![("nlp".to_string(), tenant_href("nlp"))];
        let html = view! { <Breadcrumbs trail here="Deployment api".to_string() /> }.to_html();
        assert!(html.contains("<a href=\"/\">Overview</a>"));
        assert!(html.contains("<a href=\"/tenants/nlp\">nlp</a>"));
        assert!(html.contains("<span aria-current=\"page\">Deployment api</span>"));
    }

    #[test]
    fn an_object_links_to_its_workload_page_only_when_it_is_a_workload() {
        let html =
            view! { <ObjectLink kind="Deployment".into() namespace=Some("ml".into()) name="api".into() /> }.to_html();
        assert!(html.contains("href=\"/workloads/ml/Deployment/api\""), "{html}");
        let html = view! { <ObjectLink kind="ClusterRole".into() namespace=None name="admin".into() /> }.to_html();
        assert!(!html.contains("href") && html.contains("ClusterRole/admin"), "{html}");
    }

    #[test]
    fn a_chart_is_inlined_unescaped() {
        let html = view! { <Chart svg="<svg><title>t</title></svg>".to_string() /> }.to_html();
        assert!(html.contains("<figure class=\"chart\"><svg><title>t</title></svg></figure>"), "{html}");
    }
}
