//! Where events meet the rules: the sink the readers call from their worker
//! threads. Each batch is matched where it was read; only detections (and
//! the matches correlations need) leave the worker.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crossbeam_channel::Sender;
use ipchunt_core::{Detection, Event, Level};
use ipchunt_ingest::{BadRecord, EventSink, FileDone};
use ipchunt_investigate::Investigation;
use ipchunt_sigma::{Engine, Match, Scratch};
use jiff::Timestamp;

use crate::input::BadReporter;
use crate::progress::Progress;
use crate::timewin::Window;

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
    pub engine: &'a Engine,
    pub window: Window,
    pub min_level: Level,
    pub detections: Sender<Detection>,
    /// For each rule: whether correlations need its matches.
    pub for_correlation: Vec<bool>,
    pub correlation_inputs: Mutex<Vec<CorrelationInput>>,
    pub counters: Counters,
    pub bad: BadReporter,
    pub progress: &'a Progress,
    /// Sees every event in the time window, for process chains, the IPC
    /// timeline and graph behind each detection.
    pub investigation: Option<&'a Mutex<Investigation>>,
}

impl HuntSink<'_> {
    fn handle(&self, ev: Event, scratch: &mut Scratch, matches: &mut Vec<Match>) {
        if !self.window.contains(ev.prov.timestamp) {
            self.counters.outside_window.fetch_add(1, Ordering::Relaxed);
            return;
        }
        matches.clear();
        self.engine.eval_with(&ev, scratch, matches);
        if matches.is_empty() {
            return;
        }
        let ev = Arc::new(ev);
        let rules = self.engine.rules();
        for m in matches.drain(..) {
            if self.for_correlation.get(m.rule).copied().unwrap_or(false)
                && let Ok(mut buf) = self.correlation_inputs.lock()
            {
                buf.push(CorrelationInput {
                    time: ev.prov.timestamp,
                    rule: m.rule,
                    event: ev.clone(),
                });
            }
            if self.engine.is_correlation_only(m.rule) {
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
            // The receiver lives until the hunt ends; a send can only fail
            // after it stopped, when nothing is left to report.
            let _ = self.detections.send(Detection {
                rule: rule.clone(),
                event: ev.clone(),
                matched: m.fields,
                correlation: None,
            });
        }
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
        let mut matches = Vec::new();
        let mut scratch = Scratch::default();
        for ev in batch {
            self.handle(ev, &mut scratch, &mut matches);
        }
    }

    fn bad(&self, bad: BadRecord) {
        self.bad.report(&bad, self.progress);
    }

    fn file_done(&self, f: &FileDone) {
        self.progress.file_done(f.bytes, f.events);
    }
}
