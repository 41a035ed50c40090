//! PDF compliance reports. A [`ReportData`] value (read by the server through the viewer's
//! scope) is typeset by Typst in-process, with embedded fonts and the charts as vector
//! graphics; no browser, no external process, no database or HTTP here. The SHA-256 of the
//! data snapshot is printed in every footer; [`seal`] adds an optional Ed25519 signature.

mod layout;
mod model;
pub mod sample;
pub mod seal;
mod world;

pub use model::*;

use sha2::{Digest, Sha256};
use typst_layout::PagedDocument;

/// The Typst template every report is set with.
const TEMPLATE: &str = include_str!("template.typ");

/// What can go wrong making a report.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the report data could not be encoded: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("the report could not be typeset: {0}")]
    Typeset(String),
    #[error("{0}")]
    Signature(String),
}

/// A rendered report.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub pdf: Vec<u8>,
    /// Hex SHA-256 of the data snapshot (the JSON of the [`ReportData`]).
    pub snapshot_sha256: String,
    pub pages: usize,
}

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Typesets `data` into a PDF. The same data always gives the same bytes.
pub fn render(data: &ReportData) -> Result<Rendered, Error> {
    let snapshot = serde_json::to_vec(data)?;
    let snapshot_sha256 = sha256_hex(&snapshot);
    let meta = serde_json::to_vec(&layout::layout(data, &snapshot_sha256))?;
    let mut files = vec![("/data.json".to_string(), snapshot), ("/meta.json".to_string(), meta)];
    for (index, chart) in data.charts.iter().enumerate() {
        files.push((format!("/chart-{index}.svg"), chart.svg.clone().into_bytes()));
    }
    let world = world::ReportWorld::new(TEMPLATE, files, data.generated_at.date_naive());
    let document: PagedDocument = typst::compile(&world).output.map_err(|errors| {
        Error::Typeset(errors.iter().map(|e| e.message.to_string()).collect::<Vec<_>>().join("; "))
    })?;
    let options = typst_pdf::PdfOptions {
        ident: typst::foundations::Smart::Custom(snapshot_sha256.clone()),
        ..typst_pdf::PdfOptions::default()
    };
    let pdf = typst_pdf::pdf(&document, &options).map_err(|errors| {
        Error::Typeset(errors.iter().map(|e| e.message.to_string()).collect::<Vec<_>>().join("; "))
    })?;
    Ok(Rendered { pdf, snapshot_sha256, pages: document.pages().len() })
}
