//! event_count and value_count, from the specification's text and its
//! examples (`tests/schema/correlation/*.yml` of the specification).

mod common;

use common::*;

const COUNT_RANGE: &str = r#"
title: Range count
correlation:
    type: event_count
    rules:
        - login
    group-by:
        - User
    timespan: 10m
    condition:
        gt: 2
        lte: 4
"#;

#[test]
fn event_count_spec_example_fires_at_the_hundredth_event() {
    let Some(yaml) = spec_example("event_count.yml") else {
        return;
    };
    let rule = "5638f7c0-ac70-491d-8465-2a65075e0d86";
    let mut s = load(&yaml, &[rule]);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(s.corr.needed_rules(), vec![s.rule(rule)]);
    let host = [("ComputerName", "dc01")];
    for i in 0..99 {
        assert!(s.feed(rule, &ev(i * 30, &host)).is_empty(), "event {i}");
    }
    // Another host's events do not count towards dc01.
    assert!(
        s.feed(rule, &ev(2970, &[("ComputerName", "ws7")]))
            .is_empty()
    );
    let hits = s.feed(rule, &ev(2980, &host));
    assert_eq!(hits.len(), 1);
    let h = &hits[0];
    assert_eq!(h.info.value, 100.0);
    assert_eq!(group(h, "ComputerName"), "dc01");
    assert_eq!(h.info.events.len(), 100);
    assert_eq!(h.info.first, Some(at(0)));
    assert_eq!(h.info.last, Some(at(2980)));
    // The flood goes on within the hour: no hit per event.
    for i in 0..200 {
        assert!(s.feed(rule, &ev(2981 + i, &host)).is_empty());
    }
    assert!(s.corr.finish().is_empty());
}

#[test]
fn event_count_window_slides() {
    let Some(yaml) = spec_example("event_count.yml") else {
        return;
    };
    let rule = "5638f7c0-ac70-491d-8465-2a65075e0d86";
    let mut s = load(&yaml, &[rule]);
    let host = [("ComputerName", "dc01")];
    // 60 events in the first minute, 39 more just under an hour later:
    // 99 in any hour.
    for i in 0..60 {
        assert!(s.feed(rule, &ev(i, &host)).is_empty());
    }
    for i in 0..39 {
        assert!(s.feed(rule, &ev(3000 + i, &host)).is_empty());
    }
    // At 3659 the window [59, 3659] holds one event of the first minute
    // and the 39 later: no hit. The window is inclusive at both ends.
    assert!(s.feed(rule, &ev(3659, &host)).is_empty());
    let mut s = load(&yaml, &[rule]);
    for i in 0..60 {
        s.feed(rule, &ev(i, &host));
    }
    for i in 0..39 {
        s.feed(rule, &ev(3000 + i, &host));
    }
    let hits = s.feed(rule, &ev(3600, &host));
    assert_eq!(hits.len(), 1, "[0, 3600] holds all 100 events");
    assert_eq!(hits[0].info.first, Some(at(0)));
}

#[test]
fn event_count_fires_again_after_a_quiet_timespan() {
    let yaml = r#"
title: Burst
correlation:
    type: event_count
    rules: [login]
    group-by: [User]
    timespan: 1m
    condition:
        gte: 3
"#;
    let mut s = load(yaml, &["login"]);
    let u = [("User", "bob")];
    let mut hits = Vec::new();
    for i in 0..20 {
        hits.extend(s.feed("login", &ev(i * 10, &u)));
    }
    // Events every 10 s: hits at 20 s, then at the first event after 80 s
    // (quiet until one minute after the hit), then after 150 s.
    let times: Vec<_> = hits.iter().map(|h| h.info.last).collect();
    assert_eq!(times, vec![Some(at(20)), Some(at(90)), Some(at(160))]);
    // The second hit holds only events after the first.
    assert_eq!(hits[1].info.first, Some(at(30)));
}

#[test]
fn range_conditions_are_judged_on_complete_windows() {
    let mut s = load(COUNT_RANGE, &["login"]);
    let mut hits = Vec::new();
    // Fed in time order: minute i brings one event of each user with
    // more than i events.
    for i in 0..5 {
        for (user, n) in [("two", 2), ("three", 3), ("four", 4), ("five", 5)] {
            if i < n {
                hits.extend(s.feed("login", &ev(i * 60, &[("User", user)])));
            }
        }
    }
    assert_eq!(s.corr.stats().late, 0);
    assert!(hits.is_empty(), "nothing is judged before the windows end");
    // An event 11 minutes on closes the windows that started at 0.
    hits.extend(s.feed("login", &ev(660, &[("User", "other")])));
    let mut users: Vec<(String, f64)> = hits
        .iter()
        .map(|h| (group(h, "User").to_owned(), h.info.value))
        .collect();
    users.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(users, vec![("four".into(), 4.0), ("three".into(), 3.0)]);
    assert!(s.corr.finish().is_empty(), "other: one event, not in 3..=4");
}

#[test]
fn lt_lte_eq_neq_each_follow_their_operator() {
    for (op, expect) in [
        ("lt: 3", vec![1, 2]),
        ("lte: 3", vec![1, 2, 3]),
        ("eq: 3", vec![3]),
        ("neq: 3", vec![1, 2, 4]),
        ("gt: 3", vec![4]),
        ("gte: 3", vec![3, 4]),
    ] {
        let yaml = format!(
            "title: Op\ncorrelation:\n  type: event_count\n  rules: [r]\n  group-by: [User]\n  \
             timespan: 5m\n  condition:\n    {op}\n"
        );
        let mut s = load(&yaml, &["r"]);
        let mut hits = Vec::new();
        // User "n" has n events, at seconds 0..n.
        for i in 0..4usize {
            for n in (i + 1)..=4usize {
                hits.extend(s.feed("r", &ev(i as i64, &[("User", &n.to_string())])));
            }
        }
        hits.extend(s.corr.finish());
        let mut got: Vec<usize> = hits
            .iter()
            .map(|h| group(h, "User").parse().unwrap())
            .collect();
        got.sort();
        assert_eq!(got, expect, "{op}");
        for h in &hits {
            let n: f64 = group(h, "User").parse().unwrap();
            // Lower bounds fire on the event that reaches them; the others
            // report the complete window's count.
            let want = match op {
                "gte: 3" => 3.0,
                "gt: 3" => 4.0,
                _ => n,
            };
            assert_eq!(h.info.value, want, "{op}");
        }
    }
}

#[test]
fn advance_closes_windows_without_a_match() {
    let mut s = load(COUNT_RANGE, &["login"]);
    for i in 0..3 {
        assert!(s.feed("login", &ev(i, &[("User", "a")])).is_empty());
    }
    assert!(
        s.corr.advance(at(600)).is_empty(),
        "window [0, 600] still open"
    );
    assert_eq!(s.corr.advance(at(601)).len(), 1);
    assert!(s.corr.finish().is_empty());
}

#[test]
fn value_count_spec_example_counts_distinct_users() {
    let Some(yaml) = spec_example("value_count.yml") else {
        return;
    };
    let rule = "5638f7c0-ac70-491d-8465-2a65075e0d86";
    let mut s = load(&yaml, &[rule]);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    let hosts = [("ComputerName", "dc01"), ("WorkstationName", "ws7")];
    // 300 failures from 99 users: not enough distinct values.
    for i in 0..300 {
        let user = format!("user{}", i % 99);
        let f = [hosts[0], hosts[1], ("User", user.as_str())];
        assert!(s.feed(rule, &ev(i, &f)).is_empty());
    }
    // An event without User takes no part.
    assert!(s.feed(rule, &ev(301, &hosts)).is_empty());
    assert_eq!(s.corr.stats().missing_value_field, 1);
    // Same user on another workstation: another group.
    let other = [hosts[0], ("WorkstationName", "ws8"), ("User", "new")];
    assert!(s.feed(rule, &ev(302, &other)).is_empty());
    let f = [hosts[0], hosts[1], ("User", "user_100")];
    let hits = s.feed(rule, &ev(303, &f));
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].info.value, 100.0);
    assert_eq!(group(&hits[0], "WorkstationName"), "ws7");
    assert_eq!(hits[0].info.events.len(), 301);
}

#[test]
fn value_count_over_several_fields_counts_distinct_pairs() {
    let yaml = r#"
title: Pairs
correlation:
    type: value_count
    rules: [r]
    group-by: [Computer]
    timespan: 1h
    condition:
        field: [User, Domain]
        gte: 3
"#;
    let mut s = load(yaml, &["r"]);
    let mut hits = Vec::new();
    for (i, (u, d)) in [("a", "x"), ("a", "x"), ("a", "y"), ("b", "x")]
        .iter()
        .enumerate()
    {
        let f = [("Computer", "h"), ("User", *u), ("Domain", *d)];
        hits.extend(s.feed("r", &ev(i as i64, &f)));
    }
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].info.value, 3.0);
    assert_eq!(hits[0].info.last, Some(at(3)));
}

#[test]
fn distinct_values_leave_with_their_events() {
    let yaml = r#"
title: Spray
correlation:
    type: value_count
    rules: [r]
    group-by: [IpAddress]
    timespan: 1m
    condition:
        field: TargetUserName
        gte: 3
"#;
    let mut s = load(yaml, &["r"]);
    let f = |u| [("IpAddress", "10.0.0.1"), ("TargetUserName", u)];
    assert!(s.feed("r", &ev(0, &f("a"))).is_empty());
    assert!(s.feed("r", &ev(30, &f("b"))).is_empty());
    // `a` left the window [31, 91]; b and b again are one value.
    assert!(s.feed("r", &ev(91, &f("b"))).is_empty());
    assert!(s.feed("r", &ev(92, &f("c"))).is_empty());
    assert_eq!(s.feed("r", &ev(93, &f("a"))).len(), 1);
}
