//! The window modes `rsigma-parser` reads beyond Sigma's sliding windows:
//! tumbling and session.

mod common;

use common::*;

fn rule(window: &str, cond: &str) -> String {
    format!(
        "title: W\ncorrelation:\n  type: event_count\n  rules: [a]\n  group-by: [User]\n  \
         timespan: 1m\n{window}  condition:\n    {cond}\n"
    )
}

/// Feeds `a` matches for bob at these seconds after T0 and finishes;
/// returns the hits' (first, last, count).
fn run(yaml: &str, times: &[i64]) -> Vec<(i64, i64, f64)> {
    let mut s = load(yaml, &["a"]);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    let mut hits = Vec::new();
    for t in times {
        hits.extend(s.feed("a", &ev(*t, &[("User", "bob")])));
    }
    hits.extend(s.corr.finish());
    let secs = |ts: Option<jiff::Timestamp>| ts.map(|t| t.as_second() - T0).unwrap_or(-1);
    hits.iter()
        .map(|h| (secs(h.info.first), secs(h.info.last), h.info.value))
        .collect()
}

#[test]
fn tumbling_windows_are_aligned_buckets() {
    // T0 is 20 s past a minute: buckets start at T0 - 20, T0 + 40, ...
    let yaml = rule("  window: tumbling\n", "gte: 2");
    assert_eq!(run(&yaml, &[30, 39]), vec![(30, 39, 2.0)]);
    // 35 and 45 are 10 s apart but on both sides of a boundary: a sliding
    // window would fire, a tumbling one does not.
    assert_eq!(run(&yaml, &[35, 45]), vec![]);
    assert_eq!(run(&rule("", "gte: 2"), &[35, 45]).len(), 1);
    // Three buckets, judged one by one.
    assert_eq!(
        run(&yaml, &[-10, 0, 50, 60, 70, 101]),
        vec![(-10, 0, 2.0), (50, 70, 3.0)]
    );
}

#[test]
fn session_windows_last_while_inputs_keep_coming() {
    let yaml = rule("  window: session\n  gap: 30s\n", "gte: 3");
    // Gaps of 20 s: one session.
    assert_eq!(run(&yaml, &[0, 20, 40]), vec![(0, 40, 3.0)]);
    // A 31 s gap splits it.
    assert_eq!(run(&yaml, &[0, 20, 51, 60]), vec![]);
    // A session stops at one timespan in all: 0..=60, then 80..
    assert_eq!(
        run(&yaml, &[0, 20, 40, 60, 80, 100, 110]),
        vec![(0, 60, 4.0), (80, 110, 3.0)]
    );
}

#[test]
fn session_windows_with_an_upper_bound() {
    let yaml = rule("  window: session\n  gap: 10s\n", "lt: 2");
    assert_eq!(
        run(&yaml, &[0, 5, 30, 100, 105]),
        vec![(30, 30, 1.0)],
        "sessions 0-5, 30 and 100-105; only the middle one is short"
    );
}

#[test]
fn ordered_chains_inside_tumbling_windows() {
    let yaml = r#"
title: Ordered buckets
correlation:
    type: temporal_ordered
    rules: [a, b]
    group-by: [User]
    timespan: 1m
    window: tumbling
"#;
    let mut s = load(yaml, &["a", "b"]);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    let bob = [("User", "bob")];
    let mut hits = Vec::new();
    // a then b across a boundary (T0 + 40): no chain in either bucket.
    hits.extend(s.feed("a", &ev(35, &bob)));
    hits.extend(s.feed("b", &ev(45, &bob)));
    // a then b within the next bucket: a chain.
    hits.extend(s.feed("a", &ev(50, &bob)));
    hits.extend(s.feed("b", &ev(55, &bob)));
    hits.extend(s.corr.finish());
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].info.first, Some(at(50)));
    assert_eq!(hits[0].info.value, 2.0);
}
