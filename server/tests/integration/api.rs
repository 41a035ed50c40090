//! The JSON API with tokens of each role: the same isolation as the pages, cursor pagination,
//! revocation, and clear errors.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::web::{Browser, config};
use db::{PgPool, Scope};
use server::config::AuthMode;

async fn token(pool: &PgPool, name: &str, role: &str, tenants: &[&str]) -> String {
    let token = format!("rpt_test_{name}");
    let digest = report::sha256_hex(token.as_bytes());
    let tenants: Vec<String> = tenants.iter().map(|t| t.to_string()).collect();
    db::tokens::create(pool, "test", name, &digest, role, &tenants).await.unwrap();
    token
}

async fn call(browser: &mut Browser, token: &str, uri: &str) -> (StatusCode, serde_json::Value, String) {
    let request =
        Request::get(uri).header(header::AUTHORIZATION, format!("Bearer {token}")).body(Body::empty()).unwrap();
    let page = browser.send(request).await;
    let json = serde_json::from_str(&page.body).unwrap_or(serde_json::Value::Null);
    (page.status, json, page.body)
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn tokens_read_through_their_roles_scope(pool: PgPool) {
    server::commands::demo::backfill(&pool, &common::small_cluster(100), 2).await.unwrap();
    let app = common::web::app(&pool, &config(Some(AuthMode::Local))).await;
    let mut b = Browser::new(app);
    let security = token(&pool, "siem", "security", &[]).await;
    let lead = token(&pool, "nlp-ci", "tenant-lead", &["nlp"]).await;

    let everyone = db::query::tenant_overview(&pool, &Scope::AllTenants, None).await.unwrap();
    for role in ["admin", "security", "auditor"] {
        let token = token(&pool, &format!("all-{role}"), role, &[]).await;
        let (status, all, _) = call(&mut b, &token, "/api/v1/tenants").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(all["tenants"].as_array().unwrap().len(), everyone.len(), "{role} reads every tenant");
    }

    // Every API route, asked about another tenant with a lead's token, shows nothing of it.
    let config_for_routes = config(Some(AuthMode::Local));
    let auth = std::sync::Arc::new(server::auth::Auth::from_config(&config_for_routes, pool.clone()).unwrap());
    let routes = server::http::route_inventory(server::http::ServerState::new(auth, Default::default()));
    for route in routes.iter().filter(|r| r.path.starts_with("/api/v1/") && !r.path.ends_with("openapi.json")) {
        let (status, _, body) = call(&mut b, &lead, &format!("{}?tenant=vision&framework=cis", route.path)).await;
        assert_eq!(status, StatusCode::OK, "{}", route.path);
        assert!(!body.contains("\"vision") && !body.contains("vision-"), "{} leaks vision: {body:.300}", route.path);
    }

    let (status, mine, body) = call(&mut b, &lead, "/api/v1/tenants").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(mine["tenants"].as_array().unwrap().len(), 1);
    assert!(!body.contains("vision"), "a lead's token sees no other tenant");
    let (_, foreign, body) = call(&mut b, &lead, "/api/v1/findings?tenant=vision").await;
    assert_eq!(foreign["findings"].as_array().unwrap().len(), 0);
    assert!(!body.contains("vision-"));
    let (_, own, _) = call(&mut b, &lead, "/api/v1/findings?status=open&limit=1000").await;
    assert!(own["findings"].as_array().unwrap().iter().all(|f| f["tenant"] == "nlp"));

    // Cursor pagination walks every open finding once, in id order.
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let (status, page, _) =
            call(&mut b, &security, &format!("/api/v1/findings?status=open&limit=50{cursor}")).await;
        assert_eq!(status, StatusCode::OK);
        seen.extend(page["findings"].as_array().unwrap().iter().map(|f| f["id"].as_i64().unwrap()));
        match page["next_cursor"].as_i64() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "ids increase, none twice");
    let open: i64 = everyone.iter().map(|t| t.critical + t.high + t.medium + t.low).sum();
    assert!(seen.len() as i64 >= open, "every open finding is listed ({} of at least {open})", seen.len());

    let (status, error, _) = call(&mut b, &security, "/api/v1/findings?severity=urgent").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["error"], "severity=urgent is not a severity");
    assert_eq!(call(&mut b, &security, "/api/v1/findings?limit=0").await.0, StatusCode::BAD_REQUEST);
    let (status, compliance, _) = call(&mut b, &lead, "/api/v1/compliance?framework=pss").await;
    assert_eq!(status, StatusCode::OK);
    assert!(compliance["tenants"].as_array().unwrap().iter().all(|t| t["tenant"] == "nlp"));
    let (status, collections, _) = call(&mut b, &security, "/api/v1/collections?limit=1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(collections["next_cursor"].is_i64());
    assert_eq!(call(&mut b, &security, "/api/v1/clusters").await.0, StatusCode::OK);

    assert_eq!(call(&mut b, "rpt_made_up", "/api/v1/tenants").await.0, StatusCode::UNAUTHORIZED);
    db::tokens::revoke(&pool, "test", "siem").await.unwrap();
    assert_eq!(call(&mut b, &security, "/api/v1/tenants").await.0, StatusCode::UNAUTHORIZED, "revoked");
    let anonymous = b.send(Request::get("/api/v1/tenants").body(Body::empty()).unwrap()).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "no token, no session");
    let tokens = db::tokens::list(&pool).await.unwrap();
    assert!(tokens.iter().all(|t| !format!("{t:?}").contains("rpt_")), "token values are never stored");
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn the_openapi_document_describes_every_api_route_and_validates(pool: PgPool) {
    let config = config(Some(AuthMode::Local));
    let mut b = Browser::new(common::web::app(&pool, &config).await);
    let page = b.get("/api/v1/openapi.json").await;
    assert_eq!(page.status, StatusCode::OK, "the description is public");
    let document: serde_json::Value = serde_json::from_str(&page.body).unwrap();
    let auth = std::sync::Arc::new(server::auth::Auth::from_config(&config, pool.clone()).unwrap());
    let routes = server::http::route_inventory(server::http::ServerState::new(auth, Default::default()));
    let api: Vec<_> =
        routes.iter().filter(|r| r.path.starts_with("/api/v1/") && !r.path.ends_with("openapi.json")).collect();
    assert!(api.len() >= 5);
    for route in api {
        let method = route.method.to_lowercase();
        assert!(document["paths"][&route.path][&method].is_object(), "{} {} is documented", route.method, route.path);
    }
    assert!(document["components"]["schemas"]["ApiFinding"].is_object());
    assert!(document["components"]["securitySchemes"]["bearer"].is_object());

    let file = common::temp_dir("openapi").join("openapi.json");
    std::fs::write(&file, &page.body).unwrap();
    let check = "import json, sys\nfrom openapi_spec_validator import validate\nvalidate(json.load(open(sys.argv[1])))";
    let out = std::process::Command::new("python3")
        .args(["-c", check, file.to_str().unwrap()])
        .output()
        .expect("python3 with openapi-spec-validator (scripts/test installs it)");
    assert!(out.status.success(), "the document validates: {}", String::from_utf8_lossy(&out.stderr));
}
