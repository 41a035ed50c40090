//! Operators' workload objects read whole (a PyTorchJob, a RayCluster, a JobSet, when the
//! collector is configured to list their kinds, or when a manifest holds them): their pod
//! templates, wherever in the object they sit, are assessed like a Deployment's, so a
//! misconfiguration shows before any pod exists.

use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::Value;

/// How deep in an object pod templates are looked for: JobSet's is five levels down.
const MAX_DEPTH: usize = 12;

/// One custom resource that declares pod templates.
#[derive(Debug, Clone)]
pub struct CustomWorkload {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub templates: Vec<CustomTemplate>,
}

/// One pod template of a custom resource, with its field path.
#[derive(Debug, Clone)]
pub struct CustomTemplate {
    /// The field path from the object's root to the template's root, ending in a dot
    /// (`spec.pytorchReplicaSpecs.Worker.template.`).
    pub prefix: String,
    pub template: PodTemplateSpec,
}

/// The custom resource `value` as a workload; `None` when it declares no pod template (a
/// custom resource of another sort) or its metadata cannot be read.
pub fn custom_workload(value: &Value) -> Option<CustomWorkload> {
    let mut templates = Vec::new();
    find_templates(value.get("spec")?, "spec", 0, &mut templates);
    if templates.is_empty() {
        return None;
    }
    Some(CustomWorkload {
        api_version: value["apiVersion"].as_str()?.to_string(),
        kind: value["kind"].as_str()?.to_string(),
        metadata: serde_json::from_value(value.get("metadata")?.clone()).ok()?,
        templates,
    })
}

/// Collects the pod templates under `value` (at `path`): any object under a key ending in
/// `template` or `Template` (`template`, `workerTemplate`) whose `spec` lists containers.
fn find_templates(value: &Value, path: &str, depth: usize, out: &mut Vec<CustomTemplate>) {
    if depth > MAX_DEPTH {
        return;
    }
    match value {
        Value::Object(fields) => {
            for (key, child) in fields {
                let here = format!("{path}.{key}");
                let names_template = key.ends_with("template") || key.ends_with("Template");
                let is_pod_template = child["spec"]["containers"].is_array();
                if names_template && is_pod_template {
                    if let Ok(template) = serde_json::from_value::<PodTemplateSpec>(child.clone()) {
                        out.push(CustomTemplate { prefix: format!("{here}."), template });
                    }
                } else {
                    find_templates(child, &here, depth + 1, out);
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                find_templates(item, &format!("{path}[{i}]"), depth + 1, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn prefixes(value: Value) -> Vec<String> {
        custom_workload(&value).map(|w| w.templates.into_iter().map(|t| t.prefix).collect()).unwrap_or_default()
    }

    fn pod() -> Value {
        json!({"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}})
    }

    #[test]
    fn pod_templates_are_found_wherever_operators_put_them() {
        let meta = json!({"name": "x", "namespace": "ml"});
        let pytorch = json!({"apiVersion": "kubeflow.org/v1", "kind": "PyTorchJob", "metadata": meta,
            "spec": {"pytorchReplicaSpecs": {"Master": {"replicas": 1, "template": pod()},
                                             "Worker": {"replicas": 8, "template": pod()}}}});
        assert_eq!(
            prefixes(pytorch),
            ["spec.pytorchReplicaSpecs.Master.template.", "spec.pytorchReplicaSpecs.Worker.template."]
        );
        let ray = json!({"apiVersion": "ray.io/v1", "kind": "RayCluster", "metadata": meta,
            "spec": {"headGroupSpec": {"template": pod()}, "workerGroupSpecs": [{"groupName": "gpu", "template": pod()}]}});
        assert_eq!(prefixes(ray), ["spec.headGroupSpec.template.", "spec.workerGroupSpecs[0].template."]);
        let jobset = json!({"apiVersion": "jobset.x-k8s.io/v1alpha2", "kind": "JobSet", "metadata": meta,
            "spec": {"replicatedJobs": [{"name": "w", "template": {"spec": {"template": pod()}}}]}});
        assert_eq!(prefixes(jobset), ["spec.replicatedJobs[0].template.spec.template."]);
        let lws = json!({"apiVersion": "leaderworkerset.x-k8s.io/v1", "kind": "LeaderWorkerSet", "metadata": meta,
            "spec": {"leaderWorkerTemplate": {"leaderTemplate": pod(), "workerTemplate": pod()}}});
        assert_eq!(
            prefixes(lws),
            ["spec.leaderWorkerTemplate.leaderTemplate.", "spec.leaderWorkerTemplate.workerTemplate."]
        );
        let config = json!({"apiVersion": "example.com/v1", "kind": "Settings", "metadata": meta, "spec": {"a": 1}});
        assert!(custom_workload(&config).is_none(), "no pod template: not a workload");
    }
}
