//! Pod health per namespace, and the one definition of an unhealthy pod that every page, the
//! API and `/metrics` count by.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{ContainerStatus, Node};

use crate::pod::InventoryPod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// How long a pod may stay `Pending` (being scheduled, pulling images) before it is unhealthy.
pub const PENDING_GRACE_S: i64 = 5 * 60;
/// How long a running pod may be not `Ready` (starting, warming up) before it is unhealthy.
pub const NOT_READY_GRACE_S: i64 = 5 * 60;
/// How far back an OOM kill, an error exit or a failure makes a pod unhealthy: 24 hours. Restarts
/// are counted over the same window.
pub const RECENT_S: i64 = 24 * 3600;

/// Waiting reasons that are failures at once, not a start in progress.
pub const FAILING_WAIT_REASONS: &[&str] = &[
    "CrashLoopBackOff",
    "ImagePullBackOff",
    "ErrImagePull",
    "CreateContainerConfigError",
    "CreateContainerError",
    "InvalidImageName",
    "RunContainerError",
];

/// What "unhealthy" means, as the pages and the README state it. [`pod_problems`] is its code.
pub const UNHEALTHY_DEFINITION: &str = "A pod is unhealthy when one of its containers is waiting in \
CrashLoopBackOff, ImagePullBackOff, ErrImagePull, CreateContainerConfigError, CreateContainerError, \
InvalidImageName or RunContainerError; when it has been Pending for over 5 minutes; when it has been \
running but not Ready for over 5 minutes; or when, within the last 24 hours, it failed or one of its \
containers was OOM-killed or exited with an error. A workload is unhealthy when one of its pods is, \
or one of its Jobs failed within the last 24 hours. Restarts are those of the last 24 hours, from \
the collections in that window.";

/// Counts of pods by state in one namespace (or one workload), as of one observation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodHealth {
    pub pods: u32,
    pub running: u32,
    pub pending: u32,
    pub succeeded: u32,
    pub failed: u32,
    /// Pods unhealthy by [`UNHEALTHY_DEFINITION`]: those [`pod_problems`] finds a problem in.
    pub unhealthy: u32,
    /// Pods with a container waiting in `CrashLoopBackOff`.
    pub crash_looping: u32,
    /// Pods with a container OOM-killed within [`RECENT_S`].
    pub oom_killed: u32,
    /// Container restarts summed over the pods, since each pod started (cumulative: the store
    /// turns it into restarts within [`RECENT_S`] from its samples).
    pub restarts: u32,
}

impl PodHealth {
    /// Counts one pod as observed at `at` (`None`: no observation time, as in a manifest scan,
    /// where every problem counts however old).
    pub(crate) fn add(&mut self, pod: &InventoryPod, at: Option<Timestamp>) {
        self.pods += 1;
        let Some(status) = &pod.status else { return };
        match status.phase.as_deref() {
            Some("Running") => self.running += 1,
            Some("Pending") => self.pending += 1,
            Some("Succeeded") => self.succeeded += 1,
            Some("Failed") => self.failed += 1,
            _ => {}
        }
        let mut crash_looping = false;
        let mut oom_killed = false;
        for c in containers(pod) {
            self.restarts = self.restarts.saturating_add(u32::try_from(c.restart_count).unwrap_or(0));
            crash_looping |= waiting_reason(c) == Some("CrashLoopBackOff");
            let last = c.last_state.as_ref().and_then(|s| s.terminated.as_ref());
            oom_killed |=
                last.is_some_and(|t| t.reason.as_deref() == Some("OOMKilled") && recent(t.finished_at.as_ref(), at));
        }
        self.crash_looping += u32::from(crash_looping);
        self.oom_killed += u32::from(oom_killed);
        self.unhealthy += u32::from(!pod_problems(pod, at).is_empty());
    }
}

/// Why a pod is unhealthy at `at`, distinct and readable (`CrashLoopBackOff`, `OOMKilled in the
/// last 24 h`, `Unschedulable: 0/4 nodes are available: …`); empty when it is healthy. This is
/// [`UNHEALTHY_DEFINITION`] in code. With no `at`, every problem counts however old.
pub fn pod_problems(pod: &InventoryPod, at: Option<Timestamp>) -> Vec<String> {
    let Some(status) = &pod.status else { return Vec::new() };
    let mut problems: Vec<String> = Vec::new();
    let window = if at.is_some() { " in the last 24 h" } else { "" };
    for c in containers(pod) {
        if let Some(reason) = waiting_reason(c).filter(|r| FAILING_WAIT_REASONS.contains(r)) {
            push_distinct(&mut problems, reason.to_string());
        }
        let Some(last) = c.last_state.as_ref().and_then(|s| s.terminated.as_ref()) else { continue };
        if !recent(last.finished_at.as_ref(), at) {
            continue;
        }
        match last.reason.as_deref() {
            Some("OOMKilled") => push_distinct(&mut problems, format!("OOMKilled{window}")),
            reason if last.exit_code != 0 => {
                let problem = format!("exited with {}{window}", reason.unwrap_or("an error"));
                push_distinct(&mut problems, problem);
            }
            _ => {}
        }
    }
    let conditions = status.conditions.iter().flatten();
    match status.phase.as_deref() {
        Some("Pending")
            if problems.is_empty() && older_than(pod.metadata.creation_timestamp.as_ref(), at, PENDING_GRACE_S) =>
        {
            let unscheduled = conditions.clone().find(|c| c.type_ == "PodScheduled" && c.status == "False");
            problems.push(match unscheduled {
                Some(c) => {
                    let reason = c.reason.clone().unwrap_or_else(|| "Unschedulable".into());
                    c.message.as_ref().map_or(reason.clone(), |m| format!("{reason}: {m}"))
                }
                None => "Pending for over 5 minutes".into(),
            });
        }
        Some("Failed") => {
            let finished = containers(pod)
                .filter_map(|c| c.state.as_ref()?.terminated.as_ref()?.finished_at.as_ref())
                .max_by_key(|t| t.0);
            if recent(finished, at) {
                problems.push(format!("failed: {}", status.reason.as_deref().unwrap_or("Failed")));
            }
        }
        Some("Running") if problems.is_empty() => {
            let ready = conditions.clone().find(|c| c.type_ == "Ready");
            if let Some(c) = ready.filter(|c| c.status != "True")
                && older_than(c.last_transition_time.as_ref(), at, NOT_READY_GRACE_S)
            {
                problems.push("not Ready for over 5 minutes".into());
            }
        }
        _ => {}
    }
    problems
}

/// Adds `problem` to `problems` unless it is there already.
pub fn push_distinct(problems: &mut Vec<String>, problem: String) {
    if !problems.contains(&problem) {
        problems.push(problem);
    }
}

/// Init and app container statuses of a pod.
fn containers(pod: &InventoryPod) -> impl Iterator<Item = &ContainerStatus> {
    let status = pod.status.as_ref();
    let init = status.and_then(|s| s.init_container_statuses.as_ref());
    let main = status.and_then(|s| s.container_statuses.as_ref());
    init.into_iter().flatten().chain(main.into_iter().flatten())
}

fn waiting_reason(c: &ContainerStatus) -> Option<&str> {
    c.state.as_ref()?.waiting.as_ref()?.reason.as_deref()
}

/// Whether `t` is within [`RECENT_S`] of `at`; an unknown time or no `at` counts as recent.
pub fn recent(t: Option<&Time>, at: Option<Timestamp>) -> bool {
    seconds_between(t, at).is_none_or(|s| s <= RECENT_S)
}

/// Whether more than `grace` seconds passed from `t` to `at`; an unknown time counts as long ago.
fn older_than(t: Option<&Time>, at: Option<Timestamp>, grace: i64) -> bool {
    seconds_between(t, at).is_none_or(|s| s > grace)
}

fn seconds_between(t: Option<&Time>, at: Option<Timestamp>) -> Option<i64> {
    Some(at?.as_second() - t?.0.as_second())
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
pub fn pod_health(pods: &[InventoryPod], at: Option<Timestamp>) -> BTreeMap<String, PodHealth> {
    let mut by_namespace: BTreeMap<String, PodHealth> = BTreeMap::new();
    for pod in pods {
        let ns = pod.metadata.namespace.clone().unwrap_or_default();
        by_namespace.entry(ns).or_default().add(pod, at);
    }
    by_namespace
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(phase: &str, waiting: Option<&str>, last: Option<&str>, restarts: i32) -> k8s_openapi::api::core::v1::Pod {
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
        let pods = crate::pod::Pods::from(pods);
        let health = &pod_health(&pods, None)["ml"];
        assert_eq!(health.pods, 4);
        assert_eq!(health.running, 2);
        assert_eq!(health.pending, 1);
        assert_eq!(health.crash_looping, 1);
        assert_eq!(health.oom_killed, 1);
        assert_eq!(health.restarts, 8);
        assert_eq!(health.unhealthy, 2);
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
