//! ResourceQuota usage: used against hard, per resource.

use serde::{Deserialize, Serialize};

use crate::inventory::Inventory;
use crate::quantity::parse_quantity;

/// The share of a quota resource's hard limit at and above which it counts as nearly full, in
/// percent: highlighted and counted on the Quotas page.
pub const NEARLY_FULL_PCT: f64 = 90.0;

/// One resource of one ResourceQuota.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuotaUsage {
    pub namespace: String,
    pub quota: String,
    /// The resource name as written in the quota (`requests.cpu`, `nvidia.com/gpu`, `pods`).
    pub resource: String,
    pub used: f64,
    pub hard: f64,
}

impl QuotaUsage {
    /// Remaining share of the hard limit, in percent (0 when exhausted, 100 when unused).
    pub fn headroom_pct(&self) -> f64 {
        if self.hard <= 0.0 {
            return 0.0;
        }
        (100.0 * (1.0 - self.used / self.hard)).clamp(0.0, 100.0)
    }
}

/// Every resource of every ResourceQuota with a hard limit, with what is used of it.
pub fn quota_usage(inv: &Inventory) -> Vec<QuotaUsage> {
    let mut usage = Vec::new();
    for quota in &inv.resource_quotas {
        let Some(status) = &quota.status else {
            continue;
        };
        let used = status.used.clone().unwrap_or_default();
        for (resource, hard) in status.hard.iter().flatten() {
            let Some(hard) = parse_quantity(&hard.0) else {
                continue;
            };
            let used = used.get(resource).and_then(|q| parse_quantity(&q.0)).unwrap_or(0.0);
            usage.push(QuotaUsage {
                namespace: quota.metadata.namespace.clone().unwrap_or_default(),
                quota: quota.metadata.name.clone().unwrap_or_default(),
                resource: resource.clone(),
                used,
                hard,
            });
        }
    }
    usage
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_used_and_hard_from_quota_status() {
        let inv = Inventory {
            resource_quotas: vec![
                serde_json::from_value(json!({
                    "metadata": {"name": "compute", "namespace": "ml"},
                    "status": {"hard": {"requests.cpu": "8", "nvidia.com/gpu": "4"},
                               "used": {"requests.cpu": "6500m"}}
                }))
                .unwrap(),
            ],
            ..Inventory::default()
        };
        let mut usage = quota_usage(&inv);
        usage.sort_by(|a, b| a.resource.cmp(&b.resource));
        assert_eq!(usage.len(), 2);
        assert_eq!(usage[0].resource, "nvidia.com/gpu");
        assert_eq!(usage[0].used, 0.0);
        assert_eq!(usage[1].used, 6.5);
        assert!((usage[1].headroom_pct() - 18.75).abs() < 1e-9);
    }
}
