//! Every dashboard page over a simulated cluster's history: status and the content that makes
//! it what it is; malformed query strings are 400s that say what is wrong.

use crate::common;

use axum::http::StatusCode;
use common::web::{Browser, config, signed_in};
use db::{PgPool, Scope};
use server::config::AuthMode;

async fn security_browser(pool: &PgPool) -> Browser {
    server::commands::demo::backfill(pool, &common::small_cluster(100), 13).await.unwrap(); // at least two six-hour buckets
    let app = common::web::app(pool, &config(Some(AuthMode::Local))).await;
    signed_in(&app, "sergio").await
}

async fn expect(browser: &mut Browser, uri: &str, status: StatusCode, content: &[&str]) -> String {
    let page = browser.get(uri).await;
    assert_eq!(page.status, status, "{uri}: {}", &page.body[..page.body.len().min(2000)]);
    for text in content {
        assert!(page.body.contains(text), "{uri} shows {text:?}");
    }
    page.body
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn every_drill_down_page_renders_its_content(pool: PgPool) {
    let mut b = security_browser(&pool).await;
    let all = Scope::AllTenants;
    let workload = db::query::workloads(&pool, &all, None, db::query::WorkloadFilter::All, None)
        .await
        .unwrap()
        .into_iter()
        .find(|w| w.tenant == "vision" && w.findings > 0)
        .unwrap();
    let detail = db::query::workload_detail(&pool, &all, &workload.namespace, &workload.kind, &workload.name, None)
        .await
        .unwrap();
    let finding = &detail.unwrap().findings[0];

    let tenant = expect(&mut b, "/tenants/vision?range=7", StatusCode::OK, &["Trends", "class=\"chart trend\""]).await;
    assert!(tenant.contains("class=\"chart severity-stack\""), "the severity chart is drawn");
    assert!(tenant.contains(&format!("href=\"/tenants/vision/namespaces/{}\"", workload.namespace)));
    expect(
        &mut b,
        &format!("/tenants/vision/namespaces/{}", workload.namespace),
        StatusCode::OK,
        &["Workloads", "Network-policy coverage", &workload.name],
    )
    .await;
    let path = format!("/workloads/{}/{}/{}", workload.namespace, workload.kind, workload.name);
    expect(
        &mut b,
        &path,
        StatusCode::OK,
        &["Requests and use", "over its running pods", "Why it is unhealthy", "Images", &finding.finding.rule_id],
    )
    .await;
    let page = expect(
        &mut b,
        &format!("/findings/{}", finding.finding_id),
        StatusCode::OK,
        &["Offending fields", "How to fix it", "Request an exception for this object"],
    )
    .await;
    assert!(page.contains(&finding.evidence[0]), "the offending field is shown");
    expect(&mut b, "/rules", StatusCode::OK, &["pod.privileged", "rbac.anonymous-binding"]).await;
    expect(
        &mut b,
        &format!("/rules/{}", finding.finding.rule_id),
        StatusCode::OK,
        &["Affected objects", &workload.name],
    )
    .await;
    expect(&mut b, "/findings/99999999", StatusCode::NOT_FOUND, &["Not found"]).await;
    expect(&mut b, "/rules/no.such-rule", StatusCode::NOT_FOUND, &["Not found"]).await;
    expect(&mut b, "/workloads/vision-prod/Deployment/nothing-here", StatusCode::NOT_FOUND, &[]).await;
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn fleet_and_compliance_pages_render_their_charts(pool: PgPool) {
    let mut b = security_browser(&pool).await;
    expect(&mut b, "/", StatusCode::OK, &["CIS", "GPUs idle", "?severity=critical#findings"]).await;
    expect(&mut b, "/compliance?framework=cis", StatusCode::OK, &["class=\"chart heatmap\"", "5.2.2", "vision"]).await;
    expect(&mut b, "/compliance/cis/5.2.2", StatusCode::OK, &["Status by tenant", "pod.privileged", "Evidence"]).await;
    expect(&mut b, "/compliance/cis/9.9.9", StatusCode::NOT_FOUND, &[]).await;
    expect(&mut b, "/health", StatusCode::OK, &["Unhealthy workloads"]).await;
    expect(
        &mut b,
        "/quotas",
        StatusCode::OK,
        &["class=\"chart gauge\"", "at or above 90%", "Namespaces without a quota"],
    )
    .await;
    expect(
        &mut b,
        "/gpu",
        StatusCode::OK,
        &["GPUs allocated", "class=\"chart gauge\"", "Idle GPU-hours, last 24 hours"],
    )
    .await;
    expect(&mut b, "/clusters", StatusCode::OK, &["data-state=\"fresh\""]).await;
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn malformed_query_strings_are_bad_requests_that_say_why(pool: PgPool) {
    let mut b = security_browser(&pool).await;
    for (uri, message) in [
        ("/tenants/vision?severity=urgent", "?severity=urgent is not a severity"),
        ("/tenants/vision?page=0", "?page=0 is not a page number"),
        ("/tenants/vision?range=5", "?range=5 is not a range"),
        ("/tenants/vision?sort=size", "?sort=size is not an order"),
        ("/tenants/vision?category=misc", "?category=misc is not a rule category"),
        ("/tenants/vision?rule=nope", "?rule=nope is not a rule id"),
        ("/compliance?framework=iso", "?framework=iso is not a framework"),
        ("/health?at=yesterday", "?at=yesterday is not a time"),
    ] {
        expect(&mut b, uri, StatusCode::BAD_REQUEST, &[message]).await;
    }
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn the_findings_table_filters_sorts_and_pages(pool: PgPool) {
    let mut b = security_browser(&pool).await;
    let page = expect(&mut b, "/tenants/vision?severity=high", StatusCode::OK, &["Page 1 of"]).await;
    assert!(page.contains("<option value=\"high\" selected"), "the form shows the filter");
    let table = findings_table(&page);
    let rows = table.matches("data-rule=").count();
    assert!(rows > 0, "vision has high findings");
    assert_eq!(table.matches("class=\"sev sev-high\"").count(), rows, "and only high ones are listed");
    let all = expect(&mut b, "/tenants/vision", StatusCode::OK, &["rel=\"next\""]).await;
    assert_eq!(findings_table(&all).matches("data-rule=").count(), db::query::FINDINGS_PAGE_SIZE as usize);
    let second = expect(&mut b, "/tenants/vision?page=2", StatusCode::OK, &["Page 2 of", "rel=\"prev\""]).await;
    assert_ne!(all, second);
}

/// The findings table of a tenant page.
fn findings_table(page: &str) -> &str {
    let start = page.find("<table class=\"data findings\"").expect("a findings table");
    let end = start + page[start..].find("</table>").unwrap();
    &page[start..end]
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn csv_exports_follow_the_page_filters_and_the_scope(pool: PgPool) {
    let mut b = security_browser(&pool).await;
    let page = expect(&mut b, "/tenants/vision?severity=high&sort=rule", StatusCode::OK, &[]).await;
    assert!(
        page.contains("href=\"/tenants/vision/findings.csv?severity=high&amp;sort=rule\""),
        "the link keeps the filters"
    );
    let csv = b.get("/tenants/vision/findings.csv?severity=high&sort=rule").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    let lines: Vec<&str> = csv.body.lines().collect();
    assert!(lines[0].starts_with("severity,rule,kind,namespace,name"));
    assert!(lines.len() > 1 && lines[1..].iter().all(|l| l.starts_with("high,")), "only high findings");
    let rules: Vec<&str> = lines[1..].iter().map(|l| l.split(',').nth(1).unwrap()).collect();
    assert!(rules.windows(2).all(|w| w[0] <= w[1]), "in the page's order");
    let total =
        db::query::tenant_detail(&pool, &Scope::AllTenants, "vision", &db::query::FindingQuery::default(), None)
            .await
            .unwrap()
            .unwrap()
            .open_findings;
    let all = b.get("/tenants/vision/findings.csv").await.body;
    assert_eq!(all.lines().count() as i64, total + 1, "every page of findings, plus the header");
    assert_eq!(b.get("/tenants/vision/findings.csv?severity=urgent").await.status, StatusCode::BAD_REQUEST);

    let compliance = b.get("/compliance.csv?framework=pss").await;
    assert!(compliance.body.starts_with("framework,control,title,assessment,tenant,status,inherited,findings"));
    assert!(compliance.body.contains("pss,privileged,"));
    assert_eq!(b.get("/compliance.csv?framework=iso").await.status, StatusCode::BAD_REQUEST);

    let crafted = b.get("/tenants/x%22%3B%20filename%3D%22evil.html/findings.csv").await;
    let disposition = crafted.headers[axum::http::header::CONTENT_DISPOSITION].to_str().unwrap().to_string();
    assert_eq!(disposition.matches('"').count(), 2, "one quoted file name: {disposition}");
    assert!(!disposition.contains("filename=\"evil"), "the URL cannot add a file name: {disposition}");
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn markup_in_a_tenant_name_is_text_in_the_page_title(pool: PgPool) {
    use domain::tenancy::{TenantMapping, TenantRule};
    let crafted = "x</title><meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">";
    let mut inventory = domain::Inventory::default();
    inventory.add_object(&serde_json::json!({"kind": "Namespace", "metadata": {"name": "crafted"}})).unwrap();
    let mapping = TenantMapping {
        rules: vec![TenantRule::Namespaces { namespaces: vec!["crafted".into()], tenant: crafted.into() }],
    };
    let settings = domain::rules::RuleSettings { tenant_mapping: mapping, ..Default::default() };
    let assessment = domain::assess(&inventory, &settings, vec![], &[]);
    let now = chrono::Utc::now();
    let times = db::store::CollectionTimes { started_at: now, finished_at: now };
    db::store::write_collection(&pool, "crafted", times, &assessment).await.unwrap();
    let app = common::web::app(&pool, &config(Some(AuthMode::Local))).await;
    let mut security = signed_in(&app, "sergio").await;
    let path: String = form_urlencoded::byte_serialize(crafted.as_bytes()).collect();
    let page = security.get(&format!("/tenants/{}", path.replace('+', "%20"))).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let title = &page.body[page.body.find("<title>").unwrap()..page.body.find("</title>").unwrap()];
    assert!(title.contains("x&lt;/title&gt;&lt;meta"), "the name is text: {title}");
    assert!(!page.body.contains("<meta http-equiv"), "no markup of the name reaches the page");
}
