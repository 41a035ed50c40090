//! Compliance frameworks as data: each control with its assessment kind. Which rules evidence
//! a control is read from the rules' own `controls` lists, so the mapping is written once.

use serde::Serialize;

use crate::rules::{Rule, catalogue};

mod cis;
mod nsa;
mod pss;

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

/// Every framework Rampart maps its rules to.
pub fn frameworks() -> [&'static Framework; 3] {
    [&pss::PSS, &cis::CIS, &nsa::NSA]
}

/// Looks a framework up by id.
pub fn framework(id: &str) -> Option<&'static Framework> {
    frameworks().into_iter().find(|f| f.id == id)
}

pub(crate) const fn control(id: &'static str, title: &'static str, assessment: AssessmentKind) -> Control {
    Control { id, title, assessment }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_control_names_a_known_control() {
        for rule in catalogue() {
            for reference in rule.controls {
                let (fw, id) = reference.split_once(':').unwrap();
                let framework = framework(fw).unwrap_or_else(|| panic!("{}: unknown framework {fw}", rule.id));
                assert!(framework.control(id).is_some(), "{}: unknown control {reference}", rule.id);
            }
        }
    }

    #[test]
    fn assessed_controls_have_rules_and_attested_ones_have_none() {
        for framework in frameworks() {
            for control in framework.controls {
                let rules = framework.rules_for(control.id);
                match control.assessment {
                    AssessmentKind::Automated | AssessmentKind::Partial => {
                        assert!(
                            !rules.is_empty(),
                            "{}:{} is {:?} but no rule evidences it",
                            framework.id,
                            control.id,
                            control.assessment
                        )
                    }
                    AssessmentKind::Manual | AssessmentKind::NotAssessable => {
                        assert!(
                            rules.is_empty(),
                            "{}:{} is {:?} but has rules",
                            framework.id,
                            control.id,
                            control.assessment
                        )
                    }
                }
            }
        }
    }

    #[test]
    fn every_pss_check_is_an_automated_control() {
        for check in crate::rules::pod_security::checks::CHECKS.iter() {
            let control = pss::PSS.control(check.id).unwrap_or_else(|| panic!("no PSS control {}", check.id));
            assert_eq!(control.assessment, AssessmentKind::Automated);
        }
    }
}
