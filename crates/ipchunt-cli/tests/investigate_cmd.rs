//! Investigation from the command line: escalation on the examples, the
//! IPC timeline, learning a baseline and hunting against it, the HTML report.

mod common;

use std::fs;

use common::{ipchunt, jsonl, stderr, stdout};

#[test]
fn dcom_lateral_movement_is_escalated_with_reasons() {
    let o = ipchunt()
        .args(["hunt", "examples", "-f", "jsonl", "-q"])
        .output()
        .unwrap();
    let dets = jsonl(&o);
    let dcom = dets
        .iter()
        .find(|d| {
            d["rule"]["kind"] == "correlation"
                && d["rule"]["techniques"].to_string().contains("T1021.003")
        })
        .expect("the DCOM lateral movement correlation");
    let inv = &dcom["investigation"];
    assert_eq!(inv["decision"], "escalate_tier2", "{inv}");
    let reasons = inv["escalation"]["reasons"].as_array().unwrap();
    assert!(
        reasons
            .iter()
            .any(|r| r["summary"].as_str().unwrap().contains("DCOM")),
        "{reasons:?}"
    );
    assert!(
        !inv["escalation"]["containment"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(
        !inv["escalation"]["mitigations"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(
        !inv["escalation"]["questions"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // Every detection carries its process chain and a decision.
    for d in &dets {
        assert!(d["investigation"]["decision"].is_string(), "{d}");
        assert!(d["investigation"]["chain"].is_object(), "{d}");
    }
    // The table shows the decision.
    let table = stdout(
        &ipchunt()
            .args(["hunt", "examples", "-f", "table", "-q"])
            .output()
            .unwrap(),
    );
    assert!(table.contains("[Tier 2]"), "{table}");
}

#[test]
fn timeline_lists_ipc_per_host_in_each_format() {
    let o = ipchunt()
        .args(["timeline", "examples", "-f", "jsonl"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows = jsonl(&o);
    assert!(rows.len() >= 15, "{}", rows.len());
    let kinds: Vec<&str> = rows.iter().map(|r| r["kind"].as_str().unwrap()).collect();
    for k in ["pipe_created", "ipc_share", "dcom_error"] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    // Per host, in time order.
    for w in rows.windows(2) {
        if w[0]["host"] == w[1]["host"] {
            let a: jiff::Timestamp = w[0]["time"].as_str().unwrap().parse().unwrap();
            let b: jiff::Timestamp = w[1]["time"].as_str().unwrap().parse().unwrap();
            assert!(a <= b);
        }
    }
    assert!(stderr(&o).contains("burst above"), "{}", stderr(&o));
    let csv_out = ipchunt()
        .args(["timeline", "examples", "-f", "csv", "-q"])
        .output()
        .unwrap();
    let mut r = csv::Reader::from_reader(csv_out.stdout.as_slice());
    assert_eq!(&r.headers().unwrap()[0], "datetime");
    assert_eq!(r.records().count(), rows.len());
    let table = stdout(
        &ipchunt()
            .args(["timeline", "examples", "--host", "WS01.corp.local", "-q"])
            .output()
            .unwrap(),
    );
    assert!(
        table.contains("WS01") && !table.contains("SRV-FILE01"),
        "{table}"
    );
}

#[test]
fn baseline_learns_twice_and_flags_deviations() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("baseline.sqlite");
    let normal = dir.path().join("normal");
    fs::create_dir(&normal).unwrap();
    // The background before the attack on WS01 is the normal week.
    let ws01 = fs::read_to_string(common::repo().join("examples/WS01/sysmon.jsonl")).unwrap();
    let early: Vec<&str> = ws01.lines().filter(|l| l.contains("T09:0")).collect();
    assert!(!early.is_empty());
    fs::write(normal.join("week.jsonl"), early.join("\n")).unwrap();
    let learn = |expect: &str| {
        let o = ipchunt()
            .args(["baseline", "learn", "-q", "--db"])
            .arg(&db)
            .arg(&normal)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let out = stdout(&o);
        assert!(out.contains(expect), "{out}");
        out
    };
    let first = learn("new edges");
    let second = learn("0 new edges");
    assert!(
        first != second,
        "learning again updates counts: {first} / {second}"
    );
    let o = ipchunt()
        .args(["hunt", "examples", "-f", "jsonl", "--baseline"])
        .arg(&db)
        .output()
        .unwrap();
    let err = stderr(&o);
    let line = err
        .lines()
        .find(|l| l.contains("baseline:"))
        .expect("a baseline note");
    let n: u64 = line
        .split_whitespace()
        .find_map(|w| w.parse().ok())
        .unwrap();
    assert!(n > 0, "{line}");
    assert!(err.contains("deviation:"), "{err}");
    let missing = ipchunt()
        .args(["hunt", "examples", "--baseline", "no/such.sqlite"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(3));
    assert!(stderr(&missing).contains("ipchunt baseline learn"));
}

#[test]
fn html_report_is_written_and_escapes_log_values() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    fs::create_dir(&logs).unwrap();
    fs::copy(
        common::repo().join("examples/WS01/sysmon.jsonl"),
        logs.join("a.jsonl"),
    )
    .unwrap();
    // A pipe event whose fields carry markup; the C2 pipe rule fires on it.
    let hostile = r##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Sysmon"}},"EventID":17,"EventRecordID":9,"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"<script>document.title='pwned'</script>","TimeCreated":{"#attributes":{"SystemTime":"2026-11-20T10:00:00Z"}}},"EventData":{"EventType":"CreatePipe","ProcessId":1,"PipeName":"\\MSSE-1-server","Image":"C:\\x\\<img src=x onerror=alert(1)>.exe","User":"<b>bold</b>"}}}"##;
    fs::write(logs.join("b.jsonl"), hostile).unwrap();
    let report = dir.path().join("report.html");
    let o = ipchunt()
        .args(["hunt", "-f", "html", "-q", "-o"])
        .arg(&report)
        .arg(&logs)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let page = fs::read_to_string(&report).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") || page.starts_with("<!doctype html>"));
    assert!(page.contains("<table"));
    assert!(!page.contains("<img src=x"), "markup from logs is escaped");
    assert!(
        !page.contains("<script>document.title"),
        "markup from logs is escaped"
    );
    assert!(!page.contains("<b>bold</b>"));
    let o = ipchunt()
        .args(["hunt", "-", "-f", "html"])
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "html needs files");
}
