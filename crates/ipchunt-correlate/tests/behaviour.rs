//! How the correlator treats its input: memory bounded by the window,
//! inputs out of time order or without time, rejected rules.

mod common;

use common::*;
use ipchunt_core::Value;
use ipchunt_correlate::CorrelationErrorKind;

const COUNT: &str = r#"
title: Count
correlation:
    type: event_count
    rules: [a, b]
    group-by: [User]
    timespan: 1m
    condition:
        gte: 2
"#;

#[test]
fn memory_is_bounded_by_the_window() {
    let yaml = COUNT.replace("gte: 2", "gte: 1000");
    let mut s = load(&yaml, &["a", "b"]);
    // Ten thousand users, one event a second, and one busy user.
    for i in 0..10_000i64 {
        let user = format!("u{i}");
        assert!(s.feed("a", &ev(i, &[("User", user.as_str())])).is_empty());
        assert!(s.feed("a", &ev(i, &[("User", "busy")])).is_empty());
        let st = s.corr.stats();
        // At most two timespans of groups and inputs are ever held.
        assert!(st.open_groups <= 2 * 61 + 1, "{i}: {st:?}");
        assert!(st.held_inputs <= 4 * 61 + 2, "{i}: {st:?}");
    }
    assert_eq!(s.corr.stats().hits, 0, "never 1000 events in a minute");
    assert!(s.corr.finish().is_empty());
    assert_eq!(s.corr.stats().open_groups, 0);
}

#[test]
fn complete_windows_are_dropped_once_judged() {
    let yaml = COUNT.replace("gte: 2", "lt: 2");
    let mut s = load(&yaml, &["a", "b"]);
    let mut hits = 0;
    for i in 0..1_000i64 {
        let user = format!("u{i}");
        hits += s.feed("a", &ev(i * 10, &[("User", user.as_str())])).len();
        assert!(s.corr.stats().open_groups <= 8);
    }
    hits += s.corr.finish().len();
    assert_eq!(hits, 1_000, "every user was alone in its minute");
}

#[test]
fn an_event_matched_by_two_referenced_rules_counts_once() {
    let mut s = load(COUNT, &["a", "b"]);
    let e = ev(0, &[("User", "bob")]);
    assert!(s.feed("a", &e).is_empty());
    assert!(s.feed("b", &e).is_empty());
    let hits = s.feed("b", &ev(1, &[("User", "bob")]));
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].info.events.len(), 2);
}

#[test]
fn late_events_are_taken_at_the_latest_time_seen() {
    let mut s = load(COUNT, &["a", "b"]);
    assert!(s.feed("a", &ev(100, &[("User", "bob")])).is_empty());
    // 90 s older than the clock: counted late and placed at 100 s, so it
    // correlates with its neighbour in the feed.
    let hits = s.feed("a", &ev(10, &[("User", "bob")]));
    assert_eq!(hits.len(), 1);
    assert_eq!(s.corr.stats().late, 1);
    // The hit still shows the events' own times.
    assert_eq!(hits[0].info.first, Some(at(10)));
    assert_eq!(hits[0].info.last, Some(at(100)));
}

#[test]
fn events_without_time_are_not_used() {
    let mut s = load(COUNT, &["a", "b"]);
    let untimed = evv(None, &[("User", Value::str("bob"))]);
    assert!(s.feed("a", &untimed).is_empty());
    assert!(s.feed("a", &untimed).is_empty());
    assert!(s.feed("a", &ev(0, &[("User", "bob")])).is_empty());
    let st = s.corr.stats();
    assert_eq!((st.observed, st.untimed), (3, 2));
    // Unreferenced rules are ignored and not counted.
    assert!(s.corr.observe(99, &untimed).is_empty());
    assert_eq!(s.corr.stats().observed, 3);
}

#[test]
fn events_without_the_group_field_take_no_part() {
    let mut s = load(COUNT, &["a", "b"]);
    assert!(s.feed("a", &ev(0, &[("Other", "x")])).is_empty());
    assert!(s.feed("a", &ev(1, &[("Other", "x")])).is_empty());
    assert_eq!(s.corr.stats().missing_group_field, 2);
}

#[test]
fn finish_starts_afresh() {
    let mut s = load(COUNT, &["a", "b"]);
    assert!(s.feed("a", &ev(1000, &[("User", "bob")])).is_empty());
    assert!(s.corr.finish().is_empty());
    // Earlier times are fine after finish, and the old event is gone.
    assert!(s.feed("a", &ev(0, &[("User", "bob")])).is_empty());
    assert_eq!(s.feed("a", &ev(1, &[("User", "bob")])).len(), 1);
    assert_eq!(s.corr.stats().late, 0);
}

#[test]
fn unusable_rules_are_reported_and_the_rest_run() {
    let yaml = r#"
title: Good
correlation:
    type: event_count
    rules: [a]
    group-by: [User]
    timespan: 1m
    condition:
        gte: 1
---
title: Unknown reference
correlation:
    type: event_count
    rules: [nowhere]
    group-by: [User]
    timespan: 1m
    condition:
        gte: 1
---
title: Ping
name: ping
correlation:
    type: event_count
    rules: [pong]
    group-by: [User]
    timespan: 1m
    condition:
        gte: 1
---
title: Pong
name: pong
correlation:
    type: event_count
    rules: [ping]
    group-by: [User]
    timespan: 1m
    condition:
        gte: 1
---
title: On broken
name: on_broken
correlation:
    type: temporal
    rules: [a, tumbling]
    group-by: [User]
    timespan: 1m
---
title: Tumbling
name: tumbling
correlation:
    type: event_count
    rules: [a]
    group-by: [User]
    timespan: 0s
    window: tumbling
    condition:
        gte: 1
---
title: Boolean
correlation:
    type: event_count
    rules: [a, b]
    group-by: [User]
    timespan: 1m
    condition: a and not b
---
title: Percentile
correlation:
    type: value_percentile
    rules: [a]
    group-by: [User]
    timespan: 1m
    condition:
        field: Size
        percentile: 101
        gt: 1
"#;
    let mut s = load(yaml, &["a", "b"]);
    let reasons: Vec<(String, CorrelationErrorKind)> = s
        .errors
        .iter()
        .map(|e| (e.title.clone(), e.reason.clone()))
        .collect();
    assert_eq!(
        reasons,
        vec![
            (
                "Unknown reference".into(),
                CorrelationErrorKind::UnknownRule("nowhere".into())
            ),
            ("Ping".into(), CorrelationErrorKind::Cycle),
            ("Pong".into(), CorrelationErrorKind::Cycle),
            (
                "On broken".into(),
                CorrelationErrorKind::BrokenDependency("tumbling".into())
            ),
            (
                "Tumbling".into(),
                CorrelationErrorKind::WindowMode("tumbling".into())
            ),
            (
                "Boolean".into(),
                CorrelationErrorKind::BooleanCondition {
                    condition: "(a and not b)".into(),
                    problem: "only temporal correlations take one, not event_count".into()
                }
            ),
            ("Percentile".into(), CorrelationErrorKind::Percentile(101)),
        ]
    );
    assert_eq!(s.corr.needed_rules(), vec![s.rule("a")]);
    assert!(s.corr.is_usable(s.corr_index("Good")));
    assert!(!s.corr.reports_correlation(s.corr_index("Ping")));
    // The rule b is referenced only by a rejected rule: it reports.
    assert!(s.corr.reports_base(s.rule("b")));
    assert_eq!(s.feed("a", &ev(0, &[("User", "x")])).len(), 1);
}

#[test]
fn correlate_all_sorts_matches_from_several_files() {
    let mut s = load(COUNT, &["a", "b"]);
    let (a, b) = (s.rule("a"), s.rule("b"));
    let bob = [("User", "bob")];
    // Two files' matches, each in its own order, concatenated.
    let mut matches = vec![
        (a, ev(50, &bob)),
        (a, ev(200, &bob)),
        (b, ev(0, &bob)),
        (b, ev(120, &bob)),
        (b, ev(199, &bob)),
    ];
    let hits = s.corr.correlate_all(&mut matches);
    let spans: Vec<_> = hits.iter().map(|h| (h.info.first, h.info.last)).collect();
    // 0 and 50 fall within a minute; so do 199 and 200 (120 alone does not
    // pair with 50, which is 70 s earlier).
    assert_eq!(
        spans,
        vec![(Some(at(0)), Some(at(50))), (Some(at(199)), Some(at(200)))]
    );
    assert_eq!(s.corr.stats().late, 0);
}

#[test]
fn timespan_units() {
    for (span, apart, fires) in [
        ("90m", 90 * 60, true),
        ("90m", 90 * 60 + 1, false),
        ("30s", 30, true),
        ("2h", 7201, false),
        ("1d", 86_400, true),
        ("1w", 6 * 86_400, true),
        ("1w", 8 * 86_400, false),
    ] {
        let yaml = COUNT.replace("timespan: 1m", &format!("timespan: {span}"));
        let mut s = load(&yaml, &["a", "b"]);
        assert!(s.feed("a", &ev(0, &[("User", "bob")])).is_empty());
        let hits = s.feed("b", &ev(apart, &[("User", "bob")]));
        assert_eq!(hits.len() == 1, fires, "{span} with events {apart} s apart");
    }
}

#[test]
fn group_by_names_resolve_through_the_taxonomy() {
    // A rule may name a field by a vendor's alias: Security 4688's
    // NewProcessName is the canonical Image.
    let yaml = COUNT.replace("group-by: [User]", "group-by: [NewProcessName]");
    let mut s = load(&yaml, &["a", "b"]);
    let img = "C:\\Windows\\System32\\mmc.exe";
    assert!(s.feed("a", &ev(0, &[("Image", img)])).is_empty());
    let hits = s.feed("a", &ev(1, &[("Image", img)]));
    assert_eq!(hits.len(), 1);
    assert_eq!(group(&hits[0], "NewProcessName"), img);
}

#[test]
fn without_group_by_all_inputs_share_one_group() {
    let yaml = COUNT.replace("    group-by: [User]\n", "");
    let mut s = load(&yaml, &["a", "b"]);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert!(s.feed("a", &ev(0, &[("User", "bob")])).is_empty());
    let hits = s.feed("b", &ev(1, &[]));
    assert_eq!(hits.len(), 1);
    assert!(hits[0].info.group.is_empty());
}

#[test]
fn the_correlator_can_move_between_threads() {
    fn send<T: Send>(_: &T) {}
    let s = load(COUNT, &["a", "b"]);
    send(&s.corr);
}
