//! JUnit XML for CI systems: one test case per rule; a rule with findings fails, listing them,
//! and a rule that could not be assessed is skipped.

use domain::Finding;
use domain::rules::catalogue;

use super::manifests::Manifests;

/// The results as a JUnit XML report.
pub fn render(
    manifests: &Manifests,
    findings: &[Finding],
    not_assessable: &[(&'static str, String)],
    rules: &[&str],
) -> String {
    let rules: Vec<_> = catalogue().into_iter().filter(|r| rules.contains(&r.id)).collect();
    let failures = rules.iter().filter(|r| findings.iter().any(|f| f.rule == r.id)).count();
    let skipped = rules.iter().filter(|r| not_assessable.iter().any(|(id, _)| *id == r.id)).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"rampart\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\">\n",
        rules.len()
    ));
    out.push_str(&format!(
        "  <testsuite name=\"rampart scan\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\" errors=\"0\">\n",
        rules.len()
    ));
    for rule in rules {
        let hits: Vec<&Finding> = findings.iter().filter(|f| f.rule == rule.id).collect();
        let name = xml_escape(&format!("{}: {}", rule.id, rule.title));
        let class = xml_escape(rule.category.as_str());
        out.push_str(&format!("    <testcase classname=\"{class}\" name=\"{name}\">\n"));
        if let Some((_, why)) = not_assessable.iter().find(|(id, _)| *id == rule.id) {
            out.push_str(&format!("      <skipped message=\"not assessable: {}\"/>\n", xml_escape(why)));
        } else if !hits.is_empty() {
            let worst = hits.iter().map(|f| f.severity).max().unwrap_or(rule.severity);
            out.push_str(&format!("      <failure type=\"{worst}\" message=\"{} finding(s)\">", hits.len()));
            for f in hits {
                let object = f.object.to_string();
                let source = manifests.source_of(&f.object).unwrap_or("-");
                out.push_str(&xml_escape(&format!("[{}] {object} ({source}): {}\n", f.severity, f.message)));
            }
            out.push_str("</failure>\n");
        }
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// Escapes text for XML attribute values and character data.
fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}
