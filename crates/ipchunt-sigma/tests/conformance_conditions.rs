//! Conformance with the Sigma rules specification: conditions, value
//! types, keywords, null, field lists, collections, filters, gating.

mod common;

use common::*;
use ipchunt_core::{Event, Taxonomy, Value};
use ipchunt_sigma::RuleSet;

fn three() -> ipchunt_sigma::Engine {
    proc_rule(
        "    sel_a:\n        CommandLine|contains: aaa\n    sel_b:\n        CommandLine|contains: bbb\n    filter_c:\n        CommandLine|contains: ccc\n    condition: COND",
    )
}

fn cond(c: &str) -> ipchunt_sigma::Engine {
    proc_rule(&format!(
        "    sel_a:\n        CommandLine|contains: aaa\n    sel_b:\n        CommandLine|contains: bbb\n    filter_c:\n        CommandLine|contains: ccc\n    condition: {c}"
    ))
}

fn on(e: &ipchunt_sigma::Engine, cmd: &str) -> bool {
    fires(e, &proc(&[("CommandLine", cmd)]))
}

#[test]
fn and_or_not_and_parentheses() {
    let _ = three;
    let e = cond("sel_a and not filter_c");
    assert!(on(&e, "aaa"));
    assert!(!on(&e, "aaa ccc"));
    let e = cond("sel_a or sel_b and filter_c");
    // and binds tighter than or
    assert!(on(&e, "aaa"));
    assert!(!on(&e, "bbb"));
    assert!(on(&e, "bbb ccc"));
    let e = cond("(sel_a or sel_b) and filter_c");
    assert!(!on(&e, "aaa"));
    assert!(on(&e, "aaa ccc"));
    let e = cond("not sel_a");
    assert!(on(&e, "zzz"));
    assert!(!on(&e, "aaa"));
}

#[test]
fn one_of_all_of_n_of_and_them() {
    let e = cond("1 of sel_*");
    assert!(on(&e, "bbb"));
    assert!(!on(&e, "ccc"));
    let e = cond("all of sel_*");
    assert!(!on(&e, "aaa"));
    assert!(on(&e, "aaa bbb"));
    let e = cond("all of them");
    assert!(!on(&e, "aaa bbb"));
    assert!(on(&e, "aaa bbb ccc"));
    let e = cond("1 of them");
    assert!(on(&e, "ccc"));
    let e = cond("2 of them");
    assert!(!on(&e, "ccc"));
    assert!(on(&e, "ccc aaa"));
    let e = cond("1 of sel_* and not 1 of filter_*");
    assert!(on(&e, "aaa"));
    assert!(!on(&e, "aaa ccc"));
    let e = cond("any of sel_*");
    assert!(on(&e, "aaa"));
}

#[test]
fn condition_list_is_or() {
    let e = proc_rule(
        "    a:\n        CommandLine: x\n    b:\n        CommandLine: y\n    condition:\n        - a\n        - b",
    );
    assert!(on(&e, "x"));
    assert!(on(&e, "y"));
    assert!(!on(&e, "z"));
}

#[test]
fn list_of_maps_is_or_and_map_is_and() {
    let e = proc_rule(
        "    s:\n        - Image|endswith: '\\a.exe'\n          CommandLine|contains: '-x'\n        - Image|endswith: '\\b.exe'\n    condition: s",
    );
    assert!(fires(
        &e,
        &proc(&[("Image", "c:\\a.exe"), ("CommandLine", "a.exe -x")])
    ));
    assert!(!fires(
        &e,
        &proc(&[("Image", "c:\\a.exe"), ("CommandLine", "a.exe")])
    ));
    assert!(fires(&e, &proc(&[("Image", "c:\\b.exe")])));
}

#[test]
fn keywords_search_all_values() {
    let e = proc_rule(
        "    keywords:\n        - 'mimikatz'\n        - 'sekurlsa::*'\n    condition: keywords",
    );
    assert!(fires(&e, &proc(&[("CommandLine", "run MIMIKATZ now")])));
    assert!(fires(
        &e,
        &proc(&[("ParentCommandLine", "x sekurlsa::logonpasswords")])
    ));
    assert!(!fires(&e, &proc(&[("CommandLine", "benign")])));
    let e = proc_rule(
        "    keywords:\n        '|all':\n            - 'foo'\n            - 'bar'\n    condition: keywords",
    );
    assert!(fires(
        &e,
        &proc(&[("CommandLine", "foo"), ("Image", "bar")])
    ));
    assert!(!fires(&e, &proc(&[("CommandLine", "foo")])));
}

#[test]
fn null_matches_absent_or_null_fields() {
    let e = proc_rule("    s:\n        Image: x\n        User: null\n    condition: s");
    assert!(fires(&e, &proc(&[("Image", "x")])));
    assert!(fires(
        &e,
        &event(
            SYSMON,
            1,
            &[("Image", Value::str("x")), ("User", Value::Null)]
        )
    ));
    assert!(!fires(&e, &proc(&[("Image", "x"), ("User", "bob")])));
    let e = proc_rule(
        "    s:\n        Image: x\n    f:\n        User: null\n    condition: s and not f",
    );
    assert!(fires(&e, &proc(&[("Image", "x"), ("User", "bob")])));
}

#[test]
fn empty_value_matches_empty_field() {
    let e = proc_rule("    s:\n        Image: x\n        User: ''\n    condition: s");
    assert!(fires(&e, &proc(&[("Image", "x"), ("User", "")])));
    assert!(!fires(&e, &proc(&[("Image", "x"), ("User", "a")])));
}

#[test]
fn types_are_coerced() {
    // Sysmon writes Initiated as text; ECS and JSON sources as a boolean.
    let e = engine(
        "title: t\nlogsource: {product: windows, category: network_connection}\ndetection:\n  s:\n    Initiated: 'true'\n    DestinationPort: 445\n  condition: s\n",
    );
    let ev = |i: Value, p: Value| event(SYSMON, 3, &[("Initiated", i), ("DestinationPort", p)]);
    assert!(fires(&e, &ev(Value::Bool(true), Value::Int(445))));
    assert!(fires(&e, &ev(Value::str("true"), Value::str("445"))));
    assert!(!fires(&e, &ev(Value::Bool(false), Value::Int(445))));
    let e = engine(
        "title: t\nlogsource: {product: windows, category: network_connection}\ndetection:\n  s:\n    Initiated: true\n    DestinationPort: '3'\n  condition: s\n",
    );
    assert!(fires(&e, &ev(Value::str("True"), Value::Int(3))));
}

#[test]
fn list_values_match_any_element() {
    let e = proc_rule("    s:\n        Hashes|contains: 'MD5=ABC'\n    condition: s");
    let ev = event(
        SYSMON,
        1,
        &[(
            "Hashes",
            Value::List(vec![Value::str("SHA1=1"), Value::str("md5=abc")]),
        )],
    );
    assert!(fires(&e, &ev));
}

#[test]
fn matches_report_fields() {
    let e = proc_rule(
        "    s:\n        Image|endswith: '\\x.exe'\n    f:\n        User: bob\n    condition: s and not f",
    );
    let m = matches(&e, &proc(&[("Image", "c:\\x.exe"), ("User", "al")]));
    assert_eq!(m.len(), 1);
    assert_eq!(
        m[0].fields,
        vec![("Image".to_string(), "c:\\x.exe".to_string())]
    );
    assert_eq!(e.rules()[m[0].rule].level, ipchunt_core::Level::High);
}

#[test]
fn gate_needs_the_right_channel_and_event_id() {
    let e = proc_rule("    s:\n        Image|endswith: '.exe'\n    condition: s");
    let f = [("Image", Value::str("a.exe"))];
    assert!(fires(&e, &event(SYSMON, 1, &f)));
    assert!(!fires(&e, &event(SYSMON, 3, &f)));
    assert!(!fires(&e, &event("Application", 1, &f)));
    assert!(fires(&e, &event("Security", 4688, &f)));
    // Channel names compare without regard to case.
    assert!(fires(
        &e,
        &event("microsoft-windows-sysmon/operational", 1, &f)
    ));
}

#[test]
fn service_rules_run_on_every_event_of_their_channel() {
    let e = engine(
        "title: t\nlogsource: {product: windows, service: security}\ndetection:\n  s:\n    EventID: 4624\n    LogonType: 3\n  condition: s\n",
    );
    assert!(fires(
        &e,
        &event("Security", 4624, &[("LogonType", Value::Int(3))])
    ));
    assert!(!fires(
        &e,
        &event("Security", 4625, &[("LogonType", Value::Int(3))])
    ));
    assert!(!fires(
        &e,
        &event("System", 4624, &[("LogonType", Value::Int(3))])
    ));
}

#[test]
fn multi_document_and_global_collections() {
    let yaml = "action: global\ntitle: g\nlogsource: {product: windows}\ndetection:\n  s:\n    Image|endswith: '\\x.exe'\n  condition: s\n---\nid: r1\nlogsource: {category: process_creation}\n---\nid: r2\nlogsource: {service: security}\n";
    let mut rs = RuleSet::new(Taxonomy::builtin());
    rs.add_str(yaml, "g.yml", false);
    assert!(rs.rejections().is_empty(), "{:?}", rs.rejections());
    assert_eq!(rs.loaded(), 2);
    let e = rs.compile();
    assert_eq!(e.find_rule("r1"), Some(0));
    assert!(fires(&e, &proc(&[("Image", "c:\\x.exe")])));
    let plain = "title: a\nid: a\nlogsource: {product: windows, category: process_creation}\ndetection: {s: {Image: x}, condition: s}\n---\ntitle: b\nid: b\nlogsource: {product: windows, category: process_creation}\ndetection: {s: {Image|bogus: x}, condition: s}\n";
    let mut rs = RuleSet::new(Taxonomy::builtin());
    rs.add_str(plain, "m.yml", false);
    assert_eq!(rs.loaded(), 1);
    assert_eq!(rs.rejections()[0].rule.as_deref(), Some("b"));
}

#[test]
fn undefined_detection_in_condition_is_rejected() {
    let mut rs = RuleSet::new(Taxonomy::builtin());
    rs.add_str("title: t\nlogsource: {product: windows, category: process_creation}\ndetection: {s: {Image: x}, condition: s and t}\n", "t.yml", false);
    assert_eq!(
        rs.rejections()[0].reason,
        "condition names an undefined detection"
    );
}

#[test]
fn unmapped_logsource_is_loaded_and_warned() {
    let mut rs = RuleSet::new(Taxonomy::builtin());
    rs.add_str("title: t\nlogsource: {product: aws, service: cloudtrail}\ndetection: {s: {eventName: x}, condition: s}\n", "t.yml", false);
    let e = rs.compile();
    assert_eq!(e.rules().len(), 1);
    assert_eq!(e.warnings()[0].reason, "logsource maps to no source");
}

/// The filter example of sigma-filters-specification.md.
#[test]
fn filters_exclude_on_their_targets() {
    let rules = "title: Data Compressed - rar.exe\nid: 6f3e2987-db24-4c78-a860-b4f4095a7095\nlogsource: {product: windows, category: process_creation}\ndetection:\n  s:\n    Image|endswith: '\\rar.exe'\n  condition: s\n---\ntitle: other\nid: other-rule\nlogsource: {product: windows, category: process_creation}\ndetection:\n  s:\n    Image|endswith: '\\rar.exe'\n  condition: s\n";
    let filter = "title: Filter Administrator account\ndescription: The valid administrator account start with adm_\nlogsource:\n    category: process_creation\n    product: windows\nfilter:\n    rules:\n        - 6f3e2987-db24-4c78-a860-b4f4095a7095 # Data Compressed - rar.exe\n        - df0841c0-9846-4e9f-ad8a-7df91571771b # Login on jump host\n    selection:\n        User|startswith: 'adm_'\n    condition: selection\n";
    let mut rs = RuleSet::new(Taxonomy::builtin());
    rs.add_str(rules, "r.yml", false);
    rs.add_str(filter, "f.yml", false);
    assert!(rs.rejections().is_empty(), "{:?}", rs.rejections());
    let e = rs.compile();
    let admin = proc(&[("Image", "c:\\rar.exe"), ("User", "adm_bob")]);
    let user = proc(&[("Image", "c:\\rar.exe"), ("User", "bob")]);
    let ids = |ev| -> Vec<String> {
        matches(&e, ev)
            .iter()
            .map(|m| e.rules()[m.rule].id.clone())
            .collect()
    };
    assert_eq!(ids(&admin), vec!["other-rule"]);
    assert_eq!(
        ids(&user),
        vec!["6f3e2987-db24-4c78-a860-b4f4095a7095", "other-rule"]
    );
    // The second target is not loaded: said, not silent.
    assert_eq!(
        e.warnings()[0].reason,
        "filter names a rule that is not loaded"
    );
}

#[test]
fn filter_on_another_logsource_does_not_apply() {
    let rule = "title: r\nid: r\nlogsource: {product: windows, category: process_creation}\ndetection: {s: {Image: x}, condition: s}\n";
    let filter = "title: f\nlogsource: {product: windows, category: file_event}\nfilter:\n  rules: [r]\n  selection: {User: bob}\n  condition: selection\n";
    let mut rs = RuleSet::new(Taxonomy::builtin());
    rs.add_str(rule, "r.yml", false);
    rs.add_str(filter, "f.yml", false);
    let e = rs.compile();
    assert!(fires(&e, &proc(&[("Image", "x"), ("User", "bob")])));
}

#[test]
fn correlations_are_checked_and_their_rules_marked() {
    let yaml = "title: login\nid: base\nname: failed_login\nlogsource: {product: windows, service: security}\ndetection: {s: {EventID: 4625}, condition: s}\n---\ntitle: many failed logins\nid: corr\ncorrelation:\n  type: event_count\n  rules: [failed_login]\n  group-by: [TargetUserName]\n  timespan: 5m\n  condition: {gte: 10}\nlevel: high\n---\ntitle: broken\nid: corr2\ncorrelation:\n  type: event_count\n  rules: [nope]\n  timespan: 5m\n  condition: {gte: 10}\n";
    let mut rs = RuleSet::new(Taxonomy::builtin());
    rs.add_str(yaml, "c.yml", false);
    let e = rs.compile();
    assert_eq!(e.correlations().len(), 1);
    assert_eq!(
        e.correlations()[0].info.kind,
        ipchunt_core::RuleKind::Correlation
    );
    assert_eq!(
        e.rejections()[0].reason,
        "correlation refers to an unknown rule"
    );
    let r = e.find_rule("failed_login").unwrap();
    assert!(e.is_correlation_only(r));
    // Still evaluated: the correlator needs its matches.
    assert!(fires(&e, &event("Security", 4625, &[])));
}

/// A rule field that the taxonomy also knows as another vendor's alias
/// (`SourceName` is Splunk's name for the provider) is read from the event's
/// own field of that name when there is one.
#[test]
fn alias_named_fields_prefer_the_events_own_field() {
    let e = engine(
        "title: t\nlogsource: {product: windows, service: windefend}\ndetection:\n  s:\n    EventID: 1119\n    SourceName: 'Real-Time Protection'\n  condition: s\n",
    );
    let tax = Taxonomy::builtin();
    let mut ev = event("Microsoft-Windows-Windows Defender/Operational", 1119, &[]);
    ev.prov.provider = Some("Microsoft-Windows-Windows Defender".into());
    assert!(!fires(&e, &ev));
    ev.push(
        tax.resolve_source("security", "SourceName"),
        Value::str("Real-Time Protection"),
    );
    assert!(fires(&e, &ev));
}

/// A match names the field that answered: the event's own field as the
/// rule writes it, else the canonical field the alias stands for.
#[test]
fn alias_named_fields_report_the_field_that_answered() {
    let e = engine(
        "title: t\nlogsource: {product: windows, service: windefend}\ndetection:\n  s:\n    EventID: 1119\n    SourceName|startswith: 'Microsoft-Windows-'\n  condition: s\n",
    );
    let tax = Taxonomy::builtin();
    let provider = "Microsoft-Windows-Windows Defender";
    let mut ev = event("Microsoft-Windows-Windows Defender/Operational", 1119, &[]);
    ev.prov.provider = Some(provider.into());
    let reported = |ev: &Event| -> Vec<(String, String)> {
        matches(&e, ev).into_iter().flat_map(|m| m.fields).collect()
    };
    assert!(reported(&ev).contains(&("Provider_Name".into(), provider.into())));
    ev.push(
        tax.resolve_source("security", "SourceName"),
        Value::str("Microsoft-Windows-Real-Time"),
    );
    let got = reported(&ev);
    assert!(
        got.contains(&("SourceName".into(), "Microsoft-Windows-Real-Time".into())),
        "{got:?}"
    );
    assert!(!got.iter().any(|(n, _)| n == "Provider_Name"), "{got:?}");
}

#[test]
fn engine_is_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<ipchunt_sigma::Engine>();
    let e = proc_rule("    s:\n        Image|endswith: '\\x.exe'\n    condition: s");
    let ev = proc(&[("Image", "c:\\x.exe")]);
    std::thread::scope(|sc| {
        let hs: Vec<_> = (0..4).map(|_| sc.spawn(|| fires(&e, &ev))).collect();
        assert!(hs.into_iter().all(|h| h.join().unwrap()));
    });
}

/// Sources with field conditions (`where`): Defender's DeviceEvents carry
/// named pipe events only when ActionType says so.
#[test]
fn gate_checks_source_field_conditions() {
    let e = engine(
        "title: t\nlogsource: {product: windows, category: pipe_created}\ndetection:\n  s:\n    PipeName|contains: 'msagent_'\n  condition: s\n",
    );
    let pipe = |action: &str| {
        let mut ev = event(
            "Defender:DeviceEvents",
            0,
            &[("PipeName", Value::str("\\msagent_1"))],
        );
        ev.prov.event_id = None;
        ev.push(
            Taxonomy::builtin().resolve("ActionType"),
            Value::str(action),
        );
        ev
    };
    assert!(fires(&e, &pipe("NamedPipeEvent")));
    assert!(!fires(&e, &pipe("ProcessCreated")));
    assert!(fires(
        &e,
        &event(SYSMON, 17, &[("PipeName", Value::str("\\msagent_1"))])
    ));
}
