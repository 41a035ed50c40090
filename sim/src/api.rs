//! The simulated cluster's requests, answered in the Kubernetes API's own shapes: discovery
//! (see [`crate::discovery`]), `list` and `get` for every kind the simulator holds
//! (cluster-wide and per namespace, with `limit`/`continue` pagination, label and field
//! selectors and `resourceVersion`), metadata-only lists, errors as `Status` JSON, 401 without
//! the token, 405 for writes, injected faults, and the pod proxy to dcgm-exporter pods. The
//! socket and its credentials are [`crate::server`]'s.

use std::collections::HashMap;

use axum::Router;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::discovery::{ResourceType, find, group_list, resource_list};
use crate::faults::{Injected, is_pod_proxy, listed_plural};
use crate::model::SharedCluster;
use crate::selectors::{FieldSelector, LabelSelector};

/// What every request is answered from: the cluster, and the token requests must carry
/// (`None`: no authentication, for tests that drive the router in-process).
#[derive(Clone)]
pub(crate) struct ApiState {
    pub(crate) cluster: SharedCluster,
    pub(crate) token: Option<std::sync::Arc<str>>,
}

/// The simulated API server as a router without authentication, for tests that drive it
/// without a socket.
pub fn router(cluster: SharedCluster) -> Router {
    Router::new().fallback(handle).with_state(ApiState { cluster, token: None })
}

fn status(code: StatusCode, reason: &str, message: String) -> Response {
    let body = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                      "message": message, "reason": reason, "code": code.as_u16()});
    (code, axum::Json(body)).into_response()
}

fn not_found(what: &str) -> Response {
    status(StatusCode::NOT_FOUND, "NotFound", format!("the server could not find the requested resource ({what})"))
}

/// Answers one request as the API server would.
pub(crate) async fn handle(
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
        [] => resource_list(&group_version)
            .map(|list| axum::Json(list).into_response())
            .unwrap_or_else(|| not_found(&group_version)),
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
                let all = cluster.objects(rt.objects);
                // Each page of a large unfiltered list reads only its own objects: filtering
                // every object for every page made listing 100k pods quadratic.
                let items: Vec<&Value> = if namespace.is_none() && labels.is_empty() && fields.is_empty() {
                    all.iter().collect()
                } else {
                    all.iter()
                        .filter(|o| namespace.is_none_or(|ns| o["metadata"]["namespace"] == ns))
                        .filter(|o| labels.matches(o) && fields.matches(o))
                        .collect()
                };
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

/// A Prometheus text answer.
pub(crate) fn metrics(text: String) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
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
