//! The real kubectl (the machine image's `/usr/bin/kubectl`) against the simulator, with the
//! demo's kubeconfig: the simulator must answer it as a real API server would, or it would
//! flatter the collector. Object counts, chunked lists, label and field selectors, raw list
//! bodies and refused writes are compared with the simulator's own state.

use std::path::Path;

use crate::common;

/// kubectl with `kubeconfig` and `args`; (succeeded, stdout, stderr).
async fn kubectl(kubeconfig: &Path, args: &[&str]) -> (bool, String, String) {
    let out = tokio::process::Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .env_remove("KUBECONFIG")
        .env_remove("HTTPS_PROXY")
        .output()
        .await
        .expect("kubectl is installed (the machine image has /usr/bin/kubectl)");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn item_count(kubeconfig: &Path, args: &[&str]) -> usize {
    let (ok, stdout, stderr) = kubectl(kubeconfig, args).await;
    assert!(ok, "kubectl {args:?}: {stderr}");
    let list: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("kubectl {args:?}: {e}"));
    list["items"].as_array().unwrap_or_else(|| panic!("kubectl {args:?} gave no items")).len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_sees_what_the_simulator_holds() {
    let cluster = common::small_cluster(180);
    let dir = common::temp_dir("kubectl");
    let (_server, kubeconfig) = server::commands::demo::start_simulator(cluster.clone(), &dir).await.unwrap();
    let kinds = [
        ("namespaces", "namespaces"),
        ("nodes", "nodes"),
        ("pods", "pods"),
        ("deployments", "deployments"),
        ("statefulsets", "statefulsets"),
        ("daemonsets", "daemonsets"),
        ("replicasets", "replicasets"),
        ("jobs", "jobs"),
        ("cronjobs", "cronjobs"),
        ("replicationcontrollers", "replicationcontrollers"),
        ("services", "services"),
        ("ingresses", "ingresses"),
        ("networkpolicies", "networkpolicies"),
        ("resourcequotas", "resourcequotas"),
        ("limitranges", "limitranges"),
        ("serviceaccounts", "serviceaccounts"),
        ("roles", "roles"),
        ("rolebindings", "rolebindings"),
        ("clusterroles", "clusterroles"),
        ("clusterrolebindings", "clusterrolebindings"),
        ("configmaps", "configmaps"),
        ("secrets", "secrets"),
        ("persistentvolumes", "persistentvolumes"),
        ("persistentvolumeclaims", "persistentvolumeclaims"),
        ("vulnerabilityreports.aquasecurity.github.io", "vulnerabilityreports"),
        ("configauditreports.aquasecurity.github.io", "configauditreports"),
        ("exposedsecretreports.aquasecurity.github.io", "exposedsecretreports"),
        ("pods.metrics.k8s.io", "podmetrics"),
    ];
    for (resource, plural) in kinds {
        let expected = cluster.read().unwrap().objects(plural).len();
        let seen = item_count(&kubeconfig, &["get", resource, "-A", "-o", "json", "--chunk-size=50"]).await;
        assert_eq!(seen, expected, "kubectl get {resource} -A");
    }

    // Short names from discovery, and server-side selectors.
    let pods = cluster.read().unwrap().objects("pods").to_vec();
    let running = pods.iter().filter(|p| p["status"]["phase"] == "Running").count();
    assert!(running > 0 && running < pods.len() + 1);
    let seen =
        item_count(&kubeconfig, &["get", "po", "-A", "-o", "json", "--field-selector", "status.phase=Running"]).await;
    assert_eq!(seen, running, "--field-selector status.phase=Running");
    let node = pods.iter().find_map(|p| p["spec"]["nodeName"].as_str()).unwrap().to_string();
    let on_node = pods.iter().filter(|p| p["spec"]["nodeName"] == node.as_str()).count();
    let selector = format!("spec.nodeName={node}");
    assert_eq!(
        item_count(&kubeconfig, &["get", "pods", "-A", "-o", "json", "--field-selector", &selector]).await,
        on_node
    );
    let (key, value) = pods
        .iter()
        .find_map(|p| {
            let (k, v) = p["metadata"]["labels"].as_object()?.iter().next()?;
            Some((k.clone(), v.as_str()?.to_string()))
        })
        .unwrap();
    let labelled = pods.iter().filter(|p| p["metadata"]["labels"][&key] == value.as_str()).count();
    let label = format!("{key}={value}");
    assert_eq!(
        item_count(&kubeconfig, &["get", "pods", "-A", "-o", "json", "-l", &label]).await,
        labelled,
        "-l {label}"
    );
    let (ok, _, stderr) =
        kubectl(&kubeconfig, &["get", "pods", "-A", "--field-selector", "spec.restartPolicy=Always"]).await;
    assert!(!ok && stderr.contains("field label not supported"), "{stderr}");

    // A raw list body as the API server sends it: items without kind or apiVersion.
    let (ok, raw, stderr) = kubectl(&kubeconfig, &["get", "--raw", "/api/v1/pods?limit=3"]).await;
    assert!(ok, "{stderr}");
    let body: serde_json::Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(body["kind"], "PodList");
    assert!(body["metadata"]["continue"].is_string(), "a chunked list carries a continue token");
    let items = body["items"].as_array().unwrap();
    assert!(items.iter().all(|i| i.get("kind").is_none() && i.get("apiVersion").is_none()), "{raw}");
    let uids: std::collections::BTreeSet<&str> = items.iter().filter_map(|i| i["metadata"]["uid"].as_str()).collect();
    assert!(uids.len() == 3 && uids.iter().all(|u| u.len() == 36), "UUID uids: {uids:?}");

    // The server version, every field.
    let (ok, version, stderr) = kubectl(&kubeconfig, &["version", "-o", "json"]).await;
    assert!(ok, "{stderr}");
    let version: serde_json::Value = serde_json::from_str(&version).unwrap();
    for field in
        ["major", "minor", "gitVersion", "gitCommit", "gitTreeState", "buildDate", "goVersion", "compiler", "platform"]
    {
        assert!(version["serverVersion"][field].is_string(), "serverVersion.{field}: {version}");
    }

    // Writes are refused as by a server that does not allow them.
    let pod = pods[0]["metadata"]["name"].as_str().unwrap().to_string();
    let namespace = pods[0]["metadata"]["namespace"].as_str().unwrap().to_string();
    let (ok, _, stderr) = kubectl(&kubeconfig, &["delete", "pod", &pod, "-n", &namespace, "--wait=false"]).await;
    assert!(!ok && stderr.contains("does not allow this method"), "{stderr}");
    assert_eq!(cluster.read().unwrap().objects("pods").len(), pods.len(), "nothing was deleted");
}

/// Object metadata as a real server gives it: owner references carry their owner's uid,
/// resource versions differ and move only when an object changes, creation times differ, and
/// some objects carry the managed fields and `kubectl apply` annotation a collector must drop.
#[test]
fn simulated_metadata_is_shaped_like_a_real_api_servers() {
    let cluster = common::small_cluster(120);
    let mut c = cluster.write().unwrap();
    let uids: std::collections::BTreeMap<(String, String), String> = c
        .resources()
        .flat_map(|(_, objects)| objects.iter())
        .filter_map(|o| {
            let m = &o["metadata"];
            Some(((o["kind"].as_str()?.to_string(), m["name"].as_str()?.to_string()), m["uid"].as_str()?.to_string()))
        })
        .collect();
    let mut owned = 0;
    for pod in c.objects("pods").iter().chain(c.objects("replicasets")).chain(c.objects("jobs")) {
        for reference in pod["metadata"]["ownerReferences"].as_array().into_iter().flatten() {
            let key =
                (reference["kind"].as_str().unwrap().to_string(), reference["name"].as_str().unwrap().to_string());
            if let Some(uid) = uids.get(&key) {
                assert_eq!(reference["uid"].as_str(), Some(uid.as_str()), "{key:?}");
                owned += 1;
            }
        }
    }
    assert!(owned > 50, "owner references checked: {owned}");
    let versions: std::collections::BTreeSet<&str> =
        c.objects("pods").iter().filter_map(|p| p["metadata"]["resourceVersion"].as_str()).collect();
    assert_eq!(versions.len(), c.objects("pods").len(), "every pod has its own resource version");
    let created: std::collections::BTreeSet<&str> =
        c.objects("deployments").iter().filter_map(|d| d["metadata"]["creationTimestamp"].as_str()).collect();
    assert!(created.len() > 1, "creation times differ");
    let applied = c.objects("deployments").iter().filter(|d| {
        d["metadata"]["managedFields"].is_array()
            && d["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"].is_string()
    });
    assert!(applied.count() > 0, "some deployments carry their apply history");
    let before: Vec<(String, String)> = c
        .objects("namespaces")
        .iter()
        .map(|n| {
            (n["metadata"]["name"].as_str().unwrap().into(), n["metadata"]["resourceVersion"].as_str().unwrap().into())
        })
        .collect();
    let latest = c.resource_version();
    c.step();
    assert!(c.resource_version() > latest, "a step changes something, so the version moves");
    let after: Vec<(String, String)> = c
        .objects("namespaces")
        .iter()
        .map(|n| {
            (n["metadata"]["name"].as_str().unwrap().into(), n["metadata"]["resourceVersion"].as_str().unwrap().into())
        })
        .collect();
    assert_eq!(before, after, "unchanged namespaces keep their resource versions");
}
