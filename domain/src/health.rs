//! Pod health per namespace, in kube-state-metrics' terms.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Node, Pod};
use serde::{Deserialize, Serialize};

/// Counts of pods by state in one namespace.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodHealth {
    pub pods: u32,
    pub running: u32,
    pub pending: u32,
    pub succeeded: u32,
    pub failed: u32,
    /// Pods with a container waiting in `CrashLoopBackOff`.
    pub crash_looping: u32,
    /// Pods with a container whose last termination was `OOMKilled`.
    pub oom_killed: u32,
    /// Container restarts summed over the namespace's pods.
    pub restarts: u32,
}

impl PodHealth {
    /// Pods that need attention: pending, failed or crash-looping.
    pub fn unhealthy(&self) -> u32 {
        self.pending + self.failed + self.crash_looping
    }

    pub(crate) fn add(&mut self, pod: &Pod) {
        self.pods += 1;
        let Some(status) = &pod.status else { return };
        match status.phase.as_deref() {
            Some("Running") => self.running += 1,
            Some("Pending") => self.pending += 1,
            Some("Succeeded") => self.succeeded += 1,
            Some("Failed") => self.failed += 1,
            _ => {}
        }
        let containers = status.container_statuses.iter().flatten();
        let mut crash_looping = false;
        let mut oom_killed = false;
        for c in containers {
            self.restarts = self.restarts.saturating_add(u32::try_from(c.restart_count).unwrap_or(0));
            let waiting = c.state.as_ref().and_then(|s| s.waiting.as_ref());
            crash_looping |= waiting.and_then(|w| w.reason.as_deref()) == Some("CrashLoopBackOff");
            let last = c.last_state.as_ref().and_then(|s| s.terminated.as_ref());
            oom_killed |= last.and_then(|t| t.reason.as_deref()) == Some("OOMKilled");
        }
        self.crash_looping += u32::from(crash_looping);
        self.oom_killed += u32::from(oom_killed);
    }
}

/// A node whose `Ready` condition is not `True`, with the kubelet's reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeProblem {
    pub node: String,
    /// `NodeStatusUnknown: Kubelet stopped posting node status.`, or why there is no reason.
    pub reason: String,
}

/// Every node that is not ready, by name.
pub fn not_ready_nodes(nodes: &[Node]) -> Vec<NodeProblem> {
    let mut problems: Vec<NodeProblem> = nodes
        .iter()
        .filter_map(|node| {
            let conditions = node.status.as_ref().and_then(|s| s.conditions.as_ref());
            let ready = conditions.into_iter().flatten().find(|c| c.type_ == "Ready");
            let reason = match ready {
                Some(c) if c.status == "True" => return None,
                Some(c) => {
                    let reason = c.reason.clone().unwrap_or_else(|| format!("Ready={}", c.status));
                    c.message.as_ref().map_or(reason.clone(), |m| format!("{reason}: {m}"))
                }
                None => "no Ready condition reported".to_string(),
            };
            Some(NodeProblem { node: node.metadata.name.clone().unwrap_or_default(), reason })
        })
        .collect();
    problems.sort_by(|a, b| a.node.cmp(&b.node));
    problems
}

/// Pod health of every namespace that has pods.
pub fn pod_health(pods: &[Pod]) -> BTreeMap<String, PodHealth> {
    let mut by_namespace: BTreeMap<String, PodHealth> = BTreeMap::new();
    for pod in pods {
        let ns = pod.metadata.namespace.clone().unwrap_or_default();
        by_namespace.entry(ns).or_default().add(pod);
    }
    by_namespace
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(phase: &str, waiting: Option<&str>, last: Option<&str>, restarts: i32) -> Pod {
        let mut state = json!({"running": {}});
        if let Some(reason) = waiting {
            state = json!({"waiting": {"reason": reason}});
        }
        let last_state = match last {
            Some(reason) => json!({"terminated": {"exitCode": 137, "reason": reason}}),
            None => json!({}),
        };
        serde_json::from_value(json!({
            "metadata": {"name": "p", "namespace": "ml"},
            "status": {"phase": phase, "containerStatuses": [{
                "name": "c", "image": "i", "imageID": "", "ready": waiting.is_none(),
                "restartCount": restarts, "state": state, "lastState": last_state
            }]}
        }))
        .unwrap()
    }

    #[test]
    fn counts_pods_by_state_and_sums_restarts() {
        let pods = vec![
            pod("Running", None, None, 0),
            pod("Running", Some("CrashLoopBackOff"), Some("OOMKilled"), 7),
            pod("Pending", None, None, 0),
            pod("Succeeded", None, None, 1),
        ];
        let health = &pod_health(&pods)["ml"];
        assert_eq!(health.pods, 4);
        assert_eq!(health.running, 2);
        assert_eq!(health.pending, 1);
        assert_eq!(health.crash_looping, 1);
        assert_eq!(health.oom_killed, 1);
        assert_eq!(health.restarts, 8);
        assert_eq!(health.unhealthy(), 2);
    }

    #[test]
    fn nodes_not_ready_are_named_with_the_kubelets_reason() {
        let node = |name: &str, ready: serde_json::Value| -> Node {
            serde_json::from_value(serde_json::json!({"metadata": {"name": name}, "status": {"conditions": ready}}))
                .unwrap()
        };
        let nodes = [
            node(
                "b",
                serde_json::json!([{"type": "Ready", "status": "Unknown", "reason": "NodeStatusUnknown",
                                          "message": "Kubelet stopped posting node status."}]),
            ),
            node("ok", serde_json::json!([{"type": "Ready", "status": "True"}])),
            node("a", serde_json::json!([{"type": "MemoryPressure", "status": "False"}])),
        ];
        let problems = not_ready_nodes(&nodes);
        assert_eq!(problems.len(), 2);
        assert_eq!(problems[0], NodeProblem { node: "a".into(), reason: "no Ready condition reported".into() });
        assert_eq!(problems[1].reason, "NodeStatusUnknown: Kubelet stopped posting node status.");
    }
}
