//! ipchunt's first stage: turns log files into normalized
//! [`Event`](ipchunt_core::Event)s.
//!
//! [`ingest`] walks files and directories, picks a reader for each file by
//! its content (never its name: see [`sniff`]), reads files in parallel on a
//! thread pool of its own (large EVTX files also across groups of chunks),
//! and hands events to an [`EventSink`] in batches from the worker threads.
//! Nothing holds a whole file: memory stays flat whatever the input size.
//! [`read_stream`] reads JSON records from a stream such as stdin, handing
//! each event on as soon as its record is read.
//!
//! Readers live in [`formats`], one module per format, registered in
//! [`formats::READERS`]; the module documentation there states what a
//! reader must do. Every reader sets the provenance (channel, provider,
//! event id, computer, timestamp) whenever the record says it, so that
//! rules can be gated by the log an event came from.
//!
//! # Bad input
//!
//! A record that cannot be read is reported to the sink as a
//! [`BadRecord`] naming the file, where in it (EVTX record id, chunk
//! offset, or line) and why; reading goes on. For every file,
//! `records == events + bad`. A path that cannot be read at all (missing,
//! unreadable, of no known format, or with an unreadable EVTX header) is a
//! [`BadRecord`] without locator and counts in
//! [`IngestReport::files_failed`], not in the record counts. Empty files
//! are read as holding no records. Nothing panics on input.

pub mod formats;
mod frame;
mod ingest;
pub mod names;
pub mod sink;
mod stream;
mod utf16;

pub use formats::{Format, InputFile, ReadCtx, ReadError, sniff};
pub use ingest::{IngestOptions, IngestReport, ingest};
pub use sink::{BadRecord, Counts, Emitter, EventSink, FileDone};
pub use stream::read_stream;
