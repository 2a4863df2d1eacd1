//! Where readers send what they read: events in batches, bad records one
//! by one, and a summary per file.

use std::fmt;
use std::sync::Arc;

use ipchunt_core::{Event, Locator};

/// A record (or a whole file) that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRecord {
    pub file: Arc<str>,
    /// Where in the file; `None` when the whole file could not be read.
    pub locator: Option<Locator>,
    pub reason: String,
}

impl fmt::Display for BadRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.locator {
            Some(loc) => write!(f, "{}: {}: {}", self.file, loc, self.reason),
            None => write!(f, "{}: {}", self.file, self.reason),
        }
    }
}

/// One file's totals, handed to [`EventSink::file_done`] once the file is
/// read. `records == events + bad`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDone {
    pub file: Arc<str>,
    /// The reader's name (see [`crate::Format::name`]), or `"empty"`.
    pub format: &'static str,
    pub bytes: u64,
    pub records: u64,
    pub events: u64,
    pub bad: u64,
}

/// The consumer of what readers produce. Called from worker threads, in no
/// particular order across files; events of one batch come from one file,
/// in the file's order. A large EVTX file is read in parallel groups of
/// chunks, so its batches may arrive out of record order: each event's
/// locator says where it was.
pub trait EventSink: Sync {
    fn events(&self, batch: Vec<Event>);
    fn bad(&self, bad: BadRecord);
    fn file_done(&self, _f: &FileDone) {}
}

/// Counts of one read (a file or a part of one).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub records: u64,
    pub events: u64,
    pub bad: u64,
}

impl Counts {
    pub fn add(&mut self, o: Counts) {
        self.records += o.records;
        self.events += o.events;
        self.bad += o.bad;
    }
}

/// Batches a reader's events for the sink and counts every record: each
/// record read ends in exactly one call to [`Emitter::event`] or
/// [`Emitter::bad`], which is what makes the totals reconcile.
pub struct Emitter<'s> {
    sink: &'s dyn EventSink,
    file: Arc<str>,
    batch: Vec<Event>,
    batch_size: usize,
    counts: Counts,
}

impl<'s> Emitter<'s> {
    pub fn new(sink: &'s dyn EventSink, file: Arc<str>, batch_size: usize) -> Self {
        let batch_size = batch_size.max(1);
        Emitter {
            sink,
            file,
            batch: Vec::new(),
            batch_size,
            counts: Counts::default(),
        }
    }

    pub fn file(&self) -> &Arc<str> {
        &self.file
    }

    pub fn event(&mut self, ev: Event) {
        self.counts.records += 1;
        self.counts.events += 1;
        self.batch.push(ev);
        if self.batch.len() >= self.batch_size {
            self.flush();
        }
    }

    pub fn bad(&mut self, locator: Option<Locator>, reason: impl Into<String>) {
        self.counts.records += 1;
        self.counts.bad += 1;
        self.sink.bad(BadRecord {
            file: self.file.clone(),
            locator,
            reason: reason.into(),
        });
    }

    fn flush(&mut self) {
        if !self.batch.is_empty() {
            // The next batch grows as needed: a file of three records
            // should not pay for a thousand.
            self.sink.events(std::mem::take(&mut self.batch));
        }
    }

    /// Hands over the last events and returns the counts.
    pub fn finish(mut self) -> Counts {
        self.flush();
        self.counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_record_display_names_file_record_reason() {
        let b = BadRecord {
            file: "a.evtx".into(),
            locator: Some(Locator::EvtxRecord(12)),
            reason: "boom".into(),
        };
        assert_eq!(b.to_string(), "a.evtx: record 12: boom");
        let b = BadRecord { locator: None, ..b };
        assert_eq!(b.to_string(), "a.evtx: boom");
    }
}
