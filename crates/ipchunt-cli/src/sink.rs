//! Where events meet the rules: the sink the readers call from their worker
//! threads. Each batch is matched where it was read; only detections (and
//! the matches correlations need) leave the worker.
//!
//! Reading files starts while the rules are still loading: batches read
//! before they are ready wait (up to [`PENDING_EVENTS`] events), then
//! readers wait for the rules. Whoever handles a batch once the rules are
//! there takes the waiting ones first; those left when reading ends are
//! matched then.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use crossbeam_channel::Sender;
use ipchunt_core::{Detection, Event, Level};
use ipchunt_ingest::{BadRecord, EventSink, FileDone};
use ipchunt_investigate::Investigation;
use ipchunt_sigma::{Engine, Match, Scratch};
use jiff::Timestamp;

use crate::input::BadReporter;
use crate::progress::Progress;
use crate::rules::Ready;
use crate::timewin::Window;

/// Events read ahead while the rules load, at most.
pub const PENDING_EVENTS: usize = 20_000;

/// The rules, once loaded (or why they could not be).
pub type Rules = OnceLock<anyhow::Result<Ready>>;

/// Batches read before the rules were ready.
#[derive(Default)]
pub struct Pending {
    batches: Vec<Vec<Event>>,
    events: usize,
}

impl Pending {
    /// The events waiting.
    pub fn events(&self) -> impl Iterator<Item = &Event> {
        self.batches.iter().flatten()
    }
}

/// A base-rule match a correlation needs, kept until the correlations run.
pub struct CorrelationInput {
    pub time: Option<Timestamp>,
    pub rule: usize,
    pub event: Arc<Event>,
}

#[derive(Default)]
pub struct Counters {
    pub outside_window: AtomicU64,
    pub below_level: AtomicU64,
}

pub struct HuntSink<'a> {
    pub rules: &'a Rules,
    pub pending: &'a Mutex<Pending>,
    /// How many events may wait for the rules: 0 for a stream, whose
    /// events must not wait for more input to be matched.
    pub read_ahead: usize,
    pub window: Window,
    pub min_level: Level,
    /// Detections, a batch of events' at a time.
    pub detections: Sender<Vec<Detection>>,
    pub correlation_inputs: Mutex<Vec<CorrelationInput>>,
    pub counters: Counters,
    pub bad: BadReporter,
    pub progress: &'a Progress,
    /// Sees every event in the time window, for process chains, the IPC
    /// timeline and graph behind each detection.
    pub investigation: Option<&'a Mutex<Investigation>>,
}

impl HuntSink<'_> {
    fn handle(
        &self,
        ready: &Ready,
        ev: Event,
        scratch: &mut Scratch,
        matches: &mut Vec<Match>,
        found: &mut Vec<Detection>,
    ) {
        if !self.window.contains(ev.prov.timestamp) {
            self.counters.outside_window.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let engine: &Engine = &ready.loaded.engine;
        matches.clear();
        engine.eval_with(&ev, scratch, matches);
        if matches.is_empty() {
            return;
        }
        let ev = Arc::new(ev);
        let rules = engine.rules();
        for m in matches.drain(..) {
            if ready.for_correlation.get(m.rule).copied().unwrap_or(false)
                && let Ok(mut buf) = self.correlation_inputs.lock()
            {
                buf.push(CorrelationInput {
                    time: ev.prov.timestamp,
                    rule: m.rule,
                    event: ev.clone(),
                });
            }
            if engine.is_correlation_only(m.rule) {
                continue;
            }
            let Some(rule) = rules.get(m.rule) else {
                continue;
            };
            if rule.level < self.min_level {
                self.counters.below_level.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            self.progress.detections(1);
            found.push(Detection {
                rule: rule.clone(),
                event: ev.clone(),
                matched: m.fields,
                correlation: None,
            });
        }
    }

    /// Matches a batch, and any batches that waited for the rules.
    fn run(&self, ready: &anyhow::Result<Ready>, batch: Vec<Event>) {
        // Rules that failed to load: the hunt reports why once reading ends.
        let Ok(ready) = ready else { return };
        let engine = &ready.loaded.engine;
        let mut matches = Vec::new();
        let mut found = Vec::new();
        let mut scratch = engine.scratch();
        while let Some(waiting) = self.take_pending() {
            for ev in waiting {
                self.handle(ready, ev, &mut scratch, &mut matches, &mut found);
            }
        }
        for ev in batch {
            self.handle(ready, ev, &mut scratch, &mut matches, &mut found);
        }
        engine.recycle(scratch);
        if !found.is_empty() {
            // The receiver lives until the hunt ends; a send can only fail
            // after it stopped, when nothing is left to report.
            let _ = self.detections.send(found);
        }
    }

    fn take_pending(&self) -> Option<Vec<Event>> {
        self.pending.lock().ok()?.batches.pop()
    }

    /// Matches the batches still waiting once reading is over, on `threads`
    /// threads.
    pub fn finish_pending(&self, threads: usize) {
        let ready = self.rules.wait();
        let threads = crate::cli::worker_threads(threads);
        std::thread::scope(|s| {
            for _ in 1..threads {
                s.spawn(|| self.run(ready, Vec::new()));
            }
            self.run(ready, Vec::new());
        });
    }
}

impl EventSink for HuntSink<'_> {
    fn events(&self, batch: Vec<Event>) {
        if let Some(inv) = self.investigation
            && let Ok(mut inv) = inv.lock()
        {
            for ev in &batch {
                if self.window.contains(ev.prov.timestamp) {
                    inv.observe(ev);
                }
            }
        }
        let ready = match self.rules.get() {
            Some(r) => r,
            None => {
                // Keep reading while the rules load, up to a bound.
                if let Ok(mut p) = self.pending.lock()
                    && p.events + batch.len() <= self.read_ahead
                {
                    p.events += batch.len();
                    p.batches.push(batch);
                    return;
                }
                self.rules.wait()
            }
        };
        self.run(ready, batch);
    }

    fn bad(&self, bad: BadRecord) {
        self.bad.report(&bad, self.progress);
    }

    fn file_done(&self, f: &FileDone) {
        self.progress.file_done(f.bytes, f.events);
    }
}
