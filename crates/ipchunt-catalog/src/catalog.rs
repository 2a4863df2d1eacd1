//! The catalog of one technique: its rules and what they have in common.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use ipchunt_core::Taxonomy;
use serde::Serialize;

use crate::loader::{LoadReport, load_sources};
use crate::model::{CatalogRule, EventRef, Op, RuleStatus, Vendor};

/// Sample values kept per field row.
const SAMPLES: usize = 5;

/// Fields that pick the data source rather than filter its events (the
/// events table covers them): OS and event category in Elastic, index and
/// sourcetype in Splunk, channel and event id anywhere.
pub fn is_source_selector(field: &str) -> bool {
    matches!(
        field,
        "host.os.type"
            | "host.os.family"
            | "host.os.name"
            | "host.os.platform"
            | "event.category"
            | "event.type"
            | "event.dataset"
            | "event.module"
            | "data_stream.dataset"
            | "index"
            | "sourcetype"
            | "source"
            | "EventID"
            | "Channel"
            | "Provider_Name"
    )
}

/// One log event the technique's rules read.
#[derive(Debug, Clone, Serialize)]
pub struct EventRow {
    pub event: EventRef,
    /// What the event is (`Process creation`), when known.
    pub title: String,
    pub rules: usize,
}

/// One canonical field and how the rules filter on it.
#[derive(Debug, Clone, Serialize)]
pub struct FieldRow {
    pub field: String,
    pub known: bool,
    /// The names the rules use for it, each with its vendor.
    pub originals: Vec<(Vendor, String)>,
    /// Distinct rules filtering on it.
    pub rules: usize,
    pub per_vendor: Vec<(Vendor, usize)>,
    /// Predicates per operator.
    pub ops: Vec<(Op, usize)>,
    pub samples: Vec<String>,
}

/// One (field, operator, value) combination.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorRow {
    pub field: String,
    pub op: Op,
    pub value: String,
    /// Distinct rules under the technique using it.
    pub rules: usize,
    /// Distinct rules of the whole corpus using it (same field, operator,
    /// value ignoring case, same polarity).
    pub corpus_reach: usize,
    /// Titles of the technique's rules using it.
    pub rule_titles: Vec<String>,
}

/// A fragment of a technique's rule that was not read.
#[derive(Debug, Clone, Serialize)]
pub struct UnparsedRow {
    pub vendor: Vendor,
    pub rule: String,
    pub fragment: String,
    pub reason: String,
}

/// The catalog of a technique.
#[derive(Debug, Clone, Serialize)]
pub struct Catalog {
    pub technique: String,
    /// The technique's name, when a rule of the corpus gives it.
    pub technique_name: Option<String>,
    pub include_subtechniques: bool,
    /// Rules in the whole corpus, deprecated ones left out.
    pub corpus_rules: usize,
    /// Deprecated rules of the corpus, left out of the catalog and of
    /// corpus reach.
    pub deprecated_rules: usize,
    /// Titles of the technique's deprecated rules (left out).
    pub deprecated_under_technique: Vec<(Vendor, String)>,
    /// The technique's rules, by vendor then title.
    pub rules: Vec<CatalogRule>,
    pub by_vendor: Vec<(Vendor, usize)>,
    pub events: Vec<EventRow>,
    pub fields: Vec<FieldRow>,
    pub indicators: Vec<IndicatorRow>,
    pub exclusions: Vec<IndicatorRow>,
    /// Fragments of the technique's rules that were not read.
    pub unparsed: Vec<UnparsedRow>,
    /// Rules of the technique whose logic was not read, with the reason.
    pub not_parsed: Vec<(Vendor, String, String)>,
    pub report: LoadReport,
}

/// Loads the rules under `sources` and builds the catalog of `technique`.
pub fn build_catalog(
    sources: &[PathBuf],
    technique: &str,
    include_subtechniques: bool,
    tax: &Taxonomy,
) -> Catalog {
    let (rules, report) = load_sources(sources, tax);
    build_catalog_from(rules, report, technique, include_subtechniques)
}

type Key = (String, Op, String, bool);

fn key(p: &crate::model::Predicate) -> Key {
    (p.field.clone(), p.op, p.value.to_lowercase(), p.negated)
}

/// Builds the catalog of `technique` from rules already loaded (the whole
/// corpus: indicator reach is counted over all of them). Deprecated rules
/// are left out of both.
pub fn build_catalog_from(
    all: Vec<CatalogRule>,
    report: LoadReport,
    technique: &str,
    include_subtechniques: bool,
) -> Catalog {
    let (all, deprecated): (Vec<CatalogRule>, Vec<CatalogRule>) =
        all.into_iter().partition(|r| !r.deprecated);
    let deprecated_under_technique = deprecated
        .iter()
        .filter(|r| r.has_technique(technique, include_subtechniques))
        .map(|r| (r.vendor, r.title.clone()))
        .collect();
    let corpus_rules = all.len();
    let wanted = technique.to_ascii_uppercase();
    let technique_name = all
        .iter()
        .find_map(|r| r.technique_names.get(&wanted).cloned());
    let mut reach: HashMap<Key, usize> = HashMap::new();
    for r in &all {
        let keys: BTreeSet<Key> = r.predicates.iter().map(key).collect();
        for k in keys {
            *reach.entry(k).or_default() += 1;
        }
    }
    let mut rules: Vec<CatalogRule> = all
        .into_iter()
        .filter(|r| r.has_technique(technique, include_subtechniques))
        .collect();
    rules.sort_by(|a, b| {
        (a.vendor, a.title.to_lowercase(), &a.path).cmp(&(
            b.vendor,
            b.title.to_lowercase(),
            &b.path,
        ))
    });
    let by_vendor = Vendor::ALL
        .iter()
        .map(|v| (*v, rules.iter().filter(|r| r.vendor == *v).count()))
        .collect();
    let (indicators, exclusions) = indicator_rows(&rules, &reach);
    Catalog {
        technique: wanted,
        technique_name,
        include_subtechniques,
        corpus_rules,
        deprecated_rules: deprecated.len(),
        deprecated_under_technique,
        events: event_rows(&rules),
        fields: field_rows(&rules),
        indicators,
        exclusions,
        unparsed: rules
            .iter()
            .flat_map(|r| {
                r.unparsed.iter().map(|u| UnparsedRow {
                    vendor: r.vendor,
                    rule: r.title.clone(),
                    fragment: u.fragment.clone(),
                    reason: u.reason.clone(),
                })
            })
            .collect(),
        not_parsed: rules
            .iter()
            .filter_map(|r| match &r.status {
                RuleStatus::NotParsed(why) => Some((r.vendor, r.title.clone(), why.clone())),
                RuleStatus::Parsed => None,
            })
            .collect(),
        by_vendor,
        rules,
        report,
    }
}

fn event_rows(rules: &[CatalogRule]) -> Vec<EventRow> {
    let mut counts: BTreeMap<EventRef, usize> = BTreeMap::new();
    for r in rules {
        let set: BTreeSet<&EventRef> = r.events.iter().collect();
        for e in set {
            *counts.entry(e.clone()).or_default() += 1;
        }
    }
    let mut rows: Vec<EventRow> = counts
        .into_iter()
        .map(|(event, rules)| EventRow {
            title: crate::render::event_title(&event).to_owned(),
            event,
            rules,
        })
        .collect();
    rows.sort_by(|a, b| {
        (&a.event.provider, &a.event.channel, a.event.event_id).cmp(&(
            &b.event.provider,
            &b.event.channel,
            b.event.event_id,
        ))
    });
    rows
}

fn field_rows(rules: &[CatalogRule]) -> Vec<FieldRow> {
    #[derive(Default)]
    struct Acc {
        known: bool,
        originals: BTreeSet<(Vendor, String)>,
        rules: BTreeSet<usize>,
        vendors: BTreeMap<Vendor, BTreeSet<usize>>,
        ops: BTreeMap<Op, usize>,
        values: BTreeMap<String, usize>,
    }
    let mut acc: BTreeMap<String, Acc> = BTreeMap::new();
    for (i, r) in rules.iter().enumerate() {
        for p in &r.predicates {
            if is_source_selector(&p.field) {
                continue;
            }
            let name = if p.field.is_empty() {
                "(keyword)"
            } else {
                p.field.as_str()
            };
            let a = acc.entry(name.to_owned()).or_default();
            a.known = p.known;
            a.originals.insert((r.vendor, p.original.clone()));
            a.rules.insert(i);
            a.vendors.entry(r.vendor).or_default().insert(i);
            *a.ops.entry(p.op).or_default() += 1;
            if !p.value.is_empty() {
                *a.values.entry(p.value.clone()).or_default() += 1;
            }
        }
    }
    let mut rows: Vec<FieldRow> = acc
        .into_iter()
        .map(|(field, a)| {
            let mut ops: Vec<(Op, usize)> = a.ops.into_iter().collect();
            ops.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
            let mut vals: Vec<(String, usize)> = a.values.into_iter().collect();
            vals.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
            FieldRow {
                field,
                known: a.known,
                originals: a.originals.into_iter().collect(),
                rules: a.rules.len(),
                per_vendor: a.vendors.into_iter().map(|(v, s)| (v, s.len())).collect(),
                ops,
                samples: vals.into_iter().take(SAMPLES).map(|(v, _)| v).collect(),
            }
        })
        .collect();
    rows.sort_by(|a, b| b.rules.cmp(&a.rules).then(a.field.cmp(&b.field)));
    rows
}

/// Indicators (positive comparisons) and exclusions (top-level negated
/// ones), each sorted by rules using them, then corpus reach.
fn indicator_rows(
    rules: &[CatalogRule],
    reach: &HashMap<Key, usize>,
) -> (Vec<IndicatorRow>, Vec<IndicatorRow>) {
    // Key -> (display value, rule titles).
    let mut ind: BTreeMap<Key, (String, BTreeSet<String>)> = BTreeMap::new();
    let mut exc: BTreeMap<Key, (String, BTreeSet<String>)> = BTreeMap::new();
    for r in rules {
        for p in &r.predicates {
            if is_source_selector(&p.field) || p.op == Op::FieldRef {
                continue;
            }
            let target = if p.top_level_exclusion {
                &mut exc
            } else if !p.negated && !p.value.is_empty() {
                &mut ind
            } else {
                continue;
            };
            let e = target
                .entry(key(p))
                .or_insert_with(|| (p.value.clone(), BTreeSet::new()));
            e.1.insert(format!("{}: {}", r.vendor, r.title));
        }
    }
    let rows = |m: BTreeMap<Key, (String, BTreeSet<String>)>| {
        let mut v: Vec<IndicatorRow> = m
            .into_iter()
            .map(|(k, (value, titles))| IndicatorRow {
                corpus_reach: reach.get(&k).copied().unwrap_or(0),
                field: k.0,
                op: k.1,
                value,
                rules: titles.len(),
                rule_titles: titles.into_iter().collect(),
            })
            .collect();
        v.sort_by(|a, b| {
            b.rules
                .cmp(&a.rules)
                .then(b.corpus_reach.cmp(&a.corpus_reach))
                .then(a.field.cmp(&b.field))
                .then(a.value.cmp(&b.value))
        });
        v
    };
    (rows(ind), rows(exc))
}
