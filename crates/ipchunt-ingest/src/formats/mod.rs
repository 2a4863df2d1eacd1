//! The readers, one module per input format, and the table that picks one
//! by looking at a file's first bytes.
//!
//! # Adding a format
//!
//! A reader is a module here with two functions, registered in [`READERS`]:
//!
//! - `fn sniff(head: &[u8]) -> bool`: whether the file's first bytes (up to
//!   [`HEAD_LEN`] of them) are this format. Content only, never the file
//!   name. Put stricter sniffers before looser ones in the table.
//! - `fn read(input: &InputFile, ctx: &ReadCtx, sink: &dyn EventSink) ->
//!   Result<Counts, ReadError>`: reads the whole file. It opens it with
//!   [`InputFile::open`] (or from `input.path`), streams it (memory must not grow with the file:
//!   never collect the file's events or bytes), and reports each record
//!   through an [`Emitter`](crate::sink::Emitter): `event` for each event,
//!   `bad` with a locator and a reason for each record it cannot read, then
//!   `finish` for the counts it returns. It returns `Err` only when the file
//!   as a whole cannot be read (the caller reports that). It runs on the
//!   ingest thread pool and may split its work with rayon (the EVTX reader
//!   reads groups of chunks in parallel). It never panics on input.

use std::fs::File;
use std::io::{Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use ipchunt_core::Taxonomy;

use crate::sink::{Counts, EventSink};

pub mod auditd;
pub mod defender;
pub mod eslogger;
pub mod evtx;
mod fill;
pub mod flat;
pub mod json;
mod jsonrecs;
mod pidmap;
pub mod sysmon_linux;
#[cfg(test)]
mod testsink;
mod textlines;
pub mod winjson;
pub mod xml;

/// How many leading bytes sniffers see.
pub const HEAD_LEN: usize = 4096;

/// The input formats ipchunt reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// Windows binary event logs.
    Evtx,
    /// Windows event XML (one `<Event>` or many).
    Xml,
    /// JSON or JSONL: `evtx_dump` records, Winlogbeat / Elastic Agent ECS
    /// documents, flat Splunk-style exports; one object per line, pretty
    /// printed objects one after another, or a top-level array.
    Json,
    /// Linux audit logs (raw or enriched `audit.log`).
    Auditd,
    /// Sysmon for Linux events in syslog lines or journal JSON.
    SysmonLinux,
    /// macOS Endpoint Security JSON lines as `eslogger` writes them.
    Eslogger,
    /// Defender for Endpoint Advanced Hunting exports (CSV or JSON).
    Defender,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Evtx => "evtx",
            Format::Xml => "xml",
            Format::Json => "json",
            Format::Auditd => "auditd",
            Format::SysmonLinux => "sysmon-linux",
            Format::Eslogger => "eslogger",
            Format::Defender => "defender",
        }
    }
}

/// What a reader needs besides the file.
#[derive(Debug, Clone, Copy)]
pub struct ReadCtx<'a> {
    pub tax: &'a Taxonomy,
    /// The taxonomy's names, resolved once for all files: readers make their
    /// [`FieldNames`](crate::names::FieldNames) with
    /// [`FieldNames::with_tables`](crate::names::FieldNames::with_tables).
    pub names: &'a crate::names::NameTables,
    /// Keep each record's original text in [`ipchunt_core::Event::raw`].
    pub keep_raw: bool,
    /// Events per batch handed to the sink.
    pub batch_size: usize,
}

/// A file to read.
#[derive(Debug)]
pub struct InputFile {
    pub path: PathBuf,
    /// The name events and errors give the file.
    pub name: Arc<str>,
    pub len: u64,
    /// Its first bytes, up to [`HEAD_LEN`].
    pub head: Vec<u8>,
    /// The handle the head was read with, for the reader to reuse.
    handle: Mutex<Option<File>>,
}

impl InputFile {
    pub fn new(
        path: PathBuf,
        name: Arc<str>,
        len: u64,
        head: Vec<u8>,
        handle: Option<File>,
    ) -> Self {
        InputFile {
            path,
            name,
            len,
            head,
            handle: Mutex::new(handle),
        }
    }

    /// The file, open at its start: the handle its head was read with the
    /// first time, a new one after.
    pub fn open(&self) -> std::io::Result<File> {
        let kept = self.handle.lock().ok().and_then(|mut h| h.take());
        match kept {
            Some(mut f) => {
                f.seek(SeekFrom::Start(0))?;
                Ok(f)
            }
            None => File::open(&self.path),
        }
    }
}

/// Why a file could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read file: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Invalid(String),
}

pub type SniffFn = fn(&[u8]) -> bool;
pub type ReadFn = fn(&InputFile, &ReadCtx<'_>, &dyn EventSink) -> Result<Counts, ReadError>;

/// One registered reader.
pub struct Reader {
    pub format: Format,
    pub sniff: SniffFn,
    pub read: ReadFn,
}

/// The readers, in sniffing order: the first whose `sniff` accepts a file
/// reads it.
pub static READERS: &[Reader] = &[
    Reader {
        format: Format::Evtx,
        sniff: evtx::sniff,
        read: evtx::read,
    },
    Reader {
        format: Format::Auditd,
        sniff: auditd::sniff,
        read: auditd::read,
    },
    Reader {
        format: Format::SysmonLinux,
        sniff: sysmon_linux::sniff,
        read: sysmon_linux::read,
    },
    Reader {
        format: Format::Eslogger,
        sniff: eslogger::sniff,
        read: eslogger::read,
    },
    Reader {
        format: Format::Defender,
        sniff: defender::sniff,
        read: defender::read,
    },
    Reader {
        format: Format::Xml,
        sniff: xml::sniff,
        read: xml::read,
    },
    Reader {
        format: Format::Json,
        sniff: json::sniff,
        read: json::read,
    },
];

/// The format of a file, from its first bytes.
pub fn sniff(head: &[u8]) -> Option<Format> {
    reader_for(head).map(|r| r.format)
}

pub(crate) fn reader_for(head: &[u8]) -> Option<&'static Reader> {
    READERS.iter().find(|r| (r.sniff)(head))
}

/// The first byte that is not whitespace or a UTF-8 byte order mark.
pub(crate) fn skip_space(head: &[u8]) -> &[u8] {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    &head[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_content() {
        assert_eq!(sniff(b"ElfFile\0rest"), Some(Format::Evtx));
        assert_eq!(
            sniff(b"\xEF\xBB\xBF  <?xml version=\"1.0\"?><Events>"),
            Some(Format::Xml)
        );
        assert_eq!(sniff(b"<Event xmlns='x'>"), Some(Format::Xml));
        assert_eq!(sniff(b"\n{\"a\":1}"), Some(Format::Json));
        assert_eq!(sniff(b"[{\"a\":1}]"), Some(Format::Json));
        assert_eq!(sniff(b"MZ\x90\0"), None);
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(b"<html>"), None);
    }
}
