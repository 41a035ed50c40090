//! Workloads owned by operators: pods whose top owner is a custom resource Rampart does not
//! list (Kubeflow, KubeRay, JobSet, LeaderWorkerSet, Argo, Spark, Tekton, Volcano, KServe) are
//! assessed from the pods themselves, once per distinct pod template, reported against the top
//! owner, and their GPUs counted.

use domain::Inventory;
use domain::owners::OPERATOR_KINDS;
use domain::rules::{RuleSettings, evaluate_with};
use domain::workload::workload_summaries;
use serde_json::{Value, json};

fn owner(api_version: &str, kind: &str, name: &str) -> Value {
    json!([{"apiVersion": api_version, "kind": kind, "name": name, "uid": format!("uid-{name}"), "controller": true}])
}

/// A running pod of `owner`, with `labels`, one container `container`, and `gpus` GPUs;
/// privileged and on the host network when `privileged`.
fn pod(name: &str, owner: Value, labels: Value, container: &str, gpus: u32, privileged: bool) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "ml", "labels": labels, "ownerReferences": owner},
        "spec": {
            "hostNetwork": privileged,
            "nodeName": format!("node-{name}"),
            "containers": [{"name": container, "image": "reg/train:1",
                "env": [{"name": "RANK", "value": name}],
                "resources": {"limits": {"nvidia.com/gpu": gpus.to_string()}},
                "securityContext": {"privileged": privileged},
                "volumeMounts": [{"name": format!("kube-api-access-{name}"), "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}]}],
            "volumes": [{"name": format!("kube-api-access-{name}"), "projected": {"sources": []}}]
        },
        "status": {"phase": "Running"}
    })
}

fn inventory(objects: &[Value]) -> Inventory {
    let mut inv = Inventory::default();
    for object in objects {
        inv.add_object(object).unwrap();
    }
    inv
}

fn privileged_findings(inv: &Inventory) -> Vec<domain::Finding> {
    evaluate_with(inv, &RuleSettings::default()).findings.into_iter().filter(|f| f.rule == "pod.privileged").collect()
}

#[test]
fn every_known_operator_kind_is_a_workload_with_its_findings_and_gpus() {
    for known in OPERATOR_KINDS {
        let api_version = format!("{}/v1", known.group);
        let labels = match known.role_label {
            Some(label) => json!({label: "worker"}),
            None => json!({}),
        };
        let inv = inventory(&[pod("w-0", owner(&api_version, known.kind, "big"), labels, "main", 8, true)]);
        let findings = privileged_findings(&inv);
        assert_eq!(findings.len(), 1, "{}: one privileged finding", known.name);
        assert_eq!((findings[0].object.kind.as_str(), findings[0].object.name.as_str()), (known.name, "big"));
        let host_network = evaluate_with(&inv, &RuleSettings::default())
            .findings
            .into_iter()
            .filter(|f| f.rule == "pod.host-namespaces" && f.object.name == "big")
            .count();
        assert_eq!(host_network, 1, "{}: hostNetwork on the top owner", known.name);
        let workloads = workload_summaries(&inv, &[]);
        assert_eq!(workloads.len(), 1, "{}: one workload row", known.name);
        assert_eq!(workloads[0].kind, known.name);
        assert_eq!(workloads[0].gpus_allocated, 8.0, "{}: its GPUs count as allocated", known.name);
    }
}

#[test]
fn an_unknown_owner_kind_is_named_by_kind_and_group() {
    let inv = inventory(&[pod("t-0", owner("example.com/v1", "Trainer", "t"), json!({}), "main", 1, true)]);
    let findings = privileged_findings(&inv);
    assert_eq!(findings[0].object.kind, "Trainer.example.com");
    assert_eq!(workload_summaries(&inv, &[])[0].kind, "Trainer.example.com");
}

#[test]
fn sixty_four_identical_workers_give_one_finding_per_rule() {
    let workers: Vec<Value> = (0..64)
        .map(|i| {
            let labels = json!({"training.kubeflow.org/replica-type": "worker"});
            pod(&format!("llm-worker-{i}"), owner("kubeflow.org/v1", "PyTorchJob", "llm"), labels, "pytorch", 8, true)
        })
        .collect();
    let inv = inventory(&workers);
    let findings = privileged_findings(&inv);
    assert_eq!(findings.len(), 1, "one finding, not 64");
    assert!(findings[0].message.contains("one of 64 with this spec"), "{}", findings[0].message);
    assert!(findings[0].evidence[0].starts_with("pods(training.kubeflow.org/replica-type=worker)."));
    let workloads = workload_summaries(&inv, &[]);
    assert_eq!((workloads[0].health.pods, workloads[0].gpus_allocated), (64, 512.0));

    // Without a role label, pods that differ only in what differs per pod (node, token
    // volume, injected environment values) are still one spec.
    let unlabelled: Vec<Value> = (0..8)
        .map(|i| pod(&format!("r-{i}"), owner("argoproj.io/v1alpha1", "Rollout", "web"), json!({}), "app", 0, true))
        .collect();
    assert_eq!(privileged_findings(&inventory(&unlabelled)).len(), 1);
}

#[test]
fn a_ray_clusters_head_and_workers_are_assessed_separately() {
    let ray = |name: &str, group: &str, container: &str, gpus: u32| {
        let labels =
            json!({"ray.io/group": group, "ray.io/node-type": if group == "headgroup" { "head" } else { "worker" }});
        pod(name, owner("ray.io/v1", "RayCluster", "rc"), labels, container, gpus, true)
    };
    let inv = inventory(&[
        ray("rc-head-x", "headgroup", "ray", 0),
        ray("rc-gpu-worker-a", "gpu", "ray", 4),
        ray("rc-gpu-worker-b", "gpu", "ray", 4),
    ]);
    let findings = privileged_findings(&inv);
    assert_eq!(findings.len(), 2, "the head's and the workers' templates: {findings:?}");
    let paths: Vec<&str> = findings.iter().map(|f| f.evidence[0].as_str()).collect();
    assert!(paths.iter().any(|p| p.starts_with("pods(ray.io/group=headgroup).")), "{paths:?}");
    assert!(paths.iter().any(|p| p.starts_with("pods(ray.io/group=gpu).")), "{paths:?}");
    let rc = &workload_summaries(&inv, &[])[0];
    assert_eq!((rc.kind.as_str(), rc.health.pods, rc.gpus_allocated), ("RayCluster", 3, 8.0));
}

#[test]
fn chains_through_listed_objects_reach_the_operator() {
    // Argo Rollout → ReplicaSet → Pod; JobSet → Job → Pod; InferenceService → Deployment → ReplicaSet → Pod.
    let template = json!({"spec": {"containers": [{"name": "app", "image": "reg/app:1"}]}});
    let inv = inventory(&[
        json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
               "metadata": {"name": "web-6f", "namespace": "ml", "ownerReferences": owner("argoproj.io/v1alpha1", "Rollout", "web")},
               "spec": {"selector": {}, "template": template}}),
        pod("web-6f-a", owner("apps/v1", "ReplicaSet", "web-6f"), json!({}), "app", 0, true),
        json!({"apiVersion": "batch/v1", "kind": "Job",
               "metadata": {"name": "train-workers-0", "namespace": "ml", "ownerReferences": owner("jobset.x-k8s.io/v1alpha2", "JobSet", "train")},
               "spec": {"template": template}}),
        pod(
            "train-workers-0-0",
            owner("batch/v1", "Job", "train-workers-0"),
            json!({"jobset.sigs.k8s.io/replicatedjob-name": "workers"}),
            "app",
            8,
            true,
        ),
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "llama-predictor", "namespace": "ml", "ownerReferences": owner("serving.kserve.io/v1beta1", "InferenceService", "llama")},
               "spec": {"selector": {}, "template": template}}),
        json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
               "metadata": {"name": "llama-predictor-7c", "namespace": "ml", "ownerReferences": owner("apps/v1", "Deployment", "llama-predictor")},
               "spec": {"selector": {}, "template": template}}),
        pod(
            "llama-predictor-7c-a",
            owner("apps/v1", "ReplicaSet", "llama-predictor-7c"),
            json!({"component": "predictor"}),
            "app",
            1,
            true,
        ),
    ]);
    let mut owners: Vec<(String, String)> =
        privileged_findings(&inv).into_iter().map(|f| (f.object.kind, f.object.name)).collect();
    owners.sort();
    let expected = [("InferenceService", "llama"), ("JobSet", "train"), ("Rollout", "web")];
    assert_eq!(owners, expected.map(|(k, n)| (k.to_string(), n.to_string())));
    let mut workloads: Vec<(String, f64)> =
        workload_summaries(&inv, &[]).into_iter().map(|w| (w.kind, w.gpus_allocated)).collect();
    workloads.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        workloads,
        [("InferenceService".to_string(), 1.0), ("JobSet".to_string(), 8.0), ("Rollout".to_string(), 0.0)]
    );
}

#[test]
fn a_listed_operator_object_is_assessed_from_its_templates_before_any_pod_exists() {
    let template = |privileged: bool| {
        json!({"metadata": {"labels": {"training.kubeflow.org/replica-type": "worker"}},
               "spec": {"containers": [{"name": "pytorch", "image": "reg/train:1",
                        "resources": {"limits": {"nvidia.com/gpu": "8"}},
                        "securityContext": {"privileged": privileged}}]}})
    };
    let job = json!({"apiVersion": "kubeflow.org/v1", "kind": "PyTorchJob",
        "metadata": {"name": "llm", "namespace": "ml"},
        "spec": {"pytorchReplicaSpecs": {"Master": {"replicas": 1, "template": template(false)},
                                         "Worker": {"replicas": 2, "template": template(true)}}}});
    let before_pods = inventory(std::slice::from_ref(&job));
    let findings = privileged_findings(&before_pods);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!((findings[0].object.kind.as_str(), findings[0].object.name.as_str()), ("PyTorchJob", "llm"));
    assert_eq!(
        findings[0].evidence,
        ["spec.pytorchReplicaSpecs.Worker.template.spec.containers[0].securityContext.privileged"]
    );

    // Once its pods run, the object's templates still speak for them: one finding, same identity.
    let labels = json!({"training.kubeflow.org/replica-type": "worker"});
    let worker = pod("llm-worker-0", owner("kubeflow.org/v1", "PyTorchJob", "llm"), labels, "pytorch", 8, true);
    let with_pods = inventory(&[job, worker]);
    let again = privileged_findings(&with_pods);
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].identity(), findings[0].identity());
    let workloads = workload_summaries(&with_pods, &[]);
    assert_eq!(workloads.len(), 1);
    assert_eq!(
        (workloads[0].kind.as_str(), workloads[0].health.pods, workloads[0].gpus_allocated),
        ("PyTorchJob", 1, 8.0)
    );
}
