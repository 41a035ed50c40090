//! Faults the simulated API server injects on request, so that the collector's handling of a
//! misbehaving API server is tested through the real `kube::Client`: set them on
//! [`Cluster::faults`](crate::Cluster::faults).

use std::collections::BTreeSet;
use std::time::Duration;

/// What the API server should get wrong. Counters are used up one request at a time.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Kinds (plural resource names, `networkpolicies`) whose lists answer 403 Forbidden, as for
    /// a role without `list` on them; `pods/proxy` forbids the pod proxy to dcgm-exporters.
    pub forbidden: BTreeSet<String>,
    /// Kinds the server does not serve at all: 404, as for an API group it lacks.
    pub unserved: BTreeSet<String>,
    /// The next this-many list requests answer 500 Internal Server Error.
    pub server_errors: u32,
    /// The next this-many list requests break off in the middle of the body, as when the
    /// connection is reset mid-page.
    pub resets: u32,
    /// The next this-many list requests answer a body of the wrong shape.
    pub wrong_shape: u32,
    /// The next this-many list requests that carry a `continue` token answer 410 Gone, as when
    /// the token has expired.
    pub expired_continue: u32,
    /// Every request waits this long before it is answered.
    pub delay: Duration,
    /// dcgm-exporters report without pod attribution, as without their Kubernetes mode.
    pub gpus_unattributed: bool,
    /// Requests through the pod proxy never get an answer, as from an exporter that hangs.
    pub pod_proxy_hangs: bool,
    /// API groups (`metrics.k8s.io`) answering every request with this status: 503 as an
    /// aggregated API whose APIService is unavailable (`FailedDiscoveryCheck`), or 500.
    pub failing_groups: std::collections::BTreeMap<String, u16>,
    /// Kinds (plurals) whose every list page waits this long before it is answered.
    pub slow_pages: std::collections::BTreeMap<String, Duration>,
}

/// How long a hanging request waits: longer than any test or collection runs.
pub(crate) const HANG: Duration = Duration::from_secs(3600);

/// The fault one list request gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Injected {
    Forbidden,
    Unserved,
    ServerError,
    Reset,
    WrongShape,
    Gone,
}

impl Faults {
    /// The fault for a list of `plural` (using up a counter), if any.
    pub(crate) fn for_list(&mut self, plural: &str, has_continue: bool) -> Option<Injected> {
        let take = |counter: &mut u32| {
            let due = *counter > 0;
            *counter = counter.saturating_sub(1);
            due
        };
        if self.forbidden.contains(plural) {
            Some(Injected::Forbidden)
        } else if self.unserved.contains(plural) {
            Some(Injected::Unserved)
        } else if has_continue && take(&mut self.expired_continue) {
            Some(Injected::Gone)
        } else if take(&mut self.server_errors) {
            Some(Injected::ServerError)
        } else if take(&mut self.resets) {
            Some(Injected::Reset)
        } else if take(&mut self.wrong_shape) {
            Some(Injected::WrongShape)
        } else {
            None
        }
    }
}

/// The resource plural a request lists, if it is a list request.
/// True for a request through the pod proxy (`…/namespaces/NS/pods/NAME/proxy/…`).
pub(crate) fn is_pod_proxy(segments: &[&str]) -> bool {
    matches!(segments, ["api", "v1", "namespaces", _, "pods", _, "proxy", ..])
}

pub(crate) fn listed_plural<'a>(segments: &[&'a str]) -> Option<&'a str> {
    let rest = match segments {
        ["api", "v1", rest @ ..] => rest,
        ["apis", _, _, rest @ ..] => rest,
        _ => return None,
    };
    match rest {
        [plural] | ["namespaces", _, plural] => Some(plural),
        _ => None,
    }
}
