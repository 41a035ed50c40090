//! Reaching a cluster over TLS as a real one is reached: the simulator serves HTTPS with a
//! certificate of its own CA and requires a bearer token. A TLS failure is stored and shown
//! naming its cause and the server, and is not retried; a kubeconfig that trusts the server's
//! own self-signed certificate works, as with kubectl.

use crate::common;
use crate::common::collect::target_for;

use db::PgPool;
use server::collect::{CollectError, collect_once};

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn a_kubeconfig_with_the_wrong_ca_stores_an_error_naming_the_unknown_issuer_and_is_not_retried(pool: PgPool) {
    let cluster = common::small_cluster(20);
    let (server, mut target) = target_for(&cluster, "wrong-ca").await;
    let other = sim::tls::Credentials::generate(&["127.0.0.1".into()]).unwrap();
    let dir = common::temp_dir("wrong-ca");
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(&kubeconfig, sim::kubeconfig_with(&server.url(), &other.ca_pem, Some(&server.credentials.token)))
        .unwrap();
    target.kubeconfig = Some(kubeconfig);
    let error = collect_once(&pool, &target).await.unwrap_err();
    let CollectError::Tls { server: named, cause } = &error else { panic!("not a TLS error: {error}") };
    assert_eq!(named.trim_end_matches('/'), server.url());
    assert!(cause.contains("unknown issuer") && cause.contains("certificate-authority"), "{cause}");
    let stored = db::system::clusters(&pool).await.unwrap().into_iter().find(|c| c.name == "wrong-ca").unwrap();
    let last_error = stored.last_error.unwrap_or_default();
    assert!(last_error.contains("unknown issuer") && last_error.contains(&server.url()), "{last_error}");
    assert!(!last_error.contains("attempts"), "a certificate error is not retried: {last_error}");
}

/// Collects `cluster` from a simulator serving a self-signed certificate that the kubeconfig
/// trusts as its own CA.
async fn collect_self_signed(pool: &PgPool, name: &str, ca: bool) -> Result<i64, CollectError> {
    let cluster = common::small_cluster(20);
    let names = vec!["127.0.0.1".to_string(), "localhost".to_string()];
    let (cert_pem, key_pem) = sim::tls::self_signed(&names, ca).unwrap();
    let credentials =
        sim::tls::Credentials { ca_pem: cert_pem.clone(), cert_pem, key_pem, token: "leaf-token-0123456789".into() };
    let server = sim::serve_with(cluster.clone(), "127.0.0.1:0".parse().unwrap(), credentials).await.unwrap();
    let (_other, mut target) = target_for(&cluster, name).await;
    let kubeconfig = common::temp_dir(name).join("kubeconfig");
    std::fs::write(&kubeconfig, server.kubeconfig_yaml()).unwrap();
    target.kubeconfig = Some(kubeconfig);
    collect_once(pool, &target).await
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn a_kubeconfig_trusting_the_servers_own_self_signed_certificate_is_accepted(pool: PgPool) {
    collect_self_signed(&pool, "self-signed", false).await.unwrap();
    // Marked CA:TRUE, the same certificate cannot also be the server's own: the error says so.
    let error = collect_self_signed(&pool, "self-signed-ca", true).await.unwrap_err().to_string();
    assert!(error.contains("TLS handshake failed") && error.contains("CaUsedAsEndEntity"), "{error}");
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn without_the_token_the_simulator_refuses_as_an_api_server_does(pool: PgPool) {
    let cluster = common::small_cluster(20);
    let (server, mut target) = target_for(&cluster, "no-token").await;
    let dir = common::temp_dir("no-token");
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(&kubeconfig, sim::kubeconfig_with(&server.url(), &server.credentials.ca_pem, None)).unwrap();
    target.kubeconfig = Some(kubeconfig);
    let error = collect_once(&pool, &target).await.unwrap_err().to_string();
    assert!(error.contains("401") || error.contains("Unauthorized"), "{error}");
}
