//! What the pages say must be true and readable: quantities as a person writes them, no "-0",
//! no "Page 2 of 1", no vacuous pass for a tenant with no workload, no "every pod is covered"
//! for a namespace with an open network finding, the Info count beside the others, the first
//! framework tab as the default, and no exception offered for a resolved finding.

use crate::common;

use axum::http::StatusCode;
use common::web::{config, signed_in};
use db::{PgPool, Scope};
use server::config::AuthMode;

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn pages_state_quantities_and_states_truthfully(pool: PgPool) {
    server::commands::demo::backfill(&pool, &common::small_cluster(150), 24).await.unwrap();
    let app = common::web::app(&pool, &config(Some(AuthMode::Local))).await;
    let mut security = signed_in(&app, "sergio").await;

    // Quotas: units, headroom, and a share only where there is a limit.
    let quotas = security.get("/quotas").await;
    assert_eq!(quotas.status, StatusCode::OK);
    assert!(
        quotas.body.contains(" GiB of ") && quotas.body.contains(" cores") && quotas.body.contains(" left"),
        "units"
    );
    assert!(!quotas.body.contains("0000000000"), "no raw float noise");
    let quota = db::query::quotas(&pool, &Scope::AllTenants, None, None).await.unwrap().into_iter().next().unwrap();
    let namespace = security.get(&format!("/tenants/{}/namespaces/{}", quota.tenant, quota.namespace)).await;
    assert_eq!(namespace.status, StatusCode::OK, "{}", namespace.body);
    assert!(namespace.body.contains("Headroom") && namespace.body.contains("of hard limit"), "the namespace page");

    // The overview: the Info count, and no "-0".
    let overview = security.get("/").await;
    assert!(overview.body.contains(">Info<"), "the Info column");
    assert!(!overview.body.contains(">-0<"), "no minus zero");
    assert!(overview.body.contains("days of data, of the last 30), between "), "the trend says what it covers");
    assert!(!overview.body.contains(">30 days<"), "no column claims 30 days it does not hold");

    // A stale page link says so instead of "Page 2 of 1".
    let tenant = &quota.tenant;
    let page = security.get(&format!("/tenants/{tenant}?page=999")).await;
    assert!(page.body.contains("There is no page 999") && !page.body.contains("Page 999 of"), "{}", &page.body[..200]);

    // The compliance page opens on its first tab.
    let compliance = security.get("/compliance").await;
    let first = domain::frameworks::frameworks()[0];
    assert!(
        compliance.body.contains(&format!("aria-current=\"page\">{}", first.name))
            || compliance.body.contains(first.name)
    );
    assert!(compliance.body.contains(&format!("/compliance.csv?framework={}", first.id)), "the PSS tab is open");

    // A resolved finding offers no exception and weighs nothing.
    let resolved: Option<i64> =
        sqlx::query_scalar("select finding_id from finding_state where resolved_at is not null limit 1")
            .fetch_optional(&pool)
            .await
            .unwrap();
    let resolved = resolved.expect("a day of simulated history resolves findings");
    let finding = security.get(&format!("/findings/{resolved}")).await;
    assert_eq!(finding.status, StatusCode::OK);
    assert!(finding.body.contains("none (resolved)") && !finding.body.contains("Request an exception"), "resolved");
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn the_clusters_page_shows_the_configured_interval_not_the_backfills(pool: PgPool) {
    // Hourly backfilled history, then a live collection every 20 s, as the demo runs.
    let cluster = common::small_cluster(40);
    server::commands::demo::backfill(&pool, &cluster, 12).await.unwrap();
    let (_server, mut target) = common::collect::target_for(&cluster, server::commands::demo::DEMO_CLUSTER).await;
    target.interval = std::time::Duration::from_secs(20);
    server::collect::collect_once(&pool, &target).await.unwrap();
    let app = common::web::app(&pool, &config(Some(AuthMode::Local))).await;
    let page = signed_in(&app, "sergio").await.get("/clusters").await;
    assert!(page.body.contains(">20 s<") && !page.body.contains(">3600 s<"), "the configured interval is shown");
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn an_empty_namespace_is_neither_covered_nor_a_pass(pool: PgPool) {
    let mut inventory = domain::Inventory::default();
    inventory
        .add_object(&serde_json::json!({"kind": "Namespace", "metadata": {"name": "quiet", "labels": {"rampart.io/tenant": "idle"}}}))
        .unwrap();
    let assessment = domain::assess(&inventory, &domain::rules::RuleSettings::default(), vec![], &[]);
    let now = chrono::Utc::now();
    let times = db::store::CollectionTimes { started_at: now, finished_at: now };
    db::store::write_collection(&pool, "quiet", times, &assessment).await.unwrap();
    let app = common::web::app(&pool, &config(Some(AuthMode::Local))).await;
    let mut security = signed_in(&app, "sergio").await;
    let page = security.get("/tenants/idle/namespaces/quiet").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("network.namespace-without-policy") || page.body.contains("has no NetworkPolicy"),
        "the namespace's own finding is listed"
    );
    assert!(!page.body.contains("Every pod is selected"), "an open network finding is not 'covered'");
    let overview = security.get("/").await;
    let row = &overview.body[overview.body.find("data-tenant=\"idle\"").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("no workloads"), "no vacuous PSS pass: {row}");
}
