//! ipchunt's Sigma engine and rsigma-eval side by side on the same decoded
//! events (every SigmaHQ regression sample, JSON copy), with 100, 1,000 and
//! all SigmaHQ Windows rules, one thread.
//!
//! `cargo bench -p ipchunt-sigma --bench engine`; needs `<repo>/../shared`.

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::PathBuf;
use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ipchunt_core::{Event, Locator, Provenance, Taxonomy, Value};
use ipchunt_sigma::{Engine, RuleSet};
use rsigma_eval::JsonEvent;

use common::{ACTIVE_DIRS as DIRS, files};

fn scalar(v: &serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(o) => o.get("#text").cloned().unwrap_or(serde_json::Value::Null),
        other => other.clone(),
    }
}

/// The event data of an evtx_dump record as (name, value) pairs.
fn data(doc: &serde_json::Value) -> Vec<(String, serde_json::Value)> {
    fn walk(v: &serde_json::Value, out: &mut Vec<(String, serde_json::Value)>) {
        let serde_json::Value::Object(o) = v else {
            return;
        };
        for (k, x) in o {
            if k == "#attributes" {
                continue;
            }
            let name: String = k.chars().filter(|c| *c != ' ').collect();
            match x {
                serde_json::Value::Object(i) if !i.contains_key("#text") => walk(x, out),
                other => out.push((name, scalar(other))),
            }
        }
    }
    let mut out = Vec::new();
    for part in ["EventData", "UserData"] {
        walk(&doc["Event"][part], &mut out);
    }
    out
}

fn decode(tax: &Arc<Taxonomy>, doc: &serde_json::Value, n: u64) -> (Event, serde_json::Value) {
    let sys = &doc["Event"]["System"];
    let s = |v: &serde_json::Value| v.as_str().map(Arc::<str>::from);
    let mut p = Provenance::new("bench".into(), Locator::Index(n), "evtx-json");
    p.channel = s(&sys["Channel"]);
    p.provider = s(&sys["Provider"]["#attributes"]["Name"]);
    p.computer = s(&sys["Computer"]);
    p.event_id = scalar(&sys["EventID"]).as_u64().map(|v| v as u32);
    let mut ev = Event::new(p);
    let mut flat = serde_json::Map::new();
    flat.insert("EventID".into(), scalar(&sys["EventID"]));
    flat.insert("Channel".into(), sys["Channel"].clone());
    flat.insert(
        "Provider_Name".into(),
        sys["Provider"]["#attributes"]["Name"].clone(),
    );
    flat.insert("Computer".into(), sys["Computer"].clone());
    for (k, v) in data(doc) {
        ev.push(tax.resolve_source("security", &k), Value::from_json(&v));
        flat.entry(k).or_insert(v);
    }
    (ev, serde_json::Value::Object(flat))
}

fn bench(c: &mut Criterion) {
    let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/sigma");
    if !shared.is_dir() {
        eprintln!("SKIPPED: {} not found", shared.display());
        return;
    }
    let tax = Taxonomy::builtin();
    // Windows rule files, in path order.
    let mut rule_files: Vec<(String, String, Vec<rsigma_parser::SigmaRule>)> = Vec::new();
    for d in DIRS {
        let mut fs = Vec::new();
        files(&shared.join(d), "yml", &mut fs);
        for f in fs {
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            let Ok(col) = rsigma_parser::parse_sigma_yaml(&text) else {
                continue;
            };
            let rules: Vec<_> = col
                .rules
                .into_iter()
                .filter(|r| r.logsource.product.as_deref() == Some("windows"))
                .collect();
            if !rules.is_empty() {
                rule_files.push((f.display().to_string(), text, rules));
            }
        }
    }
    let mut jsons = Vec::new();
    files(&shared.join("regression_data"), "json", &mut jsons);
    let mut events = Vec::new();
    let mut flats = Vec::new();
    for f in jsons {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        let docs: Vec<serde_json::Value> = serde_json::Deserializer::from_str(&text)
            .into_iter()
            .filter_map(Result::ok)
            .collect();
        for d in docs {
            let (ev, flat) = decode(&tax, &d, events.len() as u64);
            events.push(ev);
            flats.push(flat);
        }
    }
    let all = rule_files.len();
    if let Some(passes) = std::env::var("SIGMA_BENCH_PASSES")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        profile_passes(&tax, &rule_files, &events, passes);
        return;
    }
    let mut group = c.benchmark_group("sigma");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.sample_size(20);
    for n in [100, 1000, all] {
        // Evenly spread over the corpus, so that every category is present.
        let picked: Vec<&(String, String, Vec<rsigma_parser::SigmaRule>)> =
            (0..n).map(|i| &rule_files[i * all / n]).collect();
        let mut rs = RuleSet::new(tax.clone());
        for (path, text, _) in &picked {
            rs.add_str(text, path, false);
        }
        let ours: Engine = rs.compile();
        let mut theirs = rsigma_eval::Engine::new();
        let errors = theirs.add_rules(picked.iter().flat_map(|p| p.2.iter()));
        eprintln!(
            "{n} rule files: ipchunt {} rules, rsigma-eval {} rules ({} refused), {} events",
            ours.rules().len(),
            theirs.rule_count(),
            errors.len(),
            events.len()
        );
        let label = if n == all {
            format!("all({all})")
        } else {
            n.to_string()
        };
        group.bench_with_input(BenchmarkId::new("ipchunt", &label), &events, |b, evs| {
            let mut out = Vec::new();
            let mut scratch = ipchunt_sigma::Scratch::default();
            b.iter(|| {
                out.clear();
                for e in evs {
                    ours.eval_with(e, &mut scratch, &mut out);
                }
                out.len()
            })
        });
        group.bench_with_input(BenchmarkId::new("rsigma-eval", &label), &flats, |b, fl| {
            b.iter(|| {
                let mut k = 0;
                for f in fl {
                    k += theirs.evaluate(&JsonEvent::borrow(f)).len();
                }
                k
            })
        });
    }
    group.finish();
}

/// `SIGMA_BENCH_PASSES=N`: only ipchunt with all rules, `N` passes over
/// the events and nothing else, for profilers (`perf`, `callgrind`).
fn profile_passes(
    tax: &Arc<Taxonomy>,
    rule_files: &[(String, String, Vec<rsigma_parser::SigmaRule>)],
    events: &[Event],
    passes: usize,
) {
    let mut rs = RuleSet::new(tax.clone());
    for (path, text, _) in rule_files {
        rs.add_str(text, path, false);
    }
    let engine = rs.compile();
    let mut out = Vec::new();
    let mut scratch = ipchunt_sigma::Scratch::default();
    let mut matches = 0;
    let start = std::time::Instant::now();
    for _ in 0..passes {
        out.clear();
        for e in events {
            engine.eval_with(e, &mut scratch, &mut out);
        }
        matches += out.len();
    }
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "{passes} passes, {matches} matches, {:.0} events/s",
        (passes * events.len()) as f64 / secs
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
