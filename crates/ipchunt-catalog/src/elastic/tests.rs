use ipchunt_core::Taxonomy;

use super::eql::parse_eql;
use super::kql::parse_kql;
use super::load_elastic;
use crate::expr::{Expr, flat};
use crate::model::{Op, RuleStatus};

/// (field, op, value, negated, exclusion) of each predicate.
fn summary(e: &Expr) -> Vec<(String, Op, String, bool, bool)> {
    flat(e)
        .0
        .into_iter()
        .map(|p| (p.field, p.op, p.value, p.negated, p.top_level_exclusion))
        .collect()
}

fn s(f: &str, op: Op, v: &str, neg: bool, excl: bool) -> (String, Op, String, bool, bool) {
    (f.to_owned(), op, v.to_owned(), neg, excl)
}

#[test]
fn eql_operators() {
    let q = parse_eql(
        r#"process where process.name : ("a.exe", "b*.exe") and process.pid == 4 and
           process.args like~ "x?y" and process.title regex~ """[a-z]+\d""" and
           process.parent.name in ("p.exe", "q.exe") and user.name in~ ("root") and
           process.exit_code != 0 and process.uptime >= 5 and ?process.pe.company != null and
           startsWith~(process.executable, "C:\\Temp\\") and endsWith(file.path, ".dll", ".ocx") and
           stringContains(process.command_line, "-enc") and cidrMatch(source.ip, "10.0.0.0/8") and
           not process.args : "-Embedding" and process.code not in ("a", "b")"#,
    );
    assert_eq!(q.categories, vec!["process"]);
    let got = summary(&q.expr);
    assert_eq!(
        got,
        vec![
            s("process.name", Op::Eq, "a.exe", false, false),
            s("process.name", Op::Wildcard, "b*.exe", false, false),
            s("process.pid", Op::Eq, "4", false, false),
            s("process.args", Op::Like, "x?y", false, false),
            s("process.title", Op::RegexMatch, "[a-z]+\\d", false, false),
            s("process.parent.name", Op::In, "p.exe", false, false),
            s("process.parent.name", Op::In, "q.exe", false, false),
            s("user.name", Op::In, "root", false, false),
            s("process.exit_code", Op::Eq, "0", true, true),
            s("process.uptime", Op::Gte, "5", false, false),
            s("process.pe.company", Op::Exists, "", false, false),
            s(
                "process.executable",
                Op::StartsWith,
                "C:\\Temp\\",
                false,
                false
            ),
            s("file.path", Op::EndsWith, ".dll", false, false),
            s("file.path", Op::EndsWith, ".ocx", false, false),
            s("process.command_line", Op::Contains, "-enc", false, false),
            s("source.ip", Op::Cidr, "10.0.0.0/8", false, false),
            s("process.args", Op::Eq, "-Embedding", true, true),
            s("process.code", Op::In, "a", true, true),
            s("process.code", Op::In, "b", true, true),
        ]
    );
    assert!(flat(&q.expr).1.is_empty());
}

#[test]
fn eql_sequence_steps_and_by_keys() {
    let q = parse_eql(
        r#"sequence by host.id with maxspan=1m
          [process where event.type == "start" and process.name : "mshta.exe"] by process.entity_id
          [network where (source.port > 49151 or destination.port > 49151) and not source.ip == "127.0.0.1"] by process.entity_id
          until [process where event.type == "end"]"#,
    );
    assert_eq!(q.categories, vec!["process", "network", "process"]);
    assert_eq!(q.join_keys, vec!["host.id", "process.entity_id"]);
    let got = summary(&q.expr);
    assert!(got.contains(&s("process.name", Op::Eq, "mshta.exe", false, false)));
    assert!(got.contains(&s("source.port", Op::Gt, "49151", false, false)));
    assert!(got.contains(&s("source.ip", Op::Eq, "127.0.0.1", true, true)));
    assert!(got.contains(&s("event.type", Op::Eq, "end", true, true)));
}

#[test]
fn eql_unreadable_terms_are_kept() {
    let q = parse_eql(
        r#"process where length(process.args) > 2 and process.name : "x.exe" and
           process.args_count + 1 == 3 | head 1"#,
    );
    let (p, u) = flat(&q.expr);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].field, "process.name");
    let frags: Vec<&str> = u.iter().map(|u| u.fragment.as_str()).collect();
    assert_eq!(
        frags,
        vec![
            "length(process.args) > 2",
            "process.args_count + 1 == 3",
            "head 1"
        ]
    );
    assert!(u[0].reason.contains("length"));
}

#[test]
fn kql_operators() {
    let e = parse_kql(
        r#"event.category:process and host.os.type:windows and process.name:(cmd.exe or "power shell.exe") and
           process.args:*enc* and process.parent.name:* and not user.name:SYSTEM and
           process.pid >= 100 and file.path:C\:\\Temp\\* and (a:1 or b:2) and
           not process.command_line:("x" and "y")"#,
    );
    let got = summary(&e);
    assert_eq!(
        got,
        vec![
            s("event.category", Op::Eq, "process", false, false),
            s("host.os.type", Op::Eq, "windows", false, false),
            s("process.name", Op::Eq, "cmd.exe", false, false),
            s("process.name", Op::Eq, "power shell.exe", false, false),
            s("process.args", Op::Wildcard, "*enc*", false, false),
            s("process.parent.name", Op::Exists, "", false, false),
            s("user.name", Op::Eq, "SYSTEM", true, true),
            s("process.pid", Op::Gte, "100", false, false),
            s("file.path", Op::Wildcard, "C:\\Temp\\*", false, false),
            s("a", Op::Eq, "1", false, false),
            s("b", Op::Eq, "2", false, false),
            s("process.command_line", Op::Eq, "x", true, true),
            s("process.command_line", Op::Eq, "y", true, true),
        ]
    );
    let (_, u) = flat(&parse_kql("a:{ b:c } and d:e"));
    assert_eq!(u.len(), 1);
    assert!(u[0].reason.contains("nested"));
}

#[test]
fn toml_rule_threat_and_status() {
    let tax = Taxonomy::builtin();
    let text = r#"
[rule]
name = "COM thing"
rule_id = "r1"
type = "eql"
language = "eql"
query = '''process where host.os.type == "windows" and process.name : "xwizard.exe"'''
[[rule.threat]]
framework = "MITRE ATT&CK"
[[rule.threat.technique]]
id = "T1559"
name = "IPC"
[[rule.threat.technique.subtechnique]]
id = "T1559.001"
name = "COM"
"#;
    let r = load_elastic("x.toml", text, &tax).unwrap();
    assert_eq!(r.techniques, vec!["T1559", "T1559.001"]);
    assert_eq!(r.technique_names["T1559.001"], "COM");
    assert!(r.has_technique("T1559", true));
    let image = r
        .predicates
        .iter()
        .find(|p| p.original == "process.name")
        .unwrap();
    assert_eq!(image.field, "Image");
    assert!(r.events.iter().any(|e| e.event_id == Some(1)));
    let ml = "[rule]\nname = \"ml\"\nrule_id = \"m\"\ntype = \"machine_learning\"\n";
    let r = load_elastic("m.toml", ml, &tax).unwrap();
    assert!(matches!(r.status, RuleStatus::NotParsed(ref w) if w.contains("machine learning")));
    let esql = "[rule]\nname = \"e\"\ntype = \"esql\"\nlanguage = \"esql\"\nquery = \"from logs-* | where x == 1\"\n";
    let r = load_elastic("e.toml", esql, &tax).unwrap();
    assert!(!r.status.is_parsed());
    assert_eq!(r.unparsed.len(), 1);
    assert!(load_elastic("bad.toml", "[rule", &tax).is_err());
}

#[test]
fn eql_descendant_and_missing_steps() {
    let q = parse_eql(
        r#"process where process.name == "cmd.exe" and descendant of [process where process.name == "winword.exe"]"#,
    );
    let got = summary(&q.expr);
    assert_eq!(
        got,
        vec![
            s("process.name", Op::Eq, "cmd.exe", false, false),
            s("process.name", Op::Eq, "winword.exe", false, false),
        ]
    );
    let q = parse_eql(
        r#"sequence by process.entity_id [process where event.type == "start"] ![network where destination.port == 443]"#,
    );
    let got = summary(&q.expr);
    assert_eq!(
        got,
        vec![
            s("event.type", Op::Eq, "start", false, false),
            s("destination.port", Op::Eq, "443", true, true),
        ]
    );
}
