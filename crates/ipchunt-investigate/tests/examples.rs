//! End to end on `examples/`: files read by ipchunt-ingest, the built-in
//! rules run by ipchunt-sigma and ipchunt-correlate, detections enriched.
//! The DCOM lateral movement is escalated with its reasons; the benign
//! background, flagged by a catch-all review of every IPC event, is not.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ipchunt_core::{Detection, Event, Level, RuleInfo, Taxonomy};
use ipchunt_correlate::{Correlator, RuleRef};
use ipchunt_ingest::{BadRecord, EventSink, IngestOptions, ingest};
use ipchunt_investigate::{Decision, Enriched, Investigation, ReasonKind, Weight};
use ipchunt_sigma::{Match, RuleSet};

#[derive(Default)]
struct Collect {
    events: Mutex<Vec<Event>>,
    bad: Mutex<Vec<String>>,
}

impl EventSink for Collect {
    fn events(&self, batch: Vec<Event>) {
        self.events.lock().unwrap().extend(batch);
    }
    fn bad(&self, bad: BadRecord) {
        self.bad.lock().unwrap().push(bad.to_string());
    }
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// Reads the examples and runs the built-in pack: (events, detections).
fn hunt(tax: &Arc<Taxonomy>) -> (Vec<Event>, Vec<Detection>) {
    let sink = Collect::default();
    let dirs = [examples().join("WS01"), examples().join("SRV-FILE01")];
    ingest(&dirs, &IngestOptions::default(), tax, &sink);
    assert!(sink.bad.lock().unwrap().is_empty());
    let mut events = sink.events.into_inner().unwrap();
    events.sort_by(|a, b| {
        (a.prov.timestamp, &a.prov.file, a.prov.locator).cmp(&(
            b.prov.timestamp,
            &b.prov.file,
            b.prov.locator,
        ))
    });
    let mut set = RuleSet::new(tax.clone());
    for r in ipchunt_rules::builtin() {
        set.add_str(r.text, r.path, true);
    }
    let engine = set.compile();
    let corr: Vec<_> = engine
        .correlations()
        .iter()
        .map(|c| c.rule.clone())
        .collect();
    let resolve = |n: &str| engine.find_rule(n).map(RuleRef::Base);
    let (mut correlator, errors) = Correlator::new(&corr, &resolve, tax);
    assert!(errors.is_empty());
    let mut dets = Vec::new();
    let mut hits = Vec::new();
    let mut matches: Vec<Match> = Vec::new();
    for ev in &events {
        matches.clear();
        engine.eval(ev, &mut matches);
        let ev = Arc::new(ev.clone());
        for m in &matches {
            if !engine.is_correlation_only(m.rule) {
                dets.push(Detection {
                    rule: engine.rules()[m.rule].clone(),
                    event: ev.clone(),
                    matched: m.fields.clone(),
                    correlation: None,
                });
            }
            hits.extend(correlator.observe(m.rule, &ev));
        }
    }
    hits.extend(correlator.finish());
    for h in hits {
        if !correlator.reports_correlation(h.correlation) {
            continue;
        }
        let Some(last) = h.info.events.last().cloned() else {
            continue;
        };
        dets.push(Detection {
            rule: engine.correlations()[h.correlation].info.clone(),
            event: last,
            matched: Vec::new(),
            correlation: Some(h.info),
        });
    }
    (events, dets)
}

fn by_rule<'a>(out: &'a [Enriched], part: &str) -> Vec<&'a Enriched> {
    out.iter()
        .filter(|e| e.detection.rule_file.contains(part))
        .collect()
}

#[test]
fn dcom_lateral_movement_escalates_and_background_does_not() {
    let tax = Taxonomy::builtin();
    let (events, dets) = hunt(&tax);
    assert!(!dets.is_empty(), "the pack fires on the examples");
    let mut inv = Investigation::new(tax.clone());
    for e in &events {
        inv.observe(e);
    }
    let out = inv.enrich(&dets);
    for e in &out {
        let reasons: Vec<_> = e
            .escalation
            .reasons
            .iter()
            .map(|r| format!("{:?}/{:?}", r.kind, r.weight))
            .collect();
        eprintln!(
            "{:60} {:?} {:?}",
            e.detection.title, e.escalation.decision, reasons
        );
    }
    // The cmd.exe that mmc.exe -Embedding started on SRV-FILE01.
    let lm: Vec<&Enriched> = out
        .iter()
        .filter(|e| {
            e.detection.host.starts_with("SRV-FILE01")
                && e.chain
                    .process
                    .as_ref()
                    .and_then(|p| p.process.image.as_deref())
                    .is_some_and(|i| i.ends_with("cmd.exe"))
                && e.chain.ancestors.iter().any(|a| {
                    a.process
                        .image
                        .as_deref()
                        .is_some_and(|i| i.ends_with("mmc.exe"))
                })
        })
        .collect();
    assert!(!lm.is_empty(), "no detection on the mmc.exe child");
    for e in &lm {
        assert_eq!(
            e.escalation.decision,
            Decision::EscalateTier2,
            "{}",
            e.detection.title
        );
        let has = |k: ReasonKind| {
            e.escalation
                .reasons
                .iter()
                .any(|r| r.kind == k && r.weight == Weight::Strong)
        };
        assert!(
            has(ReasonKind::DcomExploitation),
            "{:#?}",
            e.escalation.reasons
        );
        assert!(
            has(ReasonKind::LateralMovement),
            "{:#?}",
            e.escalation.reasons
        );
        let lat = e
            .escalation
            .reasons
            .iter()
            .find(|r| r.kind == ReasonKind::LateralMovement)
            .unwrap();
        assert!(
            lat.evidence.iter().any(|s| s.contains("10.20.1.15")),
            "{lat:?}"
        );
        assert!(e.escalation.mitigations.iter().any(|m| m.id == "M1026"));
    }
    // The DDE child on WS01 is escalated too, with Office mitigations.
    let dde = by_rule(&out, "/dde/");
    assert!(!dde.is_empty());
    assert!(dde.iter().any(|e| e.escalation.mitigations.iter().any(|m| {
        m.settings
            .iter()
            .any(|s| s.value.as_deref() == Some("AllowDDE"))
    })));

    // Background: every IPC event before the attack (09:14 on WS01, 09:30
    // on SRV-FILE01) flagged by a catch-all low rule is not escalated.
    let review = Arc::new(RuleInfo {
        id: "review".into(),
        title: "review".into(),
        level: Level::Low,
        ..RuleInfo::default()
    });
    let cutoff = |host: &str| {
        if host.starts_with("WS01") {
            "2026-11-20T09:14:00Z"
        } else {
            "2026-11-20T09:30:00Z"
        }
    };
    let background: Vec<Detection> = events
        .iter()
        .filter(|e| inv.classify(e).is_some())
        .filter(|e| {
            let host = e.prov.computer.as_deref().unwrap_or("");
            e.prov
                .timestamp
                .is_some_and(|t| t < cutoff(host).parse().unwrap())
        })
        .map(|e| Detection {
            rule: review.clone(),
            event: Arc::new(e.clone()),
            matched: Vec::new(),
            correlation: None,
        })
        .collect();
    assert!(
        background.len() >= 10,
        "background IPC events: {}",
        background.len()
    );
    for e in inv.enrich(&background) {
        assert_ne!(
            e.escalation.decision,
            Decision::EscalateTier2,
            "background escalated: {:?} {:#?}",
            e.ipc
                .as_ref()
                .map(|i| (&i.kind, &i.endpoint.name, &i.actor.image)),
            e.escalation.reasons
        );
    }
}
