//! Charts: plotters drawing to SVG strings that pages inline. Every chart has labelled axes, a
//! `<title>` for assistive technology, and the one colour per severity used everywhere.

mod gauge;
mod heatmap;
mod style;
mod trend;

pub use gauge::{Measure, gauge, severity_bar};
pub use heatmap::{HeatCell, heatmap};
pub use style::SEVERITY_COLOURS;
pub use trend::{severity_stack, sparkline, trend};
