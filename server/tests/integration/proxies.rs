//! Collection through the proxies corporate networks put between Rampart and a cluster, real
//! ones from Debian's packages started by the test: tinyproxy (HTTP CONNECT) and microsocks
//! (SOCKS5). The proxy is chosen as kubectl chooses it: the kubeconfig's `proxy-url`, else
//! `HTTPS_PROXY` unless `NO_PROXY` covers the server.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common;
use crate::common::collect::target_for;
use crate::common::process::Process;

use db::PgPool;
use server::collect::collect_once;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Waits until something listens on `port` of loopback; panics after ten seconds.
async fn listening(port: u16, what: &str) {
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} did not start listening on port {port}");
}

/// tinyproxy on a free loopback port, logging every CONNECT to `dir/tinyproxy.log`.
async fn tinyproxy(dir: &std::path::Path) -> (Process, u16) {
    let port = free_port();
    let log = dir.join("tinyproxy.log");
    let config = format!(
        "Port {port}\nListen 127.0.0.1\nTimeout 30\nLogFile \"{}\"\nLogLevel Connect\nMaxClients 20\nAllow 127.0.0.1\n",
        log.display()
    );
    std::fs::write(dir.join("tinyproxy.conf"), config).unwrap();
    let child = Command::new("tinyproxy")
        .args(["-d", "-c"])
        .arg(dir.join("tinyproxy.conf"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("tinyproxy is installed (Debian package tinyproxy; scripts/test installs it)");
    let process = Process(child);
    listening(port, "tinyproxy").await;
    (process, port)
}

/// microsocks on a free loopback port, its connection log in `dir/microsocks.log`.
async fn microsocks(dir: &std::path::Path) -> (Process, u16) {
    let port = free_port();
    let log = std::fs::File::create(dir.join("microsocks.log")).unwrap();
    let child = Command::new("microsocks")
        .args(["-i", "127.0.0.1", "-p", &port.to_string()])
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("microsocks is installed (Debian package microsocks; scripts/test installs it)");
    let process = Process(child);
    listening(port, "microsocks").await;
    (process, port)
}

/// `kubeconfig` with `proxy-url: proxy` on its cluster.
fn with_proxy_url(kubeconfig: &str, proxy: &str) -> String {
    let server_line = kubeconfig.lines().find(|l| l.trim_start().starts_with("server: ")).unwrap();
    kubeconfig.replacen(server_line, &format!("{server_line}\n    proxy-url: {proxy}"), 1)
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn a_kubeconfig_proxy_url_through_tinyproxy_and_through_microsocks_collects(pool: PgPool) {
    let cluster = common::small_cluster(40);
    let dir = common::temp_dir("proxies");
    let (server, mut target) = target_for(&cluster, "behind-proxy").await;
    let (_tinyproxy, http_port) = tinyproxy(&dir).await;
    let (_microsocks, socks_port) = microsocks(&dir).await;
    for (proxy, log) in [
        (format!("http://127.0.0.1:{http_port}"), "tinyproxy.log"),
        (format!("socks5://127.0.0.1:{socks_port}"), "microsocks.log"),
    ] {
        let kubeconfig = dir.join(format!("{log}.kubeconfig"));
        std::fs::write(&kubeconfig, with_proxy_url(&server.kubeconfig_yaml(), &proxy)).unwrap();
        target.kubeconfig = Some(kubeconfig);
        collect_once(&pool, &target).await.unwrap_or_else(|e| panic!("through {proxy}: {e}"));
        let logged = std::fs::read_to_string(dir.join(log)).unwrap_or_default();
        assert!(
            logged.contains(&server.addr.port().to_string()),
            "{log} shows the connection to the API server: {logged}"
        );
    }
}

/// An address of this machine other than loopback, which kubectl (and Rampart) would reach
/// through `HTTPS_PROXY`: loopback is never proxied.
fn non_loopback_address() -> std::net::IpAddr {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").unwrap();
    // No packet is sent: connecting a UDP socket only picks the route and its source address.
    socket.connect("192.0.2.1:9").or_else(|_| socket.connect("10.255.255.1:9")).expect("a route off loopback");
    let address = socket.local_addr().unwrap().ip();
    assert!(!address.is_loopback(), "this machine has an address off loopback to serve the simulator on");
    address
}

/// `rampart collect --once` of the cluster at `kubeconfig`, with the proxy variables `env`.
async fn collect_with_env(kubeconfig: &std::path::Path, database_url: &str, env: &[(&str, String)]) -> (bool, String) {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_rampart"));
    command
        .args(["collect", "--once", "--cluster-name", "env-proxy", "--kubeconfig"])
        .arg(kubeconfig)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "error");
    for name in
        ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"]
    {
        command.env_remove(name);
    }
    command.envs(env.iter().map(|(k, v)| (*k, v.as_str())));
    let out = command.output().await.unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[sqlx::test(migrator = "db::MIGRATOR")]
async fn https_proxy_is_honoured_and_no_proxy_bypasses_it_as_with_kubectl(pool: PgPool) {
    let cluster = common::small_cluster(30);
    let dir = common::temp_dir("env-proxy");
    let address = non_loopback_address();
    let server = sim::serve(cluster.clone(), std::net::SocketAddr::new(address, 0)).await.unwrap();
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(&kubeconfig, server.kubeconfig_yaml()).unwrap();
    let database_url = common::url_for(&pool).await;
    let (_tinyproxy, port) = tinyproxy(&dir).await;

    let (ok, stderr) =
        collect_with_env(&kubeconfig, &database_url, &[("HTTPS_PROXY", format!("http://127.0.0.1:{port}"))]).await;
    assert!(ok, "through HTTPS_PROXY: {stderr}");
    let logged = std::fs::read_to_string(dir.join("tinyproxy.log")).unwrap_or_default();
    assert!(logged.contains(&format!("{address}")) && logged.contains("CONNECT"), "tinyproxy relayed it: {logged}");

    // A proxy that is not there: used unless NO_PROXY covers the server.
    let dead = format!("http://127.0.0.1:{}", free_port());
    let (ok, stderr) = collect_with_env(&kubeconfig, &database_url, &[("HTTPS_PROXY", dead.clone())]).await;
    assert!(!ok, "the dead proxy is used: {stderr}");
    let bypass = [("HTTPS_PROXY", dead), ("NO_PROXY", format!("example.com,{address}"))];
    let (ok, stderr) = collect_with_env(&kubeconfig, &database_url, &bypass).await;
    assert!(ok, "NO_PROXY bypasses the proxy: {stderr}");
}
