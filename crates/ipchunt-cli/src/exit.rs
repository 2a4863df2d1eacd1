//! Exit statuses (documented in README.md and docs/output.md).

use ipchunt_ingest::IngestReport;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum Exit {
    /// All input read, nothing found.
    Clean = 0,
    /// All input read, detections found (or rules rejected for `rules check`).
    Found = 1,
    /// Usage error (bad option or argument); clap uses it too.
    Usage = 2,
    /// The run could not complete (output not writable, ...).
    Fatal = 3,
    /// Some input was bad (a file unreadable or of unknown format, a record
    /// corrupt), nothing found in the rest.
    BadInput = 4,
    /// Some input was bad, and detections were found in the rest.
    BadInputFound = 5,
}

impl Exit {
    /// For commands that read logs and report no detections.
    pub fn after_read(report: &IngestReport) -> Exit {
        Exit::from_run(false, report)
    }

    pub fn from_run(found: bool, report: &IngestReport) -> Exit {
        let bad_input = !report.is_clean();
        match (found, bad_input) {
            (false, false) => Exit::Clean,
            (true, false) => Exit::Found,
            (false, true) => Exit::BadInput,
            (true, true) => Exit::BadInputFound,
        }
    }
}
