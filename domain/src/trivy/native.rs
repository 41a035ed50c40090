//! How Trivy's check ids relate to Rampart's own rules and controls, as data.
//!
//! A Trivy configuration check that restates a native rule (KSV014 "root file system is not
//! read-only" is `workload.writable-root-filesystem`) corroborates that rule's finding instead of
//! adding a second, differently rated one. A node check (KCV0079 "kubelet --anonymous-auth") is
//! evidence of the CIS control it implements, which the Kubernetes API alone cannot show.

/// Trivy check ids that restate a native rule: `(check id, rule id)`.
pub const KSV_NATIVE_RULES: [(&str, &str); 30] = [
    ("KSV001", "pod.privilege-escalation"),
    ("KSV002", "pod.apparmor"),
    ("KSV003", "pod.capabilities-restricted"),
    ("KSV005", "pod.capabilities"),
    ("KSV008", "pod.host-namespaces"),
    ("KSV009", "pod.host-namespaces"),
    ("KSV010", "pod.host-namespaces"),
    ("KSV011", "workload.missing-limits"),
    ("KSV012", "pod.run-as-non-root"),
    ("KSV013", "images.mutable-tag"),
    ("KSV014", "workload.writable-root-filesystem"),
    ("KSV015", "workload.missing-requests"),
    ("KSV016", "workload.missing-requests"),
    ("KSV017", "pod.privileged"),
    ("KSV018", "workload.missing-limits"),
    ("KSV022", "pod.capabilities"),
    ("KSV023", "pod.host-path"),
    ("KSV024", "pod.host-ports"),
    ("KSV025", "pod.selinux"),
    ("KSV026", "pod.sysctls"),
    ("KSV027", "pod.proc-mount"),
    ("KSV028", "pod.restricted-volumes"),
    ("KSV030", "pod.seccomp-restricted"),
    ("KSV036", "workload.automount-token"),
    ("KSV103", "pod.host-process"),
    ("KSV105", "pod.run-as-root-user"),
    ("KSV041", "rbac.secrets-read"),
    ("KSV044", "rbac.wildcard"),
    ("KSV048", "rbac.workload-create"),
    ("KSV053", "rbac.exec-attach-proxy"),
];

/// Trivy node checks (Trivy Operator's node collector) and the CIS controls they decide:
/// `(check id, control)`.
pub const KCV_CIS_CONTROLS: [(&str, &str); 4] =
    [("KCV0079", "cis:4.2.1"), ("KCV0080", "cis:4.2.2"), ("KCV0081", "cis:4.2.3"), ("KCV0082", "cis:4.2.4")];

/// Trivy writes ids as `KSV014`, `KSV-0014` or `AVD-KSV-0014`: this gives the first form.
pub fn canonical_check_id(id: &str) -> String {
    let upper = id.trim().to_ascii_uppercase();
    let bare = upper.strip_prefix("AVD-").unwrap_or(&upper);
    match bare.split_once('-') {
        Some((family, number)) if number.chars().all(|c| c.is_ascii_digit()) => {
            let number: u32 = number.parse().unwrap_or_default();
            // KCV ids have four digits, KSV ids three (more past 999).
            if family == "KCV" { format!("{family}{number:04}") } else { format!("{family}{number:03}") }
        }
        _ => bare.to_string(),
    }
}

/// The native rule a Trivy check restates, if any.
pub fn native_rule_of(check_id: &str) -> Option<&'static str> {
    let id = canonical_check_id(check_id);
    KSV_NATIVE_RULES.iter().find(|(ksv, _)| *ksv == id).map(|(_, rule)| *rule)
}

/// The CIS control a Trivy node check decides, if any.
pub fn cis_control_of(check_id: &str) -> Option<&'static str> {
    let id = canonical_check_id(check_id);
    KCV_CIS_CONTROLS.iter().find(|(kcv, _)| *kcv == id).map(|(_, control)| *control)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_ids_are_recognised_in_every_form_trivy_writes() {
        assert_eq!(native_rule_of("KSV014"), Some("workload.writable-root-filesystem"));
        assert_eq!(native_rule_of("KSV-0014"), Some("workload.writable-root-filesystem"));
        assert_eq!(native_rule_of("AVD-KSV-0014"), Some("workload.writable-root-filesystem"));
        assert_eq!(cis_control_of("AVD-KCV-0079"), Some("cis:4.2.1"));
        assert_eq!(cis_control_of("KCV0079"), Some("cis:4.2.1"));
        assert_eq!(native_rule_of("KSV020"), None);
    }
}
