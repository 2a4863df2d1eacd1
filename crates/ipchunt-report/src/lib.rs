//! ipchunt's report stage: detections written as a terminal table, JSON
//! lines or Timesketch-ready CSV, and the summary that closes every run.
//!
//! Writers take one detection at a time, so a streaming hunt prints each
//! detection as soon as it is found.

mod csv_out;
mod jsonl;
mod keyfields;
mod summary;
mod table;

use std::io;

use ipchunt_core::Detection;

pub use csv_out::CsvWriter;
pub use jsonl::{JsonlWriter, detection_json};
pub use keyfields::{KeyField, key_fields};
pub use summary::{RunSummary, Totals};
pub use table::{TableWriter, basename, clean, fit};

/// The output formats of `ipchunt hunt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Jsonl,
    Csv,
}

/// Something that writes detections one by one.
pub trait DetectionWriter {
    /// Writes one detection; `extra` is investigation output to attach
    /// (escalation decision, process chain...), when there is any.
    fn write(&mut self, d: &Detection, extra: Option<&serde_json::Value>) -> io::Result<()>;
    /// Flushes whatever is buffered.
    fn finish(&mut self) -> io::Result<()>;
}
