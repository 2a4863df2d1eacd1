//! Windows binary event logs (`.evtx`), read with the `evtx` crate.
//!
//! A file is a 4 KiB header and 64 KiB chunks that stand alone (each has
//! its own string and template tables). Files of more than
//! [`UNIT_CHUNKS`] chunks are cut into groups of chunks (about four per
//! worker thread) read in parallel;
//! each group is presented to the `evtx` parser as a file of its own (the
//! real header followed by the group's chunks), so that compiled templates
//! are shared within the group. Each record is rendered as compact JSON
//! and parsed straight into an [`Event`] (see [`super::winjson`]).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::ops::Range;
use std::sync::Arc;

use evtx::err::EvtxError;
use evtx::{EvtxFileHeader, EvtxParser, ParserSettings, SerializedEvtxRecord};
use ipchunt_core::{Event, Locator, Provenance, Raw};
use rayon::prelude::*;

use super::winjson::parse_event_json;
use super::{InputFile, ReadCtx, ReadError};
use crate::names::FieldNames;
use crate::sink::{Counts, Emitter, EventSink};

const HEADER: u64 = 4096;
const CHUNK: u64 = 65536;
/// The fewest chunks in a unit of parallel work (2 MiB).
pub const UNIT_CHUNKS: u64 = 32;
pub const MAGIC: &[u8] = b"ElfFile\0";
// The header is read from the bytes the sniffer saw.
const _: () = assert!(super::HEAD_LEN >= HEADER as usize);

pub fn sniff(head: &[u8]) -> bool {
    head.starts_with(MAGIC)
}

/// The parser settings ipchunt renders with: compact JSON, attributes
/// under `#attributes`.
pub fn settings() -> ParserSettings {
    ParserSettings::new().indent(false)
}

pub fn read(
    input: &InputFile,
    ctx: &ReadCtx<'_>,
    sink: &dyn EventSink,
) -> Result<Counts, ReadError> {
    let len = input.len;
    if len < HEADER || input.head.len() < HEADER as usize {
        return Err(ReadError::Invalid(format!(
            "truncated EVTX file: {len} bytes, shorter than its 4096-byte header"
        )));
    }
    let header = &input.head[..HEADER as usize];
    EvtxFileHeader::from_bytes(header)
        .map_err(|e| ReadError::Invalid(format!("bad EVTX file header: {e}")))?;
    let header: Arc<[u8]> = header.into();
    let chunks = (len - HEADER) / CHUNK;
    let tail = (len - HEADER) % CHUNK;
    // A few units per worker: enough to balance the load, few enough that
    // each unit's compiled templates serve many chunks.
    let workers = rayon::current_num_threads() as u64;
    let per_unit = UNIT_CHUNKS.max(chunks.div_ceil(4 * workers));
    let units: Vec<Range<u64>> = (0..chunks.div_ceil(per_unit))
        .map(|u| u * per_unit..((u + 1) * per_unit).min(chunks))
        .collect();
    let read_one = |r: &Range<u64>| read_unit(input, &header, r.clone(), ctx, sink);
    let mut counts = if units.len() == 1 {
        read_one(&units[0])
    } else {
        units
            .par_iter()
            .map(read_one)
            .reduce(Counts::default, |mut a, b| {
                a.add(b);
                a
            })
    };
    if tail != 0 {
        let mut em = Emitter::new(sink, input.name.clone(), 1);
        em.bad(
            Some(Locator::Offset(HEADER + chunks * CHUNK)),
            format!(
                "file ends inside a chunk ({tail} of {CHUNK} bytes); that chunk's records are lost"
            ),
        );
        counts.add(em.finish());
    }
    Ok(counts)
}

/// Reads chunks `chunks` of the file.
fn read_unit(
    input: &InputFile,
    header: &Arc<[u8]>,
    chunks: Range<u64>,
    ctx: &ReadCtx<'_>,
    sink: &dyn EventSink,
) -> Counts {
    let mut em = Emitter::new(sink, input.name.clone(), ctx.batch_size);
    let first = chunks.start;
    let view = match input.open() {
        Ok(file) => ChunkView::new(file, header.clone(), chunks),
        Err(e) => {
            em.bad(
                Some(chunk_offset(first)),
                format!("cannot read chunks: {e}"),
            );
            return em.finish();
        }
    };
    let mut parser = match EvtxParser::from_read_seek(view) {
        Ok(p) => p.with_configuration(settings()),
        Err(e) => {
            em.bad(Some(chunk_offset(first)), describe(&e, first));
            return em.finish();
        }
    };
    let mut names = FieldNames::with_tables(ctx.tax, ctx.names, "security");
    for item in parser.records_json_bytes() {
        match item {
            Ok(rec) => record_to_event(rec, &input.name, ctx.keep_raw, &mut names, &mut em),
            Err(e) => em.bad(Some(locator(&e, first)), describe(&e, first)),
        }
    }
    em.finish()
}

/// Turns one rendered record into an event (or a bad record).
pub fn record_to_event(
    rec: SerializedEvtxRecord<Vec<u8>>,
    file: &Arc<str>,
    keep_raw: bool,
    names: &mut FieldNames<'_>,
    em: &mut Emitter<'_>,
) {
    let loc = Locator::EvtxRecord(rec.event_record_id);
    let mut ev = Event::new(Provenance::new(file.clone(), loc, "evtx"));
    match parse_event_json(&rec.data, names, &mut ev) {
        Ok(meta) if meta.found_event => {
            if ev.prov.timestamp.is_none() {
                ev.prov.timestamp = Some(rec.timestamp);
            }
            if keep_raw {
                let text = String::from_utf8(rec.data)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
                ev.raw = Some(Raw::Json(text.into_boxed_str()));
            }
            em.event(ev);
        }
        Ok(_) => em.bad(Some(loc), "record has no Event element"),
        Err(e) => em.bad(
            Some(loc),
            format!("record did not render as valid JSON: {e}"),
        ),
    }
}

fn chunk_offset(chunk: u64) -> Locator {
    Locator::Offset(HEADER + chunk * CHUNK)
}

/// Where an error of the parser of a unit starting at chunk `first` is.
fn locator(e: &EvtxError, first: u64) -> Locator {
    match e {
        EvtxError::FailedToParseRecord { record_id, .. } => Locator::EvtxRecord(*record_id),
        EvtxError::FailedToParseChunk { chunk_id, .. } => chunk_offset(first + chunk_id),
        EvtxError::FailedToReadRecordAt {
            chunk: Some(c),
            offset,
            ..
        } => Locator::Offset(HEADER + (first + c) * CHUNK + offset),
        _ => chunk_offset(first),
    }
}

/// The error and its causes in one line. Chunk numbers are the file's.
fn describe(e: &EvtxError, first: u64) -> String {
    use std::error::Error;
    let mut out = match e {
        EvtxError::FailedToParseChunk { chunk_id, .. } => {
            format!("cannot read chunk {}", first + chunk_id)
        }
        EvtxError::FailedToReadRecordAt { .. } => "cannot read the record".to_owned(),
        other => other.to_string(),
    };
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

/// A range of a file's chunks behind its header, seen as a file of its own.
pub struct ChunkView {
    file: File,
    header: Arc<[u8]>,
    /// Where the range starts in the real file.
    base: u64,
    len: u64,
    pos: u64,
    /// The real file's position, when known.
    file_pos: Option<u64>,
}

impl ChunkView {
    pub fn new(file: File, header: Arc<[u8]>, chunks: Range<u64>) -> Self {
        let n = chunks.end.saturating_sub(chunks.start);
        ChunkView {
            file,
            header,
            base: HEADER + chunks.start * CHUNK,
            len: HEADER + n * CHUNK,
            pos: 0,
            file_pos: None,
        }
    }
}

impl Read for ChunkView {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.len {
            return Ok(0);
        }
        if self.pos < HEADER {
            let start = self.pos as usize;
            let n = buf.len().min(self.header.len() - start);
            buf[..n].copy_from_slice(&self.header[start..start + n]);
            self.pos += n as u64;
            return Ok(n);
        }
        let want = self.base + (self.pos - HEADER);
        if self.file_pos != Some(want) {
            self.file.seek(SeekFrom::Start(want))?;
        }
        let room = (self.len - self.pos).min(buf.len() as u64) as usize;
        let n = self.file.read(&mut buf[..room])?;
        self.pos += n as u64;
        self.file_pos = Some(want + n as u64);
        Ok(n)
    }
}

impl Seek for ChunkView {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        match target {
            Some(p) => {
                self.pos = p;
                Ok(p)
            }
            None => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start",
            )),
        }
    }
}
