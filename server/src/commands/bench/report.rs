//! `rampart bench report`: typesets a 50-tenant report with 1,000 open findings (made-up data of
//! the real shape) and prints seconds, bytes and pages, ending with `report_s=N`.

use std::time::Instant;

/// Renders the sample report `runs` times, each with a different generation time (so its digest,
/// and every page's footer, differ and nothing is served from Typst's memo cache), and reports
/// the slowest: the first run also loads the fonts, as the first report after start does.
pub(super) fn run(tenants: usize, findings: usize, runs: usize) -> anyhow::Result<()> {
    anyhow::ensure!(runs > 0, "--runs must be at least 1");
    let mut data = report::sample::sample(tenants, findings);
    let mut seconds = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        data.generated_at += chrono::Duration::seconds(1);
        data.open_findings.rotate_left(1);
        let started = Instant::now();
        let rendered = report::render(&data)?;
        seconds.push(started.elapsed().as_secs_f64());
        last = Some(rendered);
    }
    let rendered = last.expect("at least one run");
    let slowest = seconds.iter().copied().fold(0.0, f64::max);
    println!(
        "{tenants} tenants, {findings} findings: {} pages, {} bytes; runs {:?}",
        rendered.pages,
        rendered.pdf.len(),
        seconds.iter().map(|s| format!("{s:.2}s")).collect::<Vec<_>>()
    );
    println!("report_s={slowest:.2} bytes={} pages={}", rendered.pdf.len(), rendered.pages);
    Ok(())
}
