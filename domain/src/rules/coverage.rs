//! Coverage: which kinds each rule family reads, so that a rule whose input could not be listed
//! (a 403, or an API the cluster does not serve) is not assessable rather than passing.
//!
//! The table is by category and deliberately generous: a kind any rule of the family may read
//! counts for all of them. A gap can only make a rule not assessable, never a pass.

use crate::rules::rule::Category;

/// Every kind that declares a pod template or a pod, read by every rule that looks at pods.
const POD_SPEC_KINDS: [&str; 8] =
    ["pods", "deployments", "statefulsets", "daemonsets", "replicasets", "jobs", "cronjobs", "replicationcontrollers"];

/// The kinds (resource plurals) the rules of `category` read. Namespaces are read by all of
/// them, for tenancy.
pub fn kinds_read(category: Category) -> Vec<&'static str> {
    let own: &[&'static str] = match category {
        Category::PodSecurity | Category::Images | Category::Api => &[],
        Category::Rbac => &["roles", "rolebindings", "clusterroles", "clusterrolebindings", "serviceaccounts"],
        Category::Network => &["services", "ingresses", "networkpolicies"],
        Category::Secrets => &["secrets", "configmaps"],
        Category::Workload => &["resourcequotas", "limitranges", "serviceaccounts"],
        Category::ControlPlane => &["nodes"],
        Category::Tenancy => &["persistentvolumes", "persistentvolumeclaims"],
    };
    let trivy: &[&'static str] = match category {
        Category::Images => &["vulnerabilityreports", "configauditreports", "exposedsecretreports"],
        _ => &[],
    };
    let pods: &[&'static str] = match category {
        Category::Rbac => &["pods"],
        Category::ControlPlane => &["pods"],
        Category::Api => &[],
        _ => &POD_SPEC_KINDS,
    };
    let mut kinds = vec!["namespaces"];
    kinds.extend(pods.iter().chain(own).chain(trivy));
    kinds.sort_unstable();
    kinds.dedup();
    kinds
}

/// Why a rule of `category` cannot be assessed given the `gaps` (kind → reason), if it cannot.
pub fn missing_input(category: Category, gaps: &std::collections::BTreeMap<String, String>) -> Option<String> {
    let missing: Vec<String> = kinds_read(category)
        .into_iter()
        .filter_map(|kind| gaps.get(kind).map(|why| format!("{kind} could not be listed ({why})")))
        .collect();
    (!missing.is_empty()).then(|| missing.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_reads_namespaces_and_a_gap_names_the_kind() {
        for category in [Category::PodSecurity, Category::Rbac, Category::Network, Category::ControlPlane] {
            assert!(kinds_read(category).contains(&"namespaces"));
        }
        let gaps = [("networkpolicies".to_string(), "403 Forbidden".to_string())].into_iter().collect();
        assert_eq!(
            missing_input(Category::Network, &gaps).as_deref(),
            Some("networkpolicies could not be listed (403 Forbidden)")
        );
        assert_eq!(missing_input(Category::Rbac, &gaps), None, "RBAC rules do not read network policies");
    }
}
