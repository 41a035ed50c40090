//! The one definition of an unhealthy pod (`domain::health::pod_problems`), case by case, as
//! observed at a fixed time.

use domain::health::{PENDING_GRACE_S, RECENT_S, UNHEALTHY_DEFINITION, pod_problems};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::jiff::Timestamp;
use serde_json::{Value, json};

/// The observation time of every case: 2026-12-02T12:00:00Z.
fn at() -> Timestamp {
    "2026-12-02T12:00:00Z".parse().unwrap()
}

/// RFC 3339 for `seconds` before [`at`].
fn ago(seconds: i64) -> String {
    Timestamp::from_second(at().as_second() - seconds).unwrap().to_string()
}

fn pod(created_ago: i64, status: Value) -> Pod {
    serde_json::from_value(json!({
        "metadata": {"name": "p", "namespace": "ml", "creationTimestamp": ago(created_ago)},
        "spec": {"containers": [{"name": "c", "image": "i"}]},
        "status": status
    }))
    .unwrap()
}

/// A running pod whose one container has `state` and `last_state`, Ready as given since
/// `ready_since_ago`.
fn running(ready: bool, ready_since_ago: i64, state: Value, last_state: Value) -> Pod {
    pod(
        30 * 86_400,
        json!({"phase": "Running",
               "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" },
                               "lastTransitionTime": ago(ready_since_ago)}],
               "containerStatuses": [{"name": "c", "image": "i", "imageID": "", "ready": ready,
                                      "restartCount": 3, "state": state, "lastState": last_state}]}),
    )
}

fn terminated(reason: &str, exit_code: i32, finished_ago: i64) -> Value {
    json!({"terminated": {"reason": reason, "exitCode": exit_code, "finishedAt": ago(finished_ago)}})
}

/// The pod's problems, read from the pod as the inventory holds it (its status trimmed).
fn problems(pod: &Pod) -> Vec<String> {
    pod_problems(&slim(pod)[0], Some(at()))
}

fn slim(pod: &Pod) -> domain::pod::Pods {
    domain::pod::Pods::from(vec![pod.clone()])
}

#[test]
fn a_ready_running_pod_with_old_restarts_is_healthy() {
    let old_kill = terminated("OOMKilled", 137, RECENT_S + 3600);
    let p = running(true, 3 * 86_400, json!({"running": {"startedAt": ago(3 * 86_400)}}), old_kill);
    assert_eq!(problems(&p), Vec::<String>::new(), "an OOM kill over 24 h ago is history, not health");
}

#[test]
fn an_oom_kill_or_error_exit_within_24_hours_is_unhealthy() {
    let running_now = json!({"running": {"startedAt": ago(60)}});
    let oom = running(true, 3600, running_now.clone(), terminated("OOMKilled", 137, 2 * 3600));
    assert_eq!(problems(&oom), ["OOMKilled in the last 24 h"]);
    let error = running(true, 3600, running_now.clone(), terminated("Error", 1, RECENT_S - 60));
    assert_eq!(problems(&error), ["exited with Error in the last 24 h"]);
    let completed = running(true, 3600, running_now, terminated("Completed", 0, 60));
    assert!(problems(&completed).is_empty(), "a clean exit is not a problem");
}

#[test]
fn failure_waits_count_at_once_and_starting_waits_only_past_the_grace_period() {
    for reason in ["CrashLoopBackOff", "ImagePullBackOff", "CreateContainerConfigError"] {
        let p = running(false, 10, json!({"waiting": {"reason": reason}}), json!({}));
        assert_eq!(problems(&p), [reason], "{reason} is a failure, not a start");
    }
    let starting = running(false, 60, json!({"waiting": {"reason": "ContainerCreating"}}), json!({}));
    assert!(problems(&starting).is_empty(), "a minute of ContainerCreating is a start in progress");
    let stuck = running(false, 600, json!({"waiting": {"reason": "ContainerCreating"}}), json!({}));
    assert_eq!(problems(&stuck), ["not Ready for over 5 minutes"]);
}

#[test]
fn not_ready_counts_only_after_the_grace_period() {
    let warming = running(false, 120, json!({"running": {"startedAt": ago(120)}}), json!({}));
    assert!(problems(&warming).is_empty());
    let stuck = running(false, 3600, json!({"running": {"startedAt": ago(3600)}}), json!({}));
    assert_eq!(problems(&stuck), ["not Ready for over 5 minutes"]);
}

#[test]
fn pending_counts_after_the_grace_period_with_the_schedulers_reason() {
    let unschedulable = json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False",
        "reason": "Unschedulable", "message": "0/4 nodes are available: 4 Insufficient nvidia.com/gpu."}]});
    assert!(problems(&pod(PENDING_GRACE_S - 60, unschedulable.clone())).is_empty());
    assert_eq!(
        problems(&pod(PENDING_GRACE_S + 60, unschedulable)),
        ["Unschedulable: 0/4 nodes are available: 4 Insufficient nvidia.com/gpu."]
    );
    assert_eq!(problems(&pod(3600, json!({"phase": "Pending"}))), ["Pending for over 5 minutes"]);
}

#[test]
fn a_failed_pod_counts_for_24_hours() {
    let failed = |finished_ago: i64| {
        pod(
            30 * 86_400,
            json!({"phase": "Failed", "reason": "Evicted",
               "containerStatuses": [{"name": "c", "image": "i", "imageID": "", "ready": false, "restartCount": 0,
                                      "state": terminated("Error", 137, finished_ago)}]}),
        )
    };
    assert_eq!(problems(&failed(3600)), ["failed: Evicted"]);
    assert!(problems(&failed(RECENT_S + 60)).is_empty(), "a pod that failed last week is not unhealthy now");
}

#[test]
fn without_an_observation_time_every_problem_counts_and_claims_no_window() {
    let old_kill = running(true, 86_400 * 30, json!({"running": {}}), terminated("OOMKilled", 137, 86_400 * 30));
    assert_eq!(pod_problems(&slim(&old_kill)[0], None), ["OOMKilled"]);
}

#[test]
fn the_readme_states_the_definition_the_code_applies() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let words = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words(&readme).contains(&words(UNHEALTHY_DEFINITION)),
        "README.md must state domain::health::UNHEALTHY_DEFINITION word for word"
    );
}
