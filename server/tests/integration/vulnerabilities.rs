//! Trivy Operator's reports as a real cluster publishes them, collected through the simulated
//! API server: images stored once and rewritten only when rescanned, vulnerability findings that
//! survive rollouts (renamed reports, new digests), a rescan that opens exactly its new CVE, a
//! long-named workload's reports, and every report kind read and shown.

use crate::common;
use crate::common::collect::target_for;

use db::PgPool;
use server::collect::collect_once_stored;

async fn scalar(pool: &PgPool, sql: &str, id: i64) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string())).bind(id).fetch_one(pool).await.unwrap();
    n
}

/// An open vulnerability finding on a Deployment: namespace, name, first seen, message.
async fn deployment_finding(pool: &PgPool) -> (String, String, chrono::DateTime<chrono::Utc>, String) {
    sqlx::query_as(
        "select object_namespace, object_name, first_seen, message from finding_state
         where rule_id = 'images.vulnerability' and object_kind = 'Deployment' and resolved_at is null
           and length(object_name) < 40
         order by object_namespace, object_name limit 1",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn finding_of(pool: &PgPool, namespace: &str, name: &str) -> (chrono::DateTime<chrono::Utc>, String, bool) {
    sqlx::query_as(
        "select first_seen, message, resolved_at is null from finding_state
         where rule_id = 'images.vulnerability' and object_kind = 'Deployment' and object_namespace = $1 and object_name = $2",
    )
    .bind(namespace)
    .bind(name)
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn vulnerability_findings_survive_rollouts_and_rescans_and_images_are_stored_once(pool: PgPool) {
    let cluster = common::small_cluster(200);
    let (_server, target) = target_for(&cluster, "vulns").await;
    let first = collect_once_stored(&pool, &target).await.unwrap().stored;
    let references =
        scalar(&pool, "select count(*) from workload_image where collection_id = $1", first.collection_id).await;
    let images = scalar(&pool, "select count(*) from image where $1 > 0", 1).await;
    assert!(images > 0 && references > images, "images shared by workloads are stored once: {images} for {references}");
    assert_eq!(first.images.new_images as i64, images);

    // Nothing changed: nothing of the images is written again.
    let steady = collect_once_stored(&pool, &target).await.unwrap().stored;
    assert_eq!((steady.images.new_images, steady.images.rescanned_images, steady.images.vulnerability_rows), (0, 0, 0));
    assert_eq!((steady.images.cves_opened, steady.images.cves_fixed), (0, 0));
    assert_eq!((steady.changes.opened, steady.changes.updated), (0, 0));

    // A rollout: a new ReplicaSet (the reports are renamed) and a new digest, the same CVEs.
    let (namespace, name, first_seen, before) = deployment_finding(&pool).await;
    assert!(cluster.write().unwrap().roll_out(&namespace, &name));
    let rolled = collect_once_stored(&pool, &target).await.unwrap().stored;
    assert_eq!(
        (rolled.changes.opened, rolled.changes.reopened, rolled.changes.resolved),
        (0, 0, 0),
        "{:?}",
        rolled.changes
    );
    assert_eq!(rolled.images.new_images, 1, "the rebuilt image");
    assert_eq!(rolled.images.cves_opened, 0, "the same CVEs");
    let (seen, after, open) = finding_of(&pool, &namespace, &name).await;
    assert!(open && seen == first_seen, "the finding stays open since its first collection");
    assert_ne!(before, after, "it names the new digest");

    // A rescan that finds one new CVE in the image: exactly that CVE opens.
    let image: (String,) = sqlx::query_as(
        "select i.repository || ':' || i.tag from workload_image w join image i using (image_id)
         where w.collection_id = $1 and w.namespace = $2 and w.name = $3",
    )
    .bind(rolled.collection_id)
    .bind(&namespace)
    .bind(&name)
    .fetch_one(&pool)
    .await
    .unwrap();
    cluster.write().unwrap().rescan_image(&image.0, 1, 0);
    let rescanned = collect_once_stored(&pool, &target).await.unwrap().stored;
    assert!(rescanned.images.rescanned_images >= 1);
    assert_eq!(rescanned.images.vulnerability_rows, rescanned.images.rescanned_images, "one new row per image");
    assert_eq!((rescanned.images.cves_opened, rescanned.changes.opened), (1, 0));
    let (seen, message, _) = finding_of(&pool, &namespace, &name).await;
    assert!(seen == first_seen && message.contains("CVE-2026-"), "{message}");
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn every_trivy_report_kind_is_read_and_a_long_named_workloads_reports_land_on_it(pool: PgPool) {
    let cluster = common::small_cluster(200);
    let (_server, target) = target_for(&cluster, "kinds").await;
    let id = collect_once_stored(&pool, &target).await.unwrap().stored.collection_id;
    for kind in [
        "vulnerabilityreports",
        "configauditreports",
        "clusterconfigauditreports",
        "clusterrbacassessmentreports",
        "clusterinfraassessmentreports",
        "exposedsecretreports",
        "clustercompliancereports",
        "sbomreports",
    ] {
        let (objects,): (i32,) =
            sqlx::query_as("select objects from collection_coverage where collection_id = $1 and kind = $2")
                .bind(id)
                .bind(kind)
                .fetch_one(&pool)
                .await
                .unwrap();
        assert!(objects > 0, "{kind} is read");
    }
    let long = "multilingual-retrieval-embedding-inference-server-predictor";
    let rows =
        sqlx::query_scalar::<_, i64>("select count(*) from workload_image where collection_id = $1 and name = $2")
            .bind(id)
            .bind(long)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(rows, 1, "the long-named Deployment's report, named in an annotation, is its own");
    let packages = scalar(&pool, "select count(*) from image_package where $1 > 0", 1).await;
    assert!(packages > 0, "SBOMs give the images' packages");

    let status = |control: &'static str| {
        let pool = pool.clone();
        async move {
            let (status,): (String,) = sqlx::query_as(
                "select status from compliance_status where framework = 'cis' and control = $1 and tenant = 'platform'",
            )
            .bind(control)
            .fetch_one(&pool)
            .await
            .unwrap();
            status
        }
    };
    assert_eq!(status("4.2.4").await, "fail", "one node's kubelet read-only port, from Trivy's node collector");
    assert_eq!(status("4.2.1").await, "pass");
    let trivy = scalar(&pool, "select count(*) from trivy_control_status where collection_id = $1", id).await;
    assert!(trivy >= 4, "Trivy's own compliance report is kept beside Rampart's");

    let corroborated = scalar(
        &pool,
        "select count(*) from finding_state where resolved_at is null and rule_id = 'workload.writable-root-filesystem'
           and message like '%also reported by Trivy KSV014%' and $1 > 0",
        1,
    )
    .await;
    let duplicated = scalar(&pool,
        "select count(*) from finding_state where rule_id = 'images.config-audit' and 'trivy check KSV014' = any(evidence) and $1 > 0", 1).await;
    assert!(
        corroborated > 0 && duplicated == 0,
        "KSV014 corroborates the native finding ({corroborated}), never adds one"
    );
    let on_role = scalar(
        &pool,
        "select count(*) from finding_state where rule_id = 'rbac.trivy-assessment' and object_kind = 'ClusterRole'
           and object_name = 'cluster-admin' and 'trivy check KSV046' = any(evidence) and $1 > 0",
        1,
    )
    .await;
    assert_eq!(on_role, 1, "KSV046 on the ClusterRole it assesses");
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn the_image_vulnerabilities_and_workload_pages_show_the_same_images_to_those_who_may_see_them(pool: PgPool) {
    use axum::http::StatusCode;
    use common::web::{config, signed_in};
    let cluster = common::small_cluster(200);
    let (_server, target) = target_for(&cluster, "pages").await;
    let id = collect_once_stored(&pool, &target).await.unwrap().stored.collection_id;
    let app = common::web::app(&pool, &config(Some(server::config::AuthMode::Local))).await;
    let mut security = signed_in(&app, "sergio").await;

    // The image with the most CVEs that an nlp workload runs, and that workload.
    let (image_id, namespace, kind, name, key): (i64, String, String, String, String) = sqlx::query_as(
        "select w.image_id, w.namespace, w.kind, w.name, i.image_key from workload_image w join image i using (image_id)
         where w.collection_id = $1 and w.tenant = 'nlp'
         order by (select count(*) from image_vulnerability v where v.image_id = w.image_id) desc, w.name limit 1",
    )
    .bind(id)
    .fetch_one(&pool)
    .await
    .unwrap();
    let cves: Vec<(String,)> = sqlx::query_as("select vulnerability_id from image_vulnerability where image_id = $1")
        .bind(image_id)
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(!cves.is_empty(), "the chosen image has CVEs");

    let page = security.get(&format!("/images/{image_id}?sort=score")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&format!("{kind}/{namespace}/{name}")), "the image page names who runs it");
    for (cve,) in &cves {
        assert!(page.body.contains(cve.as_str()), "the image page lists {cve}");
    }
    assert_eq!(security.get(&format!("/images/{image_id}?sort=nonsense")).await.status, StatusCode::BAD_REQUEST);

    let workload = security.get(&format!("/workloads/{namespace}/{kind}/{name}")).await;
    assert!(
        workload.body.contains(&format!("href=\"/images/{image_id}\"")) && workload.body.contains(&key),
        "the workload lists its image"
    );

    let fleet = security.get("/vulnerabilities").await;
    assert!(cves.iter().all(|(cve,)| fleet.body.contains(cve.as_str())), "the fleet view lists the image's CVEs");
    assert_eq!(security.get("/vulnerabilities?severity=nonsense").await.status, StatusCode::BAD_REQUEST);
    let critical = security.get("/vulnerabilities?severity=critical").await;
    assert!(critical.body.contains("sev sev-critical") && !critical.body.contains("sev sev-low"), "only critical CVEs");
    let package = security.get("/vulnerabilities?package=libssl3").await;
    assert!(package.status == StatusCode::OK && package.body.contains("an affected version"), "{}", package.body);

    let compliance = security.get("/compliance?framework=cis").await;
    assert!(compliance.body.contains("Trivy Operator says"), "Trivy's verdict beside Rampart's");
    let mut lead = signed_in(&app, "nadia").await;
    assert!(
        !lead.get("/compliance?framework=cis").await.body.contains("Trivy Operator says"),
        "it counts every tenant: not for a lead"
    );
    let foreign: Option<(i64,)> = sqlx::query_as(
        "select w.image_id from workload_image w where w.collection_id = $1 and w.tenant <> 'nlp'
           and not exists (select 1 from workload_image o where o.image_id = w.image_id and o.tenant = 'nlp') limit 1",
    )
    .bind(id)
    .fetch_optional(&pool)
    .await
    .unwrap();
    let (foreign,) = foreign.expect("an image nlp does not run");
    assert_eq!(lead.get(&format!("/images/{foreign}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(lead.get(&format!("/images/{image_id}")).await.status, StatusCode::OK);
}
