//! HTTPS with rustls when a certificate and key are configured: HSTS is sent and the session
//! cookie is `Secure`.

use crate::common;

use std::sync::Arc;

use db::PgPool;
use server::config::{AuthMode, TlsConfig};

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn with_a_certificate_the_dashboard_is_served_over_https_with_hsts_and_secure_cookies(pool: PgPool) {
    let dir = common::temp_dir("tls");
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap().self_signed(&key).unwrap();
    let tls = TlsConfig { cert: dir.join("cert.pem"), key: dir.join("key.pem") };
    std::fs::write(&tls.cert, cert.pem()).unwrap();
    std::fs::write(&tls.key, key.serialize_pem()).unwrap();
    let mut config = common::web::config(Some(AuthMode::Local));
    config.tls = Some(tls.clone());
    let tls = tls.clone();
    let auth = Arc::new(server::auth::Auth::from_config(&config, pool.clone()).unwrap());
    let listener = server::http::serve::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (stop, shutdown) = server::shutdown::channel();
    let serving = tokio::spawn(server::http::serve::serve(listener, auth, Some(tls), Default::default(), shutdown));

    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert.pem().as_bytes()).unwrap())
        .resolve("localhost", ([127, 0, 0, 1], port).into())
        .build()
        .unwrap();
    let response = client.get(format!("https://localhost:{port}/login")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["strict-transport-security"], "max-age=31536000; includeSubDomains");
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("Secure") && cookie.contains("HttpOnly"), "{cookie}");

    stop.send(true).unwrap();
    serving.await.unwrap().unwrap();
}
