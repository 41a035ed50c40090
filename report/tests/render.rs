//! Reports rendered and read back with `pdftotext` (poppler-utils, installed by scripts/test).

use std::process::Command;

fn text_of(pdf: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("rampart-report-{}-{}", std::process::id(), pdf.len()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("report.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = Command::new("pdftotext")
        .arg("-layout")
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(out.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_report_reads_back_with_its_scope_scores_controls_and_snapshot_digest() {
    let data = report::sample::sample(3, 30);
    let rendered = report::render(&data).unwrap();
    assert!(rendered.pdf.starts_with(b"%PDF-"));
    assert!(rendered.pages >= 6, "cover, contents, sections and appendices: {} pages", rendered.pages);
    let text = text_of(&rendered.pdf);
    for expected in [
        "Compliance report: all tenants",
        "2026-10-29 00:00 UTC to 2026-11-28 00:00 UTC (asked)",
        "team000, team001, team002",
        "auditor@example.test",
    ] {
        assert!(text.contains(expected), "the cover names {expected:?}");
    }
    for tenant in &data.tenants {
        assert!(text.contains(&format!("{:.1}", tenant.score)), "the score of {} is shown", tenant.tenant);
    }
    for framework in &data.frameworks {
        for control in &framework.controls {
            assert!(text.contains(&control.id), "control {} is listed", control.id);
        }
    }
    for section in
        ["Contents", "Executive summary", "Method", "Exceptions", "Top findings", "Trends", "Appendix A", "Appendix B"]
    {
        assert!(text.contains(section), "section {section}");
    }
    assert!(text.contains(&rendered.snapshot_sha256[..16]), "the footer carries the snapshot digest");
    assert!(text.contains("Page 2 of"), "pages are numbered");
    assert!(text.contains("The GPU driver"), "exceptions carry their justification");
}

#[test]
fn the_same_data_gives_the_same_bytes_and_a_change_a_new_digest() {
    let data = report::sample::sample(2, 5);
    let (a, b) = (report::render(&data).unwrap(), report::render(&data).unwrap());
    assert_eq!(a.pdf, b.pdf);
    let mut changed = data.clone();
    changed.tenants[0].score += 1.0;
    assert_ne!(report::render(&changed).unwrap().snapshot_sha256, a.snapshot_sha256);
}

#[test]
fn the_method_section_states_the_weights_the_score_uses() {
    use domain::Severity;
    use domain::score::severity_weight;
    let rendered = report::render(&report::sample::sample(1, 3)).unwrap();
    let text = text_of(&rendered.pdf).split_whitespace().collect::<Vec<_>>().join(" ");
    for severity in [Severity::Critical, Severity::High, Severity::Medium, Severity::Low] {
        let stated = format!("{severity} {}", severity_weight(severity));
        assert!(text.contains(&stated), "the method states {stated:?}");
    }
    for factor in [
        domain::exposure::INTERNET_FACING_FACTOR,
        domain::exposure::HOST_ACCESS_FACTOR,
        domain::exposure::SECRETS_ACCESS_FACTOR,
    ] {
        assert!(text.contains(&format!("×{factor}")), "the method states the exposure factor {factor}");
    }
    assert!(!text.contains("replicated"), "replication is no exposure factor");
}
