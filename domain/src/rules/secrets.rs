//! Secrets hygiene: credentials in plain ConfigMaps and literal env values, and Secrets handed
//! to processes as environment variables. Findings name the key, never the value.

use crate::containers::containers;
use crate::finding::{ObjectRef, Severity};
use crate::rules::rule::{Category, Outcome, Rule, RuleInput, custom_rule};
use crate::secret_like::secret_reason;

/// The secrets rules.
pub static RULES: [Rule; 3] = [
    custom_rule(
        "secrets.configmap-secret",
        "Secret in a ConfigMap",
        Category::Secrets,
        Severity::High,
        "ConfigMaps are not secret: they are readable by anyone with `get configmaps`, shown in \
         dashboards and logged by tools. A credential in one is a credential published.",
        "Move the value into a Secret (better: an external secret store) and reference it:\n\n\
         env:\n  - name: DATABASE_PASSWORD\n    valueFrom:\n      secretKeyRef: {name: db, key: password}",
        &["nsa:secrets"],
        configmap_secret,
    ),
    custom_rule(
        "secrets.env-literal-secret",
        "Secret written into a container's environment",
        Category::Secrets,
        Severity::High,
        "A credential written literally into a pod template is stored in the workload object, \
         its history and every copy of the manifest.",
        "Reference a Secret instead of writing the value:\n\nvalueFrom:\n  secretKeyRef: {name: app, key: token}",
        &["nsa:secrets"],
        env_literal_secret,
    ),
    custom_rule(
        "secrets.secret-in-env",
        "Secret passed as an environment variable",
        Category::Secrets,
        Severity::Info,
        "Environment variables leak into crash dumps, child processes and debug endpoints; Secrets \
         mounted as files do not.",
        "Mount the Secret as a volume and read it from the file.",
        &["cis:5.4.1", "nsa:secrets"],
        secret_in_env,
    ),
];

fn configmap_secret(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    let threshold = input.settings.entropy_threshold;
    let mut out = Vec::new();
    for map in &input.inventory.config_maps {
        for (key, value) in map.data.iter().flatten() {
            if let Some(reason) = secret_reason(key, value, threshold) {
                let message = format!("ConfigMap key {key:?} holds {reason}");
                out.push(rule.finding(
                    ObjectRef::from_meta("ConfigMap", &map.metadata),
                    None,
                    message,
                    vec![format!("data.{key}")],
                ));
            }
        }
    }
    Ok(out)
}

fn env_literal_secret(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    let threshold = input.settings.entropy_threshold;
    let mut out = Vec::new();
    for site in input.sites.iter() {
        for c in containers(site.spec) {
            for (i, var) in c.env.iter().enumerate() {
                let Some(value) = var.value.as_deref() else {
                    continue;
                };
                if let Some(reason) = secret_reason(&var.name, value, threshold) {
                    let message = format!("env {:?} of container {:?} holds {reason}", var.name, c.name);
                    let path = site.path(&format!("{}.env[{i}].value", c.path()));
                    out.push(rule.finding(site.object(), Some(c.name), message, vec![path]));
                }
            }
        }
    }
    Ok(out)
}

fn secret_in_env(rule: &Rule, input: &RuleInput<'_>) -> Outcome {
    let mut out = Vec::new();
    for site in input.sites.iter() {
        for c in containers(site.spec) {
            let mut evidence = Vec::new();
            for (i, var) in c.env.iter().enumerate() {
                if var.value_from.as_ref().is_some_and(|f| f.secret_key_ref.is_some()) {
                    evidence.push(site.path(&format!("{}.env[{i}].valueFrom.secretKeyRef", c.path())));
                }
            }
            for (i, from) in c.env_from.iter().enumerate() {
                if from.secret_ref.is_some() {
                    evidence.push(site.path(&format!("{}.envFrom[{i}].secretRef", c.path())));
                }
            }
            if !evidence.is_empty() {
                let message = format!("container {:?} receives Secrets as environment variables", c.name);
                out.push(rule.finding(site.object(), Some(c.name), message, evidence));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::inventory::Inventory;
    use crate::rules::fixture::{deployment, obj, rule_ids};
    use serde_json::json;

    const PLANTED: &str = "Pl4nted-S3cret-Value-0x9f2c";

    fn config_map(key: &str, value: &str) -> Inventory {
        Inventory {
            config_maps: vec![obj(json!({"metadata": {"name": "app", "namespace": "x"}, "data": {key: value}}))],
            ..Inventory::default()
        }
    }

    #[test]
    fn configmap_password_fails_without_quoting_the_value() {
        let findings = rule_ids(&config_map("DB_PASSWORD", PLANTED), "secrets.configmap-secret");
        assert_eq!(findings.len(), 1);
        assert!(findings[0].message.contains("DB_PASSWORD"));
        assert!(!format!("{findings:?}").contains(PLANTED), "the value never reaches a finding");
    }

    #[test]
    fn plain_configmap_passes() {
        assert!(rule_ids(&config_map("LOG_LEVEL", "debug"), "secrets.configmap-secret").is_empty());
    }

    #[test]
    fn literal_env_token_fails_and_secret_reference_is_only_informational() {
        let literal = deployment(
            "x",
            "api",
            json!({"containers": [{"name": "c", "env": [{"name": "API_TOKEN", "value": PLANTED}]}]}),
        );
        let findings = rule_ids(&literal, "secrets.env-literal-secret");
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].evidence, ["spec.template.spec.containers[0].env[0].value"]);
        assert!(!format!("{findings:?}").contains(PLANTED));

        let reference = deployment(
            "x",
            "api",
            json!({"containers": [{"name": "c", "env": [
            {"name": "API_TOKEN", "valueFrom": {"secretKeyRef": {"name": "api", "key": "token"}}}]}]}),
        );
        assert!(rule_ids(&reference, "secrets.env-literal-secret").is_empty());
        assert_eq!(rule_ids(&reference, "secrets.secret-in-env").len(), 1);
        assert!(rule_ids(&literal, "secrets.secret-in-env").is_empty());
    }
}
