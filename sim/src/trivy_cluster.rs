//! Trivy Operator's cluster-scoped reports: the RBAC assessment of a ClusterRole, a
//! configuration audit of a cluster-scoped object, the node collector's infrastructure
//! assessment of every node (kubelet flags the API does not show, one node with its read-only
//! port open), and the CIS compliance report Trivy computes from them.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::model::Cluster;
use crate::object::meta;

fn report(kind: &str, name: &str, object_kind: &str, object_name: &str, body: Value) -> Value {
    let mut m = meta(name, None, &format!("uid-report-{name}"));
    m["labels"] = json!({"trivy-operator.resource.kind": object_kind, "trivy-operator.resource.name": object_name});
    json!({"apiVersion": "aquasecurity.github.io/v1alpha1", "kind": kind, "metadata": m, "report": body})
}

/// The node collector's kubelet checks; `read_only_port_open` fails the last one.
fn kubelet_checks(read_only_port_open: bool) -> Value {
    json!([
        {"checkID": "KCV0079", "title": "Ensure that the --anonymous-auth argument is set to false", "severity": "CRITICAL", "success": true},
        {"checkID": "KCV0080", "title": "Ensure that the --authorization-mode argument is not set to AlwaysAllow", "severity": "HIGH", "success": true},
        {"checkID": "KCV0081", "title": "Ensure that the --client-ca-file argument is set as appropriate", "severity": "CRITICAL", "success": true},
        {"checkID": "KCV0082", "title": "Verify that the --read-only-port argument is set to 0", "severity": "HIGH",
         "success": !read_only_port_open,
         "messages": if read_only_port_open { json!(["kubelet --read-only-port is 10255"]) } else { json!([]) }}
    ])
}

pub(crate) fn render_cluster_reports(cluster: &Cluster, out: &mut BTreeMap<&'static str, Vec<Value>>) {
    out.entry("clusterrbacassessmentreports").or_default().push(report(
        "ClusterRbacAssessmentReport",
        "clusterrole-cluster-admin",
        "ClusterRole",
        "cluster-admin",
        json!({"checks": [
            {"checkID": "KSV044", "title": "No wildcard verb and resource roles", "severity": "CRITICAL", "success": false},
            {"checkID": "KSV046", "title": "Manage all resources", "severity": "CRITICAL", "success": false,
             "messages": ["ClusterRole 'cluster-admin' shouldn't manage all resources"]}
        ]}),
    ));
    out.entry("clusterconfigauditreports").or_default().push(report(
        "ClusterConfigAuditReport",
        "clusterrole-view",
        "ClusterRole",
        "view",
        json!({"checks": [{"checkID": "KSV113", "title": "Manage namespace secrets", "severity": "MEDIUM", "success": true}]}),
    ));
    let mut failing_nodes = 0;
    for (i, node) in cluster.nodes.iter().enumerate() {
        let open = i == 0;
        failing_nodes += u32::from(open);
        out.entry("clusterinfraassessmentreports").or_default().push(report(
            "ClusterInfraAssessmentReport",
            &format!("node-{}", node.name),
            "Node",
            &node.name,
            json!({"checks": kubelet_checks(open)}),
        ));
    }
    let privileged = cluster.workloads.iter().filter(|w| w.privileged).count();
    let mut m = meta("k8s-cis-1.23", None, "uid-compliance-k8s-cis-1.23");
    m["labels"] = json!({"app.kubernetes.io/name": "trivy-operator"});
    let control =
        |id: &str, name: &str, fails: usize| json!({"id": id, "name": name, "severity": "HIGH", "totalFail": fails});
    out.entry("clustercompliancereports").or_default().push(json!({
        "apiVersion": "aquasecurity.github.io/v1alpha1", "kind": "ClusterComplianceReport", "metadata": m,
        "spec": {"cron": "0 */6 * * *", "reportType": "summary",
                 "compliance": {"id": "k8s-cis-1.23", "title": "CIS Kubernetes Benchmarks v1.23", "version": "1.0"}},
        "status": {"summary": {"failCount": failing_nodes as usize + privileged, "passCount": 3},
                   "summaryReport": {"id": "k8s-cis-1.23", "title": "CIS Kubernetes Benchmarks v1.23", "controlCheck": [
                       control("4.2.1", "Ensure that the --anonymous-auth argument is set to false", 0),
                       control("4.2.4", "Verify that the --read-only-port argument is set to 0", failing_nodes as usize),
                       control("5.1.3", "Minimize wildcard use in Roles and ClusterRoles", 1),
                       control("5.2.2", "Minimize the admission of privileged containers", privileged)]},
                   "updateTimestamp": "2026-11-30T06:00:00Z"}
    }));
}
