//! `ipchunt hunt` on missing, empty and damaged input, and usage errors.

mod common;

use std::fs;

use common::{ipchunt, stderr};

#[test]
fn missing_path_is_bad_input() {
    let o = ipchunt().args(["hunt", "no/such/folder"]).output().unwrap();
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("no/such/folder"), "{err}");
}

#[test]
fn empty_folder_says_so_plainly() {
    let dir = tempfile::tempdir().unwrap();
    let o = ipchunt().arg("hunt").arg(dir.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let err = stderr(&o);
    assert!(err.contains("0 events read from 0 files"), "{err}");
    assert!(err.contains("no input files were found"), "{err}");
}

#[test]
fn good_and_corrupt_files_mixed() {
    let dir = tempfile::tempdir().unwrap();
    let good = common::repo().join("examples/WS01/sysmon.jsonl");
    let text = fs::read_to_string(&good).unwrap();
    let lines = text.lines().count();
    // One good file, the same with one broken line, a truncated EVTX, random bytes.
    fs::copy(&good, dir.path().join("good.jsonl")).unwrap();
    let mut broken: Vec<&str> = text.lines().collect();
    broken.insert(1, "{\"Event\": {\"System\": ");
    fs::write(dir.path().join("broken.jsonl"), broken.join("\n")).unwrap();
    let mut evtx = b"ElfFile\0".to_vec();
    evtx.extend([0u8; 200]);
    fs::write(dir.path().join("truncated.evtx"), evtx).unwrap();
    fs::write(
        dir.path().join("noise.bin"),
        [0xffu8, 0xfe, 0x00, 0x13, 0x37].repeat(50),
    )
    .unwrap();
    let o = ipchunt()
        .args(["hunt", "-f", "jsonl"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(5),
        "detections and bad input: {}",
        stderr(&o)
    );
    let err = stderr(&o);
    assert!(err.contains("broken.jsonl: line 2"), "{err}");
    assert!(err.contains("noise.bin"), "{err}");
    assert!(err.contains("truncated.evtx"), "{err}");
    // The counts reconcile: every record read is parsed or reported bad.
    let line = err
        .lines()
        .find(|l| l.starts_with("records "))
        .expect("a records line");
    let nums: Vec<u64> = line
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    assert_eq!(nums.len(), 3, "{line}");
    assert_eq!(nums[0], nums[1] + nums[2], "{line}");
    assert_eq!(
        nums[1] as usize,
        2 * lines,
        "both JSON files' good lines parsed: {line}"
    );
    assert!(nums[2] >= 1, "{line}");
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["hunt", "examples", "--min-level", "severe"],
        vec!["hunt", "examples", "--from", "yesterday"],
        vec!["hunt", "examples", "--no-such-option"],
        vec!["hunt"],
    ] {
        let o = ipchunt().args(&args).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn help_explains_with_examples() {
    let o = ipchunt().args(["hunt", "--help"]).output().unwrap();
    let out = common::stdout(&o);
    for opt in [
        "--rules",
        "--no-builtin",
        "--min-level",
        "--from",
        "--to",
        "--format",
        "--output",
        "--threads",
        "--quiet",
    ] {
        assert!(out.contains(opt), "{opt} in help");
    }
    assert!(out.matches("Example:").count() >= 5, "{out}");
}
