//! Helpers shared by the correlation tests: loading rules from YAML the
//! way an integrator would, and building timed events.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use ipchunt_core::{Event, Locator, Provenance, Taxonomy, Value};
use ipchunt_correlate::{CorrelationError, CorrelationHit, Correlator, RuleRef};
use jiff::Timestamp;

pub struct Setup {
    pub corr: Correlator,
    pub errors: Vec<CorrelationError>,
    /// Base rule name or id to its index.
    pub base: HashMap<String, usize>,
    /// Correlation title to its index.
    pub titles: HashMap<String, usize>,
}

impl Setup {
    pub fn rule(&self, name: &str) -> usize {
        self.base[name]
    }

    pub fn corr_index(&self, title: &str) -> usize {
        self.titles[title]
    }

    /// Feeds a match of base rule `name`.
    pub fn feed(&mut self, name: &str, ev: &Arc<Event>) -> Vec<CorrelationHit> {
        let i = self.rule(name);
        self.corr.observe(i, ev)
    }
}

/// Loads the YAML documents. Detection rules become base rules (by name
/// and id); `extra` names become further base rules (for examples that
/// refer to rules they do not define).
pub fn load(yaml: &str, extra: &[&str]) -> Setup {
    let coll = rsigma_parser::parse_sigma_yaml(yaml).expect("YAML parses");
    assert!(coll.errors.is_empty(), "parse errors: {:?}", coll.errors);
    load_collection(coll, extra)
}

pub fn load_collection(coll: rsigma_parser::SigmaCollection, extra: &[&str]) -> Setup {
    let mut names: HashMap<String, RuleRef> = HashMap::new();
    let mut base = HashMap::new();
    for (i, r) in coll.rules.iter().enumerate() {
        for key in [r.name.clone(), r.id.clone()].into_iter().flatten() {
            names.insert(key.clone(), RuleRef::Base(i));
            base.insert(key, i);
        }
    }
    for (k, name) in extra.iter().enumerate() {
        let i = coll.rules.len() + k;
        names.insert(name.to_string(), RuleRef::Base(i));
        base.insert(name.to_string(), i);
    }
    let mut titles = HashMap::new();
    for (i, c) in coll.correlations.iter().enumerate() {
        for key in [c.name.clone(), c.id.clone()].into_iter().flatten() {
            names.insert(key, RuleRef::Correlation(i));
        }
        titles.insert(c.title.clone(), i);
    }
    let tax = Taxonomy::builtin();
    let resolve = |s: &str| names.get(s).copied();
    let (corr, errors) = Correlator::new(&coll.correlations, &resolve, &tax);
    Setup {
        corr,
        errors,
        base,
        titles,
    }
}

pub const T0: i64 = 1_700_000_000;

pub fn at(secs: i64) -> Timestamp {
    Timestamp::from_second(T0 + secs).expect("valid time")
}

/// An event at `secs` after T0 with string fields.
pub fn ev(secs: i64, fields: &[(&str, &str)]) -> Arc<Event> {
    let vals: Vec<(&str, Value)> = fields.iter().map(|(k, v)| (*k, Value::str(*v))).collect();
    evv(Some(secs), &vals)
}

/// An event with typed values, optionally without timestamp.
pub fn evv(secs: Option<i64>, fields: &[(&str, Value)]) -> Arc<Event> {
    let tax = Taxonomy::builtin();
    let mut p = Provenance::new("test.jsonl".into(), Locator::Line(1), "test");
    p.timestamp = secs.map(at);
    let mut e = Event::new(p);
    for (k, v) in fields {
        e.push(tax.resolve(k), v.clone());
    }
    Arc::new(e)
}

/// The group value of `field` in a hit.
pub fn group<'a>(hit: &'a CorrelationHit, field: &str) -> &'a str {
    hit.info
        .group
        .iter()
        .find(|(k, _)| k == field)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no group field {field} in {:?}", hit.info.group))
}

/// `../shared` from the repository root, if present.
pub fn shared() -> Option<PathBuf> {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let p = repo.join("../shared");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!(
            "SKIPPED: {} not found; corpus tests did not run",
            p.display()
        );
        None
    }
}

/// A correlation example of the specification's test files.
pub fn spec_example(name: &str) -> Option<String> {
    let p = shared()?
        .join("corpus/sigma-specification/tests/schema/correlation")
        .join(name);
    Some(std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
}

/// A fenced YAML block of the correlation specification's text: the
/// first one after a heading containing `heading` that contains `needle`.
pub fn spec_text_block(heading: &str, needle: &str) -> Option<String> {
    let p = shared()?
        .join("corpus/sigma-specification/specification/sigma-correlation-rules-specification.md");
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let start = text
        .lines()
        .position(|l| l.starts_with('#') && l.contains(heading))
        .unwrap_or_else(|| panic!("no heading {heading:?} in {}", p.display()));
    let mut block: Option<Vec<&str>> = None;
    for line in text.lines().skip(start) {
        match (&mut block, line.trim_start()) {
            (None, l) if l.starts_with("```y") => block = Some(Vec::new()),
            (Some(b), l) if l.starts_with("```") => {
                let yaml = b.join("\n");
                if yaml.contains(needle) {
                    return Some(yaml);
                }
                block = None;
            }
            (Some(b), _) => b.push(line),
            (None, _) => {}
        }
    }
    panic!("no YAML block with {needle:?} after {heading:?}");
}
