//! A sink that keeps everything, and helpers to run a reader over a fixture
//! (tests of the Linux, macOS and Defender readers).

use std::sync::{Arc, Mutex};

use ipchunt_core::{Event, Taxonomy};

use super::ReadCtx;
use crate::sink::{BadRecord, Counts, EventSink};

#[derive(Default)]
pub struct Collect {
    pub events: Mutex<Vec<Event>>,
    pub bad: Mutex<Vec<BadRecord>>,
}

impl EventSink for Collect {
    fn events(&self, batch: Vec<Event>) {
        self.events.lock().unwrap().extend(batch);
    }
    fn bad(&self, bad: BadRecord) {
        self.bad.lock().unwrap().push(bad);
    }
}

pub struct Run {
    pub events: Vec<Event>,
    pub bad: Vec<BadRecord>,
    pub counts: Counts,
    pub tax: Arc<Taxonomy>,
}

impl Run {
    /// The text of a field of event `i`, by any name the taxonomy resolves.
    pub fn text(&self, i: usize, field: &str) -> Option<String> {
        self.events[i]
            .get_by_name(&self.tax, field)
            .and_then(|v| v.text().map(|t| t.into_owned()))
    }

    /// The index of the first event whose `field` reads `value`.
    pub fn find(&self, field: &str, value: &str) -> Option<usize> {
        (0..self.events.len()).find(|i| self.text(*i, field).as_deref() == Some(value))
    }

    pub fn assert_reconciles(&self) {
        assert_eq!(self.counts.records, self.counts.events + self.counts.bad);
        assert_eq!(self.counts.events as usize, self.events.len());
        assert_eq!(self.counts.bad as usize, self.bad.len());
    }
}

/// Runs `read` over `bytes` as if they were the file `name`.
pub fn run(
    name: &str,
    bytes: &[u8],
    read: impl FnOnce(&[u8], &Arc<str>, &ReadCtx<'_>, &dyn EventSink) -> Counts,
) -> Run {
    let tax = Taxonomy::builtin();
    let names = crate::names::NameTables::new(&tax);
    let ctx = ReadCtx {
        tax: &tax,
        names: &names,
        keep_raw: true,
        batch_size: 3,
    };
    let sink = Collect::default();
    let file: Arc<str> = name.into();
    let counts = read(bytes, &file, &ctx, &sink);
    let run = Run {
        events: sink.events.into_inner().unwrap(),
        bad: sink.bad.into_inner().unwrap(),
        counts,
        tax: tax.clone(),
    };
    run.assert_reconciles();
    run
}
