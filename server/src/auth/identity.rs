//! Who signed in, as kept in the session, and how the configured mappings turn their groups
//! into a [`Viewer`]: a role and, for tenant leads, tenants.

use domain::access::{Role, Viewer};
use serde::{Deserialize, Serialize};

use crate::config::AuthConfig;

/// A signed-in identity, stored in the server-side session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub user: String,
    pub groups: Vec<String>,
    /// When the user signed in (Unix seconds): the start of the absolute session lifetime.
    pub signed_in_at: i64,
}

/// The viewer `identity` is under the current mappings; `None` when no group maps to a role.
/// Mappings are applied on every request, so a configuration change takes effect at once.
pub fn viewer_for(identity: &Identity, config: &AuthConfig) -> Option<Viewer> {
    let role = identity.groups.iter().filter_map(|group| config.group_roles.get(group)).max().copied()?;
    let mut tenants: Vec<String> =
        identity.groups.iter().filter_map(|group| config.group_tenants.get(group)).flatten().cloned().collect();
    tenants.sort();
    tenants.dedup();
    if role != Role::TenantLead {
        tenants.clear();
    }
    Some(Viewer { user: identity.user.clone(), role, tenants })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> AuthConfig {
        let mut config = AuthConfig::default();
        config.group_roles.insert("sec".into(), Role::Security);
        config.group_roles.insert("nlp-leads".into(), Role::TenantLead);
        config.group_roles.insert("vision-leads".into(), Role::TenantLead);
        config.group_tenants.insert("nlp-leads".into(), vec!["nlp".into()]);
        config.group_tenants.insert("vision-leads".into(), vec!["vision".into(), "nlp".into()]);
        config
    }

    fn identity(groups: &[&str]) -> Identity {
        Identity { user: "ana".into(), groups: groups.iter().map(|g| g.to_string()).collect(), signed_in_at: 0 }
    }

    #[test]
    fn a_lead_in_two_groups_sees_the_union_of_their_tenants() {
        let viewer = viewer_for(&identity(&["nlp-leads", "vision-leads"]), &config()).unwrap();
        assert_eq!(viewer.role, Role::TenantLead);
        assert_eq!(viewer.tenants, vec!["nlp".to_string(), "vision".to_string()]);
    }

    #[test]
    fn the_most_privileged_mapped_role_wins() {
        let viewer = viewer_for(&identity(&["nlp-leads", "sec"]), &config()).unwrap();
        assert_eq!(viewer.role, Role::Security);
    }

    #[test]
    fn groups_that_map_to_no_role_give_no_viewer() {
        assert_eq!(viewer_for(&identity(&["interns"]), &config()), None);
        assert_eq!(viewer_for(&identity(&[]), &config()), None);
    }
}
