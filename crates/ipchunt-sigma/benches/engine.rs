//! ipchunt's Sigma engine and rsigma-eval side by side on the same decoded
//! events (every SigmaHQ regression sample, JSON copy), with 100, 1,000 and
//! all SigmaHQ Windows rules, one thread.
//!
//! `cargo bench -p ipchunt-sigma --bench engine`; needs `<repo>/../shared`.

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ipchunt_core::{Event, Taxonomy};
use ipchunt_sigma::{Engine, Match, RuleSet, Scratch};
use rsigma_eval::JsonEvent;

use common::{ACTIVE_DIRS as DIRS, evtx_json_event, files, flat_json, json_docs};

type RuleFile = (String, String, Vec<rsigma_parser::SigmaRule>);

/// ipchunt's engine over the given rule files' text.
fn ours<'a>(tax: &Arc<Taxonomy>, files: impl IntoIterator<Item = &'a RuleFile>) -> Engine {
    let mut rs = RuleSet::new(tax.clone());
    for (path, text, _) in files {
        rs.add_str(text, path, false);
    }
    rs.compile()
}

/// Both engines over the same rule files, their rule counts printed.
fn both<'a>(
    tax: &Arc<Taxonomy>,
    files: impl IntoIterator<Item = &'a RuleFile> + Clone,
    events: usize,
) -> (Engine, rsigma_eval::Engine) {
    let engine = ours(tax, files.clone());
    let mut theirs = rsigma_eval::Engine::new();
    let refused = theirs.add_rules(files.into_iter().flat_map(|p| p.2.iter()));
    eprintln!(
        "ipchunt {} rules, rsigma-eval {} rules ({} refused), {events} events",
        engine.rules().len(),
        theirs.rule_count(),
        refused.len(),
    );
    (engine, theirs)
}

/// One pass of ipchunt's engine over the events; the number of matches.
fn pass(engine: &Engine, events: &[Event], scratch: &mut Scratch, out: &mut Vec<Match>) -> usize {
    out.clear();
    for e in events {
        engine.eval_with(e, scratch, out);
    }
    out.len()
}

fn bench(c: &mut Criterion) {
    let Some(shared) = common::shared().map(|s| s.join("corpus/sigma")) else {
        return;
    };
    let tax = Taxonomy::builtin();
    // Windows rule files, in path order.
    let mut rule_files: Vec<RuleFile> = Vec::new();
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
        for d in json_docs(&text) {
            events.push(evtx_json_event(&tax, "bench", events.len() as u64, &d));
            flats.push(flat_json(&d));
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
    if let Some(rounds) = std::env::var("SIGMA_BENCH_RATIO")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        ratio_rounds(&tax, &rule_files, &events, &flats, rounds);
        return;
    }
    let mut group = c.benchmark_group("sigma");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.sample_size(20);
    for n in [100, 1000, all] {
        // Evenly spread over the corpus, so that every category is present.
        let picked: Vec<&RuleFile> = (0..n).map(|i| &rule_files[i * all / n]).collect();
        let (ours, theirs) = both(&tax, picked.iter().copied(), events.len());
        let label = if n == all {
            format!("all({all})")
        } else {
            n.to_string()
        };
        group.bench_with_input(BenchmarkId::new("ipchunt", &label), &events, |b, evs| {
            let mut out = Vec::new();
            let mut scratch = Scratch::default();
            b.iter(|| pass(&ours, evs, &mut scratch, &mut out))
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
fn profile_passes(tax: &Arc<Taxonomy>, rule_files: &[RuleFile], events: &[Event], passes: usize) {
    let engine = ours(tax, rule_files);
    // Programs built and regexes compiled before the clock starts, as
    // criterion's warm-up does.
    engine.prepare(&engine.sources_of(events));
    let mut out = Vec::new();
    let mut scratch = Scratch::default();
    pass(&engine, events, &mut scratch, &mut out);
    let start = std::time::Instant::now();
    let matches: usize = (0..passes)
        .map(|_| pass(&engine, events, &mut scratch, &mut out))
        .sum();
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "{passes} passes, {matches} matches, {:.0} events/s",
        (passes * events.len()) as f64 / secs
    );
}

/// `SIGMA_BENCH_RATIO=N`: with all rules, `N` rounds each timing one pass
/// of ipchunt and one of rsigma-eval back to back, so that both meet the
/// same machine; prints the median of the rounds' speed ratios (a shared
/// machine's noise moves the two criterion figures apart, not this).
fn ratio_rounds(
    tax: &Arc<Taxonomy>,
    rule_files: &[RuleFile],
    events: &[Event],
    flats: &[serde_json::Value],
    rounds: usize,
) {
    let (ours, theirs) = both(tax, rule_files, events.len());
    let mut out = Vec::new();
    let mut scratch = Scratch::default();
    let theirs_pass = || {
        flats
            .iter()
            .map(|f| theirs.evaluate(&JsonEvent::borrow(f)).len())
            .sum::<usize>()
    };
    // Warm-up: programs built, regexes compiled, caches filled.
    pass(&ours, events, &mut scratch, &mut out);
    theirs_pass();
    let mut ratios = Vec::with_capacity(rounds);
    let (mut t_ours, mut t_theirs) = (0.0, 0.0);
    for _ in 0..rounds {
        let start = std::time::Instant::now();
        for _ in 0..8 {
            pass(&ours, events, &mut scratch, &mut out);
        }
        let a = start.elapsed().as_secs_f64() / 8.0;
        let start = std::time::Instant::now();
        theirs_pass();
        let b = start.elapsed().as_secs_f64();
        ratios.push(b / a);
        t_ours += a;
        t_theirs += b;
    }
    ratios.sort_by(f64::total_cmp);
    let n = events.len() as f64 * rounds as f64;
    eprintln!(
        "{rounds} rounds: ipchunt {:.0} events/s, rsigma-eval {:.0} events/s, ratio median {:.2} (min {:.2}, max {:.2})",
        n / t_ours,
        n / t_theirs,
        ratios[rounds / 2],
        ratios[0],
        ratios[rounds - 1]
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
