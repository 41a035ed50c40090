//! `rampart scan`: the same rules over manifests on disk, with no database.
//!
//! Reads YAML (multi-document) and JSON files, directories of them, and `kind: List` documents
//! as `kubectl get -o yaml` writes them. Findings are reported against the objects as written.

pub mod junit;
mod manifests;
pub mod sarif;
pub mod table;

use std::process::ExitCode;

use domain::rules::RuleSettings;
use domain::{Finding, ObjectRef, Severity};

use super::cli::{ScanArgs, ScanFormat};

pub use manifests::{Manifests, ScanError, load};

/// One finding as `rampart scan --format json` prints it.
#[derive(Debug, serde::Serialize)]
pub struct ScanFinding<'a> {
    pub rule: &'a str,
    pub severity: Severity,
    pub object: &'a ObjectRef,
    pub container: Option<&'a str>,
    pub message: &'a str,
    pub controls: &'a [String],
    pub source: Option<&'a str>,
    pub evidence: &'a [String],
}

/// Which findings a scan reports.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// Only these rules; empty means all.
    pub rules: Vec<String>,
    /// Never these rules.
    pub skip_rules: Vec<String>,
    pub min_severity: Option<Severity>,
}

/// What a scan found, after filtering.
#[derive(Debug)]
pub struct ScanResult {
    /// The most severe first.
    pub findings: Vec<Finding>,
    /// Rules that could not be assessed on these manifests, with why.
    pub not_assessable: Vec<(&'static str, String)>,
    /// The rules the filters kept.
    pub rules: Vec<&'static str>,
}

/// Runs the rules over the manifests and applies the filters. An unknown rule id in the
/// filters is an error naming it.
pub fn scan(manifests: &Manifests, settings: &RuleSettings, filters: &Filters) -> Result<ScanResult, String> {
    let catalogue = domain::rules::catalogue();
    for id in filters.rules.iter().chain(&filters.skip_rules) {
        if !catalogue.iter().any(|r| r.id == id) {
            return Err(format!("unknown rule {id:?} (see `rampart rules`)"));
        }
    }
    let kept = |id: &str| {
        (filters.rules.is_empty() || filters.rules.iter().any(|r| r == id))
            && !filters.skip_rules.iter().any(|r| r == id)
    };
    let evaluation = domain::rules::evaluate_with(&manifests.inventory, settings);
    let mut findings: Vec<Finding> = evaluation
        .findings
        .into_iter()
        .filter(|f| kept(&f.rule) && filters.min_severity.is_none_or(|min| f.severity >= min))
        .collect();
    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.object.cmp(&b.object)));
    Ok(ScanResult {
        findings,
        not_assessable: evaluation.not_assessable.into_iter().filter(|(id, _)| kept(id)).collect(),
        rules: catalogue.iter().map(|r| r.id).filter(|id| kept(id)).collect(),
    })
}

/// The findings as `{"findings": [...]}` JSON.
pub fn to_json(manifests: &Manifests, findings: &[Finding]) -> String {
    let items: Vec<ScanFinding<'_>> = findings
        .iter()
        .map(|f| ScanFinding {
            rule: &f.rule,
            severity: f.severity,
            object: &f.object,
            container: f.container.as_deref(),
            message: &f.message,
            controls: &f.controls,
            source: manifests.source_of(&f.object),
            evidence: &f.evidence,
        })
        .collect();
    #[derive(serde::Serialize)]
    struct Report<'a> {
        findings: Vec<ScanFinding<'a>>,
    }
    serde_json::to_string_pretty(&Report { findings: items }).unwrap_or_default()
}

/// The findings as an aligned text table.
pub fn to_table(manifests: &Manifests, findings: &[Finding]) -> String {
    let mut rows = vec![["SEVERITY", "RULE", "OBJECT", "CONTAINER", "MESSAGE", "SOURCE"].map(String::from).to_vec()];
    for f in findings {
        let object = f.object.to_string();
        rows.push(vec![
            f.severity.to_string(),
            f.rule.clone(),
            object,
            f.container.clone().unwrap_or_else(|| "-".into()),
            f.message.clone(),
            manifests.source_of(&f.object).unwrap_or("-").to_string(),
        ]);
    }
    let mut out = table::render(&rows);
    out.push_str(&format!("{} finding(s)\n", findings.len()));
    out
}

/// Runs `rampart scan`: 2 when a file or document could not be read (after reporting
/// everything that could), else 1 when a finding reaches `--fail-on`.
pub fn run(args: &ScanArgs) -> ExitCode {
    let manifests = load(&args.paths, &args.namespace);
    let settings = RuleSettings { allowed_registries: args.allowed_registries.clone(), ..RuleSettings::default() };
    let filters =
        Filters { rules: args.rules.clone(), skip_rules: args.skip_rules.clone(), min_severity: args.min_severity };
    let result = match scan(&manifests, &settings, &filters) {
        Ok(result) => result,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let findings = &result.findings;
    match args.format {
        ScanFormat::Json => println!("{}", to_json(&manifests, findings)),
        ScanFormat::Table => print!("{}", to_table(&manifests, findings)),
        ScanFormat::Sarif => println!("{}", sarif::render(&manifests, findings)),
        ScanFormat::Junit => {
            print!("{}", junit::render(&manifests, findings, &result.not_assessable, &result.rules))
        }
    }
    for (kind, count) in &manifests.skipped {
        eprintln!("note: {count} {kind} document(s) skipped: no rule reads that kind");
    }
    for error in &manifests.errors {
        eprintln!("error: {error}");
    }
    if !manifests.errors.is_empty() {
        eprintln!("error: {} file(s) or document(s) could not be read; the rest was scanned", manifests.errors.len());
        return ExitCode::from(2);
    }
    let failing = args.fail_on.is_some_and(|threshold| findings.iter().any(|f| f.severity >= threshold));
    if failing { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}
