//! Differential test against rsigma-eval: all SigmaHQ rules over all
//! regression events; the same (rule, event) matches.
//!
//! rsigma-eval evaluates every rule on every event (no logsource gating
//! unless told the event's logsource), so its matches on events a rule's
//! logsource does not cover are counted apart: ipchunt does not run a rule
//! there by design. Within the gate, every difference is listed with its
//! explanation in `KNOWN`; anything else fails the test.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use ipchunt_core::{Event, Taxonomy};
use ipchunt_sigma::RuleSet;
use rsigma_eval::JsonEvent;

use common::{ACTIVE_DIRS as DIRS, files, flat_json};

/// Explained differences within the gate: (rule id, sample directory
/// name, which engine matched, why).
const KNOWN: &[(&str, &str, &str, &str)] = &[];

#[test]
fn same_matches_as_rsigma_eval() {
    let Some(shared) = common::shared() else {
        return;
    };
    let sigma = shared.join("corpus/sigma");
    let tax = Taxonomy::builtin();
    let mut rs = RuleSet::new(tax.clone());
    let mut rsig = rsigma_eval::Engine::new();
    let mut rsig_errors = Vec::new();
    for d in DIRS {
        rs.add_path(&sigma.join(d), false);
        let mut fs = Vec::new();
        files(&sigma.join(d), "yml", &mut fs);
        for f in fs {
            let text = std::fs::read_to_string(&f).unwrap();
            if let Ok(col) = rsigma_parser::parse_sigma_yaml(&text) {
                for r in &col.rules {
                    if let Err(e) = rsig.add_rule(r) {
                        rsig_errors.push(format!("{}: {e}", f.display()));
                    }
                }
            }
        }
    }
    let ours = rs.compile();
    println!("rsigma-eval refused {} rules:", rsig_errors.len());
    for e in &rsig_errors {
        println!("    {e}");
    }
    let mut jsons = Vec::new();
    files(&sigma.join("regression_data"), "json", &mut jsons);
    let mut events: Vec<(String, Event, serde_json::Value)> = Vec::new();
    for f in &jsons {
        let text = std::fs::read_to_string(f).unwrap();
        let sample = f
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        for (i, d) in common::json_docs(&text).iter().enumerate() {
            let ev = common::evtx_json_event(&tax, &f.display().to_string(), i as u64, d);
            events.push((format!("{sample}#{i}"), ev, flat_json(d)));
        }
    }
    let mut both = 0usize;
    let mut outside_gate: BTreeMap<String, usize> = BTreeMap::new();
    // Rules ipchunt rejects (each with its reason among the rejections).
    let mut not_loaded: BTreeMap<String, usize> = BTreeMap::new();
    let mut diffs: BTreeSet<(String, String, &str)> = BTreeSet::new();
    for (name, ev, flat) in &events {
        let mut out = Vec::new();
        ours.eval(ev, &mut out);
        let mine: BTreeSet<String> = out
            .iter()
            .map(|m| ours.rules()[m.rule].id.clone())
            .collect();
        let theirs: BTreeSet<String> = rsig
            .evaluate(&JsonEvent::borrow(flat))
            .iter()
            .filter_map(|r| r.header.rule_id.clone())
            .collect();
        both += mine.intersection(&theirs).count();
        for id in theirs.difference(&mine) {
            match ours.find_rule(id) {
                Some(r) if ours.applies(r, ev) => {
                    diffs.insert((id.clone(), name.clone(), "rsigma-eval only"));
                }
                Some(_) => *outside_gate.entry(id.clone()).or_default() += 1,
                None => *not_loaded.entry(id.clone()).or_default() += 1,
            }
        }
        for id in mine.difference(&theirs) {
            diffs.insert((id.clone(), name.clone(), "ipchunt only"));
        }
    }
    println!(
        "{} events, {both} (rule, event) matches in both engines",
        events.len()
    );
    println!(
        "rsigma-eval matches outside the rule's logsource (not run by ipchunt): {}",
        outside_gate.values().sum::<usize>()
    );
    for (id, n) in &outside_gate {
        let title = ours
            .find_rule(id)
            .map(|r| ours.rules()[r].title.clone())
            .unwrap_or_default();
        println!("    {id} {title}: {n}");
    }
    // Nothing loaded or nothing decoded would leave no difference to find.
    assert!(both > 0, "no (rule, event) match in both engines");
    println!(
        "rsigma-eval matches of rules ipchunt rejects: {}",
        not_loaded.values().sum::<usize>()
    );
    for (id, n) in &not_loaded {
        let why = ours
            .rejections()
            .iter()
            .find(|r| r.rule.as_deref() == Some(id.as_str()))
            .map(|r| r.reason.as_str())
            .unwrap_or("no rejection names it");
        println!("    {id}: {n} ({why})");
    }
    let mut unexplained = 0;
    for (id, ev, who) in &diffs {
        let sample = ev.split('#').next().unwrap_or("");
        let known = KNOWN
            .iter()
            .find(|k| k.0 == id && k.1 == sample && k.2 == *who);
        let title = ours
            .find_rule(id)
            .map(|r| ours.rules()[r].title.clone())
            .unwrap_or_default();
        match known {
            Some(k) => println!("EXPLAINED {who}: {id} {title} on {ev}: {}", k.3),
            None => {
                unexplained += 1;
                println!("DIFF {who}: {id} {title} on {ev}");
            }
        }
    }
    assert_eq!(unexplained, 0);
}
