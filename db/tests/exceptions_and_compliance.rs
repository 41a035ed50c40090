//! Exceptions, compliance and the score explanation, from real assessments of small
//! inventories stored in real PostgreSQL.

use chrono::{DateTime, Duration, Utc};
use db::exceptions::{ExceptionRequest, active, approve, request};
use db::query::{compliance_summary, score_explanation};
use db::store::{CollectionTimes, write_collection};
use db::{PgPool, Scope};
use domain::inventory::Inventory;
use domain::rules::RuleSettings;
use serde_json::json;

fn inventory(privileged_web: bool, host_path_agent: bool) -> Inventory {
    let mut inv = Inventory::default();
    inv.add_object(
        &json!({"kind": "Namespace", "metadata": {"name": "nlp-prod", "labels": {"rampart.io/tenant": "nlp"}}}),
    )
    .unwrap();
    let mut deployment = |name: &str, spec: serde_json::Value| {
        inv.add_object(&json!({"kind": "Deployment", "metadata": {"name": name, "namespace": "nlp-prod"},
            "spec": {"replicas": 2, "selector": {}, "template": {"metadata": {"labels": {"app": name}}, "spec": spec}}}))
            .unwrap();
    };
    let security = json!({"privileged": privileged_web});
    deployment("web", json!({"containers": [{"name": "app", "image": "a:1", "securityContext": security}]}));
    let volumes = if host_path_agent { json!([{"name": "h", "hostPath": {"path": "/var"}}]) } else { json!([]) };
    deployment("agent", json!({"volumes": volumes, "containers": [{"name": "app", "image": "a:1"}]}));
    inv
}

async fn collect(pool: &PgPool, inv: &Inventory, at: DateTime<Utc>) -> db::store::StoredCollection {
    let exceptions = active(pool, at).await.unwrap();
    let assessment = domain::assess(inv, &RuleSettings::default(), vec![], &exceptions);
    write_collection(pool, "prod", CollectionTimes { started_at: at, finished_at: at }, &assessment).await.unwrap()
}

async fn nlp_score(pool: &PgPool) -> f64 {
    db::query::tenant_overview(pool, &Scope::AllTenants, None)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.tenant == "nlp")
        .unwrap()
        .score
}

fn privileged_exception(expires_at: DateTime<Utc>) -> ExceptionRequest {
    ExceptionRequest {
        rule_id: "pod.privileged".into(),
        tenant: "nlp".into(),
        namespace: Some("nlp-prod".into()),
        object_kind: Some("Deployment".into()),
        object_name: Some("web".into()),
        justification: "GPU driver installer needs device access until the operator ships".into(),
        expires_at,
        cve: None,
        image_repository: None,
        until_fixed: false,
    }
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn an_expired_exception_counts_its_findings_again(pool: PgPool) {
    let inv = inventory(true, false);
    collect(&pool, &inv, Utc::now()).await;
    let id = request(&pool, "lead@nlp", &privileged_exception(Utc::now() + Duration::hours(1))).await.unwrap();
    approve(&pool, id, "ciso@security").await.unwrap();

    collect(&pool, &inv, Utc::now() + Duration::minutes(1)).await;
    let excepted_score = nlp_score(&pool).await;
    let (exception_id,): (Option<i64>,) =
        sqlx::query_as("select exception_id from finding_state where rule_id = 'pod.privileged'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(exception_id, Some(id), "the finding stays visible, marked excepted");
    let compliance = compliance_summary(&pool, &Scope::AllTenants, None, None).await.unwrap();
    let pss = compliance.iter().find(|r| r.tenant == "nlp" && r.framework == "pss").unwrap().clone();

    let after_expiry = collect(&pool, &inv, Utc::now() + Duration::hours(2)).await;
    assert!(after_expiry.changes.updated >= 1, "the finding lost its exception");
    assert!(nlp_score(&pool).await > excepted_score, "the finding counts in the score again");
    let pss_after = compliance_summary(&pool, &Scope::AllTenants, None, None)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.tenant == "nlp" && r.framework == "pss")
        .unwrap();
    assert_eq!(pss_after.failed, pss.failed + 1, "pss:privileged fails again");
    let (audits,): (i64,) = sqlx::query_as("select count(*) from audit_event where subject = $1")
        .bind(format!("exception/{id}"))
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(audits, 2, "requested and approved, with before and after");
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn exceptions_need_a_justification_a_future_expiry_and_another_approver(pool: PgPool) {
    collect(&pool, &inventory(true, false), Utc::now()).await;
    let mut short = privileged_exception(Utc::now() + Duration::days(1));
    short.justification = "because".into();
    assert!(request(&pool, "lead@nlp", &short).await.is_err());
    assert!(request(&pool, "lead@nlp", &privileged_exception(Utc::now() - Duration::days(1))).await.is_err());
    let id = request(&pool, "lead@nlp", &privileged_exception(Utc::now() + Duration::days(1))).await.unwrap();
    assert!(approve(&pool, id, "lead@nlp").await.is_err(), "no self-approval");
    assert!(active(&pool, Utc::now() + Duration::hours(1)).await.unwrap().is_empty(), "pending is not active");
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn compliance_percent_is_reported_with_manual_and_not_assessable_counts(pool: PgPool) {
    collect(&pool, &inventory(true, false), Utc::now()).await;
    let rows = compliance_summary(&pool, &Scope::AllTenants, None, None).await.unwrap();
    let cis = rows.iter().find(|r| r.tenant == "nlp" && r.framework == "cis").unwrap();
    assert!(cis.failed >= 1, "5.2.2 fails on the privileged container");
    assert_eq!(cis.manual, 6);
    assert_eq!(
        cis.not_assessable,
        2 + 9 + 4,
        "two node-level controls, the nine API-server items without a visible kube-apiserver, and the four \
         kubelet items without Trivy Operator's node collector"
    );
    let percent = cis.percent().unwrap();
    assert!(percent > 0.0 && percent < 100.0);
    assert_eq!(percent, 100.0 * cis.passed as f64 / (cis.passed + cis.failed + cis.partial) as f64);
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn the_explanation_names_the_fixed_and_the_new_finding_as_the_day_delta(pool: PgPool) {
    let now = Utc::now();
    collect(&pool, &inventory(true, false), now - Duration::days(2)).await;
    let second = collect(&pool, &inventory(false, true), now).await;
    // The host path violates two Pod Security checks (hostPathVolumes and restrictedVolumes).
    assert_eq!((second.changes.opened, second.changes.resolved), (2, 1));

    let explanation = score_explanation(&pool, &Scope::AllTenants, "nlp", None).await.unwrap().unwrap();
    assert!(!explanation.top.is_empty());
    let total_share: f64 = explanation.top.iter().map(|c| c.share_pct).sum();
    assert!(total_share <= 100.0 + 1e-6);
    let day = explanation.deltas.iter().find(|d| d.window == "day").unwrap();
    assert!(day.previous_score.is_some() && day.change.is_some());
    let causes: Vec<(&str, &str)> = day.causes.iter().map(|c| (c.kind.as_str(), c.finding.rule_id.as_str())).collect();
    assert!(causes.contains(&("resolved", "pod.privileged")), "{causes:?}");
    assert!(causes.contains(&("opened", "pod.host-path")), "{causes:?}");
    let fixed = day.causes.iter().find(|c| c.finding.rule_id == "pod.privileged").unwrap();
    assert!(fixed.signed_contribution < 0.0, "a fix lowers the score");
    assert!(score_explanation(&pool, &Scope::Tenants(vec!["vision".into()]), "nlp", None).await.unwrap().is_none());
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn a_revoked_exception_stops_applying_and_cannot_be_revoked_twice(pool: PgPool) {
    collect(&pool, &inventory(true, false), Utc::now()).await;
    let id = request(&pool, "lead@nlp", &privileged_exception(Utc::now() + Duration::days(1))).await.unwrap();
    approve(&pool, id, "ciso@security").await.unwrap();
    assert_eq!(active(&pool, Utc::now() + Duration::minutes(1)).await.unwrap().len(), 1);

    db::exceptions::revoke(&pool, id, "ciso@security").await.unwrap();

    assert!(active(&pool, Utc::now() + Duration::minutes(1)).await.unwrap().is_empty());
    assert!(db::exceptions::revoke(&pool, id, "ciso@security").await.is_err());
    assert!(approve(&pool, id, "someone@security").await.is_err(), "a revoked exception is not pending");
    let actions: Vec<(String,)> =
        sqlx::query_as("select action from audit_event order by audit_id").fetch_all(&pool).await.unwrap();
    let actions: Vec<&str> = actions.iter().map(|a| a.0.as_str()).collect();
    assert_eq!(actions, ["exception.requested", "exception.approved", "exception.revoked"]);
    let listed = db::exceptions::list(&pool, &Scope::Tenants(vec!["vision".into()])).await.unwrap();
    assert!(listed.is_empty(), "another tenant's exceptions are not listed");
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn an_exception_may_name_only_a_namespace_of_its_own_tenant(pool: PgPool) {
    collect(&pool, &inventory(true, false), Utc::now()).await;
    let mut foreign = privileged_exception(Utc::now() + Duration::days(1));
    foreign.tenant = "vision".into();
    let refused = request(&pool, "lead@vision", &foreign).await.unwrap_err();
    assert!(refused.to_string().contains("the namespace is not one of the tenant's own"), "{refused}");
    let mut without_namespace = privileged_exception(Utc::now() + Duration::days(1));
    without_namespace.namespace = None;
    assert!(request(&pool, "lead@nlp", &without_namespace).await.is_err(), "an object needs its namespace");
    assert!(db::exceptions::list(&pool, &Scope::AllTenants).await.unwrap().is_empty(), "nothing was stored");
    request(&pool, "lead@nlp", &privileged_exception(Utc::now() + Duration::days(1))).await.unwrap();
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn a_requester_has_a_bounded_number_of_requests_waiting(pool: PgPool) {
    collect(&pool, &inventory(true, false), Utc::now()).await;
    for _ in 0..db::exceptions::MAX_PENDING_PER_REQUESTER {
        request(&pool, "lead@nlp", &privileged_exception(Utc::now() + Duration::days(1))).await.unwrap();
    }
    let refused = request(&pool, "lead@nlp", &privileged_exception(Utc::now() + Duration::days(1))).await.unwrap_err();
    assert!(refused.to_string().contains("requests may wait for a decision"), "{refused}");
    let mut long = privileged_exception(Utc::now() + Duration::days(1));
    long.justification = "x".repeat(db::exceptions::MAX_JUSTIFICATION_CHARS + 1);
    let too_long = request(&pool, "other@nlp", &long).await.unwrap_err();
    assert!(too_long.to_string().contains("justification is longer than 2000 characters"), "{too_long}");
    request(&pool, "other@nlp", &privileged_exception(Utc::now() + Duration::days(1))).await.unwrap();
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn a_cve_exception_is_stored_with_its_cve_and_refused_without_its_repository(pool: PgPool) {
    collect(&pool, &inventory(false, false), Utc::now()).await;
    let cve_exception = |cve: Option<&str>, repository: Option<&str>, rule: &str| ExceptionRequest {
        rule_id: rule.into(),
        cve: cve.map(Into::into),
        image_repository: repository.map(Into::into),
        until_fixed: true,
        ..privileged_exception(Utc::now() + Duration::days(3))
    };
    let refused =
        |r: db::Result<i64>| matches!(r, Err(db::Error::Invalid(m)) if m == db::exceptions::Refusal::BadCve.message());
    assert!(refused(
        request(&pool, "lead@nlp", &cve_exception(Some("CVE-2024-3094"), None, "images.vulnerability")).await
    ));
    assert!(refused(
        request(&pool, "lead@nlp", &cve_exception(Some("CVE-2024-3094"), Some("ghcr.io/a"), "pod.privileged")).await
    ));
    assert!(refused(
        request(&pool, "lead@nlp", &cve_exception(Some("<script>"), Some("ghcr.io/a"), "images.vulnerability")).await
    ));
    let id = request(
        &pool,
        "lead@nlp",
        &cve_exception(Some("CVE-2024-3094"), Some("ghcr.io/team/api"), "images.vulnerability"),
    )
    .await
    .unwrap();
    approve(&pool, id, "ciso@security").await.unwrap();
    let active = active(&pool, Utc::now()).await.unwrap();
    let stored = active.iter().find(|e| e.id == id).unwrap();
    assert_eq!(
        (stored.cve.as_deref(), stored.image_repository.as_deref(), stored.until_fixed),
        (Some("CVE-2024-3094"), Some("ghcr.io/team/api"), true)
    );
}
