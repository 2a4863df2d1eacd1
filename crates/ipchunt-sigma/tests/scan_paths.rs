//! The engine's fast paths decide as a plain reading of the rule would:
//! trigger groups, literals shared between rules, regexes compiled on
//! first use, short needles tested on demand, field routing.

mod common;

use common::*;
use ipchunt_core::{FieldKey, Value};
use ipchunt_sigma::{Engine, RuleSet};

fn titles(e: &Engine, ev: &ipchunt_core::Event) -> Vec<String> {
    let mut t: Vec<String> = matches(e, ev)
        .iter()
        .map(|m| e.rules()[m.rule].title.clone())
        .collect();
    t.sort();
    t
}

fn proc_rule_titled(title: &str, id: u32, detection: &str) -> String {
    format!(
        "title: {title}\nid: 00000000-0000-0000-0000-{id:012}\nlogsource:\n    product: windows\n    category: process_creation\ndetection:\n{detection}\nlevel: high\n"
    )
}

/// A process-creation rule that searches one keyword in every value.
fn keyword_rule(title: &str, id: u32, kw: &str) -> String {
    proc_rule_titled(
        title,
        id,
        &format!("    kw:\n        - '{kw}'\n    condition: kw"),
    )
}

#[test]
fn every_anded_part_must_hit_and_shared_literals_serve_every_rule() {
    let a = proc_rule_titled(
        "both",
        1,
        "    img:\n        Image|endswith: '\\rundll32.exe'\n    cli:\n        CommandLine|contains: 'javascript:'\n    condition: img and cli",
    );
    let b = proc_rule_titled(
        "img only",
        2,
        "    img:\n        Image|endswith: '\\rundll32.exe'\n    condition: img",
    );
    let c = proc_rule_titled(
        "cli or parent",
        3,
        "    cli:\n        CommandLine|contains: 'javascript:'\n    parent:\n        ParentImage|endswith: '\\winword.exe'\n    condition: 1 of them",
    );
    let e = engine(&format!("{a}---\n{b}---\n{c}"));
    let img = ("Image", "C:\\Windows\\System32\\RUNDLL32.EXE");
    let cli = ("CommandLine", "rundll32 JavaScript:alert(1)");
    assert_eq!(titles(&e, &proc(&[img])), ["img only"]);
    assert_eq!(titles(&e, &proc(&[cli])), ["cli or parent"]);
    assert_eq!(
        titles(&e, &proc(&[img, cli])),
        ["both", "cli or parent", "img only"]
    );
    assert_eq!(
        titles(&e, &proc(&[("ParentImage", "c:\\x\\WINWORD.exe")])),
        ["cli or parent"]
    );
}

#[test]
fn wildcards_and_regexes_decide_when_read_and_filters_still_apply() {
    let e = proc_rule(
        "    sel:\n        CommandLine: '*invoke-*mimikatz*'\n    re:\n        CommandLine|re: '(?i)sekurlsa::\\w+'\n    filter:\n        CommandLine|contains: 'harmless'\n    condition: (sel or re) and not filter",
    );
    assert!(fires(
        &e,
        &proc(&[("CommandLine", "x INVOKE-x-Mimikatz y")])
    ));
    assert!(fires(
        &e,
        &proc(&[("CommandLine", "SEKURLSA::logonpasswords")])
    ));
    // The trigger literal is there, the pattern does not match.
    assert!(!fires(
        &e,
        &proc(&[("CommandLine", "mimikatz then invoke-")])
    ));
    assert!(!fires(&e, &proc(&[("CommandLine", "sekurlsa:: alone")])));
    assert!(!fires(
        &e,
        &proc(&[("CommandLine", "invoke-mimikatz harmless")])
    ));
}

#[test]
fn regexes_checked_at_load() {
    let mut rs = RuleSet::new(ipchunt_core::Taxonomy::builtin());
    for (i, re) in ["(unclosed", "a{1000}{1000}{1000}"].iter().enumerate() {
        rs.add_str(
            &proc_rule_titled(
                "bad",
                10 + i as u32,
                &format!("    sel:\n        CommandLine|re: '{re}'\n    condition: sel"),
            ),
            "bad.yml",
            false,
        );
    }
    let reasons: Vec<&str> = rs.rejections().iter().map(|r| r.reason.as_str()).collect();
    assert_eq!(reasons, ["invalid regex", "regex exceeds size limit"]);
}

#[test]
fn short_needles_tested_in_place_ignore_case() {
    // ' /c' triggers nothing (the image does); it is read by the condition.
    let e = proc_rule(
        "    img:\n        Image|endswith: '\\cmd.exe'\n    flag:\n        CommandLine|contains: ' /c'\n    condition: img and flag",
    );
    let img = ("Image", "C:\\Windows\\System32\\cmd.exe");
    assert!(fires(&e, &proc(&[img, ("CommandLine", "cmd.exe /C dir")])));
    assert!(!fires(&e, &proc(&[img, ("CommandLine", "cmd.exe /k dir")])));
}

#[test]
fn text_with_caseless_non_ascii_characters_matches_in_any_case() {
    let e = proc_rule(
        "    sel:\n        Product|contains: 'windows® operating'\n        Description|contains: 'Ä'\n    condition: sel",
    );
    assert!(fires(
        &e,
        &proc(&[
            ("Product", "Microsoft® WINDOWS® Operating System"),
            ("Description", "ä b")
        ])
    ));
    // Text with a cased non-ASCII character is folded first.
    assert!(fires(
        &e,
        &proc(&[
            ("Product", "MICROSOFT® WINDOWS® OPERATING"),
            ("Description", "Ä B")
        ])
    ));
    assert!(!fires(
        &e,
        &proc(&[("Product", "Microsoft® Windows®"), ("Description", "ä")])
    ));
}

#[test]
fn a_repeated_unknown_field_counts_by_its_first_value_and_keywords_see_all() {
    let e = engine(&format!(
        "{}---\n{}",
        proc_rule_titled(
            "field",
            20,
            "    sel:\n        CustomThing|contains: 'needle'\n    condition: sel"
        ),
        proc_rule_titled(
            "keyword",
            21,
            "    kw:\n        - 'needle'\n    condition: kw"
        ),
    ));
    let mut ev = proc(&[]);
    ev.push(FieldKey::Other("CustomThing".into()), Value::str("first"));
    ev.push(
        FieldKey::Other("CustomThing".into()),
        Value::str("the needle"),
    );
    assert_eq!(
        ev.get_key(&FieldKey::Other("CustomThing".into()))
            .and_then(|v| v.as_str()),
        Some("first")
    );
    assert_eq!(titles(&e, &ev), ["keyword"]);
}

#[test]
fn programs_prepared_ahead_match_as_those_built_on_first_use() {
    let yaml = format!(
        "{}---\n{}",
        proc_rule_titled(
            "proc",
            30,
            "    sel:\n        CommandLine|contains: 'whoami'\n    condition: sel"
        ),
        "title: pipe\nid: 00000000-0000-0000-0000-000000000031\nlogsource:\n    product: windows\n    category: pipe_created\ndetection:\n    sel:\n        PipeName|startswith: '\\MSSE-'\n    condition: sel\nlevel: high\n",
    );
    let events = [
        proc(&[("CommandLine", "cmd /c whoami")]),
        proc(&[("CommandLine", "notepad")]),
        event(
            SYSMON,
            17,
            &[("PipeName", Value::str("\\MSSE-1234-server"))],
        ),
    ];
    let lazy = engine(&yaml);
    let ahead = engine(&yaml);
    let sources = ahead.sources_of(&events);
    assert_eq!(sources.len(), 2, "process creation and pipe creation");
    ahead.prepare(&sources);
    assert!(ahead.sources_of(&events).is_empty(), "all built");
    for ev in &events {
        assert_eq!(titles(&ahead, ev), titles(&lazy, ev));
    }
    assert_eq!(titles(&ahead, &events[2]), ["pipe"]);
}

#[test]
fn keywords_are_found_in_each_value_never_across_two() {
    let e = engine(
        &[
            keyword_rule("across", 40, "abcdef"),
            keyword_rule("folded", 41, "ÄRGER"),
            keyword_rule("number", 42, "4711"),
            keyword_rule("listed", 43, "inner"),
            keyword_rule("short", 44, "zq"),
        ]
        .join("---\n"),
    );
    // "abc" ends one value and "def" starts the next: no keyword spans them.
    let mut ev = proc(&[("CommandLine", "x abc"), ("Image", "def y")]);
    assert!(titles(&e, &ev).is_empty());
    ev.push(FieldKey::Other("Note".into()), Value::str("so much Ärger"));
    ev.push(FieldKey::Other("Count".into()), Value::Int(147_110));
    ev.push(
        FieldKey::Other("Parts".into()),
        Value::List(vec![Value::str("outer"), Value::str("the INNER one")]),
    );
    ev.push(FieldKey::Other("Tail".into()), Value::str("ZQ"));
    assert_eq!(titles(&e, &ev), ["folded", "listed", "number", "short"]);
}

/// Values too short for every keyword are left out of the joined text:
/// one exactly as long as a keyword, one that folding lengthens to a
/// keyword's length (`İ`, two bytes, lowers to three), and a number, are
/// still searched.
#[test]
fn keywords_in_values_as_long_as_the_shortest_keyword() {
    let e = engine(
        &[
            keyword_rule("exact", 60, "abcdefghi"),
            keyword_rule("folded", 61, "İxxxxx"),
            keyword_rule("number", 62, "123456789012"),
        ]
        .join("---\n"),
    );
    let event = |a: &str, b: &str, n: i64| {
        let mut ev = proc(&[("Image", "x")]);
        ev.push(FieldKey::Other("A".into()), Value::str(a));
        ev.push(FieldKey::Other("B".into()), Value::str(b));
        ev.push(FieldKey::Other("N".into()), Value::Int(n));
        ev
    };
    let ev = event("ABCDEFGHI", "İXXXXX", 123_456_789_012);
    assert_eq!(titles(&e, &ev), ["exact", "folded", "number"]);
    let ev = event("ABCDEFGH", "İXXXX", 12_345_678_901);
    assert!(titles(&e, &ev).is_empty());
}

#[test]
fn one_scratch_serves_several_engines_each_with_its_own_rules() {
    let rule = |title: &str, id: u32, needle: &str| {
        proc_rule_titled(
            title,
            id,
            &format!("    sel:\n        CommandLine|contains: '{needle}'\n    condition: sel"),
        )
    };
    let run = |e: &Engine, s: &mut ipchunt_sigma::Scratch, ev: &ipchunt_core::Event| {
        let mut out = Vec::new();
        e.eval_with(ev, s, &mut out);
        out.iter()
            .map(|m| e.rules()[m.rule].title.clone())
            .collect::<Vec<_>>()
    };
    let ev = proc(&[("CommandLine", "alpha beta")]);
    let mut s = ipchunt_sigma::Scratch::default();
    let a = engine(&rule("alpha", 50, "alpha"));
    // Rule 0 of each engine differs: a program run for the wrong engine
    // would report the other's rule.
    let b = engine(&format!(
        "{}---\n{}",
        rule("never", 53, "zzzz"),
        rule("beta", 51, "beta")
    ));
    for _ in 0..2 {
        assert_eq!(run(&a, &mut s, &ev), ["alpha"]);
        assert_eq!(run(&b, &mut s, &ev), ["beta"]);
    }
    // An engine built after another is dropped is not taken for it.
    drop(a);
    let c = engine(&rule("gamma", 52, "beta"));
    assert_eq!(run(&c, &mut s, &ev), ["gamma"]);
    assert_eq!(run(&b, &mut s, &ev), ["beta"]);
}
