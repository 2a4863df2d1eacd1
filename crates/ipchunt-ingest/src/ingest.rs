//! Walking the input paths and reading the files in parallel.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ipchunt_core::Taxonomy;
use rayon::prelude::*;

use crate::formats::{HEAD_LEN, InputFile, READERS, ReadCtx, reader_for};
use crate::names::NameTables;
use crate::sink::{BadRecord, EventSink, FileDone};

/// How to ingest.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// Keep each record's original text in the events.
    pub keep_raw: bool,
    /// Events per batch handed to the sink.
    pub batch_size: usize,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            threads: 0,
            keep_raw: false,
            batch_size: 1024,
        }
    }
}

/// Totals of one ingest. `records == events + bad_records`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IngestReport {
    /// Files found (given, or under the given directories), read or not.
    pub files_seen: u64,
    pub files_read: u64,
    /// Paths that could not be read at all; each was reported as a
    /// [`BadRecord`] without locator.
    pub files_failed: u64,
    pub bytes: u64,
    pub records: u64,
    pub events: u64,
    pub bad_records: u64,
    /// Files read per format.
    pub by_format: BTreeMap<&'static str, u64>,
    /// Events per format.
    pub events_by_format: BTreeMap<&'static str, u64>,
    /// Wall-clock time of the ingest.
    pub elapsed: Duration,
}

impl IngestReport {
    pub(crate) fn add_file(report: &Mutex<IngestReport>, f: &FileDone) {
        let mut r = report.lock().unwrap_or_else(|p| p.into_inner());
        r.files_read += 1;
        r.bytes += f.bytes;
        r.records += f.records;
        r.events += f.events;
        r.bad_records += f.bad;
        *r.by_format.entry(f.format).or_default() += 1;
        *r.events_by_format.entry(f.format).or_default() += f.events;
    }

    /// Whether every file was read and every record in them was good.
    pub fn is_clean(&self) -> bool {
        self.files_failed == 0 && self.bad_records == 0
    }
}

/// Reads every file under `paths` (files, or directories walked
/// recursively) and hands their events to `sink`. Runs on a thread pool of
/// `opts.threads` workers built for the call.
pub fn ingest(
    paths: &[PathBuf],
    opts: &IngestOptions,
    tax: &Taxonomy,
    sink: &dyn EventSink,
) -> IngestReport {
    let started = Instant::now();
    let report = Mutex::new(IngestReport::default());
    let names = NameTables::new(tax);
    let ctx = ReadCtx {
        tax,
        names: &names,
        keep_raw: opts.keep_raw,
        batch_size: opts.batch_size.max(1),
    };
    let mut files = Vec::new();
    for p in paths {
        walk(p, true, &mut files, sink, &report);
    }
    let fail = |name: &Path, reason: String| fail(name, reason, sink, &report);
    let run = || {
        files
            .par_iter()
            .for_each(|path| read_file(path, &ctx, sink, &report, &fail));
    };
    match rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build()
    {
        Ok(pool) => pool.install(run),
        // No pool (threads could not be started): read on this thread.
        Err(_) => files
            .iter()
            .for_each(|path| read_file(path, &ctx, sink, &report, &fail)),
    }
    let mut r = report.into_inner().unwrap_or_else(|p| p.into_inner());
    r.files_seen += files.len() as u64;
    r.elapsed = started.elapsed();
    r
}

fn fail(path: &Path, reason: String, sink: &dyn EventSink, report: &Mutex<IngestReport>) {
    report
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .files_failed += 1;
    sink.bad(BadRecord {
        file: path.display().to_string().into(),
        locator: None,
        reason,
    });
}

/// Collects the files under `path`. Links to directories are followed only
/// when given by the user (`top`), so that a loop cannot trap the walk.
fn walk(
    path: &Path,
    top: bool,
    out: &mut Vec<PathBuf>,
    sink: &dyn EventSink,
    report: &Mutex<IngestReport>,
) {
    let meta = if top {
        fs::metadata(path)
    } else {
        fs::symlink_metadata(path)
    };
    let meta = match meta {
        Ok(m) => m,
        Err(e) => {
            report.lock().unwrap_or_else(|p| p.into_inner()).files_seen += 1;
            return fail(path, format!("cannot read: {e}"), sink, report);
        }
    };
    if meta.is_dir() {
        let entries = match fs::read_dir(path) {
            Ok(e) => e,
            Err(e) => {
                report.lock().unwrap_or_else(|p| p.into_inner()).files_seen += 1;
                return fail(path, format!("cannot list directory: {e}"), sink, report);
            }
        };
        let mut children: Vec<(PathBuf, Option<fs::FileType>)> = entries
            .filter_map(|e| e.ok().map(|e| (e.path(), e.file_type().ok())))
            .collect();
        children.sort_by(|a, b| a.0.cmp(&b.0));
        for (c, kind) in children {
            // Most entries are plain files: no need to ask the file system
            // again what they are.
            match kind {
                Some(k) if k.is_file() => out.push(c),
                _ => walk(&c, false, out, sink, report),
            }
        }
    } else if meta.file_type().is_symlink() {
        // A link found inside a directory: follow it if it leads to a file.
        if fs::metadata(path).is_ok_and(|m| m.is_file()) {
            out.push(path.to_path_buf());
        }
    } else {
        out.push(path.to_path_buf());
    }
}

fn read_file(
    path: &Path,
    ctx: &ReadCtx<'_>,
    sink: &dyn EventSink,
    report: &Mutex<IngestReport>,
    fail: &(dyn Fn(&Path, String) + Sync),
) {
    let input = match open(path) {
        Ok(i) => i,
        Err(e) => return fail(path, format!("cannot read: {e}")),
    };
    let done = |format: &'static str, c: crate::sink::Counts| {
        let done = FileDone {
            file: input.name.clone(),
            format,
            bytes: input.len,
            records: c.records,
            events: c.events,
            bad: c.bad,
        };
        IngestReport::add_file(report, &done);
        sink.file_done(&done);
    };
    if input.head.iter().all(|b| b.is_ascii_whitespace()) && input.len <= HEAD_LEN as u64 {
        return done("empty", Default::default());
    }
    let Some(reader) = reader_for(&input.head) else {
        let known: Vec<&str> = READERS.iter().map(|r| r.format.name()).collect();
        return fail(
            path,
            format!(
                "unknown format: the content is none of {}",
                known.join(", ")
            ),
        );
    };
    match (reader.read)(&input, ctx, sink) {
        Ok(c) => done(reader.format.name(), c),
        Err(e) => fail(path, format!("{} reader: {e}", reader.format.name())),
    }
}

fn open(path: &Path) -> std::io::Result<InputFile> {
    let mut f = File::open(path)?;
    let len = f.metadata()?.len();
    // Read exactly the head (no probing read past it).
    let mut head = vec![0; HEAD_LEN.min(len as usize)];
    let mut got = 0;
    while got < head.len() {
        match f.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    head.truncate(got);
    Ok(InputFile::new(
        path.to_path_buf(),
        path.display().to_string().into(),
        len,
        head,
        Some(f),
    ))
}
