//! Reading a stream (stdin) of JSON records.

use std::io::BufRead;
use std::sync::{Arc, Mutex};

use ipchunt_core::Taxonomy;

use crate::formats::ReadCtx;
use crate::formats::json::read_json;
use crate::ingest::IngestReport;
use crate::names::NameTables;
use crate::sink::{EventSink, FileDone};

/// Counts the bytes read from the stream.
struct Counted<R> {
    inner: R,
    bytes: u64,
}

impl<R: BufRead> std::io::Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
}

/// Reads JSON records (JSONL, or pretty-printed objects one after another)
/// from `reader`, named `name` in events and errors. Each event goes to the
/// sink on its own as soon as its record has been read, so a consumer sees
/// events of a live stream without waiting for more input. Events keep
/// their record's text ([`ipchunt_core::Raw::Json`]).
pub fn read_stream(
    reader: impl BufRead,
    name: &str,
    tax: &Taxonomy,
    sink: &dyn EventSink,
) -> IngestReport {
    let name: Arc<str> = name.into();
    let names = NameTables::new(tax);
    let ctx = ReadCtx {
        tax,
        names: &names,
        keep_raw: true,
        batch_size: 1,
    };
    let mut src = Counted {
        inner: reader,
        bytes: 0,
    };
    let counts = read_json(&mut src, &name, &ctx, sink);
    let done = FileDone {
        file: name,
        format: "json",
        bytes: src.bytes,
        records: counts.records,
        events: counts.events,
        bad: counts.bad,
    };
    sink.file_done(&done);
    let report = Mutex::new(IngestReport::default());
    IngestReport::add_file(&report, &done);
    let mut r = report.into_inner().unwrap_or_else(|p| p.into_inner());
    r.files_seen = 1;
    r
}
