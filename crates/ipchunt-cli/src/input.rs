//! What the command line says about the input it read: bad records as they
//! come, and the one-line account of a read.

use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use ipchunt_ingest::{BadRecord, IngestReport};

use crate::progress::Progress;

/// Bad-input lines shown on standard error before the rest are only counted.
pub const BAD_SHOWN: u64 = 20;

/// Reports bad records: all of them to a file given with --bad-log, else
/// the first [`BAD_SHOWN`] to standard error and a count of the rest.
pub struct BadReporter {
    pub out: Mutex<Option<Box<dyn Write + Send>>>,
    pub shown: AtomicU64,
}

impl BadReporter {
    pub fn new(out: Option<Box<dyn Write + Send>>) -> Self {
        BadReporter {
            out: Mutex::new(out),
            shown: AtomicU64::new(0),
        }
    }

    pub fn report(&self, bad: &BadRecord, progress: &Progress) {
        if let Ok(mut guard) = self.out.lock()
            && let Some(w) = guard.as_mut()
        {
            // A failing bad-record log must not stop the hunt.
            let _ = writeln!(w, "{bad}");
            return;
        }
        let n = self.shown.fetch_add(1, Ordering::Relaxed);
        if n < BAD_SHOWN {
            progress.println(&format!("ipchunt: bad input: {bad}"));
        } else if n == BAD_SHOWN {
            progress.println("ipchunt: more bad input follows; from here on it is only counted");
        }
    }
}

/// The one-line account of what was read, for commands without a summary.
pub fn read_line(report: &IngestReport) -> String {
    format!(
        "ipchunt: {} events read from {} files ({} records = {} parsed + {} bad; {} files unreadable or of unknown format)",
        report.events,
        report.files_read,
        report.records,
        report.events,
        report.bad_records,
        report.files_failed
    )
}
