//! Pod Security Standards: one control per pod-security-admission check of the latest policy,
//! built from the checks themselves (`rules::pod_security::checks`), so ids and titles are
//! written once.

use super::control::AssessmentKind::Automated;
use super::control::{Control, Framework, control};
use crate::rules::pod_security::checks::{CHECK_COUNT, CHECK_TABLE};

/// The Pod Security Standards, baseline and restricted.
pub static PSS: Framework = Framework {
    id: "pss",
    name: "Pod Security Standards",
    version: "latest (Kubernetes 1.37 pod-security-admission policy)",
    controls: &CONTROLS,
};

static CONTROLS: [Control; CHECK_COUNT] = {
    let mut controls = [control("", "", Automated); CHECK_COUNT];
    let mut i = 0;
    while i < CHECK_COUNT {
        controls[i] = control(CHECK_TABLE[i].id, CHECK_TABLE[i].title, Automated);
        i += 1;
    }
    controls
};
