//! One definition of "open finding in scope" behind every count and every list: for every
//! tenant of the demo's data, seen by the security team and by the tenant's lead, the counts
//! the overview, the tenant page, `/api/v1/tenants` and a report's summary show equal the rows
//! the findings list, its `?severity=` filter, the API and the report's appendix return.

use std::collections::BTreeMap;

use crate::common;

use axum::body::Body;
use axum::http::{Request, header};
use db::query::FindingQuery;
use db::{PgPool, Scope};
use domain::Severity;

const SEVERITIES: [Severity; 4] = [Severity::Critical, Severity::High, Severity::Medium, Severity::Low];

async fn api(browser: &mut common::web::Browser, token: &str, uri: &str) -> serde_json::Value {
    let request =
        Request::get(uri).header(header::AUTHORIZATION, format!("Bearer {token}")).body(Body::empty()).unwrap();
    serde_json::from_str(&browser.send(request).await.body).unwrap()
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn every_surface_counts_the_rows_its_list_returns(pool: PgPool) {
    let cluster = server::commands::demo::shared_cluster(sim::SimConfig::default());
    server::commands::demo::backfill(&pool, &cluster, 2).await.unwrap();
    let app = common::web::app(&pool, &common::web::config(Some(server::config::AuthMode::Local))).await;
    let mut browser = common::web::Browser::new(app);
    let digest = |token: &str| report::sha256_hex(token.as_bytes());
    db::tokens::create(&pool, "test", "security", &digest("rpt_counts_security"), "security", &[]).await.unwrap();

    let overview = db::query::tenant_overview(&pool, &Scope::AllTenants, None).await.unwrap();
    assert!(overview.len() >= 5, "the demo has its tenants");
    let api_tenants = api(&mut browser, "rpt_counts_security", "/api/v1/tenants").await;
    let now = chrono::Utc::now();
    let request = server::reports::ReportRequest {
        tenants: Vec::new(),
        frameworks: vec!["pss".into()],
        from: now - chrono::Duration::hours(3),
        to: now,
    };
    let report = server::reports::build::report_data(&pool, &Scope::AllTenants, &request, "test").await.unwrap();
    let mut appendix: BTreeMap<(String, String), i64> = BTreeMap::new();
    for line in &report.open_findings {
        *appendix.entry((line.tenant.clone(), line.severity.clone())).or_default() += 1;
    }

    // Every tenant's cards and list totals, printed for the record before any is asserted.
    let mut table = Vec::new();
    for tenant in &overview {
        let cards = [tenant.critical, tenant.high, tenant.medium, tenant.low];
        let mut listed = [0i64; 4];
        for (i, severity) in SEVERITIES.iter().enumerate() {
            let query = FindingQuery { severity: Some(severity.as_str().to_string()), ..FindingQuery::default() };
            let detail =
                db::query::tenant_detail(&pool, &Scope::AllTenants, &tenant.tenant, &query, None).await.unwrap();
            listed[i] = detail.unwrap().open_findings;
        }
        table.push(format!("{:<12} cards {cards:?} lists {listed:?}", tenant.tenant));
    }
    eprintln!("critical/high/medium/low per tenant:\n{}", table.join("\n"));

    for tenant in &overview {
        let name = &tenant.tenant;
        let lead_token = format!("rpt_counts_lead_{name}");
        db::tokens::create(
            &pool,
            "test",
            &format!("lead-{name}"),
            &digest(&lead_token),
            "tenant-lead",
            &[name.clone()],
        )
        .await
        .unwrap();
        let lead_view = db::query::tenant_overview(&pool, &Scope::Tenants(vec![name.clone()]), None).await.unwrap();
        let api_row = api_tenants["tenants"].as_array().unwrap().iter().find(|t| t["tenant"] == name.as_str()).unwrap();
        let summary = report.tenants.iter().find(|t| &t.tenant == name).unwrap();
        for severity in SEVERITIES {
            let shown = match severity {
                Severity::Critical => tenant.critical,
                Severity::High => tenant.high,
                Severity::Medium => tenant.medium,
                Severity::Low => tenant.low,
                Severity::Info => unreachable!(),
            };
            let s = severity.as_str();
            let query = FindingQuery { severity: Some(s.to_string()), ..FindingQuery::default() };
            for scope in [Scope::AllTenants, Scope::Tenants(vec![name.clone()])] {
                let detail = db::query::tenant_detail(&pool, &scope, name, &query, None).await.unwrap().unwrap();
                assert_eq!(detail.open_findings, shown, "{name} {s}: the list's total, {scope:?}");
                let (a, b, c, d) =
                    (detail.summary.critical, detail.summary.high, detail.summary.medium, detail.summary.low);
                assert_eq!(
                    [a, b, c, d],
                    [tenant.critical, tenant.high, tenant.medium, tenant.low],
                    "{name}: tenant cards"
                );
            }
            assert_eq!(lead_view[0].tenant, *name);
            let lead_count = match severity {
                Severity::Critical => lead_view[0].critical,
                Severity::High => lead_view[0].high,
                Severity::Medium => lead_view[0].medium,
                _ => lead_view[0].low,
            };
            assert_eq!(lead_count, shown, "{name} {s}: the lead's overview");
            assert_eq!(api_row[s].as_i64(), Some(shown), "{name} {s}: /api/v1/tenants {api_row}");
            for token in ["rpt_counts_security", lead_token.as_str()] {
                let uri = format!("/api/v1/findings?tenant={name}&severity={s}&status=open&limit=1000");
                let listed = api(&mut browser, token, &uri).await["findings"].as_array().unwrap().len() as i64;
                assert_eq!(listed, shown, "{name} {s}: /api/v1/findings as {token}");
            }
            let report_count = match severity {
                Severity::Critical => summary.critical,
                Severity::High => summary.high,
                Severity::Medium => summary.medium,
                _ => summary.low,
            };
            assert_eq!(report_count, shown, "{name} {s}: the report's executive summary");
            assert_eq!(
                appendix.get(&(name.clone(), s.to_string())).copied().unwrap_or(0),
                shown,
                "{name} {s}: appendix"
            );
        }
    }
}
