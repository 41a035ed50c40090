//! The checks only the restricted level makes: volume types, privilege escalation, running as
//! non-root.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::violation::*;
use crate::containers::containers;

pub(super) fn restricted_volumes(_: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
    let mut out = Vec::new();
    for (i, v) in spec.volumes.iter().flatten().enumerate() {
        let allowed = v.config_map.is_some()
            || v.csi.is_some()
            || v.downward_api.is_some()
            || v.empty_dir.is_some()
            || v.ephemeral.is_some()
            || v.image.is_some()
            || v.persistent_volume_claim.is_some()
            || v.projected.is_some()
            || v.secret.is_some();
        if allowed {
            continue;
        }
        let kinds: [(&str, bool); 21] = [
            ("hostPath", v.host_path.is_some()),
            ("gcePersistentDisk", v.gce_persistent_disk.is_some()),
            ("awsElasticBlockStore", v.aws_elastic_block_store.is_some()),
            ("gitRepo", v.git_repo.is_some()),
            ("nfs", v.nfs.is_some()),
            ("iscsi", v.iscsi.is_some()),
            ("glusterfs", v.glusterfs.is_some()),
            ("rbd", v.rbd.is_some()),
            ("flexVolume", v.flex_volume.is_some()),
            ("cinder", v.cinder.is_some()),
            ("cephfs", v.cephfs.is_some()),
            ("flocker", v.flocker.is_some()),
            ("fc", v.fc.is_some()),
            ("azureFile", v.azure_file.is_some()),
            ("vsphereVolume", v.vsphere_volume.is_some()),
            ("quobyte", v.quobyte.is_some()),
            ("azureDisk", v.azure_disk.is_some()),
            ("photonPersistentDisk", v.photon_persistent_disk.is_some()),
            ("portworxVolume", v.portworx_volume.is_some()),
            ("scaleIO", v.scale_io.is_some()),
            ("storageos", v.storageos.is_some()),
        ];
        // A volume naming no source at all is defaulted to `emptyDir` by the API server before
        // admission, so pod-security-admission sees (and allows) an emptyDir.
        let Some((kind, _)) = kinds.iter().find(|(_, set)| *set) else { continue };
        let path = format!("spec.volumes[{i}].{kind}");
        out.push(pod_violation(&path, format!("volume {:?} uses restricted volume type {kind:?}", v.name)));
    }
    out
}

pub(super) fn allow_privilege_escalation(_: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
    if is_windows(spec) {
        return Vec::new();
    }
    containers(spec)
        .into_iter()
        .filter(|c| c.security_context.and_then(|sc| sc.allow_privilege_escalation) != Some(false))
        .map(|c| {
            let detail = format!("container {:?} must set securityContext.allowPrivilegeEscalation=false", c.name);
            container_violation(&c, "securityContext.allowPrivilegeEscalation", detail)
        })
        .collect()
}

pub(super) fn run_as_non_root(_: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
    if in_user_namespace(spec) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let pod = spec.security_context.as_ref().and_then(|sc| sc.run_as_non_root);
    if pod == Some(false) {
        out.push(pod_violation(
            "spec.securityContext.runAsNonRoot",
            "pod must not set securityContext.runAsNonRoot=false".into(),
        ));
    }
    for c in containers(spec) {
        match c.security_context.and_then(|sc| sc.run_as_non_root) {
            Some(false) => {
                let detail = format!("container {:?} must not set securityContext.runAsNonRoot=false", c.name);
                out.push(container_violation(&c, "securityContext.runAsNonRoot", detail));
            }
            None if pod != Some(true) => {
                let detail = format!("pod or container {:?} must set securityContext.runAsNonRoot=true", c.name);
                out.push(container_violation(&c, "securityContext.runAsNonRoot", detail));
            }
            _ => {}
        }
    }
    out
}

pub(super) fn run_as_user(_: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
    if in_user_namespace(spec) {
        return Vec::new();
    }
    let mut out = Vec::new();
    if spec.security_context.as_ref().and_then(|sc| sc.run_as_user) == Some(0) {
        out.push(pod_violation("spec.securityContext.runAsUser", "pod must not set runAsUser=0".into()));
    }
    for (c, sc) in with_security_context(spec) {
        if sc.run_as_user == Some(0) {
            let detail = format!("container {:?} must not set runAsUser=0", c.name);
            out.push(container_violation(&c, "securityContext.runAsUser", detail));
        }
    }
    out
}
