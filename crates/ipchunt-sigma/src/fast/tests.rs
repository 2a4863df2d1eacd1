//! The fast path against `rsigma_parser` and `yaml_serde`, over the shared
//! corpora, the built-in pack and hand-written texts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rsigma_parser::{SigmaCollection, parse_sigma_yaml};
use serde::Deserialize;
use yaml_serde::Value;

use super::{read, scalar, yaml};
use crate::load::{Entry, walk};

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!(
            "SKIPPED: {} is absent; the fast path was not compared over the corpora",
            dir.display()
        );
        None
    }
}

/// The rule files under `dir`, in the order loading walks them.
fn rule_files(dir: &Path) -> Vec<PathBuf> {
    let mut entries = Vec::new();
    walk(dir, &mut entries);
    entries
        .into_iter()
        .filter_map(|e| match e {
            Entry::File(p) => Some(p),
            Entry::Unreadable(_) => None,
        })
        .collect()
}

/// What `yaml_serde` reads from `text`, or `None` on a YAML error.
fn serde_docs(text: &str) -> Option<Vec<Value>> {
    yaml_serde::Deserializer::from_str(text)
        .map(Value::deserialize)
        .collect::<Result<_, _>>()
        .ok()
}

/// When the fast path accepts `text`, the general parser yields the same
/// collection without any error. Returns the reason for a decline.
fn check(text: &str, name: &str) -> Result<(), &'static str> {
    if let Ok(docs) = yaml::documents(text) {
        let reference = serde_docs(text).unwrap_or_else(|| panic!("{name}: YAML accepted"));
        assert_eq!(
            format!("{docs:?}"),
            format!("{reference:?}"),
            "{name}: YAML values differ"
        );
    }
    let fast = read(text)?;
    let col = parse_sigma_yaml(text).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_same(&fast, &col, name);
    Ok(())
}

fn assert_same(fast: &SigmaCollection, col: &SigmaCollection, name: &str) {
    assert!(
        col.errors.is_empty(),
        "{name}: accepted, yet {:?}",
        col.errors
    );
    assert_eq!(fast.rules, col.rules, "{name}: rules differ");
    assert_eq!(fast.correlations, col.correlations, "{name}: correlations");
    assert_eq!(fast.filters, col.filters, "{name}: filters");
}

#[test]
fn corpus_files_read_as_the_parser_reads_them() {
    let Some(root) = corpus() else { return };
    let dirs = ["sigma", "hayabusa-rules-correlation"];
    let mut active = (0usize, 0usize);
    let mut reasons: BTreeMap<&str, (usize, String)> = BTreeMap::new();
    let mut files = 0;
    for d in dirs {
        for p in rule_files(&root.join(d)) {
            let Ok(text) = std::fs::read_to_string(&p) else {
                continue;
            };
            files += 1;
            let rel = p.strip_prefix(&root).unwrap_or(&p);
            let name = rel.display().to_string();
            let outcome = check(&text, &name);
            let is_active = rel
                .components()
                .nth(1)
                .and_then(|c| c.as_os_str().to_str())
                .is_some_and(|c| d == "sigma" && c.starts_with("rules"));
            if is_active {
                active.0 += 1;
                if let Err(why) = outcome {
                    active.1 += 1;
                    let e = reasons.entry(why).or_insert((0, name));
                    e.0 += 1;
                }
            }
        }
    }
    println!(
        "{files} files compared; active SigmaHQ rule files: {} read, {} declined",
        active.0 - active.1,
        active.1
    );
    for (why, (n, example)) in &reasons {
        println!("  declined {n:5}: {why} (e.g. {example})");
    }
    assert!(active.0 > 3000, "only {} active rule files found", active.0);
    assert!(
        active.1 * 20 <= active.0,
        "{} of {} active rule files declined",
        active.1,
        active.0
    );
}

#[test]
fn builtin_rules_read_as_the_parser_reads_them() {
    // Correlations, filters and collection actions are declined by design.
    let by_design = |text: &str| {
        text.lines().any(|l| {
            ["correlation:", "filter:", "action:"]
                .iter()
                .any(|k| l.starts_with(k))
        })
    };
    let (mut detection_only, mut read_here, mut missed) = (0, 0, Vec::new());
    for r in ipchunt_rules::builtin() {
        let outcome = check(r.text, r.path);
        if outcome.is_ok() {
            read_here += 1;
        }
        if !by_design(r.text) {
            detection_only += 1;
            if let Err(why) = outcome {
                missed.push(format!("{}: {why}", r.path));
            }
        }
    }
    println!(
        "built-in files: {read_here} of {} read here",
        ipchunt_rules::builtin().len()
    );
    assert!(detection_only > 0, "no built-in detection rule file");
    assert!(
        missed.len() * 20 <= detection_only,
        "{} of {detection_only} built-in detection rule files declined: {missed:?}",
        missed.len()
    );
}

#[test]
fn plain_scalars_typed_as_yaml_serde_types_them() {
    let tricky = [
        "4688",
        "0",
        "-0",
        "-1",
        "010",
        "-010",
        "00",
        "0x10",
        "0o17",
        "0b11",
        "1e3",
        "1E3",
        "1e",
        "1.5",
        ".5",
        "-.5",
        "+1",
        "+.5",
        "1.",
        "1_000",
        "2023-01-01",
        "2023/01/01",
        "10.0.0.1",
        "4688a",
        "true",
        "True",
        "TRUE",
        "tRue",
        "false",
        "yes",
        "no",
        "on",
        "off",
        "y",
        "n",
        "null",
        "Null",
        "NULL",
        "~",
        "nan",
        "NaN",
        ".nan",
        ".inf",
        "-.inf",
        "inf",
        "-inf",
        "Infinity",
        "-Infinity",
        "-enc",
        "--foo",
        "123456789012345678",
        "1234567890123456789",
        "99999999999999999999",
        "-9223372036854775808",
        "1:20",
        "0.1.2",
        "1e5x",
        "5d",
        "3h",
        "C:\\Windows",
        "a#b",
        "1,000",
        "0x",
        "0xZZ",
        "0b6edbfa-4a24",
        "0o9",
        "0x1g",
        "0b",
        "12e+3",
    ];
    for s in tricky {
        let reference: Option<Value> = yaml_serde::from_str::<Value>(&format!("k: {s}\n"))
            .ok()
            .and_then(|v| v.get("k").cloned());
        match (scalar::typed(s), reference) {
            (Ok(v), Some(r)) => assert_eq!(v, r, "{s}"),
            (Ok(v), None) => panic!("{s}: read as {v:?}, yet yaml_serde refuses it"),
            (Err(_), r) => println!("declined: {s} (yaml_serde: {r:?})"),
        }
    }
    // The shapes rule files use are typed here, not left to the parser.
    for s in [
        "4688",
        "0",
        "-1",
        "010",
        "1.5",
        "1e3",
        "2023-01-01",
        "10.0.0.1",
        "true",
        "null",
        "~",
        "yes",
        "0x",
        "C:\\Windows",
    ] {
        assert!(scalar::typed(s).is_ok(), "{s} declined");
    }
}

/// The fast reader's value for `text` is yaml_serde's.
fn same_yaml(text: &str) {
    let docs = yaml::documents(text).unwrap_or_else(|e| panic!("declined ({e}): {text}"));
    let reference = serde_docs(text).expect("valid YAML");
    assert_eq!(format!("{docs:?}"), format!("{reference:?}"), "{text}");
}

fn declined(text: &str) {
    assert!(yaml::documents(text).is_err(), "accepted: {text}");
}

#[test]
fn block_scalars() {
    same_yaml("a: |\n  one\n  two\n\n  four\nb: 1\n");
    same_yaml("a: |-\n  one\n  two\n\n\nb: 1\n");
    same_yaml("a: >\n  one\n  two\n\n  four\n\n\n  seven\nb: 1\n");
    same_yaml("a: >-\n    one\n    two\n");
    same_yaml("a: >\n\n  after a blank\n");
    same_yaml("a: | # comment\n  # not a comment\n  x\n");
    same_yaml("k:\n- a: |\n    in a list\n  b: c\n");
    same_yaml("a: |\n  x\n    more indented\n  y\nb: 1\n");
    same_yaml("a: |\n  trailing spaces  \n  kept \nb: >\n  here  \n  too \n");
    declined("a: |+\n  kept\n\n");
    declined("a: |2\n  x\n");
    declined("a: >\n  x\n    more indented\n");
    declined("a: |\n  x\n     \n  y\n");
    declined("a: |\n  no final break");
}

#[test]
fn quoting_escapes_and_comments() {
    same_yaml("a: 'it''s'\nb: \"tab\\there \\\"q\\\" \\\\ \\/\"\nc: '4688'\n");
    same_yaml("a: plain # comment\nb: 'q' # comment\n# whole line\nc: a#b\n");
    same_yaml("a:\n- x\n- 'y'\n-   z: 1\n    w: [1, b, -2]\nb: []\nc:\n");
    same_yaml("'quoted key': 1\n\"dq\": ~\nk: # comment\n  n: 1\n");
    same_yaml("title: x\n---\ntitle: y\n");
    declined("a: \"\\x41\"\n");
    declined("a: 'open\n  close'\n");
    declined("a: plain\n  continued\n");
    declined("a: &anchor 1\nb: *anchor\n");
    declined("a: !tag x\n");
    declined("? a\n: b\n");
    declined("a: {b: 1}\n");
    declined("a: 1\na: 2\n");
    declined("a:\n\tb: 1\n");
    declined("a: x\u{85}y\n");
    declined("a: x\u{2028}y\n");
    declined("a: x\u{1}y\n");
    declined("a: 1\r\n");
    declined("a: 1\n---\n");
}

#[test]
fn typical_rule_matches_the_parser() {
    let text = "title: T\nid: 1b0e\nstatus: test\ndescription: |\n  Two\n  lines\n\
        author: me\ndate: 2023-01-01\nmodified: 2023/02/01\ntags:\n- attack.t1559\n\
        logsource:\n  product: windows\n  category: process_creation\n  custom: v\n\
        detection:\n  selection:\n    EventID: 4688\n    Image|endswith:\n    - '\\x.exe'\n\
        \x20   - \"*y*\"\n    CommandLine|re: 'a.*b'\n  keywords:\n  - foo\n  - 12\n\
        \x20 list:\n  - A: 1\n  - B: null\n  condition: selection and not 1 of list* or keywords\n\
        falsepositives: Unknown\nlevel: high\nextra: [1, 2]\n";
    let fast = read(text).unwrap_or_else(|e| panic!("declined: {e}"));
    let col = parse_sigma_yaml(text).expect("parses");
    assert_same(&fast, &col, "typical rule");
    assert_eq!(fast.rules.len(), 1);
}

#[test]
fn what_the_parser_warns_about_is_declined() {
    let base =
        "title: T\nlogsource:\n  product: windows\ndetection:\n  s:\n    a: 1\n  condition: s\n";
    for extra in [
        "status: bogus\n",
        "level: severe\n",
        "related:\n- id: x\n  type: derved\n",
    ] {
        let text = format!("{base}{extra}");
        assert!(read(&text).is_err(), "accepted: {extra}");
        let col = parse_sigma_yaml(&text).expect("parses");
        assert!(!col.errors.is_empty(), "no warning for {extra}");
    }
    for extra in [
        "sigma-version: 3\n",
        "action: global\n",
        "custom_attributes:\n  a: 1\n",
    ] {
        assert!(
            read(&format!("{base}{extra}")).is_err(),
            "accepted: {extra}"
        );
    }
    assert!(read("title: T\ndetection:\n  s:\n    a|nope: 1\n  condition: s\n").is_err());
    assert!(read("title: T\ndetection:\n  s:\n    a: 1\n  condition: s and\n").is_err());
    assert!(read("title: T\ndetection:\n  s:\n    a[any]: 1\n  condition: s\n").is_err());
}

/// Small edits of corpus files (a character dropped or inserted, a line
/// repeated or outdented) are read as the parser reads them, or declined.
#[test]
fn edited_corpus_texts_read_as_the_parser_reads_them() {
    let Some(root) = corpus() else { return };
    let paths = rule_files(&root.join("sigma/rules/windows/process_creation"));
    let inserts = [
        " ", ":", "-", "'", "\"", "#", "|", ">", "\n", "[", "]", "{", "&", "*", "!", "0", ".",
        "\\", ": ", "- ", "\n  ", "\n- ", "?",
    ];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let (mut tried, mut accepted) = (0, 0);
    for p in paths.iter().step_by(7) {
        let Ok(text) = std::fs::read_to_string(p) else {
            continue;
        };
        for _ in 0..12 {
            let mut pos = next(text.len());
            while !text.is_char_boundary(pos) {
                pos -= 1;
            }
            let edited = match next(4) {
                0 => {
                    let end = text[pos..]
                        .chars()
                        .next()
                        .map_or(pos, |c| pos + c.len_utf8());
                    format!("{}{}", &text[..pos], &text[end..])
                }
                1 => format!(
                    "{}{}{}",
                    &text[..pos],
                    inserts[next(inserts.len())],
                    &text[pos..]
                ),
                2 => {
                    let start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
                    let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i + 1);
                    format!("{}{}", &text[..end], &text[start..])
                }
                _ => {
                    let start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
                    let cut = text[start..]
                        .bytes()
                        .take_while(|b| *b == b' ')
                        .count()
                        .min(2);
                    format!("{}{}", &text[..start], &text[start + cut..])
                }
            };
            tried += 1;
            if check(&edited, &format!("{} edited:\n{edited}", p.display())).is_ok() {
                accepted += 1;
            }
        }
    }
    println!("{tried} edited texts, {accepted} read by the fast path");
    assert!(accepted > 0);
}
