//! temporal and temporal_ordered, from the specification's examples.

mod common;

use common::*;

const RECON: [&str; 3] = ["recon_cmd_a", "recon_cmd_b", "recon_cmd_c"];

fn who(user: &str) -> [(&'static str, String); 2] {
    [("ComputerName", "ws1".into()), ("User", user.into())]
}

fn feed(s: &mut Setup, rule: &str, secs: i64, user: &str) -> usize {
    let f = who(user);
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    s.feed(rule, &ev(secs, &f)).len()
}

#[test]
fn temporal_spec_example_needs_all_rules_in_any_order() {
    let Some(yaml) = spec_example("temporal.yml") else {
        return;
    };
    let mut s = load(&yaml, &RECON);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(feed(&mut s, "recon_cmd_c", 0, "bob"), 0);
    assert_eq!(feed(&mut s, "recon_cmd_a", 60, "bob"), 0);
    // Another user's b does not complete bob's set.
    assert_eq!(feed(&mut s, "recon_cmd_b", 70, "eve"), 0);
    let hits = {
        let f = [("ComputerName", "ws1"), ("User", "bob")];
        s.feed("recon_cmd_b", &ev(299, &f))
    };
    assert_eq!(hits.len(), 1);
    let h = &hits[0];
    assert_eq!(h.info.value, 3.0);
    assert_eq!(group(h, "User"), "bob");
    assert_eq!(group(h, "ComputerName"), "ws1");
    assert_eq!(h.info.events.len(), 3);
    assert_eq!((h.info.first, h.info.last), (Some(at(0)), Some(at(299))));
}

#[test]
fn temporal_rules_must_fall_within_the_timespan() {
    let Some(yaml) = spec_example("temporal.yml") else {
        return;
    };
    let mut s = load(&yaml, &RECON);
    assert_eq!(feed(&mut s, "recon_cmd_a", 0, "bob"), 0);
    assert_eq!(feed(&mut s, "recon_cmd_b", 200, "bob"), 0);
    // 5m01s after a: a left the window.
    assert_eq!(feed(&mut s, "recon_cmd_c", 301, "bob"), 0);
    // A new a completes the set again with b and c.
    assert_eq!(feed(&mut s, "recon_cmd_a", 302, "bob"), 1);
}

#[test]
fn temporal_threshold_counts_distinct_rules() {
    let yaml = r#"
title: Two of three
correlation:
    type: temporal
    rules: [recon_cmd_a, recon_cmd_b, recon_cmd_c]
    group-by: [User]
    timespan: 5m
    condition:
        gte: 2
"#;
    let mut s = load(yaml, &RECON);
    assert_eq!(feed(&mut s, "recon_cmd_a", 0, "bob"), 0);
    // The same rule again is still one rule.
    assert_eq!(feed(&mut s, "recon_cmd_a", 10, "bob"), 0);
    assert_eq!(feed(&mut s, "recon_cmd_c", 20, "bob"), 1);
}

#[test]
fn temporal_ordered_spec_example_needs_the_listed_order() {
    let Some(yaml) = spec_example("temporal_ordered.yml") else {
        return;
    };
    let mut s = load(&yaml, &RECON);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    // c, b, a: every rule, wrong order.
    assert_eq!(feed(&mut s, "recon_cmd_c", 0, "bob"), 0);
    assert_eq!(feed(&mut s, "recon_cmd_b", 1, "bob"), 0);
    assert_eq!(feed(&mut s, "recon_cmd_a", 2, "bob"), 0);
    // Then c: a (at 2) was not followed by b yet.
    assert_eq!(feed(&mut s, "recon_cmd_c", 3, "bob"), 0);
    assert_eq!(feed(&mut s, "recon_cmd_b", 4, "bob"), 0);
    let f = [("ComputerName", "ws1"), ("User", "bob")];
    let hits = s.feed("recon_cmd_c", &ev(5, &f));
    assert_eq!(hits.len(), 1);
    let times: Vec<_> = hits[0]
        .info
        .events
        .iter()
        .map(|e| e.prov.timestamp)
        .collect();
    assert_eq!(times, vec![Some(at(2)), Some(at(4)), Some(at(5))]);
}

#[test]
fn temporal_ordered_chain_must_fit_in_the_timespan() {
    let Some(yaml) = spec_example("temporal_ordered.yml") else {
        return;
    };
    let mut s = load(&yaml, &RECON);
    assert_eq!(feed(&mut s, "recon_cmd_a", 0, "bob"), 0);
    assert_eq!(feed(&mut s, "recon_cmd_b", 100, "bob"), 0);
    assert_eq!(
        feed(&mut s, "recon_cmd_c", 301, "bob"),
        0,
        "a..c spans 5m01s"
    );
    // A later a restarts the chain; the old b cannot serve it.
    assert_eq!(feed(&mut s, "recon_cmd_a", 310, "bob"), 0);
    assert_eq!(feed(&mut s, "recon_cmd_c", 311, "bob"), 0);
    assert_eq!(feed(&mut s, "recon_cmd_b", 320, "bob"), 0);
    assert_eq!(feed(&mut s, "recon_cmd_c", 330, "bob"), 1);
}

#[test]
fn one_event_fills_one_place_of_an_ordered_chain() {
    let yaml = r#"
title: Twice
correlation:
    type: temporal_ordered
    rules: [a, a]
    group-by: [User]
    timespan: 1m
"#;
    let mut s = load(yaml, &["a"]);
    let u = [("User", "bob")];
    assert!(
        s.feed("a", &ev(0, &u)).is_empty(),
        "a single a is not a then a"
    );
    assert_eq!(s.feed("a", &ev(1, &u)).len(), 1);
}

#[test]
fn ordered_conditions_other_than_all_are_rejected() {
    let yaml = r#"
title: Partial order
correlation:
    type: temporal_ordered
    rules: [a, b, c]
    group-by: [User]
    timespan: 1m
    condition:
        gte: 2
"#;
    let s = load(yaml, &["a", "b", "c"]);
    assert_eq!(s.errors.len(), 1);
    assert!(s.errors[0].to_string().contains("temporal_ordered"));
    assert!(!s.corr.is_usable(0));
    assert!(s.corr.needed_rules().is_empty());
}

#[test]
fn temporal_below_threshold_is_judged_on_complete_windows() {
    let yaml = r#"
title: Lonely
correlation:
    type: temporal
    rules: [a, b]
    group-by: [User]
    timespan: 1m
    condition:
        lt: 2
"#;
    let mut s = load(yaml, &["a", "b"]);
    assert!(s.feed("a", &ev(0, &[("User", "bob")])).is_empty());
    assert!(s.feed("a", &ev(1, &[("User", "eve")])).is_empty());
    assert!(s.feed("b", &ev(30, &[("User", "eve")])).is_empty());
    let hits = s.corr.finish();
    assert_eq!(hits.len(), 1, "only bob saw fewer than two rules");
    assert_eq!(group(&hits[0], "User"), "bob");
    assert_eq!(hits[0].info.value, 1.0);
}

fn boolean(cond: &str) -> String {
    format!(
        "title: Boolean\ncorrelation:\n  type: temporal\n  rules: [recon_cmd_a, recon_cmd_b, \
         recon_cmd_c]\n  group-by: [ComputerName, User]\n  timespan: 5m\n  condition: {cond}\n"
    )
}

#[test]
fn boolean_conditions_without_not_fire_as_events_arrive() {
    let mut s = load(
        &boolean("recon_cmd_a and (recon_cmd_b or recon_cmd_c)"),
        &RECON,
    );
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(feed(&mut s, "recon_cmd_c", 0, "bob"), 0);
    assert_eq!(feed(&mut s, "recon_cmd_a", 10, "bob"), 1);
    let mut s = load(&boolean("2 of recon_cmd_*"), &RECON);
    assert_eq!(feed(&mut s, "recon_cmd_b", 0, "bob"), 0);
    assert_eq!(feed(&mut s, "recon_cmd_b", 1, "bob"), 0);
    assert_eq!(feed(&mut s, "recon_cmd_a", 2, "bob"), 1);
}

#[test]
fn boolean_conditions_with_not_are_judged_on_complete_windows() {
    let mut s = load(&boolean("recon_cmd_a and not recon_cmd_c"), &RECON);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(feed(&mut s, "recon_cmd_a", 0, "bob"), 0);
    assert_eq!(feed(&mut s, "recon_cmd_a", 1, "eve"), 0);
    assert_eq!(feed(&mut s, "recon_cmd_c", 200, "eve"), 0);
    // eve's c arrives after bob's window [0, 300] but within hers.
    assert_eq!(feed(&mut s, "recon_cmd_c", 301, "bob"), 1);
    let rest = s.corr.finish();
    // bob's second window holds only c: no a, no hit; eve had c.
    assert!(rest.is_empty(), "{rest:?}");
}

#[test]
fn boolean_conditions_must_name_the_correlations_rules() {
    let s = load(&boolean("recon_cmd_a and recon_cmd_z"), &RECON);
    assert_eq!(s.errors.len(), 1);
    let msg = s.errors[0].to_string();
    assert!(
        msg.contains("\"recon_cmd_z\" is not one of the correlation's rules"),
        "{msg}"
    );
}
