//! What a framework is made of: controls, each with how it is assessed.

use serde::Serialize;

use crate::rules::{Rule, catalogue};

/// How a control is assessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AssessmentKind {
    /// The rules decide the control from what the API shows.
    Automated,
    /// The rules cover part of the control; the rest needs a person's review.
    Partial,
    /// Needs an attestation: nothing in the API can show it.
    Manual,
    /// Concerns something the Kubernetes API does not expose (node files, etcd, the network).
    NotAssessable,
}

impl AssessmentKind {
    /// The kebab-case name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            AssessmentKind::Automated => "automated",
            AssessmentKind::Partial => "partial",
            AssessmentKind::Manual => "manual",
            AssessmentKind::NotAssessable => "not-assessable",
        }
    }

    /// All kinds, in reporting order.
    pub const ALL: [AssessmentKind; 4] =
        [AssessmentKind::Automated, AssessmentKind::Partial, AssessmentKind::Manual, AssessmentKind::NotAssessable];
}

/// One control of a framework.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Control {
    /// The control's id within its framework (`5.2.2`, `privileged`, `rbac`).
    pub id: &'static str,
    pub title: &'static str,
    pub assessment: AssessmentKind,
}

/// A compliance framework.
#[derive(Debug, Serialize)]
pub struct Framework {
    /// The prefix rules use in their controls (`pss`, `cis`, `nsa`).
    pub id: &'static str,
    pub name: &'static str,
    pub version: &'static str,
    pub controls: &'static [Control],
}

impl Framework {
    /// The rules whose findings evidence `control`.
    pub fn rules_for(&self, control: &str) -> Vec<&'static Rule> {
        let reference = format!("{}:{control}", self.id);
        catalogue().into_iter().filter(|r| r.controls.contains(&reference.as_str())).collect()
    }

    /// How many controls are assessed each way.
    pub fn counts(&self) -> Vec<(AssessmentKind, usize)> {
        AssessmentKind::ALL.iter().map(|k| (*k, self.controls.iter().filter(|c| c.assessment == *k).count())).collect()
    }

    /// Looks a control up by id.
    pub fn control(&self, id: &str) -> Option<&Control> {
        self.controls.iter().find(|c| c.id == id)
    }
}

pub(crate) const fn control(id: &'static str, title: &'static str, assessment: AssessmentKind) -> Control {
    Control { id, title, assessment }
}
