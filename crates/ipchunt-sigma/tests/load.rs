//! Loading a directory (files read, parsed and compiled in parallel) gives
//! the same engine as adding the same files' text one by one in path order.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use ipchunt_core::Taxonomy;
use ipchunt_sigma::{Engine, RuleSet};

fn rule(id: u32, detection: &str) -> String {
    format!(
        "title: rule {id}\nid: 00000000-0000-0000-0000-{id:012}\nlogsource:\n    product: windows\n    category: process_creation\ndetection:\n{detection}\nlevel: high\n"
    )
}

/// Rule files, including ones with problems (a file with a rule the parser
/// refuses takes the per-document path), under a fresh directory.
fn tree() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ipchunt-sigma-load-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    let files = [
        (
            "a.yml",
            rule(
                1,
                "    selection:\n        CommandLine|contains:\n            - alpha\n            - gamma\n        Image|endswith: '\\a.exe'\n    condition: selection",
            ),
        ),
        (
            "b.yaml",
            rule(
                2,
                "    selection:\n        CommandLine|contains: beta\n        Image|neq: 'c:\\other.exe'\n    filter:\n        User: SYSTEM\n    condition: selection and not filter",
            ),
        ),
        (
            "sub/c.yml",
            format!(
                "{}---\ntitle: broken\ndetection:\n    condition: selection\n---\n{}---\n{}",
                rule(3, "    keywords:\n        - delta\n    condition: keywords"),
                rule(
                    6,
                    "    selection:\n        CommandLine: zeta\n    condition: selection"
                )
                .replace("level: high", "level: extreme"),
                rule(
                    4,
                    "    selection:\n        CommandLine|re: 'ep+silon'\n    condition: selection"
                ),
            ),
        ),
        (
            "d.yml",
            rule(
                5,
                "    selection:\n        CommandLine: x\n    condition: selection",
            )
            .replace("level: high", "status: unsupported\nlevel: high"),
        ),
        ("e.yml", "title: [unclosed\n".to_owned()),
        ("notes.txt", "not a rule".to_owned()),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    dir
}

fn by_text(dir: &Path) -> Engine {
    let mut rs = RuleSet::new(Taxonomy::builtin());
    let mut paths = Vec::new();
    files(dir, "yml", &mut paths);
    files(dir, "yaml", &mut paths);
    paths.sort();
    for p in paths {
        let text = std::fs::read_to_string(&p).unwrap();
        rs.add_str(&text, &p.display().to_string(), false);
    }
    rs.compile()
}

#[test]
fn directory_load_equals_text_added_in_path_order() {
    let dir = tree();
    let mut rs = RuleSet::new(Taxonomy::builtin());
    rs.add_path(&dir, false);
    let walked = rs.compile();
    let texts = by_text(&dir);
    std::fs::remove_dir_all(&dir).unwrap();

    assert_eq!(walked.rules(), texts.rules());
    assert_eq!(walked.rejections(), texts.rejections());
    assert_eq!(walked.warnings(), texts.warnings());
    let titles: Vec<&str> = walked.rules().iter().map(|r| r.title.as_str()).collect();
    assert_eq!(titles, ["rule 1", "rule 2", "rule 3", "rule 4"]);
    let reasons: Vec<&str> = walked
        .rejections()
        .iter()
        .map(|r| r.reason.as_str())
        .collect();
    assert_eq!(
        reasons,
        [
            "status unsupported",
            "invalid YAML",
            "condition names an undefined detection",
            "invalid level"
        ],
        "{:?}",
        walked.rejections()
    );

    // Each event fires exactly one rule: predicates of later rules are
    // numbered after those of earlier ones.
    let cases = [
        (
            proc(&[("CommandLine", "x gamma y"), ("Image", "c:\\a.exe")]),
            0,
        ),
        (
            proc(&[
                ("CommandLine", "beta"),
                ("Image", "c:\\b.exe"),
                ("User", "alice"),
            ]),
            1,
        ),
        (proc(&[("CommandLine", "the delta")]), 2),
        (proc(&[("CommandLine", "eppppsilon")]), 3),
    ];
    for (ev, want) in &cases {
        let got = matches(&walked, ev);
        assert_eq!(got, matches(&texts, ev));
        let fired: Vec<usize> = got.iter().map(|m| m.rule).collect();
        assert_eq!(fired, [*want]);
    }
    assert!(!fires(
        &walked,
        &proc(&[("CommandLine", "beta"), ("User", "SYSTEM")])
    ));
}
