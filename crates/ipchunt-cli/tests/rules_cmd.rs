//! `ipchunt rules check` and `ipchunt rules list`.

mod common;

use common::{ipchunt, jsonl, shared, stderr, stdout};

fn last_line(s: &str) -> String {
    s.lines().last().unwrap_or("").to_owned()
}

fn counts(line: &str) -> (u64, u64) {
    let n: Vec<u64> = line
        .split_whitespace()
        .filter_map(|w| w.trim_end_matches(',').parse().ok())
        .collect();
    assert!(
        line.ends_with("rejected") && n.len() == 2,
        "last line is `N loaded, M rejected`: {line:?}"
    );
    (n[0], n[1])
}

#[test]
fn the_builtin_pack_checks_clean() {
    let o = ipchunt()
        .args(["rules", "check", "rules"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let (loaded, rejected) = counts(&last_line(&stdout(&o)));
    assert!(loaded >= 40, "{loaded}");
    assert_eq!(rejected, 0);
}

#[test]
fn unsupported_rules_are_rejected_with_reasons() {
    let Some(c) = shared() else { return };
    let o = ipchunt()
        .args(["rules", "check"])
        .arg(c.join("sigma/unsupported"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let (_, rejected) = counts(&last_line(&out));
    assert!(rejected > 0);
    assert!(out.contains("rejected: "), "grouped by reason: {out}");
    // Each rejected rule is named by its file.
    assert!(
        out.lines()
            .filter(|l| l.trim_start().contains(".yml"))
            .count() as u64
            >= rejected
    );
}

#[test]
fn sigmahq_rules_load() {
    let Some(c) = shared() else { return };
    let mut cmd = ipchunt();
    cmd.args(["rules", "check"]);
    for d in [
        "rules",
        "rules-emerging-threats",
        "rules-threat-hunting",
        "rules-compliance",
        "rules-dfir",
        "rules-placeholder",
    ] {
        cmd.arg(c.join("sigma").join(d));
    }
    let o = cmd.output().unwrap();
    let (loaded, rejected) = counts(&last_line(&stdout(&o)));
    assert!(
        loaded * 1000 >= (loaded + rejected) * 995,
        "{loaded} loaded, {rejected} rejected"
    );
}

#[test]
fn list_filters_by_technique_and_level() {
    let o = ipchunt()
        .args([
            "rules",
            "list",
            "--technique",
            "T1559.001",
            "--format",
            "jsonl",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rules = jsonl(&o);
    assert!(!rules.is_empty());
    for r in &rules {
        let t = r["techniques"].as_array().unwrap();
        assert!(
            t.iter()
                .any(|t| t.as_str().unwrap().starts_with("T1559.001")),
            "{r}"
        );
        assert_eq!(r["builtin"], true);
    }
    let all = jsonl(
        &ipchunt()
            .args(["rules", "list", "--builtin", "-f", "jsonl"])
            .output()
            .unwrap(),
    );
    let high = jsonl(
        &ipchunt()
            .args(["rules", "list", "--level", "high", "-f", "jsonl"])
            .output()
            .unwrap(),
    );
    assert!(high.len() < all.len());
    assert!(
        high.iter()
            .all(|r| r["level"] == "high" || r["level"] == "critical")
    );
    let table = stdout(&ipchunt().args(["rules", "list"]).output().unwrap());
    assert!(table.lines().count() == all.len(), "one line per rule");
}
