//! Investigation in the command line: building it from options, feeding it
//! events, and what it adds to each detection.

use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use ipchunt_core::{Event, Taxonomy};
use ipchunt_ingest::{BadRecord, EventSink, FileDone, IngestOptions, IngestReport};
use ipchunt_investigate::{BaselineStatus, Escalation, IpcEvent, ProcessChain};
use ipchunt_investigate::{Enriched, Investigation, IocList, baseline};
use ipchunt_report::Investigated;
use serde::Serialize;

use crate::cli::LogInput;
use crate::input::BadReporter;
use crate::progress::Progress;

/// Builds an investigation with the IOC list and baseline the user gave.
pub fn build(
    tax: Arc<Taxonomy>,
    ioc: Option<&Path>,
    baseline_db: Option<&Path>,
    progress: &Progress,
) -> Result<Investigation> {
    let mut inv = Investigation::new(tax);
    if let Some(p) = ioc {
        let (list, errors) =
            IocList::load(p).with_context(|| format!("cannot read --ioc {}", p.display()))?;
        for e in errors {
            progress.println(&format!(
                "ipchunt: ioc line skipped: {}:{}: {}",
                e.file, e.line, e.reason
            ));
        }
        inv.set_ioc(list);
    }
    if let Some(p) = baseline_db {
        if !p.exists() {
            anyhow::bail!(
                "--baseline {} does not exist (create it with `ipchunt baseline learn`)",
                p.display()
            );
        }
        let snap =
            baseline::load(p).with_context(|| format!("cannot read --baseline {}", p.display()))?;
        inv.set_baseline(snap);
    }
    Ok(inv)
}

/// A detection's investigation as the outputs show it. Its JSON carries
/// the escalation decision with reasons, answers, containment and
/// mitigations, the process chain, the IPC it is, and its standing against
/// the baseline (the surrounding IPC window is in the HTML report).
pub struct Annotated<'a>(pub &'a Enriched);

#[derive(Serialize)]
struct ExtraJson<'a> {
    decision: &'static str,
    escalation: &'a Escalation,
    chain: &'a ProcessChain,
    ipc: &'a Option<IpcEvent>,
    baseline: &'a [BaselineStatus],
}

impl Investigated for Annotated<'_> {
    fn decision(&self) -> Option<&str> {
        Some(self.0.escalation.decision.as_str())
    }

    fn write_json(&self, out: &mut Vec<u8>) {
        let e = self.0;
        let x = ExtraJson {
            decision: e.escalation.decision.as_str(),
            escalation: &e.escalation,
            chain: &e.chain,
            ipc: &e.ipc,
            baseline: &e.baseline,
        };
        // Writing to a Vec cannot fail; these types always serialize.
        if serde_json::to_writer(&mut *out, &x).is_err() {
            out.extend_from_slice(b"null");
        }
    }
}

/// A sink that only feeds an investigation (for `timeline` and `baseline`).
pub struct ObserveSink<'a> {
    pub inv: Mutex<Investigation>,
    pub progress: &'a Progress,
    pub bad: BadReporter,
}

impl EventSink for ObserveSink<'_> {
    fn events(&self, batch: Vec<Event>) {
        if let Ok(mut inv) = self.inv.lock() {
            for ev in &batch {
                inv.observe(ev);
            }
        }
    }

    fn bad(&self, bad: BadRecord) {
        self.bad.report(&bad, self.progress);
    }

    fn file_done(&self, f: &FileDone) {
        self.progress.file_done(f.bytes, f.events);
    }
}

/// Reads logs into a fresh investigation, with a progress bar unless quiet.
pub fn observe_paths(input: &LogInput) -> (Investigation, IngestReport) {
    let tax = Taxonomy::builtin();
    let progress = Progress::new(input.quiet);
    let sink = ObserveSink {
        inv: Mutex::new(Investigation::new(tax.clone())),
        progress: &progress,
        bad: BadReporter::new(None),
    };
    let opts = IngestOptions {
        threads: input.threads,
        ..IngestOptions::default()
    };
    let report = ipchunt_ingest::ingest(&input.paths, &opts, &tax, &sink);
    progress.finish();
    let inv = sink.inv.into_inner().unwrap_or_else(|p| p.into_inner());
    (inv, report)
}
