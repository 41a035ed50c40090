//! The compliance heatmap: controls down, tenants across, a cell per status.

use domain::compliance::ControlStatus;
use plotters::prelude::*;

use super::style::{INK, finish};

/// One cell: a control's status for a tenant.
#[derive(Debug, Clone, PartialEq)]
pub struct HeatCell {
    pub row: usize,
    pub column: usize,
    pub status: ControlStatus,
}

fn colour(status: ControlStatus) -> RGBColor {
    match status {
        ControlStatus::Pass => RGBColor(0x2f, 0x85, 0x5a),
        ControlStatus::Fail => RGBColor(0xb3, 0x13, 0x2b),
        ControlStatus::Partial => RGBColor(0xd9, 0x48, 0x0f),
        ControlStatus::Manual => RGBColor(0x9a, 0xa4, 0xb0),
        ControlStatus::NotAssessable => RGBColor(0xd9, 0xde, 0xe4),
    }
}

/// Pixels per cell and for the labels.
const CELL: u32 = 20;
const ROW_LABELS: u32 = 90;
const COLUMN_LABELS: u32 = 90;

/// Controls (`rows`) by tenants (`columns`); statuses not given are blank.
pub fn heatmap(title: &str, rows: &[String], columns: &[String], cells: &[HeatCell]) -> String {
    // Wide enough for the legend's five entries however few tenants there are.
    let width = (ROW_LABELS + CELL * columns.len().max(1) as u32 + 8).max(5 * 96);
    let height = COLUMN_LABELS + CELL * rows.len().max(1) as u32 + 28;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let label = TextStyle::from(("sans-serif", 11).into_font()).color(&INK);
        for (i, row) in rows.iter().enumerate() {
            let y = (COLUMN_LABELS + CELL * i as u32 + 13) as i32;
            let _ = root.draw(&Text::new(row.clone(), (4, y), label.clone()));
        }
        let vertical = label.transform(FontTransform::Rotate270);
        for (j, column) in columns.iter().enumerate() {
            let x = (ROW_LABELS + CELL * j as u32 + 13) as i32;
            let _ = root.draw(&Text::new(column.clone(), (x, (COLUMN_LABELS - 4) as i32), vertical.clone()));
        }
        for cell in cells {
            let x = (ROW_LABELS + CELL * cell.column as u32) as i32;
            let y = (COLUMN_LABELS + CELL * cell.row as u32) as i32;
            let rect = Rectangle::new(
                [(x + 1, y + 1), (x + CELL as i32 - 1, y + CELL as i32 - 1)],
                colour(cell.status).filled(),
            );
            let _ = root.draw(&rect);
        }
        let legend_y = (height - 14) as i32;
        let legend = [
            ControlStatus::Pass,
            ControlStatus::Partial,
            ControlStatus::Fail,
            ControlStatus::Manual,
            ControlStatus::NotAssessable,
        ];
        for (i, status) in legend.into_iter().enumerate() {
            let x = 4 + i as i32 * 96;
            let _ = root.draw(&Rectangle::new([(x, legend_y - 5), (x + 10, legend_y + 5)], colour(status).filled()));
            let _ = root.draw(&Text::new(status.as_str(), (x + 14, legend_y + 4), label.clone()));
        }
        let _ = root.present();
    }
    finish(svg, "heatmap", title)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_a_cell_per_status_are_drawn() {
        let rows = vec!["cis:5.2.2".to_string(), "cis:5.1.1".to_string()];
        let columns = vec!["nlp".to_string(), "vision".to_string()];
        let cells = vec![
            HeatCell { row: 0, column: 0, status: ControlStatus::Fail },
            HeatCell { row: 1, column: 1, status: ControlStatus::Pass },
        ];
        let svg = heatmap("CIS by tenant", &rows, &columns, &cells);
        for text in ["cis:5.2.2", "vision", "not-assessable", "<title>CIS by tenant</title>"] {
            assert!(svg.contains(text), "{text}");
        }
        assert!(svg.to_lowercase().contains("#b3132b") && svg.to_lowercase().contains("#2f855a"));
    }
}
