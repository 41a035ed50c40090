//! Compliance frameworks as data: each control with its assessment kind. Which rules evidence
//! a control is read from the rules' own `controls` lists, so the mapping is written once.

mod cis;
mod control;
mod nsa;
mod pss;

pub use control::{AssessmentKind, Control, Framework};

/// Every framework Rampart maps its rules to.
pub fn frameworks() -> [&'static Framework; 3] {
    [&pss::PSS, &cis::CIS, &nsa::NSA]
}

/// Looks a framework up by id.
pub fn framework(id: &str) -> Option<&'static Framework> {
    frameworks().into_iter().find(|f| f.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::catalogue;

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
