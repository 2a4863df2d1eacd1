//! `ipchunt hunt`: read, detect, correlate, investigate, report.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::sync::Mutex;
use std::sync::atomic::Ordering;
use std::time::Instant;

use anyhow::{Context, Result};
use ipchunt_core::{Detection, Level, Taxonomy};
use ipchunt_ingest::{IngestOptions, IngestReport};
use ipchunt_investigate::Investigation;
use ipchunt_report::{DetectionWriter, Investigated, RunSummary, Totals};
use ipchunt_sigma::Sources;

use crate::cli::{HuntArgs, OutputFormat};
use crate::emit::{Emitted, emit};
use crate::exit::Exit;
use crate::input::BadReporter;
use crate::investigate::{self, Annotated};
use crate::output::{open_output, open_writer};
use crate::progress::Progress;
use crate::rules::{Loaded, Ready, check_paths, prepare};
use crate::sink::{Counters, HuntSink, PENDING_EVENTS, Rules};
use crate::store::Store;
use crate::timewin::Window;

pub fn run(args: HuntArgs) -> Result<Exit> {
    let start = Instant::now();
    let tax = Taxonomy::builtin();
    let min_level: Level = match args.min_level.parse() {
        Ok(l) => l,
        Err(e) => return usage(&format!("--min-level: {e}")),
    };
    let window = match Window::parse(args.from.as_deref(), args.to.as_deref()) {
        Ok(w) => w,
        Err(e) => return usage(&format!("{e:#}")),
    };
    let streaming = args.paths.len() == 1 && args.paths[0] == std::path::Path::new("-");
    let html = args.format == Some(OutputFormat::Html);
    if html && streaming {
        return usage("--format html needs files: a report is written once the hunt ends");
    }
    if html && args.no_investigate {
        return usage("--format html shows the investigation; drop --no-investigate");
    }
    let progress = Progress::new(args.quiet);
    check_paths(&args.rules)?;
    let investigation = if args.no_investigate {
        None
    } else {
        Some(Mutex::new(investigate::build(
            tax.clone(),
            args.ioc.as_deref(),
            args.baseline.as_deref(),
            &progress,
        )?))
    };
    let mut writer: Option<DetectionWriter> = if html {
        None
    } else {
        Some(open_writer(
            args.format,
            args.output.as_deref(),
            tax.clone(),
        )?)
    };
    let bad_out: Option<Box<dyn Write + Send>> = match &args.bad_log {
        Some(p) => Some(Box::new(BufWriter::new(
            File::create(p).with_context(|| format!("cannot write {}", p.display()))?,
        ))),
        None => None,
    };

    // The rules load on their own thread while reading starts.
    let rules = Rules::new();
    let pending = Mutex::default();
    let (tx, rx) = crossbeam_channel::unbounded::<Vec<Detection>>();
    let sink = HuntSink {
        rules: &rules,
        pending: &pending,
        read_ahead: if streaming { 0 } else { PENDING_EVENTS },
        window,
        min_level,
        detections: tx,
        correlation_inputs: Mutex::new(Vec::new()),
        counters: Counters::default(),
        bad: BadReporter::new(bad_out),
        progress: &progress,
        investigation: investigation.as_ref(),
    };
    let opts = IngestOptions {
        threads: args.threads,
        keep_raw: false,
        ..IngestOptions::default()
    };

    let mut found = Store::new(args.keep_in_memory.max(1));
    let mut summary = RunSummary::default();
    let mut write_err: Option<io::Error> = None;
    let (report, correlation_inputs, counters, bad) = std::thread::scope(|s| {
        let paths = &args.paths;
        let (tax, progress, rules) = (&tax, &progress, &rules);
        let (extra, builtin, threads) = (&args.rules, !args.no_builtin, args.threads);
        let pending = &pending;
        s.spawn(move || {
            let ready = prepare(extra, builtin, tax.clone(), progress);
            if let Ok(r) = &ready {
                // The sources of the events read meanwhile get their
                // programs on all cores, each built once, before the
                // readers start matching.
                let engine = &r.loaded.engine;
                let sources = match pending.lock() {
                    Ok(p) => engine.sources_of(p.events()),
                    Err(_) => Sources::default(),
                };
                engine.prepare(&sources);
            }
            // Set exactly once, here: readers wait on it.
            let _ = rules.set(ready);
        });
        let worker = s.spawn(move || {
            let report = if streaming {
                ipchunt_ingest::read_stream(io::stdin().lock(), "<stdin>", tax, &sink)
            } else {
                ipchunt_ingest::ingest(paths, &opts, tax, &sink)
            };
            sink.finish_pending(threads);
            // Hang up the detection channel so that the loop below ends;
            // the rest of the sink holds what the run collected.
            drop(sink.detections);
            (report, sink.correlation_inputs, sink.counters, sink.bad)
        });
        for d in rx.iter().flatten() {
            summary.add(&d);
            if !streaming {
                found.push(d);
                continue;
            }
            if let Some(w) = writer.as_mut()
                && let Err(e) = write_one(w, investigation.as_ref(), &d)
            {
                if e.kind() == io::ErrorKind::BrokenPipe {
                    // Whoever read the stream is gone (`| head`): nothing
                    // more can be shown, and the reading thread may wait
                    // on standard input for ever.
                    std::process::exit(Exit::Found as i32);
                }
                write_err.get_or_insert(e);
            }
        }
        worker.join()
    })
    .map_err(|_| anyhow::anyhow!("the reading thread stopped unexpectedly"))?;
    let Ready {
        loaded,
        mut correlations,
        ..
    } = rules
        .into_inner()
        .ok_or_else(|| anyhow::anyhow!("the rules were never loaded"))??;
    if let Some(e) = write_err {
        return Err(e).context("cannot write detections");
    }

    // Correlations run over their inputs in time order, across all files.
    let inputs = correlation_inputs
        .into_inner()
        .unwrap_or_else(|p| p.into_inner());
    for d in correlations.run(inputs) {
        if d.rule.level >= min_level {
            summary.add(&d);
            if !streaming {
                found.push(d);
            } else if let Some(w) = writer.as_mut() {
                write_one(w, investigation.as_ref(), &d).context("cannot write detections")?;
            }
        }
    }
    let investigation = investigation.map(|m| m.into_inner().unwrap_or_else(|p| p.into_inner()));
    let (kept, spilled) = (found.len(), found.spilled());
    if spilled > 0 {
        summary.notes.push(format!(
            "{spilled} of {kept} detections waited in a temporary file (more than --keep-in-memory)"
        ));
    }
    if let Some(e) = found.spill_error.take() {
        summary.notes.push(format!(
            "detections past --keep-in-memory that could not wait on disk stayed in memory: {e}"
        ));
    }
    // In a total order, so that the output does not depend on which thread
    // read which file first.
    let emitted = emit(
        found.into_blocks(crate::emit::CHUNK),
        investigation.as_ref(),
        writer.as_mut(),
        args.threads,
        html,
    )
    .and_then(|e| match writer.as_mut() {
        Some(w) => w.finish().map(|()| e),
        None => Ok(e),
    });
    let emitted = match emitted {
        Ok(e) => e,
        // The reader of the output went away (`| head`): it has what it
        // wanted, and detections were found.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
            return Ok(Exit::from_run(true, &report));
        }
        Err(e) => return Err(e).context("cannot write detections"),
    };
    if let Ok(mut g) = bad.out.lock()
        && let Some(w) = g.as_mut()
    {
        w.flush().context("cannot write the bad-record log")?;
    }
    progress.finish();

    fill_summary(&mut summary, &report, &loaded, &counters);
    summary.bad_log = args.bad_log.as_ref().map(|p| p.display().to_string());
    if let Some(inv) = &investigation {
        investigation_notes(&mut summary, inv, &emitted, args.baseline.is_some());
    }
    summary.elapsed = start.elapsed();
    if let (true, Some(inv)) = (html, &investigation) {
        let page = crate::html::page(&args, &summary, inv, emitted.enriched);
        let mut out = open_output(args.output.as_deref())?;
        out.write_all(page.as_bytes())
            .and_then(|_| out.flush())
            .context("cannot write the HTML report")?;
    }
    if !args.quiet {
        eprint!("{}", summary.render());
    }
    // The process ends with the hunt: freeing the compiled rules and the
    // investigation piece by piece would only add time after the summary.
    std::mem::forget(loaded);
    std::mem::forget(investigation);
    Ok(Exit::from_run(summary.detections > 0, &report))
}

/// Writes one detection of a streaming hunt with its investigation so far.
fn write_one(
    w: &mut DetectionWriter,
    inv: Option<&Mutex<Investigation>>,
    d: &Detection,
) -> io::Result<()> {
    let enriched = inv
        .and_then(|m| m.lock().ok())
        .and_then(|inv| inv.assess(std::slice::from_ref(d)).pop());
    let extra = enriched.as_ref().map(Annotated);
    w.write(d, extra.as_ref().map(|a| a as &dyn Investigated))
}

fn investigation_notes(
    summary: &mut RunSummary,
    inv: &Investigation,
    emitted: &Emitted,
    with_baseline: bool,
) {
    if emitted.investigated() > 0 {
        summary.notes.push(format!(
            "decisions: {} escalate to Tier 2, {} Tier 1 review, {} likely benign",
            emitted.tier2, emitted.tier1, emitted.benign
        ));
    }
    if with_baseline {
        let dev = inv.deviations();
        summary.notes.push(format!(
            "baseline: {} IPC edges deviate (never seen, or seen on few hosts)",
            dev.len()
        ));
        for d in dev.iter().take(20) {
            summary.notes.push(format!("  deviation: {}", d.reason));
        }
        if dev.len() > 20 {
            summary.notes.push(format!(
                "  ... and {} more (all in --format html)",
                dev.len() - 20
            ));
        }
    }
}

fn fill_summary(
    summary: &mut RunSummary,
    report: &IngestReport,
    loaded: &Loaded,
    counters: &Counters,
) {
    summary.totals = Totals {
        files_seen: report.files_seen,
        files_read: report.files_read,
        files_failed: report.files_failed,
        bytes: report.bytes,
        records: report.records,
        events: report.events,
        bad_records: report.bad_records,
    };
    summary.rules_loaded = loaded.loaded;
    summary.rules_rejected = loaded.rejected;
    summary.rules_inert = loaded.inert;
    summary.events_outside_window = counters.outside_window.load(Ordering::Relaxed);
    summary.below_min_level = counters.below_level.load(Ordering::Relaxed);
}

fn usage(msg: &str) -> Result<Exit> {
    eprintln!("ipchunt: usage error: {msg}");
    Ok(Exit::Usage)
}
