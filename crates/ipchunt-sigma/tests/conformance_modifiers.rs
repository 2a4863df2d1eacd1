//! Conformance with the Sigma specification's modifiers
//! (sigma-appendix-modifiers.md), on small events.

mod common;

use common::*;
use ipchunt_core::Value;

#[test]
fn plain_values_are_case_insensitive_and_whole() {
    let e = proc_rule(
        "    selection:\n        Image: 'C:\\Windows\\System32\\cmd.exe'\n    condition: selection",
    );
    assert!(fires(
        &e,
        &proc(&[("Image", "c:\\windows\\system32\\CMD.EXE")])
    ));
    assert!(!fires(
        &e,
        &proc(&[("Image", "c:\\windows\\system32\\cmd.exe.bak")])
    ));
    assert!(!fires(
        &e,
        &proc(&[("CommandLine", "C:\\Windows\\System32\\cmd.exe")])
    ));
}

#[test]
fn wildcards_and_escapes() {
    let e = proc_rule("    selection:\n        CommandLine: 'a*b?c'\n    condition: selection");
    assert!(fires(&e, &proc(&[("CommandLine", "AxxxBzC")])));
    assert!(fires(&e, &proc(&[("CommandLine", "abzc")])));
    assert!(!fires(&e, &proc(&[("CommandLine", "abc")])));
    assert!(!fires(&e, &proc(&[("CommandLine", "xabzc")])));
    let e =
        proc_rule("    selection:\n        CommandLine: 'what\\?\\*'\n    condition: selection");
    assert!(fires(&e, &proc(&[("CommandLine", "what?*")])));
    assert!(!fires(&e, &proc(&[("CommandLine", "whatx*")])));
    // A backslash before an ordinary character stays a backslash.
    let e =
        proc_rule("    selection:\n        Image|endswith: '\\cmd.exe'\n    condition: selection");
    assert!(fires(&e, &proc(&[("Image", "C:\\x\\cmd.exe")])));
    assert!(!fires(&e, &proc(&[("Image", "C:\\x\\notcmd.exe")])));
}

/// Wildcard values found by a literal bound to the start or the end of
/// the text (`7z` of `7z*.exe`, `rar.exe` of `*x*rar.exe`), folded or cased.
#[test]
fn wildcards_anchored_at_either_end() {
    let e = proc_rule(
        "    s:\n        OriginalFileName:\n            - '7z*.exe'\n            - '*x*rar.exe'\n    condition: s",
    );
    for (name, want) in [
        ("7ZA.EXE", true),
        ("7z.exe", true),
        ("x7za.exe", false),
        ("7za.dll", false),
        ("WinRAR-X-rar.EXE", true),
        ("winrar.exe", false),
        ("xrar.exe.bak", false),
    ] {
        assert_eq!(
            fires(&e, &proc(&[("OriginalFileName", name)])),
            want,
            "{name}"
        );
    }
    let e = proc_rule("    s:\n        OriginalFileName|cased: '7z*.Exe'\n    condition: s");
    assert!(fires(&e, &proc(&[("OriginalFileName", "7za.Exe")])));
    assert!(!fires(&e, &proc(&[("OriginalFileName", "7za.exe")])));
    assert!(!fires(&e, &proc(&[("OriginalFileName", "x7za.Exe")])));
}

#[test]
fn contains_startswith_endswith() {
    let e = proc_rule(
        "    a:\n        CommandLine|contains: 'Net Use'\n    b:\n        Image|startswith: 'C:\\Tools'\n    c:\n        Image|endswith: '.EXE'\n    condition: a and b and c",
    );
    assert!(fires(
        &e,
        &proc(&[
            ("CommandLine", "x net use y"),
            ("Image", "c:\\tools\\n.exe")
        ])
    ));
    assert!(!fires(
        &e,
        &proc(&[
            ("CommandLine", "x net use y"),
            ("Image", "d:\\c:\\tools\\n.exe")
        ])
    ));
    assert!(!fires(
        &e,
        &proc(&[
            ("CommandLine", "x net use y"),
            ("Image", "c:\\tools\\n.exe.txt")
        ])
    ));
}

#[test]
fn wildcard_with_contains_keeps_inner_wildcards() {
    let e = proc_rule("    s:\n        CommandLine|contains: 'reg*add'\n    condition: s");
    assert!(fires(
        &e,
        &proc(&[("CommandLine", "cmd /c REG.exe ADD HKLM")])
    ));
    assert!(!fires(&e, &proc(&[("CommandLine", "add reg")])));
}

#[test]
fn all_links_values_with_and() {
    let e = proc_rule(
        "    s:\n        CommandLine|contains|all:\n            - ' -enc '\n            - 'hidden'\n    condition: s",
    );
    assert!(fires(
        &e,
        &proc(&[("CommandLine", "powershell -w hidden -enc AAA")])
    ));
    assert!(!fires(&e, &proc(&[("CommandLine", "powershell -enc AAA")])));
    let e = proc_rule(
        "    s:\n        CommandLine|contains:\n            - ' -enc '\n            - 'hidden'\n    condition: s",
    );
    assert!(fires(&e, &proc(&[("CommandLine", "powershell -enc AAA")])));
}

#[test]
fn all_on_one_value_is_rejected() {
    let mut rs = ipchunt_sigma::RuleSet::new(ipchunt_core::Taxonomy::builtin());
    rs.add_str(
        "title: t\nlogsource: {product: windows, category: process_creation}\ndetection:\n  s:\n    CommandLine|contains|all: 'x'\n  condition: s\n",
        "t.yml",
        false,
    );
    assert_eq!(rs.rejections()[0].reason, "all modifier on a single value");
}

#[test]
fn base64_and_base64offset() {
    // "ping" in base64 is "cGluZw=="
    let e = proc_rule("    s:\n        CommandLine|base64: 'ping'\n    condition: s");
    assert!(fires(&e, &proc(&[("CommandLine", "cGluZw==")])));
    let e =
        proc_rule("    s:\n        CommandLine|base64offset|contains: 'http://'\n    condition: s");
    // "http://" at offsets 0, 1 and 2 of a longer base64 text.
    for prefix in ["", "a", "ab"] {
        use base64::Engine as _;
        let enc = base64::engine::general_purpose::STANDARD
            .encode(format!("{prefix}http://evil.example/x"));
        assert!(
            fires(&e, &proc(&[("CommandLine", &format!("-e {enc}"))])),
            "{prefix:?} {enc}"
        );
    }
    assert!(!fires(&e, &proc(&[("CommandLine", "aHR0cHM6Ly9")])));
}

#[test]
fn utf16_encodings_with_base64() {
    use base64::Engine as _;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let le: Vec<u8> = "cmd".encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    let be: Vec<u8> = "cmd".encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
    let mut bom = vec![0xFF, 0xFE];
    bom.extend(&le);
    for (m, bytes) in [
        ("wide", &le),
        ("utf16le", &le),
        ("utf16be", &be),
        ("utf16", &bom),
    ] {
        let e = proc_rule(&format!(
            "    s:\n        CommandLine|{m}|base64: 'cmd'\n    condition: s"
        ));
        assert!(fires(&e, &proc(&[("CommandLine", &b64(bytes))])), "{m}");
        assert!(!fires(&e, &proc(&[("CommandLine", &b64(b"cmd"))])), "{m}");
    }
    let e = proc_rule(
        "    s:\n        CommandLine|wide|base64offset|contains: 'Invoke-'\n    condition: s",
    );
    let text: Vec<u8> = "x;Invoke-Expression"
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    assert!(fires(
        &e,
        &proc(&[("CommandLine", &format!("-enc {}", b64(&text)))])
    ));
}

#[test]
fn windash_permutes_dashes() {
    let e = proc_rule(
        "    s:\n        CommandLine|windash|contains: ' -exec bypass'\n    condition: s",
    );
    for d in ["-", "/", "\u{2013}", "\u{2014}", "\u{2015}"] {
        assert!(
            fires(&e, &proc(&[("CommandLine", &format!("ps {d}exec bypass"))])),
            "{d}"
        );
    }
    assert!(!fires(&e, &proc(&[("CommandLine", "ps +exec bypass")])));
}

#[test]
fn regex_is_case_sensitive_unless_i() {
    let e = proc_rule("    s:\n        CommandLine|re: 'Invoke-[A-Z]+'\n    condition: s");
    assert!(fires(&e, &proc(&[("CommandLine", "x Invoke-MIMI")])));
    assert!(!fires(&e, &proc(&[("CommandLine", "x invoke-mimi")])));
    let e = proc_rule("    s:\n        CommandLine|re|i: '^invoke-[a-z]+$'\n    condition: s");
    assert!(fires(&e, &proc(&[("CommandLine", "INVOKE-MIMI")])));
    let e = proc_rule("    s:\n        CommandLine|re|m: '^second$'\n    condition: s");
    assert!(fires(&e, &proc(&[("CommandLine", "first\nsecond\nthird")])));
    let e = proc_rule("    s:\n        CommandLine|re: '^second$'\n    condition: s");
    assert!(!fires(
        &e,
        &proc(&[("CommandLine", "first\nsecond\nthird")])
    ));
    let e = proc_rule("    s:\n        CommandLine|re|s: 'a.b'\n    condition: s");
    assert!(fires(&e, &proc(&[("CommandLine", "a\nb")])));
    let e = proc_rule("    s:\n        CommandLine|re: 'a.b'\n    condition: s");
    assert!(!fires(&e, &proc(&[("CommandLine", "a\nb")])));
}

#[test]
fn oversized_regex_is_rejected_with_reason() {
    let mut rs = ipchunt_sigma::RuleSet::new(ipchunt_core::Taxonomy::builtin());
    rs.add_str(
        "title: t\nlogsource: {product: windows, category: process_creation}\ndetection:\n  s:\n    CommandLine|re: '(.{1,100}){1,100}(.{1,100}){1,100}'\n  condition: s\n",
        "t.yml",
        false,
    );
    assert_eq!(rs.rejections().len(), 1);
    assert_eq!(rs.rejections()[0].reason, "regex exceeds size limit");
    assert_eq!(rs.loaded(), 0);
}

#[test]
fn cidr_v4_and_v6() {
    let e = engine(
        "title: t\nlogsource: {product: windows, category: network_connection}\ndetection:\n  s:\n    DestinationIp|cidr:\n      - '10.0.0.0/8'\n      - 'fe80::/10'\n  condition: s\n",
    );
    let net = |ip: &str| event(SYSMON, 3, &[("DestinationIp", Value::str(ip))]);
    assert!(fires(&e, &net("10.1.2.3")));
    assert!(fires(&e, &net("fe80::1")));
    assert!(!fires(&e, &net("11.0.0.1")));
    assert!(!fires(&e, &net("2001:db8::1")));
    assert!(!fires(&e, &net("not an ip")));
}

#[test]
fn numeric_comparisons() {
    let rule = |m: &str, v: &str| {
        engine(&format!(
            "title: t\nlogsource: {{product: windows, category: network_connection}}\ndetection:\n  s:\n    DestinationPort|{m}: {v}\n  condition: s\n"
        ))
    };
    let net = |v: Value| event(SYSMON, 3, &[("DestinationPort", v)]);
    assert!(fires(&rule("gt", "1000"), &net(Value::Int(1001))));
    assert!(!fires(&rule("gt", "1000"), &net(Value::Int(1000))));
    assert!(fires(&rule("gte", "1000"), &net(Value::Int(1000))));
    assert!(fires(&rule("lt", "1000"), &net(Value::str("999"))));
    assert!(!fires(&rule("lt", "1000"), &net(Value::str("1000"))));
    assert!(fires(&rule("lte", "1000"), &net(Value::Float(1000.0))));
    // Numbers compare numerically, not as text.
    assert!(fires(&rule("gt", "9"), &net(Value::str("10"))));
    assert!(fires(&rule("gt", "15"), &net(Value::str("0x10"))));
    assert!(!fires(&rule("gt", "9"), &net(Value::str("abc"))));
}

#[test]
fn neq_requires_the_field_and_a_different_value() {
    let e = proc_rule(
        "    s:\n        Image|endswith: '.exe'\n    f:\n        User|neq: 'SYSTEM'\n    condition: s and f",
    );
    assert!(fires(&e, &proc(&[("Image", "a.exe"), ("User", "bob")])));
    assert!(!fires(&e, &proc(&[("Image", "a.exe"), ("User", "system")])));
    assert!(!fires(&e, &proc(&[("Image", "a.exe")])));
    let e =
        proc_rule("    s:\n        User|neq:\n            - a\n            - b\n    condition: s");
    assert!(!fires(&e, &proc(&[("User", "a")])));
    assert!(!fires(&e, &proc(&[("User", "b")])));
    assert!(fires(&e, &proc(&[("User", "c")])));
}

#[test]
fn exists_true_and_false() {
    let e = proc_rule("    s:\n        ParentImage|exists: true\n    condition: s");
    assert!(fires(&e, &proc(&[("ParentImage", "")])));
    assert!(!fires(&e, &proc(&[("Image", "x")])));
    let e =
        proc_rule("    s:\n        Image: x\n        ParentImage|exists: false\n    condition: s");
    assert!(fires(&e, &proc(&[("Image", "x")])));
    assert!(!fires(&e, &proc(&[("Image", "x"), ("ParentImage", "y")])));
}

#[test]
fn fieldref_compares_fields() {
    // (modifiers after `fieldref`, the field compared, the one referred
    // to, their values, whether the rule fires)
    let cases: &[(&str, &str, &str, &str, &str, bool)] = &[
        ("", "Image", "ParentImage", "A.exe", "a.EXE", true),
        ("", "Image", "ParentImage", "a.exe", "b.exe", false),
        (
            "|endswith",
            "CommandLine",
            "Image",
            "run c:\\a.exe",
            "C:\\A.exe",
            true,
        ),
        (
            "|endswith",
            "CommandLine",
            "Image",
            "c:\\a.exe run",
            "C:\\A.exe",
            false,
        ),
        // Beyond ASCII, case is still ignored.
        (
            "",
            "Image",
            "ParentImage",
            "C:\\ÄRGER.exe",
            "c:\\ärger.EXE",
            true,
        ),
        (
            "|startswith",
            "CommandLine",
            "Image",
            "C:\\A.EXE /x",
            "c:\\a.exe",
            true,
        ),
        (
            "|startswith",
            "CommandLine",
            "Image",
            "C:\\A.EX",
            "c:\\a.exe",
            false,
        ),
        (
            "|contains",
            "CommandLine",
            "Image",
            "run C:\\Ä.EXE /x",
            "c:\\ä.exe",
            true,
        ),
        ("|neq", "Image", "ParentImage", "a.exe", "b.exe", true),
        ("|neq", "Image", "ParentImage", "a.exe", "a.exe", false),
        ("|cased", "Image", "ParentImage", "A.exe", "a.exe", false),
    ];
    for (mods, field, other, a, b, want) in cases {
        let e = proc_rule(&format!(
            "    s:\n        {field}|fieldref{mods}: {other}\n    condition: s"
        ));
        let got = fires(&e, &proc(&[(*field, *a), (*other, *b)]));
        assert_eq!(got, *want, "{field}|fieldref{mods}: {a:?} against {b:?}");
    }
    // The referred field missing.
    let e = proc_rule("    s:\n        Image|fieldref: ParentImage\n    condition: s");
    assert!(!fires(&e, &proc(&[("Image", "a.exe")])));
}

#[test]
fn expand_uses_placeholder_values_or_never_matches() {
    let yaml = "title: t\nid: p1\nlogsource: {product: windows, category: process_creation}\ndetection:\n  s:\n    User|expand: '%admins%'\n  condition: s\n";
    let mut rs = ipchunt_sigma::RuleSet::new(ipchunt_core::Taxonomy::builtin());
    rs.set_placeholder("admins", vec!["adm_*".into(), "root".into()]);
    rs.add_str(yaml, "t.yml", false);
    let e = rs.compile();
    assert!(e.warnings().is_empty());
    assert!(fires(&e, &proc(&[("User", "ADM_bob")])));
    assert!(fires(&e, &proc(&[("User", "root")])));
    assert!(!fires(&e, &proc(&[("User", "bob")])));
    // Without values: loaded, warned, never matches.
    let mut rs = ipchunt_sigma::RuleSet::new(ipchunt_core::Taxonomy::builtin());
    rs.add_str(yaml, "t.yml", false);
    let e = rs.compile();
    assert_eq!(e.rules().len(), 1);
    assert_eq!(e.warnings()[0].reason, "placeholder without values");
    assert!(!fires(&e, &proc(&[("User", "%admins%")])));
}

#[test]
fn cased_is_case_sensitive() {
    let e = proc_rule("    s:\n        CommandLine|contains|cased: 'SeDebug'\n    condition: s");
    assert!(fires(&e, &proc(&[("CommandLine", "x SeDebug y")])));
    assert!(!fires(&e, &proc(&[("CommandLine", "x sedebug y")])));
}

#[test]
fn unicode_values_fold_case() {
    let e = proc_rule("    s:\n        CommandLine|contains: 'ÄRGER'\n    condition: s");
    assert!(fires(&e, &proc(&[("CommandLine", "viel ärger hier")])));
}

#[test]
fn time_parts() {
    let e = proc_rule("    s:\n        UtcTime|hour: 3\n    condition: s");
    assert!(fires(&e, &proc(&[("UtcTime", "2024-05-01 03:12:00.000")])));
    assert!(!fires(&e, &proc(&[("UtcTime", "2024-05-01 04:12:00.000")])));
    let e = proc_rule("    s:\n        UtcTime|month|gte: 11\n    condition: s");
    assert!(fires(&e, &proc(&[("UtcTime", "2024-12-01T00:00:00Z")])));
}

#[test]
fn conflicting_modifiers_are_rejected() {
    let mut rs = ipchunt_sigma::RuleSet::new(ipchunt_core::Taxonomy::builtin());
    rs.add_str(
        "title: t\nlogsource: {product: windows, category: process_creation}\ndetection:\n  s:\n    CommandLine|re|contains: 'x'\n  condition: s\n",
        "t.yml",
        false,
    );
    assert_eq!(rs.rejections()[0].reason, "conflicting modifiers");
}

#[test]
fn unknown_modifier_is_rejected_by_name() {
    let mut rs = ipchunt_sigma::RuleSet::new(ipchunt_core::Taxonomy::builtin());
    rs.add_str(
        "title: t\nid: x1\nlogsource: {product: windows, category: process_creation}\ndetection:\n  s:\n    CommandLine|near: 'x'\n  condition: s\n",
        "t.yml",
        false,
    );
    let r = &rs.rejections()[0];
    assert_eq!(r.reason, "unsupported modifier 'near'");
    assert_eq!(r.rule.as_deref(), Some("x1"));
    assert_eq!(r.file, "t.yml");
}
