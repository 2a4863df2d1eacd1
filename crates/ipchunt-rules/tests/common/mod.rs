//! Runs the built-in pack the way `ipchunt hunt` does: files read by
//! ipchunt-ingest, rules loaded by ipchunt-sigma's loader, correlations
//! run by ipchunt-correlate over the matches in time order.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ipchunt_core::{Event, Taxonomy};
use ipchunt_correlate::{Correlator, RuleRef};
use ipchunt_ingest::{BadRecord, EventSink, IngestOptions, ingest};
use ipchunt_sigma::{Engine, Match, RuleSet};

/// The rule file a detection came from, as its file stem
/// (`corr_dcom_mmc20_lateral_movement`), which is also its fixture folder.
pub fn stem(origin: &str) -> String {
    let path = origin.strip_prefix("builtin:").unwrap_or(origin);
    Path::new(path)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_string())
}

pub struct Pack {
    pub engine: Engine,
    pub tax: Arc<Taxonomy>,
}

pub fn load_pack() -> Pack {
    let tax = Taxonomy::builtin();
    let mut set = RuleSet::new(tax.clone());
    for rule in ipchunt_rules::builtin() {
        set.add_str(rule.text, rule.path, true);
    }
    Pack {
        engine: set.compile(),
        tax,
    }
}

#[derive(Default)]
struct Collect {
    events: Mutex<Vec<Event>>,
    bad: Mutex<Vec<BadRecord>>,
}

impl EventSink for Collect {
    fn events(&self, batch: Vec<Event>) {
        self.events.lock().unwrap().extend(batch);
    }
    fn bad(&self, bad: BadRecord) {
        self.bad.lock().unwrap().push(bad);
    }
}

/// One detection: the rule file stem and the event's locator.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Fired {
    pub rule: String,
    pub title: String,
    pub at: String,
}

pub struct Outcome {
    pub events: usize,
    pub bad: Vec<String>,
    pub fired: Vec<Fired>,
}

impl Outcome {
    pub fn fired_rules(&self) -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for f in &self.fired {
            *m.entry(f.rule.clone()).or_insert(0) += 1;
        }
        m
    }
}

impl Pack {
    pub fn read(&self, paths: &[PathBuf]) -> (Vec<Event>, Vec<String>) {
        let sink = Collect::default();
        let opts = IngestOptions {
            threads: 1,
            ..IngestOptions::default()
        };
        ingest(paths, &opts, &self.tax, &sink);
        let events = sink.events.into_inner().unwrap();
        let bad = sink
            .bad
            .into_inner()
            .unwrap()
            .iter()
            .map(|b| b.to_string())
            .collect();
        (events, bad)
    }

    /// Reads `paths` and runs every rule and correlation of the pack.
    pub fn hunt(&self, paths: &[PathBuf]) -> Outcome {
        let (mut events, bad) = self.read(paths);
        events.sort_by(|a, b| {
            (a.prov.timestamp, &a.prov.file, a.prov.locator).cmp(&(
                b.prov.timestamp,
                &b.prov.file,
                b.prov.locator,
            ))
        });
        let n = events.len();
        let engine = &self.engine;
        let corr_rules: Vec<_> = engine
            .correlations()
            .iter()
            .map(|c| c.rule.clone())
            .collect();
        let resolve = |name: &str| engine.find_rule(name).map(RuleRef::Base);
        let (mut correlator, errors) = Correlator::new(&corr_rules, &resolve, &self.tax);
        assert!(errors.is_empty(), "correlations rejected: {errors:?}");
        let infos = engine.correlations();
        let reported: Vec<bool> = (0..corr_rules.len())
            .map(|i| correlator.reports_correlation(i))
            .collect();
        let mut fired = Vec::new();
        let mut matches: Vec<Match> = Vec::new();
        let record = |fired: &mut Vec<Fired>, hits: Vec<ipchunt_correlate::CorrelationHit>| {
            for h in hits {
                if reported[h.correlation] {
                    let info = &infos[h.correlation].info;
                    let at = h
                        .info
                        .events
                        .last()
                        .map(|e| format!("{} {}", e.prov.file, e.prov.locator))
                        .unwrap_or_default();
                    fired.push(Fired {
                        rule: stem(&info.file),
                        title: info.title.clone(),
                        at,
                    });
                }
            }
        };
        for ev in events {
            matches.clear();
            engine.eval(&ev, &mut matches);
            if matches.is_empty() {
                continue;
            }
            let ev = Arc::new(ev);
            for m in &matches {
                if !engine.is_correlation_only(m.rule) {
                    let info = &engine.rules()[m.rule];
                    fired.push(Fired {
                        rule: stem(&info.file),
                        title: info.title.clone(),
                        at: format!("{} {}", ev.prov.file, ev.prov.locator),
                    });
                }
                let hits = correlator.observe(m.rule, &ev);
                record(&mut fired, hits);
            }
        }
        let hits = correlator.finish();
        record(&mut fired, hits);
        Outcome {
            events: n,
            bad,
            fired,
        }
    }
}

/// `<repo>/crates/ipchunt-rules/tests/fixtures`.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}
