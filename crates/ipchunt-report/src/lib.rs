//! ipchunt's report stage: detections written as a terminal table, JSON
//! lines or Timesketch-ready CSV, and the summary that closes every run.
//!
//! A [`Render`] turns one detection into bytes and may run on several
//! threads at once; a [`DetectionWriter`] writes them in order. A streaming
//! hunt renders and writes each detection as soon as it is found; a hunt
//! over files renders its sorted detections on every core.

mod csv_out;
mod jsonl;
mod keyfields;
mod summary;
mod table;
mod writer;

pub use csv_out::CsvRender;
pub use jsonl::JsonlRender;
pub use keyfields::{KeyField, key_fields};
pub use summary::{RunSummary, Totals};
pub use table::{TableRender, basename, clean, fit};
pub use writer::{DetectionWriter, Investigated, Render, RenderedOut};

/// The output formats of `ipchunt hunt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Jsonl,
    Csv,
}
