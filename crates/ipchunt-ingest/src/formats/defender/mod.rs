//! Microsoft Defender for Endpoint Advanced Hunting exports: CSV (a header
//! row, then one row per event, RFC 4180 quoting) or JSON (JSONL, or a
//! top-level array of row objects). Rows of `DeviceProcessEvents`,
//! `DeviceNetworkEvents`, `DeviceImageLoadEvents`, `DeviceRegistryEvents`,
//! `DeviceFileEvents` and `DeviceEvents` (`NamedPipeEvent` and the others)
//! are mapped onto Sysmon's field names (see [`table`] and `docs/inputs.md`).
//!
//! The table of a row is the value of a `Table`, `TableName`, `$table` or
//! `Type` column when the export has one (`union withsource=TableName ...`
//! writes it; Sentinel's `Type` holds it), else it follows from the row's
//! `ActionType`, whose values are specific to each table.

mod table;
mod values;

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::Read;
use std::rc::Rc;
use std::sync::Arc;

use ipchunt_core::{Event, Locator};
use serde_json::Value as J;

use super::jsonrecs::{each_object, head_has_keys};
use super::textlines::head_lines;
use super::{InputFile, ReadCtx, ReadError, skip_space};
use crate::names::FieldNames;
use crate::sink::{Counts, Emitter, EventSink};

pub use table::{Table, identify};

/// The columns every Advanced Hunting table has.
const COMMON: [&str; 2] = ["Timestamp", "ActionType"];
const DEVICE: [&str; 2] = ["DeviceName", "DeviceId"];

/// The header cells of a CSV head, unquoted.
fn header_cells(line: &str) -> Vec<String> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(line.as_bytes());
    let mut rec = csv::StringRecord::new();
    match rdr.read_record(&mut rec) {
        Ok(true) => rec.iter().map(|c| c.trim().to_owned()).collect(),
        _ => Vec::new(),
    }
}

fn is_csv(head: &[u8]) -> bool {
    let Some(first) = head_lines(head, 1).first().copied() else {
        return false;
    };
    if matches!(
        skip_space(first.as_bytes()).first(),
        Some(b'{' | b'[' | b'<')
    ) {
        return false;
    }
    let cells = header_cells(first);
    let has = |n: &str| cells.iter().any(|c| c == n);
    COMMON.iter().all(|c| has(c)) && DEVICE.iter().any(|c| has(c))
}

fn is_json(head: &[u8]) -> bool {
    head_has_keys(head, &COMMON) && DEVICE.iter().any(|d| head_has_keys(head, &[d]))
}

/// Whether the head is a Defender export: a CSV header or a first JSON row
/// with `Timestamp`, `ActionType` and `DeviceName` or `DeviceId`.
pub fn sniff(head: &[u8]) -> bool {
    is_json(head) || is_csv(head)
}

pub fn read(
    input: &InputFile,
    ctx: &ReadCtx<'_>,
    sink: &dyn EventSink,
) -> Result<Counts, ReadError> {
    let f = input.open()?;
    Ok(if is_json(&input.head) {
        read_json(f, &input.name, ctx, sink)
    } else {
        read_csv(f, &input.name, ctx, sink)
    })
}

/// Reads a JSON export (JSONL or an array of row objects).
pub fn read_json<R: Read>(
    src: R,
    name: &Arc<str>,
    ctx: &ReadCtx<'_>,
    sink: &dyn EventSink,
) -> Counts {
    let mut m = table::Mapper::new(
        FieldNames::with_tables(ctx.tax, ctx.names, "defender"),
        name.clone(),
        ctx.keep_raw,
    );
    each_object(src, name, ctx.batch_size, sink, |bytes, line| {
        let row: serde_json::Map<String, J> =
            serde_json::from_slice(bytes).map_err(|e| format!("invalid JSON row: {e}"))?;
        let cols: Vec<(&str, &J)> = row.iter().map(|(k, v)| (k.as_str(), v)).collect();
        let raw = ctx
            .keep_raw
            .then(|| String::from_utf8_lossy(bytes).into_owned());
        m.map(&cols, Locator::Line(line), raw).map(Some)
    })
}

/// Counts the line breaks a reader passes, so that a CSV row can be
/// located by the line it starts on (the `csv` crate's own line count does
/// not include breaks inside quoted cells). Only the breaks read ahead of
/// the last row asked about are kept.
struct LineCounter<R> {
    inner: R,
    offset: u64,
    breaks: Rc<RefCell<Breaks>>,
}

#[derive(Default)]
struct Breaks {
    ahead: VecDeque<u64>,
    passed: u64,
}

impl Breaks {
    /// The 1-based line of the row at byte `at` (which, after a CRLF, the
    /// `csv` crate puts on the LF ending the row before).
    fn line_at(&mut self, at: u64) -> u64 {
        while self.ahead.front().is_some_and(|b| *b <= at) {
            self.ahead.pop_front();
            self.passed += 1;
        }
        self.passed + 1
    }
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut b = self.breaks.borrow_mut();
        for i in memchr::memchr_iter(b'\n', &buf[..n]) {
            b.ahead.push_back(self.offset + i as u64);
        }
        self.offset += n as u64;
        Ok(n)
    }
}

/// Reads a CSV export. Quoted cells may hold commas, doubled quotes and
/// line breaks; a row is located by the line it starts on.
pub fn read_csv<R: Read>(
    src: R,
    name: &Arc<str>,
    ctx: &ReadCtx<'_>,
    sink: &dyn EventSink,
) -> Counts {
    let mut em = Emitter::new(sink, name.clone(), ctx.batch_size);
    let breaks = Rc::new(RefCell::new(Breaks::default()));
    let counter = LineCounter {
        inner: src,
        offset: 0,
        breaks: breaks.clone(),
    };
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(counter);
    let line_of = |p: &csv::Position| breaks.borrow_mut().line_at(p.byte());
    let headers: Vec<String> = match rdr.byte_headers() {
        Ok(h) => h
            .iter()
            .map(|c| String::from_utf8_lossy(c).trim().to_owned())
            .collect(),
        Err(e) => {
            em.bad(
                Some(Locator::Line(1)),
                format!("unreadable CSV header: {e}"),
            );
            return em.finish();
        }
    };
    let mut m = table::Mapper::new(
        FieldNames::with_tables(ctx.tax, ctx.names, "defender"),
        name.clone(),
        ctx.keep_raw,
    );
    let mut rec = csv::ByteRecord::new();
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {
                let line = rec.position().map_or(0, line_of);
                let loc = Locator::Line(line);
                if rec.len() != headers.len() {
                    em.bad(
                        Some(loc),
                        format!("row has {} cells, the header {}", rec.len(), headers.len()),
                    );
                    continue;
                }
                let vals: Vec<J> = rec
                    .iter()
                    .map(|c| J::String(String::from_utf8_lossy(c).into_owned()))
                    .collect();
                let cols: Vec<(&str, &J)> = headers
                    .iter()
                    .map(String::as_str)
                    .zip(vals.iter())
                    .collect();
                let raw = ctx.keep_raw.then(|| {
                    let obj: serde_json::Map<String, J> = cols
                        .iter()
                        .map(|(k, v)| ((*k).to_owned(), (*v).clone()))
                        .collect();
                    J::Object(obj).to_string()
                });
                match m.map(&cols, loc, raw) {
                    Ok(ev) => em.event(ev),
                    Err(why) => em.bad(Some(loc), why),
                }
            }
            Err(e) => {
                let line = e.position().map(line_of);
                let fatal = !matches!(
                    e.kind(),
                    csv::ErrorKind::Utf8 { .. } | csv::ErrorKind::UnequalLengths { .. }
                );
                em.bad(line.map(Locator::Line), format!("bad CSV row: {e}"));
                if fatal {
                    break;
                }
            }
        }
    }
    em.finish()
}

/// One mapped row, for callers that have rows in hand (tests, other
/// exports).
pub fn map_row(
    tax: &ipchunt_core::Taxonomy,
    file: Arc<str>,
    cols: &[(&str, &J)],
    locator: Locator,
) -> Result<Event, String> {
    table::Mapper::new(FieldNames::new(tax, "defender"), file, false).map(cols, locator, None)
}

#[cfg(test)]
mod tests;
