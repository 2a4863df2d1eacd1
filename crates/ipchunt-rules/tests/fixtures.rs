//! Table-driven: every rule file has a fixture folder named after it with
//! `positive.jsonl` (events that must fire the rule) and `negative.jsonl`
//! (the benign look-alike its false-positive note names, which must not).

mod common;

use std::collections::BTreeSet;
use std::fs;

use std::path::{Path, PathBuf};

use common::{fixtures_dir, load_pack, stem};

/// The fixture `kind` (`positive` or `negative`) in `dir`: `kind.jsonl`,
/// or `kind.<ext>` for sources that are not JSON (auditd logs).
fn fixture(dir: &Path, kind: &str) -> PathBuf {
    let prefix = format!("{kind}.");
    fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix))
        })
        .unwrap_or_else(|| panic!("{}: no {kind} fixture", dir.display()))
}

#[test]
fn pack_loads_with_zero_rejections_and_no_warnings() {
    let pack = load_pack();
    let rejected: Vec<String> = pack
        .engine
        .rejections()
        .iter()
        .map(|r| r.to_string())
        .collect();
    assert!(rejected.is_empty(), "rejected:\n{}", rejected.join("\n"));
    let warned: Vec<String> = pack
        .engine
        .warnings()
        .iter()
        .map(|r| r.to_string())
        .collect();
    assert!(warned.is_empty(), "warnings:\n{}", warned.join("\n"));
    let files: BTreeSet<String> = ipchunt_rules::builtin()
        .iter()
        .map(|r| stem(r.path))
        .collect();
    let loaded: BTreeSet<String> = pack
        .engine
        .rules()
        .iter()
        .map(|r| stem(&r.file))
        .chain(
            pack.engine
                .correlations()
                .iter()
                .map(|c| stem(&c.info.file)),
        )
        .collect();
    assert_eq!(files, loaded, "every rule file yields loaded rules");
    assert!(pack.engine.correlations().len() >= 6);
}

#[test]
fn every_rule_has_a_positive_and_a_negative_fixture() {
    for rule in ipchunt_rules::builtin() {
        let dir = fixtures_dir().join(stem(rule.path));
        for kind in ["positive", "negative"] {
            let f = fixture(&dir, kind);
            let text = fs::read_to_string(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            assert!(!text.trim().is_empty(), "{} is empty", f.display());
        }
    }
}

#[test]
fn each_rule_fires_on_its_positive_fixture_and_not_on_its_near_miss() {
    let pack = load_pack();
    let mut failures = Vec::new();
    let mut checked = 0;
    for rule in ipchunt_rules::builtin() {
        let name = stem(rule.path);
        let dir = fixtures_dir().join(&name);
        let pos = pack.hunt(&[fixture(&dir, "positive")]);
        let neg = pack.hunt(&[fixture(&dir, "negative")]);
        for (kind, out) in [("positive", &pos), ("negative", &neg)] {
            if !out.bad.is_empty() || out.events == 0 {
                failures.push(format!(
                    "{name}: {kind} fixture read {} events, bad: {:?}",
                    out.events, out.bad
                ));
            }
        }
        if !pos.fired.iter().any(|f| f.rule == name) {
            failures.push(format!(
                "{name}: did not fire on its positive fixture (fired: {:?})",
                pos.fired_rules()
            ));
        }
        let misfires: Vec<_> = neg.fired.iter().filter(|f| f.rule == name).collect();
        if !misfires.is_empty() {
            failures.push(format!("{name}: fired on its near-miss: {misfires:?}"));
        }
        checked += 1;
    }
    assert!(checked >= 40);
    assert!(
        failures.is_empty(),
        "{} of {checked} rules fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
