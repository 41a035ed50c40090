//! The simulated API server on a socket: HTTPS with its own credentials and a bearer token,
//! dcgm-exporter's `/metrics` beside it over plain HTTP, and kubeconfigs that reach it.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;

use crate::api::{ApiState, handle, metrics};
use crate::model::SharedCluster;
use crate::tls::Credentials;

/// A running simulated API server; stops when dropped. It serves HTTPS with a certificate
/// of its own CA and answers only requests that carry its bearer token, as a real API server
/// does; dcgm-exporter's `/metrics` is served apart, over plain HTTP, as the exporter itself
/// serves it.
pub struct SimServer {
    /// The address the API server listens on.
    pub addr: SocketAddr,
    /// The address of the dcgm-exporter `/metrics` endpoint (plain HTTP), for a Prometheus.
    pub exporter_addr: SocketAddr,
    /// The CA, serving certificate and token.
    pub credentials: Credentials,
    handles: Vec<tokio::task::JoinHandle<()>>,
}

impl SimServer {
    /// The base URL (`https://127.0.0.1:PORT`).
    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// A kubeconfig whose one context reaches this server, trusting its CA and sending its
    /// token.
    pub fn kubeconfig_yaml(&self) -> String {
        kubeconfig_with(&self.url(), &self.credentials.ca_pem, Some(&self.credentials.token))
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        for handle in &self.handles {
            handle.abort();
        }
    }
}

/// Serves `cluster` on `addr` (use port 0 for an ephemeral port) over HTTPS, with fresh
/// credentials whose certificate names `localhost`, `127.0.0.1` and `addr`'s IP.
pub async fn serve(cluster: SharedCluster, addr: SocketAddr) -> std::io::Result<SimServer> {
    let mut names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
    if !addr.ip().is_unspecified() && !names.contains(&addr.ip().to_string()) {
        names.push(addr.ip().to_string());
    }
    let credentials = Credentials::generate(&names).map_err(std::io::Error::other)?;
    serve_with(cluster, addr, credentials).await
}

/// Serves `cluster` on `addr` with the given credentials (a test may bring a certificate of
/// its own).
pub async fn serve_with(
    cluster: SharedCluster,
    addr: SocketAddr,
    credentials: Credentials,
) -> std::io::Result<SimServer> {
    let listener = std::net::TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let tls = axum_server::tls_rustls::RustlsConfig::from_pem(
        credentials.cert_pem.clone().into_bytes(),
        credentials.key_pem.clone().into_bytes(),
    )
    .await?;
    let state = ApiState { cluster: cluster.clone(), token: Some(credentials.token.clone().into()) };
    let app = Router::new().fallback(handle).with_state(state);
    let server = axum_server::from_tcp_rustls(listener, tls)?;
    let api = tokio::spawn(async move {
        if let Err(error) = server.serve(app.into_make_service()).await {
            tracing::error!(%error, "simulated API server stopped");
        }
    });
    let exporter_listener = tokio::net::TcpListener::bind((addr.ip(), 0)).await?;
    let exporter_addr = exporter_listener.local_addr()?;
    let exporter_app = Router::new().fallback(exporter_metrics).with_state(cluster);
    let exporter = tokio::spawn(async move {
        if let Err(error) = axum::serve(exporter_listener, exporter_app).await {
            tracing::error!(%error, "simulated dcgm-exporter stopped");
        }
    });
    Ok(SimServer { addr, exporter_addr, credentials, handles: vec![api, exporter] })
}

/// dcgm-exporter's own endpoint: every GPU's metrics at `/metrics`.
async fn exporter_metrics(State(cluster): State<SharedCluster>, uri: Uri) -> Response {
    if uri.path() != "/metrics" {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    match cluster.read() {
        Ok(cluster) => metrics(cluster.dcgm_metrics(None)),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "simulator state poisoned").into_response(),
    }
}

/// A kubeconfig without credentials whose one context points at `server_url` (for a server
/// that is not there: an unreachable cluster).
pub fn kubeconfig_yaml(server_url: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: rampart-sim\n  cluster:\n    server: {server_url}\n\
         contexts:\n- name: rampart-sim\n  context:\n    cluster: rampart-sim\n    user: rampart-sim\n\
         current-context: rampart-sim\nusers:\n- name: rampart-sim\n  user: {{}}\n"
    )
}

/// A kubeconfig trusting `ca_pem` for `server_url` and sending `token`.
pub fn kubeconfig_with(server_url: &str, ca_pem: &str, token: Option<&str>) -> String {
    let ca = base64::engine::general_purpose::STANDARD.encode(ca_pem);
    let user = token.map_or_else(|| "{}".to_string(), |t| format!("\n    token: {t}"));
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: rampart-sim\n  cluster:\n    server: {server_url}\n    \
         certificate-authority-data: {ca}\ncontexts:\n- name: rampart-sim\n  context:\n    cluster: rampart-sim\n    \
         user: rampart-sim\ncurrent-context: rampart-sim\nusers:\n- name: rampart-sim\n  user: {user}\n"
    )
}
