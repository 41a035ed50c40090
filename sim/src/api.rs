//! The simulated cluster over HTTP, in the Kubernetes API's own shapes: discovery, `list` and
//! `get` for every kind the simulator holds (cluster-wide and per namespace, with
//! `limit`/`continue` pagination and `resourceVersion`), metadata-only lists, errors as `Status`
//! JSON, the pod proxy to dcgm-exporter pods, and a plain dcgm-exporter `/metrics` endpoint.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use base64::Engine as _;

use crate::faults::{Injected, is_pod_proxy, listed_plural};
use crate::model::SharedCluster;
use crate::selectors::{FieldSelector, LabelSelector};
use crate::tls::Credentials;

/// One kind the simulated API server serves.
struct ResourceType {
    group_version: &'static str,
    plural: &'static str,
    kind: &'static str,
    namespaced: bool,
    /// Where the simulator keeps its objects: the plural, unless another group's kind has it.
    objects: &'static str,
}

const fn rt(group_version: &'static str, plural: &'static str, kind: &'static str, namespaced: bool) -> ResourceType {
    ResourceType { group_version, plural, kind, namespaced, objects: plural }
}

const RESOURCES: &[ResourceType] = &[
    rt("v1", "namespaces", "Namespace", false),
    rt("v1", "nodes", "Node", false),
    rt("v1", "pods", "Pod", true),
    rt("v1", "services", "Service", true),
    rt("v1", "configmaps", "ConfigMap", true),
    rt("v1", "secrets", "Secret", true),
    rt("v1", "serviceaccounts", "ServiceAccount", true),
    rt("v1", "resourcequotas", "ResourceQuota", true),
    rt("v1", "limitranges", "LimitRange", true),
    rt("v1", "replicationcontrollers", "ReplicationController", true),
    rt("v1", "persistentvolumes", "PersistentVolume", false),
    rt("v1", "persistentvolumeclaims", "PersistentVolumeClaim", true),
    rt("apps/v1", "deployments", "Deployment", true),
    rt("apps/v1", "statefulsets", "StatefulSet", true),
    rt("apps/v1", "daemonsets", "DaemonSet", true),
    rt("apps/v1", "replicasets", "ReplicaSet", true),
    rt("batch/v1", "jobs", "Job", true),
    rt("batch/v1", "cronjobs", "CronJob", true),
    rt("networking.k8s.io/v1", "ingresses", "Ingress", true),
    rt("networking.k8s.io/v1", "networkpolicies", "NetworkPolicy", true),
    rt("rbac.authorization.k8s.io/v1", "roles", "Role", true),
    rt("rbac.authorization.k8s.io/v1", "rolebindings", "RoleBinding", true),
    rt("rbac.authorization.k8s.io/v1", "clusterroles", "ClusterRole", false),
    rt("rbac.authorization.k8s.io/v1", "clusterrolebindings", "ClusterRoleBinding", false),
    rt("aquasecurity.github.io/v1alpha1", "vulnerabilityreports", "VulnerabilityReport", true),
    rt("aquasecurity.github.io/v1alpha1", "configauditreports", "ConfigAuditReport", true),
    rt("aquasecurity.github.io/v1alpha1", "exposedsecretreports", "ExposedSecretReport", true),
    ResourceType {
        group_version: "metrics.k8s.io/v1beta1",
        plural: "pods",
        kind: "PodMetrics",
        namespaced: true,
        objects: "podmetrics",
    },
];

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

/// What every request is answered from: the cluster, and the token requests must carry
/// (`None`: no authentication, for tests that drive the router in-process).
#[derive(Clone)]
struct ApiState {
    cluster: SharedCluster,
    token: Option<std::sync::Arc<str>>,
}

/// The simulated API server as a router without authentication, for tests that drive it
/// without a socket.
pub fn router(cluster: SharedCluster) -> Router {
    Router::new().fallback(handle).with_state(ApiState { cluster, token: None })
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

fn status(code: StatusCode, reason: &str, message: String) -> Response {
    let body = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                      "message": message, "reason": reason, "code": code.as_u16()});
    (code, axum::Json(body)).into_response()
}

fn not_found(what: &str) -> Response {
    status(StatusCode::NOT_FOUND, "NotFound", format!("the server could not find the requested resource ({what})"))
}

async fn handle(
    State(ApiState { cluster, token }): State<ApiState>,
    method: axum::http::Method,
    uri: Uri,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    if let Some(token) = &token {
        let presented = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        if presented.and_then(|v| v.strip_prefix("Bearer ")) != Some(token) {
            return status(StatusCode::UNAUTHORIZED, "Unauthorized", "Unauthorized".into());
        }
    }
    // The simulator is read-only: every other verb is refused as a real server refuses a
    // method it does not allow on the resource.
    if method != axum::http::Method::GET {
        return status(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource".into(),
        );
    }
    let segments: Vec<&str> = uri.path().trim_matches('/').split('/').collect();
    let user_agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("(none)").to_string();
    let group = match segments.as_slice() {
        ["apis", group, ..] => Some(*group),
        _ => None,
    };
    let (delay, fault, failing_group, hang) = match cluster.write() {
        Ok(mut cluster) => {
            cluster.user_agents.insert(user_agent);
            let has_continue = params.get("continue").is_some_and(|t| !t.is_empty());
            let plural = listed_plural(&segments);
            let fault = plural.and_then(|plural| cluster.faults.for_list(plural, has_continue));
            let proxy = is_pod_proxy(&segments);
            let proxy_forbidden = proxy && cluster.faults.forbidden.contains("pods/proxy");
            let faults = &cluster.faults;
            let failing_group = group.and_then(|g| faults.failing_groups.get(g).copied());
            let slow_page = plural.and_then(|p| faults.slow_pages.get(p).copied()).unwrap_or_default();
            let hang = proxy && faults.pod_proxy_hangs;
            (faults.delay + slow_page, fault.or(proxy_forbidden.then_some(Injected::Forbidden)), failing_group, hang)
        }
        Err(_) => (std::time::Duration::ZERO, None, None, false),
    };
    if hang {
        tokio::time::sleep(crate::faults::HANG).await;
    }
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if let Some(code) = failing_group {
        return match code {
            503 => status(
                StatusCode::SERVICE_UNAVAILABLE,
                "ServiceUnavailable",
                "the server is currently unable to handle the request".into(),
            ),
            code => status(
                StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                "InternalError",
                format!("injected error {code} for API group {}", group.unwrap_or_default()),
            ),
        };
    }
    match fault {
        Some(Injected::Forbidden) => {
            let what = listed_plural(&segments).unwrap_or("pods/proxy");
            return status(StatusCode::FORBIDDEN, "Forbidden", format!("{what} is forbidden: cannot list resource"));
        }
        Some(Injected::Unserved) => return not_found(uri.path()),
        Some(Injected::ServerError) => {
            return status(StatusCode::INTERNAL_SERVER_ERROR, "InternalError", "injected server error".into());
        }
        Some(Injected::Gone) => {
            return status(StatusCode::GONE, "Expired", "the provided continue parameter is too old".into());
        }
        Some(Injected::WrongShape) => {
            return axum::Json(json!({"kind": "List", "apiVersion": "v1", "metadata": {}, "items": "not a list"}))
                .into_response();
        }
        Some(Injected::Reset) | None => {}
    }
    let response = answer(&cluster, &segments, &uri, &headers, &params);
    if fault == Some(Injected::Reset) { reset_mid_body(response).await } else { response }
}

/// Answers a request from the cluster's state.
fn answer(
    cluster: &SharedCluster,
    segments: &[&str],
    uri: &Uri,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
) -> Response {
    let Ok(cluster) = cluster.read() else {
        return status(StatusCode::INTERNAL_SERVER_ERROR, "InternalError", "simulator state poisoned".into());
    };
    let (group_version, rest) = match segments {
        ["version"] => {
            return axum::Json(json!({
                "major": "1", "minor": "35", "emulationMajor": "1", "emulationMinor": "35",
                "minCompatibilityMajor": "1", "minCompatibilityMinor": "34",
                "gitVersion": "v1.35.0", "gitCommit": "66452049f3d692768c39c797b21b793dce80314e",
                "gitTreeState": "clean", "buildDate": "2025-12-17T12:32:06Z", "goVersion": "go1.25.5",
                "compiler": "gc", "platform": "linux/amd64"
            }))
            .into_response();
        }
        ["api"] => {
            return axum::Json(json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}))
                .into_response();
        }
        ["apis"] => return axum::Json(group_list()).into_response(),
        ["api", "v1", rest @ ..] => ("v1".to_string(), rest),
        ["apis", group, version, rest @ ..] => (format!("{group}/{version}"), rest),
        _ => return not_found(uri.path()),
    };
    let (namespace, rest) = match rest {
        ["namespaces", ns, rest @ ..] if !rest.is_empty() => (Some(*ns), rest),
        _ => (None, rest),
    };
    let rv = cluster.resource_version();
    match rest {
        [] => resource_list(&group_version),
        [plural] => match find(&group_version, plural) {
            Some(rt) if namespace.is_none() || rt.namespaced => {
                let selectors = (
                    LabelSelector::parse(params.get("labelSelector").map_or("", String::as_str)),
                    FieldSelector::parse(params.get("fieldSelector").map_or("", String::as_str)),
                );
                let (labels, fields) = match selectors {
                    (Ok(labels), Ok(fields)) => (labels, fields),
                    (Err(why), _) | (_, Err(why)) => return status(StatusCode::BAD_REQUEST, "BadRequest", why),
                };
                let items: Vec<&Value> = cluster
                    .objects(rt.objects)
                    .iter()
                    .filter(|o| namespace.is_none_or(|ns| o["metadata"]["namespace"] == ns))
                    .filter(|o| labels.matches(o) && fields.matches(o))
                    .collect();
                list(rt, &items, rv, &params, &headers)
            }
            _ => not_found(uri.path()),
        },
        [plural, name] => match find(&group_version, plural) {
            Some(rt) => cluster
                .objects(rt.objects)
                .iter()
                .find(|o| {
                    o["metadata"]["name"] == *name
                        && (namespace.is_none() || o["metadata"]["namespace"] == namespace.unwrap_or(""))
                })
                .map(|o| axum::Json(o.clone()).into_response())
                .unwrap_or_else(|| not_found(&format!("{plural} {name:?}"))),
            None => not_found(uri.path()),
        },
        ["pods", name, "proxy", ..] => {
            let pod_name = name.split(':').next().unwrap_or(name);
            let namespace = namespace.unwrap_or("");
            if let Some(node) = cluster.exporter_node(namespace, pod_name) {
                return metrics(cluster.dcgm_metrics(Some(node)));
            }
            let exists = cluster
                .objects("pods")
                .iter()
                .any(|o| o["metadata"]["name"] == pod_name && o["metadata"]["namespace"] == namespace);
            if exists {
                status(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "ServiceUnavailable",
                    "no endpoint behind this pod proxy".into(),
                )
            } else {
                not_found(&format!("pods {pod_name:?}"))
            }
        }
        _ => not_found(uri.path()),
    }
}

/// The response's head and the first half of its body, then a broken connection.
async fn reset_mid_body(response: Response) -> Response {
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let half = bytes.slice(..bytes.len() / 2);
    let chunks: Vec<Result<axum::body::Bytes, std::io::Error>> =
        vec![Ok(half), Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "injected connection reset"))];
    let mut response = Response::from_parts(parts, Body::from_stream(futures_util::stream::iter(chunks)));
    response.headers_mut().remove(header::CONTENT_LENGTH);
    response
}

fn metrics(text: String) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

fn find(group_version: &str, plural: &str) -> Option<&'static ResourceType> {
    RESOURCES.iter().find(|r| r.group_version == group_version && r.plural == plural)
}

/// A list response, borrowing its items.
#[derive(serde::Serialize)]
struct ListBody<'a> {
    #[serde(rename = "apiVersion")]
    api_version: &'a str,
    kind: &'a str,
    metadata: Value,
    items: Vec<Untyped<'a>>,
}

/// An item of a list as a real API server sends it: without its own `kind` and `apiVersion`
/// (the list's say them).
struct Untyped<'a>(&'a Value);

impl serde::Serialize for Untyped<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let Some(fields) = self.0.as_object() else { return self.0.serialize(serializer) };
        let kept = fields.iter().filter(|(key, _)| *key != "kind" && *key != "apiVersion");
        let mut map = serializer.serialize_map(None)?;
        for (key, value) in kept {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

fn list(
    rt: &ResourceType,
    items: &[&Value],
    rv: u64,
    params: &HashMap<String, String>,
    headers: &HeaderMap,
) -> Response {
    let offset = match params.get("continue").filter(|t| !t.is_empty()) {
        None => 0,
        Some(token) => match token.parse::<usize>() {
            Ok(offset) => offset,
            Err(_) => {
                return status(StatusCode::BAD_REQUEST, "BadRequest", format!("invalid continue token {token:?}"));
            }
        },
    };
    let limit = params.get("limit").and_then(|l| l.parse::<usize>().ok()).filter(|&l| l > 0).unwrap_or(usize::MAX);
    let page: Vec<&Value> = items.iter().skip(offset).take(limit).copied().collect();
    let next = offset.saturating_add(page.len());
    let mut metadata = json!({"resourceVersion": rv.to_string()});
    if next < items.len() {
        metadata["continue"] = json!(next.to_string());
        metadata["remainingItemCount"] = json!(items.len() - next);
    }
    let metadata_only = headers
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.contains("as=PartialObjectMetadataList"));
    if metadata_only {
        let items: Vec<Value> = page
            .iter()
            .map(
                |o| json!({"apiVersion": "meta.k8s.io/v1", "kind": "PartialObjectMetadata", "metadata": o["metadata"]}),
            )
            .collect();
        let body = json!({"apiVersion": "meta.k8s.io/v1", "kind": "PartialObjectMetadataList", "metadata": metadata, "items": items});
        return axum::Json(body).into_response();
    }
    // Serialised straight from the stored objects: a page of 500 pods is not copied first.
    let kind = format!("{}List", rt.kind);
    let items = page.iter().map(|o| Untyped(o)).collect();
    axum::Json(ListBody { api_version: rt.group_version, kind: &kind, metadata, items }).into_response()
}

fn group_list() -> Value {
    let mut groups: Vec<&str> = RESOURCES.iter().map(|r| r.group_version).filter(|gv| gv.contains('/')).collect();
    groups.dedup();
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|gv| {
            let (group, version) = gv.split_once('/').unwrap_or((gv, ""));
            let v = json!({"groupVersion": gv, "version": version});
            json!({"name": group, "versions": [v], "preferredVersion": v})
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// The verbs a real API server lists for the kind (the simulator answers only `get` and
/// `list`, and refuses the others with 405).
fn verbs(r: &ResourceType) -> Vec<&'static str> {
    match r.group_version {
        "metrics.k8s.io/v1beta1" => vec!["get", "list"],
        _ => vec!["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
    }
}

/// The short names and categories a real API server (or the CRD) gives the kind.
fn discovery_names(plural: &str) -> (&'static [&'static str], &'static [&'static str]) {
    const ALL: &[&str] = &["all"];
    match plural {
        "namespaces" => (&["ns"], &[]),
        "nodes" => (&["no"], &[]),
        "pods" => (&["po"], ALL),
        "services" => (&["svc"], ALL),
        "configmaps" => (&["cm"], &[]),
        "serviceaccounts" => (&["sa"], &[]),
        "resourcequotas" => (&["quota"], &[]),
        "limitranges" => (&["limits"], &[]),
        "replicationcontrollers" => (&["rc"], ALL),
        "persistentvolumes" => (&["pv"], &[]),
        "persistentvolumeclaims" => (&["pvc"], &[]),
        "deployments" => (&["deploy"], ALL),
        "statefulsets" => (&["sts"], ALL),
        "daemonsets" => (&["ds"], ALL),
        "replicasets" => (&["rs"], ALL),
        "jobs" => (&[], ALL),
        "cronjobs" => (&["cj"], ALL),
        "ingresses" => (&["ing"], &[]),
        "networkpolicies" => (&["netpol"], &[]),
        "vulnerabilityreports" => (&["vuln", "vulns"], &[]),
        "configauditreports" => (&["configaudit", "configaudits"], &[]),
        "exposedsecretreports" => (&["exposedsecret", "exposedsecrets"], &[]),
        _ => (&[], &[]),
    }
}

fn resource_list(group_version: &str) -> Response {
    let resources: Vec<Value> = RESOURCES
        .iter()
        .filter(|r| r.group_version == group_version)
        .map(|r| {
            let (short_names, categories) = discovery_names(r.plural);
            let mut resource = json!({"name": r.plural, "singularName": r.kind.to_lowercase(), "namespaced": r.namespaced,
                "kind": r.kind, "verbs": verbs(r)});
            if !short_names.is_empty() {
                resource["shortNames"] = json!(short_names);
            }
            if !categories.is_empty() {
                resource["categories"] = json!(categories);
            }
            resource
        })
        .collect();
    if resources.is_empty() {
        return not_found(group_version);
    }
    axum::Json(
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources}),
    )
    .into_response()
}
