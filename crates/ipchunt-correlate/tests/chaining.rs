//! Correlations of correlations, field aliases and `generate`, from the
//! specification's examples.

mod common;

use common::*;

/// The specification's closing example, whole: failed logins followed by
/// a successful login, one correlation on another.
fn brute_force() -> Option<String> {
    spec_text_block(
        "Failed Logins Followed by Successful Login",
        "multiple_failed_login",
    )
}

const OUTER: &str = "Correlation - Multiple Failed Logins Followed by Successful Login";
const INNER: &str = "Multiple failed logons";

#[test]
fn failed_logins_then_success_chain() {
    let Some(yaml) = brute_force() else {
        return;
    };
    let mut s = load(&yaml, &[]);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    let (outer, inner) = (s.corr_index(OUTER), s.corr_index(INNER));
    let mut needed = vec![s.rule("failed_login"), s.rule("successful_login")];
    needed.sort();
    assert_eq!(s.corr.needed_rules(), needed);
    // `generate` is false: only the outermost correlation reports.
    assert!(s.corr.reports_correlation(outer));
    assert!(!s.corr.reports_correlation(inner));
    assert!(!s.corr.reports_base(s.rule("failed_login")));
    assert!(!s.corr.reports_base(s.rule("successful_login")));
    assert!(!s.corr.generates(outer));

    let bob = [("User", "bob")];
    // A success before the failures does not count.
    assert!(s.feed("successful_login", &ev(0, &bob)).is_empty());
    let mut hits = Vec::new();
    for i in 0..10 {
        hits.extend(s.feed("failed_login", &ev(10 + i, &bob)));
        // Eve fails as often but never succeeds.
        hits.extend(s.feed("failed_login", &ev(10 + i, &[("User", "eve")])));
    }
    assert_eq!(hits.len(), 2, "the inner correlation fired for bob and eve");
    assert!(hits.iter().all(|h| h.correlation == inner));
    let hits = s.feed("successful_login", &ev(100, &bob));
    assert_eq!(hits.len(), 1);
    let h = &hits[0];
    assert_eq!(h.correlation, outer);
    assert_eq!(group(h, "User"), "bob");
    assert_eq!(h.info.events.len(), 11, "ten failures and the success");
    assert_eq!((h.info.first, h.info.last), (Some(at(10)), Some(at(100))));
    assert!(
        s.feed("successful_login", &ev(101, &[("User", "mallory")]))
            .is_empty()
    );
}

#[test]
fn nine_failures_then_success_is_not_enough() {
    let Some(yaml) = brute_force() else {
        return;
    };
    let mut s = load(&yaml, &[]);
    let bob = [("User", "bob")];
    for i in 0..9 {
        assert!(s.feed("failed_login", &ev(i, &bob)).is_empty());
    }
    assert!(s.feed("successful_login", &ev(20, &bob)).is_empty());
    assert!(s.corr.finish().is_empty());
}

#[test]
fn generate_true_keeps_the_base_rules_reporting() {
    let Some(yaml) = brute_force() else {
        return;
    };
    let yaml = yaml.replacen("level: high", "level: high\ngenerate: true", 1);
    let s = load(&yaml, &[]);
    let outer = s.corr_index(OUTER);
    assert!(s.corr.generates(outer));
    // The outer rule generates: what it refers to reports too.
    assert!(s.corr.reports_base(s.rule("successful_login")));
    assert!(s.corr.reports_correlation(s.corr_index(INNER)));
    // The inner one does not: its base rule stays quiet.
    assert!(!s.corr.reports_base(s.rule("failed_login")));
}

#[test]
fn complete_window_hits_feed_a_parent_in_time_order() {
    let yaml = r#"
title: Quiet minute
name: quiet
correlation:
    type: event_count
    rules: [beacon]
    group-by: [Computer]
    timespan: 1m
    condition:
        lt: 2
---
title: Repeatedly quiet
correlation:
    type: event_count
    rules: [quiet]
    group-by: [Computer]
    timespan: 10m
    condition:
        gte: 2
"#;
    let mut s = load(yaml, &["beacon"]);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    let h = [("Computer", "h1")];
    assert!(s.feed("beacon", &ev(0, &h)).is_empty());
    // The window [0, 60] closes when this event arrives: one child hit.
    let hits = s.feed("beacon", &ev(100, &h));
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].correlation, s.corr_index("Quiet minute"));
    // The second window closes at the end: the child's second hit makes
    // the parent fire.
    let hits = s.corr.finish();
    let parents: Vec<_> = hits
        .iter()
        .filter(|h| h.correlation == s.corr_index("Repeatedly quiet"))
        .collect();
    assert_eq!(parents.len(), 1);
    assert_eq!(group(parents[0], "Computer"), "h1");
    assert_eq!(parents[0].info.events.len(), 2);
}

/// The specification's field name aliases example (its two detection
/// rules stand in as base rules).
fn aliases() -> Option<String> {
    spec_text_block("Field Name Aliases Example", "aliases:")
}

const ALIAS_RULES: [&str; 2] = ["internal_error", "new_network_connection"];

#[test]
fn aliases_spec_example_groups_across_field_names() {
    let Some(yaml) = aliases() else {
        return;
    };
    let mut s = load(&yaml, &ALIAS_RULES);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    let err = ev(
        0,
        &[("destination.ip", "10.0.0.1"), ("source.ip", "203.0.113.9")],
    );
    assert!(s.feed("internal_error", &err).is_empty());
    // The same addresses in the same fields are not the same roles.
    let same_fields = ev(
        1,
        &[("destination.ip", "10.0.0.1"), ("source.ip", "203.0.113.9")],
    );
    assert!(s.feed("new_network_connection", &same_fields).is_empty());
    let conn = ev(
        2,
        &[("source.ip", "10.0.0.1"), ("destination.ip", "203.0.113.9")],
    );
    let hits = s.feed("new_network_connection", &conn);
    assert_eq!(hits.len(), 1);
    assert_eq!(group(&hits[0], "internal_ip"), "10.0.0.1");
    assert_eq!(group(&hits[0], "remote_ip"), "203.0.113.9");
    assert_eq!(hits[0].info.events.len(), 2);
    // Past the 10 s window: nothing.
    let mut s = load(&yaml, &ALIAS_RULES);
    s.feed("internal_error", &err);
    let late = ev(
        11,
        &[("source.ip", "10.0.0.1"), ("destination.ip", "203.0.113.9")],
    );
    assert!(s.feed("new_network_connection", &late).is_empty());
}

#[test]
fn an_alias_naming_a_foreign_rule_is_rejected() {
    let Some(yaml) = aliases() else {
        return;
    };
    let yaml = yaml.replace(
        "            new_network_connection: source.ip",
        "            some_other_rule: source.ip",
    );
    let s = load(&yaml, &ALIAS_RULES);
    assert_eq!(s.errors.len(), 1);
    let msg = s.errors[0].to_string();
    assert!(
        msg.contains("alias \"internal_ip\"") && msg.contains("some_other_rule"),
        "{msg}"
    );
}

#[test]
fn aliases_apply_to_the_condition_field_too() {
    let yaml = r#"
title: Accounts touched from one host
correlation:
    type: value_count
    rules: [logon, share]
    group-by: [host]
    timespan: 1h
    aliases:
        host:
            logon: IpAddress
            share: SourceAddress
        account:
            logon: TargetUserName
            share: SubjectUserName
    condition:
        field: account
        gte: 3
"#;
    let mut s = load(yaml, &["logon", "share"]);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    let logon = |t, u| ev(t, &[("IpAddress", "10.9.9.9"), ("TargetUserName", u)]);
    let share = |t, u| ev(t, &[("SourceAddress", "10.9.9.9"), ("SubjectUserName", u)]);
    assert!(s.feed("logon", &logon(0, "alice")).is_empty());
    assert!(s.feed("share", &share(1, "alice")).is_empty());
    assert!(s.feed("share", &share(2, "bob")).is_empty());
    let hits = s.feed("logon", &logon(3, "carol"));
    assert_eq!(hits.len(), 1);
    assert_eq!(group(&hits[0], "host"), "10.9.9.9");
    assert_eq!(hits[0].info.value, 3.0);
}

#[test]
fn a_parent_reads_other_fields_from_the_childs_last_event() {
    let yaml = r#"
title: Burst
name: burst
correlation:
    type: event_count
    rules: [fail]
    group-by: [User]
    timespan: 1m
    condition:
        gte: 2
---
title: Burst then success on the same host
correlation:
    type: temporal_ordered
    rules: [burst, success]
    group-by: [User, Computer]
    timespan: 5m
"#;
    let mut s = load(yaml, &["fail", "success"]);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    let on = |t, host| ev(t, &[("User", "bob"), ("Computer", host)]);
    assert!(s.feed("fail", &on(0, "h1")).is_empty());
    // The burst's last event is on h2: the parent's Computer is h2.
    assert_eq!(s.feed("fail", &on(1, "h2")).len(), 1);
    assert!(s.feed("success", &on(2, "h1")).is_empty());
    let hits = s.feed("success", &on(3, "h2"));
    assert_eq!(hits.len(), 1);
    assert_eq!(group(&hits[0], "Computer"), "h2");
    assert_eq!(group(&hits[0], "User"), "bob");
}
