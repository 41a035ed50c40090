//! Access control end to end through the real router and PostgreSQL: tenant isolation on every
//! route for every role, fail-closed start-up, trusted-proxy headers, CSRF, sessions, login
//! rate limiting and the audit log.

use crate::common;

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::web::{Browser, PASSWORD, USERS, config, signed_in};
use db::{PgPool, Scope};
use server::config::AuthMode;

/// Names that belong to tenants other than `own`: tenant, namespace and object names, minus any
/// that `own` also has or that the public rule catalogue mentions (`cluster-admin`), which prove
/// nothing, and very short ones.
async fn foreign_names(pool: &PgPool, own: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut own_names = BTreeSet::new();
    for tenant in db::query::tenant_overview(pool, &Scope::AllTenants, None).await.unwrap() {
        let detail = db::query::tenant_detail(
            pool,
            &Scope::AllTenants,
            &tenant.tenant,
            &db::query::FindingQuery::default(),
            None,
        )
        .await
        .unwrap()
        .unwrap();
        let set = if tenant.tenant == own { &mut own_names } else { &mut names };
        set.insert(tenant.tenant.clone());
        set.extend(detail.namespaces.into_iter().map(|n| n.namespace));
        set.extend(detail.findings.into_iter().map(|f| f.finding.object_name));
    }
    let catalogue = server::commands::catalogue::rules_json();
    names.retain(|name| name.len() >= 5 && !own_names.contains(name) && !catalogue.contains(name.as_str()));
    names
}

/// Values for route parameters that point at another tenant's things: its name, one of its
/// workloads (namespace, kind, name) and one of its findings (id).
type Foreign = std::collections::BTreeMap<&'static str, String>;

async fn foreign_parameters(pool: &PgPool, tenant: &str) -> Vec<Foreign> {
    let scope = Scope::Tenants(vec![tenant.to_string()]);
    let workload = db::query::workloads(pool, &scope, None, db::query::WorkloadFilter::All, None).await.unwrap();
    let workload = workload.into_iter().find(|w| w.findings > 0).expect("a foreign workload with findings");
    let detail = db::query::workload_detail(pool, &scope, &workload.namespace, &workload.kind, &workload.name, None)
        .await
        .unwrap()
        .unwrap();
    let names = |id: String| -> Foreign {
        [
            ("tenant", tenant.to_string()),
            ("namespace", workload.namespace.clone()),
            ("kind", workload.kind.clone()),
            ("name", workload.name.clone()),
            ("id", id),
            ("framework", "cis".to_string()),
            ("control", "5.2.2".to_string()),
            ("token", "x".to_string()),
        ]
        .into_iter()
        .collect()
    };
    let to = chrono::Utc::now();
    let request = server::reports::ReportRequest {
        tenants: vec![tenant.to_string()],
        frameworks: vec!["cis".into()],
        from: to - chrono::Duration::days(1),
        to,
    };
    let requester = server::reports::Requester { name: "victor", ..Default::default() };
    let report = server::reports::generate_and_store(pool, &scope, &request, &requester).await.unwrap();
    // An image only the tenant runs (whose id is no finding another tenant may see).
    let (image,): (i64,) = sqlx::query_as(
        "select w.image_id from workload_image w where w.tenant = $1
           and not exists (select 1 from workload_image o where o.image_id = w.image_id and o.tenant <> $1)
           and not exists (select 1 from finding_state f where f.finding_id = w.image_id and f.tenant <> $1)
         order by w.image_id limit 1",
    )
    .bind(tenant)
    .fetch_one(pool)
    .await
    .expect("an image only the foreign tenant runs");
    vec![
        names(detail.findings[0].finding_id.to_string()),
        names(detail.findings[0].finding.rule_id.clone()),
        names(report.report_id.to_string()),
        // Only here: the other sets' `:image` falls back to the tenant's name, which names no image.
        names(String::new()).into_iter().chain([("image", image.to_string())]).collect(),
    ]
}

/// The concrete request for one route, its parameters taken from `values`.
fn request_for(route: &server::http::RouteEntry, values: &Foreign, csrf: Option<&str>) -> Request<Body> {
    let path: String = route
        .path
        .split('/')
        .map(|segment| {
            let name = segment.trim_start_matches(':').trim_start_matches('{').trim_end_matches('}');
            let is_param = segment.starts_with(':') || segment.starts_with('{');
            if is_param {
                values.get(name).cloned().unwrap_or_else(|| values["tenant"].clone())
            } else {
                segment.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("/");
    let tenant = &values["tenant"];
    let namespace = &values["namespace"];
    if route.method == "GET" {
        return Request::get(format!("{path}?tenant={tenant}&namespace={namespace}")).body(Body::empty()).unwrap();
    }
    let fields = values.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
    let body = format!("{fields}&finding_id={}&csrf={}", values["id"], csrf.unwrap_or_default());
    Request::builder()
        .method(route.method.as_str())
        .uri(path)
        .header(header::ORIGIN, common::web::ORIGIN)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap()
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn no_route_gives_a_tenant_lead_any_byte_of_another_tenants_data(pool: PgPool) {
    server::commands::demo::backfill(&pool, &common::small_cluster(100), 3).await.unwrap();
    let config = config(Some(AuthMode::Local));
    let app = common::web::app(&pool, &config).await;
    let auth = std::sync::Arc::new(server::auth::Auth::from_config(&config, pool.clone()).unwrap());
    let routes = server::http::route_inventory(server::http::ServerState::new(auth, Default::default()));
    for expected in ["/tenants/{tenant}", "/audit", "/login", "/logout"] {
        assert!(routes.iter().any(|r| r.path.replace(":tenant", "{tenant}") == expected), "{expected} is enumerated");
    }
    assert!(routes.iter().any(|r| r.kind == "server-fn"), "server functions are enumerated");
    let mut foreign = foreign_names(&pool, "nlp").await;
    let marker = "accepted risk of the vision team";
    let request = db::exceptions::ExceptionRequest {
        rule_id: "pod.privileged".into(),
        tenant: "vision".into(),
        namespace: None,
        object_kind: None,
        object_name: None,
        justification: marker.into(),
        expires_at: chrono::Utc::now() + chrono::Duration::days(7),
        cve: None,
        image_repository: None,
        until_fixed: false,
    };
    db::exceptions::request(&pool, "victor", &request).await.unwrap();
    foreign.insert(marker.into());
    assert!(foreign.contains("vision") && foreign.len() > 10, "the check has foreign names to look for");

    let parameter_sets = foreign_parameters(&pool, "vision").await;
    let mut served_to_security = BTreeSet::new();
    for (user, _, role) in USERS {
        let mut browser = signed_in(&app, user).await;
        for route in &routes {
            for values in &parameter_sets {
                if route.path == "/logout" {
                    continue; // signs the browser out; covered by its own test
                }
                let csrf = browser.csrf.clone();
                let page = browser.send(request_for(route, values, csrf.as_deref())).await;
                let what = format!("{user} ({role:?}) {} {} {values:?}", route.method, route.path);
                assert_ne!(page.status, StatusCode::INTERNAL_SERVER_ERROR, "{what}: {}", page.body);
                if user == "sergio" && foreign.iter().any(|name| page.body.contains(name.as_str())) {
                    served_to_security.insert((route.kind, route.path.clone()));
                }
                if user == "nadia" {
                    let about_foreign_things =
                        ["{tenant}", ":tenant", "{name}", ":name", "findings/", "reports/{id}", "images/"]
                            .iter()
                            .any(|marker| route.path.contains(marker));
                    if route.kind != "server-fn" && about_foreign_things {
                        assert_eq!(page.status, StatusCode::NOT_FOUND, "{what} must be refused");
                    }
                    for name in &foreign {
                        assert!(!page.body.contains(name.as_str()), "{what} leaked {name:?}");
                    }
                }
            }
        }
    }

    // The same routes do serve those who may see them: the test above could fail.
    assert!(served_to_security.iter().any(|(kind, _)| *kind == "server-fn"), "{served_to_security:?}");
    assert!(served_to_security.iter().any(|(kind, _)| *kind == "page"), "{served_to_security:?}");
    let mut lead = signed_in(&app, "nadia").await;
    assert_eq!(lead.get("/tenants/nlp").await.status, StatusCode::OK);
    assert_eq!(lead.get("/tenants/vision").await.status, StatusCode::NOT_FOUND);
    let overview = lead.get("/").await;
    assert!(overview.body.contains("href=\"/tenants/nlp\"") && !overview.body.contains("href=\"/tenants/vision\""));
    let mut security = signed_in(&app, "sergio").await;
    let page = security.get("/tenants/vision").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(foreign.iter().filter(|name| page.body.contains(name.as_str())).count() > 3);
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn without_an_authentication_mode_only_probes_and_the_login_page_are_served(pool: PgPool) {
    server::commands::demo::backfill(&pool, &common::small_cluster(100), 1).await.unwrap();
    let mut browser = Browser::new(common::web::app(&pool, &config(None)).await);
    assert_eq!(browser.get("/healthz").await.status, StatusCode::OK);
    assert_eq!(browser.get("/readyz").await.status, StatusCode::OK);
    let login = browser.get("/login").await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(login.body.contains("No authentication mode is configured"));
    for uri in ["/", "/tenants/nlp", "/audit", "/no/such/page"] {
        let page = browser.get(uri).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{uri}");
        assert!(page.headers[header::LOCATION].to_str().unwrap().starts_with("/login?next="), "{uri}");
    }
    let page = browser.post_form("/login", &[("user", "adele"), ("password", PASSWORD)]).await;
    assert!(matches!(page.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "password sign-in is off");
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn identity_headers_count_only_from_a_trusted_proxy(pool: PgPool) {
    server::commands::demo::backfill(&pool, &common::small_cluster(100), 1).await.unwrap();
    let mut config = config(Some(AuthMode::Proxy));
    config.auth.proxy.trusted_proxies = vec!["10.0.0.0/24".parse().unwrap()];
    let app = common::web::app(&pool, &config).await;
    let headers = |request: axum::http::request::Builder| {
        request.header("X-Forwarded-User", "victor").header("X-Forwarded-Groups", "vision-leads")
    };

    let mut forged = Browser::new(app.clone());
    forged.peer = "192.168.1.9:5000".parse().unwrap();
    let page = forged.send(headers(Request::get("/tenants/vision")).body(Body::empty()).unwrap()).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED, "forged identity headers sign nobody in");
    assert!(!page.body.contains("vision-"), "nothing of the tenant is shown");
    let admin = |request: axum::http::request::Builder| {
        request.header("X-Forwarded-User", "mallory").header("X-Forwarded-Groups", "sec")
    };
    let api = forged.send(admin(Request::get("/api/v1/clusters")).body(Body::empty()).unwrap()).await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED, "{}", api.body);
    assert!(!api.body.contains("\"clusters\""), "no cluster is shown to forged headers");

    let mut proxied = Browser::new(app.clone());
    proxied.peer = "10.0.0.7:5000".parse().unwrap();
    let page = proxied.send(headers(Request::get("/tenants/vision")).body(Body::empty()).unwrap()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("victor") && page.body.contains("tenant-lead"));
    let page = proxied.send(headers(Request::get("/tenants/nlp")).body(Body::empty()).unwrap()).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND, "a proxied lead is scoped like any other");
    let anonymous = proxied.send(Request::get("/").body(Body::empty()).unwrap()).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER, "no headers, no viewer");
    let vouched = proxied.send(admin(Request::get("/api/v1/clusters")).body(Body::empty()).unwrap()).await;
    assert_eq!(vouched.status, StatusCode::OK, "the same headers from the proxy do sign in: {}", vouched.body);
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn state_changing_requests_need_this_sites_origin_and_the_session_token(pool: PgPool) {
    let app = common::web::app(&pool, &config(Some(AuthMode::Local))).await;
    let mut browser = signed_in(&app, "sergio").await;
    let token = browser.csrf.clone().unwrap();
    let post = |origin: Option<&str>, body: String| {
        let mut request = Request::post("/logout").header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(origin) = origin {
            request = request.header(header::ORIGIN, origin);
        }
        request.body(Body::from(body)).unwrap()
    };
    let cross_site = browser.send(post(Some("https://evil.example"), format!("csrf={token}"))).await;
    assert_eq!(cross_site.status, StatusCode::FORBIDDEN);
    assert!(cross_site.body.contains("Origin check"));
    assert_eq!(browser.send(post(None, format!("csrf={token}"))).await.status, StatusCode::FORBIDDEN);
    let no_token = browser.send(post(Some(common::web::ORIGIN), "csrf=guess".into())).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    assert_eq!(browser.get("/").await.status, StatusCode::OK, "still signed in after the refused posts");
    let mut with_header = post(Some(common::web::ORIGIN), String::new());
    with_header.headers_mut().insert("x-csrf-token", token.parse().unwrap());
    assert_eq!(browser.send(with_header).await.status, StatusCode::SEE_OTHER, "the header form of the token works");
    assert_eq!(browser.get("/").await.status, StatusCode::SEE_OTHER, "signed out");
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn sign_in_issues_a_new_session_id_and_sign_out_kills_the_old_one(pool: PgPool) {
    let app = common::web::app(&pool, &config(Some(AuthMode::Local))).await;
    let mut browser = Browser::new(app.clone());
    browser.get("/login").await;
    let before = browser.cookie.clone().expect("the login page starts a session for its token");
    let page = browser.post_form("/login", &[("user", "aude"), ("password", PASSWORD), ("next", "/audit")]).await;
    assert_eq!(page.headers[header::LOCATION], "/audit");
    let cookie = page.headers[header::SET_COOKIE].to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && !cookie.contains("Secure"));
    let during = browser.cookie.clone().unwrap();
    assert_ne!(before, during, "no session fixation");
    assert_eq!(browser.get("/audit").await.status, StatusCode::OK, "auditors read the audit log");
    assert_eq!(browser.post_form("/logout", &[]).await.status, StatusCode::SEE_OTHER);

    let mut replay = Browser::new(app);
    replay.cookie = Some(during);
    assert_eq!(replay.get("/").await.status, StatusCode::SEE_OTHER, "the old cookie is dead");
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn removed_users_and_sessions_past_their_lifetime_are_signed_out(pool: PgPool) {
    let mut short = config(Some(AuthMode::Local));
    short.auth.absolute_timeout_hours = 0;
    let app = common::web::app(&pool, &short).await;
    let mut browser = Browser::new(app.clone());
    assert_eq!(browser.sign_in("adele", PASSWORD).await.status, StatusCode::SEE_OTHER);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let page = browser.get("/").await;
    assert_eq!(page.headers[header::LOCATION], "/login?error=expired");

    let auth =
        std::sync::Arc::new(server::auth::Auth::from_config(&config(Some(AuthMode::Local)), pool.clone()).unwrap());
    let app = server::http::app(server::http::ServerState::new(auth, Default::default()));
    let mut browser = signed_in(&app, "victor").await;
    assert_eq!(browser.get("/").await.status, StatusCode::OK);
    db::users::remove(&pool, "test", "victor").await.unwrap();
    assert_eq!(browser.get("/").await.status, StatusCode::SEE_OTHER);
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn signed_in_pages_show_who_is_signed_in_and_a_protected_sign_out(pool: PgPool) {
    let app = common::web::app(&pool, &config(Some(AuthMode::Local))).await;
    let mut browser = signed_in(&app, "sergio").await;
    let page = browser.get("/").await;
    assert!(page.body.contains("<span class=\"user\">sergio</span>"));
    assert!(page.body.contains("<span class=\"role\">security</span>"));
    assert!(page.body.contains("href=\"/audit\""), "security sees the audit log link");
    assert_eq!(common::web::hidden_csrf(&page.body), browser.csrf, "the sign-out form carries the token");
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn a_form_post_that_does_not_fit_is_a_400_saying_why(pool: PgPool) {
    server::commands::demo::backfill(&pool, &common::small_cluster(100), 1).await.unwrap();
    let app = common::web::app(&pool, &config(Some(AuthMode::Local))).await;
    let mut browser = Browser::new(app.clone());
    browser.get("/login").await;
    let missing = browser.post_form("/login", &[("user", "sec")]).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST, "{}", missing.body);
    assert!(missing.body.contains("password"), "names the missing field: {}", missing.body);

    let mut security = signed_in(&app, "sergio").await;
    let report = security.post_form("/reports", &[("tenant", ""), ("framework", "iso")]).await;
    assert_eq!(report.status, StatusCode::BAD_REQUEST, "{}", report.body);
    assert!(report.body.contains("unknown framework \"iso\""), "{}", report.body);
}
