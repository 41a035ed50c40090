//! Who signed in, as kept in the session, and how the configured mappings turn their groups
//! into a [`Viewer`]: a role and, for tenant leads, tenants.

use chrono::{DateTime, Utc};
use domain::access::{Role, Viewer};
use serde::{Deserialize, Deserializer, Serialize};

use crate::config::AuthConfig;

/// A signed-in identity, stored in the server-side session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub user: String,
    pub groups: Vec<String>,
    /// When the user signed in, to the microsecond: the start of the absolute session lifetime,
    /// and what a later password change is compared with.
    #[serde(deserialize_with = "instant_or_unix_seconds")]
    pub signed_in_at: DateTime<Utc>,
}

impl Identity {
    /// `user` with `groups`, signed in now.
    pub fn signed_in_now(user: String, groups: Vec<String>) -> Self {
        Identity { user, groups, signed_in_at: Utc::now() }
    }

    /// True when the password changed at or after this sign-in, so the session must end. Compared
    /// at full precision: a change in the same second as the sign-in ends it too.
    pub fn predates_password_change(&self, password_changed_at: DateTime<Utc>) -> bool {
        password_changed_at >= self.signed_in_at
    }
}

/// A sign-in time as sessions store it, or as Unix seconds (sessions made before it was kept to
/// the microsecond), so an upgrade signs nobody out.
fn instant_or_unix_seconds<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Stored {
        At(DateTime<Utc>),
        Seconds(i64),
    }
    match Stored::deserialize(deserializer)? {
        Stored::At(at) => Ok(at),
        Stored::Seconds(seconds) => {
            DateTime::from_timestamp(seconds, 0).ok_or_else(|| serde::de::Error::custom("sign-in time out of range"))
        }
    }
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
        Identity::signed_in_now("ana".into(), groups.iter().map(|g| g.to_string()).collect())
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

    #[test]
    fn a_password_change_in_the_same_second_as_the_sign_in_ends_the_session() {
        let signed_in_at = DateTime::parse_from_rfc3339("2026-12-01T12:00:00.100Z").unwrap().to_utc();
        let identity = Identity { user: "ana".into(), groups: vec![], signed_in_at };
        let same_second = DateTime::parse_from_rfc3339("2026-12-01T12:00:00.600Z").unwrap().to_utc();
        assert!(identity.predates_password_change(same_second));
        let before = DateTime::parse_from_rfc3339("2026-12-01T12:00:00.050Z").unwrap().to_utc();
        assert!(!identity.predates_password_change(before), "a change before the sign-in keeps it");
    }

    #[test]
    fn sessions_stored_with_unix_seconds_still_read() {
        let old: Identity =
            serde_json::from_str(r#"{"user":"ana","groups":["sec"],"signed_in_at":1764590400}"#).unwrap();
        assert_eq!(old.signed_in_at.timestamp(), 1_764_590_400);
        let new: Identity = serde_json::from_str(&serde_json::to_string(&old).unwrap()).unwrap();
        assert_eq!(new, old);
    }
}
