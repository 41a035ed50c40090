//! `rampart report`: generate a report to a file, verify a report file, make a signing key.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use chrono::Utc;
use db::Scope;

use super::cli::{GenerateReportArgs, ReportAction, ReportArgs};
use crate::config::Config;
use crate::reports::{ReportRequest, Requester, generate_and_store, signing_key};

/// Runs one `rampart report` command.
pub async fn run(
    args: ReportArgs,
    config: &Config,
    pool: impl AsyncFnOnce() -> anyhow::Result<crate::database::Database>,
) -> anyhow::Result<ExitCode> {
    match args.action {
        Some(ReportAction::Keygen { out }) => keygen(&out).map(|()| ExitCode::SUCCESS),
        Some(ReportAction::Verify { file, public_key }) => {
            let database = pool().await?;
            let code = verify(&database.pool, config, &file, public_key.as_deref()).await;
            database.close().await?;
            code
        }
        None => {
            let database = pool().await?;
            let code = generate(&database.pool, config, &args.generate).await;
            database.close().await?;
            code
        }
    }
}

async fn generate(pool: &db::PgPool, config: &Config, args: &GenerateReportArgs) -> anyhow::Result<ExitCode> {
    let Some(out) = &args.out else { anyhow::bail!("--out FILE is required: where to write the PDF") };
    anyhow::ensure!(args.all || !args.tenants.is_empty(), "name the tenants to cover with --tenant T, or use --all");
    let to = args.to.unwrap_or_else(Utc::now);
    let from = args.from.unwrap_or(to - chrono::Duration::days(30));
    let request = ReportRequest { tenants: args.tenants.clone(), frameworks: args.frameworks.clone(), from, to };
    let by = args
        .by
        .clone()
        .unwrap_or_else(|| format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "unknown".into())));
    let key = signing_key(config)?;
    let requester = Requester { name: &by, source_addr: None, schedule: None, signing_key: key.as_deref() };
    let stored = match generate_and_store(pool, &Scope::AllTenants, &request, &requester).await {
        Ok(stored) => stored,
        Err(error) => {
            eprintln!("error: {error}; no file written");
            return Ok(ExitCode::from(2));
        }
    };
    let partial = out.with_extension("pdf.partial");
    std::fs::write(&partial, &stored.bytes).with_context(|| format!("cannot write {}", partial.display()))?;
    std::fs::rename(&partial, out).with_context(|| format!("cannot write {}", out.display()))?;
    println!(
        "report #{} written to {}: {} pages, {} bytes, data snapshot SHA-256 {}{}",
        stored.report_id,
        out.display(),
        stored.pages,
        stored.bytes.len(),
        stored.snapshot_sha256,
        if key.is_some() { ", signed" } else { "" }
    );
    Ok(ExitCode::SUCCESS)
}

async fn verify(
    pool: &db::PgPool,
    config: &Config,
    file: &std::path::Path,
    public_key: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let trusted = match public_key {
        Some(key) => Some(key.to_string()),
        None => signing_key(config)?.map(|pem| report::seal::public_key_hex(&pem)).transpose()?,
    };
    let (pdf, seal) = report::seal::split(&bytes);
    let stored = db::reports::find_by_pdf_sha256(pool, &report::sha256_hex(pdf)).await?;
    let mut ok = true;
    if seal.is_some() {
        match report::seal::verify(&bytes, trusted.as_deref()) {
            Ok(verified) => {
                let trust =
                    if trusted.is_some() { "the trusted key" } else { "a key not checked against any trusted key" };
                println!("signature: valid, by {trust} ({})", verified.public_key);
            }
            Err(error) => {
                println!("signature: INVALID: {error}");
                ok = false;
            }
        }
    } else {
        println!("signature: none");
    }
    match &stored {
        Some(row) => println!(
            "stored: report #{} \"{}\", generated {} by {}, data snapshot SHA-256 {}",
            row.report_id,
            row.title,
            row.created_at.format("%Y-%m-%d %H:%M UTC"),
            row.created_by,
            row.snapshot_sha256
        ),
        None => {
            println!("stored: no stored report has exactly this PDF");
            ok &= seal.is_some();
        }
    }
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn keygen(out: &std::path::Path) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let pem = report::seal::generate_key_pem()?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(out)
        .with_context(|| format!("cannot create {} (an existing key is never overwritten)", out.display()))?;
    file.write_all(pem.as_bytes())?;
    println!("signing key written to {}", out.display());
    println!("public key (give it to verifiers): {}", report::seal::public_key_hex(&pem)?);
    println!("to sign reports, set in the configuration:\n[reports]\nsigning_key = \"{}\"", out.display());
    Ok(())
}
