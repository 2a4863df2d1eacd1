//! Throughput of the EVTX reader against its parse floor: the `evtx` crate
//! alone rendering every record as JSON, in this process.
//!
//! ```text
//! parse_floor floor-files THREADS PATH...  # evtx crate, files in parallel, one parser thread each
//! parse_floor floor-chunks THREADS PATH... # evtx crate, files one by one, its own chunk pipeline on THREADS
//! parse_floor ingest THREADS PATH...       # ipchunt-ingest: records to Events, handed to a sink
//! ```
//!
//! Each prints records, bytes and seconds on one line. Run it under
//! `hyperfine` (see docs/performance.md).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use evtx::{EvtxParser, ParserSettings};
use ipchunt_core::{Event, Taxonomy};
use ipchunt_ingest::{BadRecord, EventSink, IngestOptions, ingest};
use rayon::prelude::*;

fn files(paths: &[PathBuf]) -> Vec<PathBuf> {
    fn walk(p: &Path, out: &mut Vec<PathBuf>) {
        if p.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
                .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
                .unwrap_or_default();
            entries.sort();
            for e in entries {
                walk(&e, out);
            }
        } else {
            out.push(p.to_path_buf());
        }
    }
    let mut out = Vec::new();
    for p in paths {
        walk(p, &mut out);
    }
    out
}

/// Renders every record of `path` as JSON; returns (records, errors).
fn render(path: &Path, threads: usize) -> (u64, u64) {
    let Ok(parser) = EvtxParser::from_path(path) else {
        return (0, 1);
    };
    let settings = ParserSettings::new().indent(false).num_threads(threads);
    let mut parser = parser.with_configuration(settings);
    let (mut ok, mut bad) = (0, 0);
    for r in parser.records_json_bytes() {
        match r {
            Ok(r) => {
                std::hint::black_box(&r.data);
                ok += 1;
            }
            Err(_) => bad += 1,
        }
    }
    (ok, bad)
}

#[derive(Default)]
struct Count(AtomicU64, AtomicU64);

impl EventSink for Count {
    fn events(&self, batch: Vec<Event>) {
        self.0.fetch_add(batch.len() as u64, Ordering::Relaxed);
        std::hint::black_box(batch);
    }
    fn bad(&self, _: BadRecord) {
        self.1.fetch_add(1, Ordering::Relaxed);
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        eprintln!("usage: parse_floor floor-files|floor-chunks|ingest THREADS PATH...");
        std::process::exit(2);
    }
    let threads: usize = args[1].parse().unwrap_or(0);
    let paths: Vec<PathBuf> = args[2..].iter().map(PathBuf::from).collect();
    let list = files(&paths);
    let bytes: u64 = list
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    let start = Instant::now();
    let (records, bad) = match args[0].as_str() {
        "floor-files" => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("thread pool");
            pool.install(|| {
                list.par_iter()
                    .map(|f| render(f, 1))
                    .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
            })
        }
        "floor-chunks" => list
            .iter()
            .map(|f| render(f, threads))
            .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1)),
        "ingest" => {
            let tax = Taxonomy::builtin();
            let sink = Count::default();
            let opts = IngestOptions {
                threads,
                keep_raw: false,
                batch_size: 1024,
            };
            let r = ingest(&paths, &opts, &tax, &sink);
            assert_eq!(r.events, sink.0.load(Ordering::Relaxed));
            (r.events, r.bad_records + r.files_failed)
        }
        other => {
            eprintln!("unknown mode {other}");
            std::process::exit(2);
        }
    };
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{} threads={threads} files={} records={records} bad={bad} MB={:.1} secs={secs:.3} records/s={:.0} MB/s={:.0}",
        args[0],
        list.len(),
        bytes as f64 / 1e6,
        records as f64 / secs,
        bytes as f64 / 1e6 / secs
    );
}
