//! The SigmaHQ regression samples, hunted with SigmaHQ's rules: each
//! sample's rule must be among the detections on its own files.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::{ipchunt, jsonl, shared};

fn info_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            info_files(&p, out);
        } else if p.file_name().is_some_and(|n| n == "info.yml") {
            out.push(p);
        }
    }
}

/// The rule id an info.yml names (the first `id:` under `rule_metadata`).
fn rule_id(info: &Path) -> String {
    let text = std::fs::read_to_string(info).unwrap();
    let after = text.split("rule_metadata:").nth(1).unwrap();
    after
        .lines()
        .find_map(|l| l.trim().trim_start_matches("- ").strip_prefix("id:"))
        .unwrap()
        .trim()
        .to_owned()
}

#[test]
fn every_sample_fires_its_rule() {
    let Some(c) = shared() else { return };
    let sigma = c.join("sigma");
    let data = sigma.join("regression_data");
    let o = ipchunt()
        .args(["hunt", "--no-builtin", "-q", "-f", "jsonl"])
        .arg("--rules")
        .arg(sigma.join("rules"))
        .arg("--rules")
        .arg(sigma.join("rules-emerging-threats"))
        .arg("--rules")
        .arg(sigma.join("rules-threat-hunting"))
        .arg(&data)
        .output()
        .unwrap();
    let mut fired: BTreeMap<PathBuf, BTreeSet<String>> = BTreeMap::new();
    for d in jsonl(&o) {
        let file = PathBuf::from(d["provenance"]["file"].as_str().unwrap());
        let dir = file.parent().unwrap().to_path_buf();
        fired
            .entry(dir)
            .or_default()
            .insert(d["rule"]["id"].as_str().unwrap().to_owned());
    }
    let mut infos = Vec::new();
    info_files(&data, &mut infos);
    let mut missed = Vec::new();
    for info in &infos {
        let id = rule_id(info);
        let dir = info.parent().unwrap();
        if !fired.get(dir).is_some_and(|s| s.contains(&id)) {
            missed.push(format!("{} ({id})", dir.display()));
        }
    }
    // The one sample ipchunt cannot read is a Cisco CLI log (`.raw`), not a
    // Windows log.
    assert_eq!(
        missed.len(),
        1,
        "{} of {} samples fired their rule; missed: {missed:#?}",
        infos.len() - missed.len(),
        infos.len()
    );
    assert!(missed[0].contains("cisco"), "{missed:?}");
    assert_eq!(infos.len(), 203);
}
