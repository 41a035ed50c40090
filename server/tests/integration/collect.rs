//! The collector against the simulated API server, through the real `kube::Client`, into real
//! PostgreSQL.

use crate::common;
use crate::common::collect::{count, rule_hits, scalar, target_for};

use db::{PgPool, Scope};
use domain::rules::RuleSettings;
use server::collect::{ClusterTarget, collect_once};

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn a_collection_through_kube_client_lands_in_postgres_whole(pool: PgPool) {
    let cluster = common::small_cluster(150);
    let (_server, target) = target_for(&cluster, "whole").await;

    let id = collect_once(&pool, &target).await.unwrap();

    let expected = server::commands::demo::inventory_of(&cluster.read().unwrap()).unwrap();
    let objects = count(&pool, "select object_count::int8 from collection where collection_id = $1", id).await;
    assert_eq!(objects as usize, expected.object_count());
    assert_eq!(rule_hits(&pool, id, "rbac.anonymous-binding").await, 1);
    assert!(rule_hits(&pool, id, "pod.privileged").await >= 1, "kube-proxy runs privileged");
    assert!(rule_hits(&pool, id, "images.vulnerability").await >= 1, "Trivy reports are read through the API");
    assert_eq!(rule_hits(&pool, id, "tenancy.shared-volume").await, 2, "two tenants share one NFS export");
    let unassessed = "select count(*) from rule_not_assessable where collection_id = $1 and rule_id like 'images.%'";
    assert_eq!(count(&pool, unassessed, id).await, 0, "the simulator serves Trivy's kinds");
    assert!(count(&pool, "select count(*) from gpu_sample where collection_id = $1", id).await > 0);
    assert!(count(&pool, "select count(*) from quota_usage where collection_id = $1", id).await > 0);
    let tenants = count(&pool, "select count(*) from tenant_score where collection_id = $1", id).await;
    assert_eq!(tenants, 10, "eight teams, platform and unassigned");
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn the_api_path_and_the_in_memory_path_assess_the_same_cluster_identically(pool: PgPool) {
    let cluster = common::small_cluster(120);
    let (_server, target) = target_for(&cluster, "same").await;
    let id = collect_once(&pool, &target).await.unwrap();

    let inventory = server::commands::demo::inventory_of(&cluster.read().unwrap()).unwrap();
    let in_memory = domain::assess(&inventory, &RuleSettings::default(), vec![], &[]);

    let stored = count(&pool, "select count(*) from finding_state where cluster_id = (select cluster_id from collection where collection_id = $1) and resolved_at is null", id).await;
    let distinct: std::collections::HashSet<_> = in_memory
        .findings
        .iter()
        .map(|f| (&f.item.rule, &f.item.object, &f.item.container, &f.item.evidence))
        .collect();
    assert_eq!(stored as usize, distinct.len());
}

#[test]
fn slim_pods_and_trimmed_controlled_templates_assess_the_demo_platform_exactly_as_whole_objects_do() {
    let cluster = common::small_cluster(600);
    let cluster = cluster.read().unwrap();
    let slim = server::commands::demo::inventory_of(&cluster).unwrap();
    let whole_pods = domain::Inventory { pods: domain::pod::Pods::whole(), ..domain::Inventory::default() };
    let whole = server::commands::demo::inventory_into(&cluster, whole_pods).unwrap();
    assert!(slim.pods.distinct_specs() * 2 < slim.pods.len(), "pods of one template share their spec");
    let assess = |inventory: &domain::Inventory| {
        serde_json::to_value(domain::assess(inventory, &RuleSettings::default(), vec![], &[])).unwrap()
    };
    // The collector also drops the templates of the ReplicaSets and Jobs a controller made.
    let mut trimmed = slim.clone();
    trimmed.replica_sets.iter_mut().for_each(domain::inventory::trim_controlled_replica_set);
    trimmed.jobs.iter_mut().for_each(domain::inventory::trim_controlled_job);
    let templates = |inventory: &domain::Inventory| {
        let replica_sets =
            inventory.replica_sets.iter().filter(|r| r.spec.as_ref().is_some_and(|s| s.template.is_some()));
        let jobs = inventory.jobs.iter().filter(|j| j.spec.as_ref().is_some_and(|s| s.template.spec.is_some()));
        replica_sets.count() + jobs.count()
    };
    assert!(templates(&trimmed) < templates(&whole), "controlled ReplicaSets and Jobs lose their templates");
    let (slim, whole, trimmed) = (assess(&slim), assess(&whole), assess(&trimmed));
    assert!(slim["findings"].as_array().is_some_and(|f| f.len() > 100), "the platform has findings to compare");
    assert_eq!(slim, whole);
    assert_eq!(trimmed, whole);
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn lists_larger_than_a_page_are_read_completely(pool: PgPool) {
    let cluster = common::small_cluster(1200);
    let pods = cluster.read().unwrap().pod_count();
    assert!(pods > server::collect::listing::PAGE_SIZE as usize * 2);
    let (_server, target) = target_for(&cluster, "paged").await;

    let id = collect_once(&pool, &target).await.unwrap();

    let stored_pods = count(&pool, "select sum(pods)::int8 from namespace_state where collection_id = $1", id).await;
    assert_eq!(stored_pods as usize, pods);
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn no_secret_or_plain_text_password_value_is_stored(pool: PgPool) {
    let cluster = common::small_cluster(80);
    let (_server, target) = target_for(&cluster, "secrets").await;
    let id = collect_once(&pool, &target).await.unwrap();

    let (hits,): (i64,) = sqlx::query_as(
        "select count(*) from finding_state where cluster_id = (select cluster_id from collection where collection_id = $1)
           and (message like '%s1mulated-Plaintext-pw%' or object_name like '%s1mulated-Plaintext-pw%'
                or array_to_string(evidence, ' ') like '%s1mulated-Plaintext-pw%')",
    )
    .bind(id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(hits, 0);

    // What kubectl apply leaves on a Secret holds its values: it is not even held in memory.
    let client = server::collect::kubernetes::connect(&target).await.unwrap().client;
    let inventory =
        server::collect::kubernetes::read_inventory(&client, &target.sources, &target.deadlines).await.unwrap();
    assert!(!inventory.secrets.is_empty());
    for secret in &inventory.secrets {
        let annotations = secret.annotations.as_ref();
        assert!(!annotations.is_some_and(|a| a.contains_key(domain::inventory::LAST_APPLIED)), "{:?}", secret.name);
    }
    let (stored,): (i64,) = sqlx::query_as(
        "select count(*) from finding_state where array_to_string(evidence, ' ') || message like '%czFtdWxhdGVk%'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(stored, 0);
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn a_later_cycle_replaces_the_current_view_and_keeps_history(pool: PgPool) {
    let cluster = common::small_cluster(120);
    let (_server, target) = target_for(&cluster, "cycles").await;
    let first = collect_once(&pool, &target).await.unwrap();
    for _ in 0..5 {
        cluster.write().unwrap().step();
    }
    let second = collect_once(&pool, &target).await.unwrap();

    assert!(second > first);
    let overview = db::query::tenant_overview(&pool, &Scope::AllTenants, None).await.unwrap();
    let (latest,): (chrono::DateTime<chrono::Utc>,) =
        sqlx::query_as("select finished_at from collection where collection_id = $1")
            .bind(second)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(overview.iter().all(|t| t.last_collected_at == latest));
    let (collections,): (i64,) = sqlx::query_as("select count(*) from collection").fetch_one(&pool).await.unwrap();
    assert_eq!(collections, 2);
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn an_unreachable_cluster_fails_clearly_and_loses_nothing_stored(pool: PgPool) {
    let cluster = common::small_cluster(60);
    let (server, mut target) = target_for(&cluster, "down").await;
    collect_once(&pool, &target).await.unwrap();
    drop(server);
    let dir = common::temp_dir("down-config");
    let dead = dir.join("kubeconfig");
    std::fs::write(&dead, sim::kubeconfig_yaml("http://127.0.0.1:9")).unwrap();
    target.kubeconfig = Some(dead);

    let error = collect_once(&pool, &target).await.unwrap_err();

    assert!(error.to_string().contains("listing"), "names what failed: {error}");
    let (last_error,): (Option<String>,) =
        sqlx::query_as("select last_error from cluster where name = 'down'").fetch_one(&pool).await.unwrap();
    assert!(last_error.is_some());
    assert!(!db::query::tenant_overview(&pool, &Scope::AllTenants, None).await.unwrap().is_empty());
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn a_missing_kubeconfig_is_named_in_the_error(pool: PgPool) {
    let target = ClusterTarget {
        name: "nowhere".into(),
        kubeconfig: Some("/nonexistent/kubeconfig".into()),
        context: None,
        rules: RuleSettings::default(),
        interval: std::time::Duration::from_secs(60),
        deadlines: server::collect::Deadlines::for_interval(std::time::Duration::from_secs(60)),
        sources: server::collect::Sources::default(),
    };
    let error = collect_once(&pool, &target).await.unwrap_err();
    assert!(error.to_string().contains("/nonexistent/kubeconfig"));
}

#[test]
#[ignore = "needs cluster"]
fn collects_a_real_cluster_from_kubeconfig() {
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let pool = PgPool::connect(&url).await.unwrap();
        db::migrate(&pool).await.unwrap();
        let target = ClusterTarget {
            name: "real".into(),
            kubeconfig: std::env::var_os("KUBECONFIG").map(Into::into),
            context: None,
            rules: RuleSettings::default(),
            interval: std::time::Duration::from_secs(60),
            deadlines: server::collect::Deadlines::for_interval(std::time::Duration::from_secs(60)),
            sources: server::collect::Sources::default(),
        };
        collect_once(&pool, &target).await.unwrap();
    });
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn transient_api_failures_are_retried_and_an_expired_continue_token_restarts_the_list(pool: PgPool) {
    let cluster = common::small_cluster(1200);
    let (_server, target) = target_for(&cluster, "flaky").await;
    {
        let mut cluster = cluster.write().unwrap();
        cluster.faults.server_errors = 2;
        cluster.faults.resets = 2;
        cluster.faults.expired_continue = 1;
        cluster.faults.delay = std::time::Duration::from_millis(5);
    }

    let id = collect_once(&pool, &target).await.unwrap();

    let faults = cluster.read().unwrap().faults.clone();
    assert_eq!((faults.server_errors, faults.resets, faults.expired_continue), (0, 0, 0), "every fault was hit");
    let expected = server::commands::demo::inventory_of(&cluster.read().unwrap()).unwrap();
    let objects = count(&pool, "select object_count::int8 from collection where collection_id = $1", id).await;
    assert_eq!(objects as usize, expected.object_count(), "nothing lost, nothing counted twice");
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn a_response_of_the_wrong_shape_fails_the_collection_clearly_and_keeps_what_was_stored(pool: PgPool) {
    let cluster = common::small_cluster(60);
    let (_server, target) = target_for(&cluster, "garbled").await;
    let first = collect_once(&pool, &target).await.unwrap();
    cluster.write().unwrap().faults.wrong_shape = 1000;

    let error = collect_once(&pool, &target).await.unwrap_err().to_string();

    assert!(error.contains("listing") && error.contains("after 4 attempts"), "{error}");
    let (latest,): (i64,) = sqlx::query_as("select max(collection_id) from collection").fetch_one(&pool).await.unwrap();
    assert_eq!(latest, first, "the failed collection stored nothing");
    let (last_error,): (Option<String>,) =
        sqlx::query_as("select last_error from cluster where name = 'garbled'").fetch_one(&pool).await.unwrap();
    assert!(last_error.is_some_and(|e| e.contains("listing")));
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn a_forbidden_kind_is_a_coverage_gap_whose_rules_are_not_assessable_and_keep_their_findings(pool: PgPool) {
    let cluster = common::small_cluster(120);
    let (_server, target) = target_for(&cluster, "partial").await;
    collect_once(&pool, &target).await.unwrap();
    let open_network = "select count(*) from finding_state where resolved_at is null and rule_id like 'network.%'";
    let (before,): (i64,) = sqlx::query_as(open_network).fetch_one(&pool).await.unwrap();
    assert!(before > 0, "the cluster has network findings to keep");
    cluster.write().unwrap().faults.forbidden.insert("networkpolicies".into());

    let id = collect_once(&pool, &target).await.expect("the collection completes with what it could read");

    let gap: Option<String> =
        scalar(&pool, "select gap from collection_coverage where collection_id = $1 and kind = 'networkpolicies'", id)
            .await;
    assert!(gap.is_some_and(|g| g.contains("403")));
    let pods: i32 =
        scalar(&pool, "select objects from collection_coverage where collection_id = $1 and kind = 'pods'", id).await;
    assert!(pods >= 120, "the other kinds were read: {pods} pods");
    let unassessed: Vec<(String,)> =
        sqlx::query_as("select rule_id from rule_not_assessable where collection_id = $1 order by rule_id")
            .bind(id)
            .fetch_all(&pool)
            .await
            .unwrap();
    let unassessed: Vec<String> = unassessed.into_iter().map(|(r,)| r).collect();
    let network_rules: Vec<String> = domain::rules::catalogue()
        .into_iter()
        .filter(|r| r.category == domain::rules::Category::Network)
        .map(|r| r.id.to_string())
        .collect();
    assert!(
        network_rules.iter().all(|r| unassessed.contains(r)),
        "every network rule is not assessable: {unassessed:?}"
    );
    assert!(!unassessed.iter().any(|r| r.starts_with("rbac.")), "RBAC rules do not read network policies");
    let (after,): (i64,) = sqlx::query_as(open_network).fetch_one(&pool).await.unwrap();
    assert_eq!(after, before, "findings of rules that could not look are neither resolved nor opened");
    let clusters = db::system::clusters(&pool).await.unwrap();
    let partial = clusters.iter().find(|c| c.name == "partial").unwrap();
    assert_eq!(partial.coverage_gaps.len(), 1);
    assert!(partial.coverage_gaps[0].starts_with("networkpolicies: HTTP 403"), "{:?}", partial.coverage_gaps);
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn sources_turned_off_for_a_cluster_are_not_read(pool: PgPool) {
    let cluster = common::small_cluster(120);
    let (_server, mut target) = target_for(&cluster, "sources-off").await;
    target.sources = server::collect::Sources {
        dcgm_exporters: vec![("app".into(), "no-such-exporter".into())],
        trivy_operator: false,
        metrics_server: false,
        ..server::collect::Sources::default()
    };
    let id = collect_once(&pool, &target).await.unwrap();
    let used = "select count(*) from workload_state where collection_id = $1 and cpu_usage_millis is not null";
    assert_eq!(count(&pool, used, id).await, 0, "without metrics-server, usage is unknown, not zero");
    assert_eq!(
        count(&pool, "select count(*) from gpu_sample where collection_id = $1", id).await,
        0,
        "no exporter matched"
    );
    let images = "select count(*) from rule_not_assessable where collection_id = $1 and rule_id like 'images.%'";
    assert!(count(&pool, images, id).await > 0, "without Trivy Operator's reports, image rules are not assessable");

    target.sources = server::collect::Sources::default();
    let id = collect_once(&pool, &target).await.unwrap();
    assert!(count(&pool, "select count(*) from gpu_sample where collection_id = $1", id).await > 0, "exporters found");
    assert!(count(&pool, used, id).await > 0, "usage read from metrics.k8s.io");
    // Usage is what metrics-server reported for the workload's pods, summed.
    let expected = server::commands::demo::inventory_of(&cluster.read().unwrap()).unwrap();
    let reported: f64 = expected.pod_metrics.iter().flatten().map(|m| m.usage().cpu_millis).sum();
    let stored: f64 =
        scalar(&pool, "select coalesce(sum(cpu_usage_millis), 0) from workload_state where collection_id = $1", id)
            .await;
    assert!(
        (stored - reported).abs() < 1e-6,
        "every running pod's usage is charged to its workload: {stored} vs {reported}"
    );
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn not_ready_nodes_and_failed_jobs_are_stored_with_why(pool: PgPool) {
    let cluster = common::small_cluster(400);
    // Jobs give up now, within the 24 hours in which a failure counts.
    cluster.write().unwrap().step_to(chrono::Utc::now().timestamp());
    let (_server, target) = target_for(&cluster, "unwell").await;
    let id = collect_once(&pool, &target).await.unwrap();
    let expected = server::commands::demo::inventory_of(&cluster.read().unwrap()).unwrap();

    let not_ready = domain::health::not_ready_nodes(&expected.nodes);
    assert!(!not_ready.is_empty(), "the simulator keeps one CPU node not ready");
    let row = db::system::clusters(&pool).await.unwrap().into_iter().find(|c| c.name == "unwell").unwrap();
    let shown: Vec<String> = not_ready.iter().map(|n| format!("{}: {}", n.node, n.reason)).collect();
    assert_eq!(row.not_ready_nodes, shown);
    assert!(row.not_ready_nodes[0].starts_with("node-cpu-") && row.not_ready_nodes[0].contains("NodeStatusUnknown"));

    let gave_up = expected
        .jobs
        .iter()
        .filter(|j| {
            j.status.as_ref().and_then(|s| s.conditions.as_ref()).is_some_and(|c| c.iter().any(|c| c.type_ == "Failed"))
        })
        .count();
    assert!(gave_up > 0, "the simulated cluster has a Job that gave up");
    let stored = count(
        &pool,
        "select count(*) from workload_state w, unnest(w.problems) p
         where w.collection_id = $1 and p like 'job % failed: BackoffLimitExceeded after % (backoffLimit %)'",
        id,
    )
    .await;
    assert_eq!(stored as usize, gave_up, "each Job that gave up is a problem of its workload");
}
