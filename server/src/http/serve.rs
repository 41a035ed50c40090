//! Serving the dashboard: plain HTTP, or HTTPS through rustls when a certificate and key are
//! configured. Either way in-flight requests finish on shutdown, and handlers see the peer
//! address (for trusted-proxy checks, rate limiting and the audit log).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

pub use super::state::ServeOptions;
use super::state::ServerState;
use crate::auth::Auth;
use crate::config::TlsConfig;
use crate::shutdown::Shutdown;

/// How long in-flight requests may take to finish once shutdown is requested.
pub const GRACE_PERIOD: Duration = Duration::from_secs(15);

/// Binds `listen`, saying clearly what could not be bound.
pub async fn bind(listen: &str) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))
}

/// The base URL users reach a listener at.
pub fn base_url(listener: &tokio::net::TcpListener, tls: Option<&TlsConfig>) -> anyhow::Result<String> {
    let scheme = if tls.is_some() { "https" } else { "http" };
    Ok(format!("{scheme}://{}", listener.local_addr()?))
}

/// Serves the dashboard on `listener` until shutdown.
pub async fn serve(
    listener: tokio::net::TcpListener,
    auth: Arc<Auth>,
    tls: Option<TlsConfig>,
    options: ServeOptions,
    shutdown: Shutdown,
) -> anyhow::Result<()> {
    super::files::static_dir().map_err(anyhow::Error::msg)?;
    let router = super::router::app(ServerState::new(auth, options));
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    eprintln!("Rampart is serving {}", base_url(&listener, tls.as_ref())?);
    let Some(tls) = tls else {
        return axum::serve(listener, service)
            .with_graceful_shutdown(shutdown.requested())
            .await
            .context("HTTP server failed");
    };
    let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(&tls.cert, &tls.key)
        .await
        .with_context(|| format!("cannot load TLS certificate {} and key {}", tls.cert.display(), tls.key.display()))?;
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        shutdown.requested().await;
        stopper.graceful_shutdown(Some(GRACE_PERIOD));
    });
    axum_server::from_tcp_rustls(listener.into_std()?, config)?
        .handle(handle)
        .serve(service)
        .await
        .context("HTTPS server failed")
}
