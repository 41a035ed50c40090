//! [`FindingRef`]: the columns every finding row repeats (which rule, how severe, on which
//! object), typed once and flattened into each row.

use domain::{ObjectRef, Severity};
use serde::{Deserialize, Serialize};

/// Which rule found what, how severe, on which object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct FindingRef {
    pub rule_id: String,
    #[sqlx(try_from = "String")]
    pub severity: Severity,
    pub object_kind: String,
    pub object_namespace: Option<String>,
    pub object_name: String,
}

impl FindingRef {
    /// The object the finding is about.
    pub fn object(&self) -> ObjectRef {
        ObjectRef {
            kind: self.object_kind.clone(),
            namespace: self.object_namespace.clone(),
            name: self.object_name.clone(),
        }
    }
}
