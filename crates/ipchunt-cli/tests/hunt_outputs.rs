//! `ipchunt hunt` on the shipped examples, in each output format.

mod common;

use common::{ipchunt, jsonl, stderr, stdout};

#[test]
fn jsonl_lines_carry_the_documented_fields() {
    let o = ipchunt()
        .args(["hunt", "examples", "--format", "jsonl"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "detections found: {}", stderr(&o));
    let dets = jsonl(&o);
    assert!(dets.len() >= 8, "{} detections", dets.len());
    for d in &dets {
        for key in [
            "id",
            "title",
            "level",
            "tags",
            "techniques",
            "references",
            "file",
        ] {
            assert!(!d["rule"][key].is_null(), "rule.{key} missing in {d}");
        }
        assert!(
            d["provenance"]["file"]
                .as_str()
                .unwrap()
                .starts_with("examples")
        );
        assert!(d["provenance"]["locator"].is_string());
        assert!(d["event"].is_object() && !d["event"].as_object().unwrap().is_empty());
        assert!(d["timestamp"].is_string());
        assert!(d["matched"].is_object());
    }
    let has = |tech: &str| {
        dets.iter().any(|d| {
            d["rule"]["techniques"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t == tech)
        })
    };
    assert!(has("T1559.002"), "the DDE scenario fires");
    assert!(has("T1021.003"), "the DCOM scenario fires");
    assert!(
        dets.iter().any(|d| d["rule"]["kind"] == "correlation"
            && d["correlation"]["events"].as_array().unwrap().len() >= 2),
        "the DCOM lateral movement is found as a correlation"
    );
    assert!(
        dets.iter().any(|d| d["matched"].get("PipeName").is_some()),
        "the named pipe scenario fires"
    );
    // Detections come out in time order.
    let times: Vec<jiff::Timestamp> = dets
        .iter()
        .map(|d| d["timestamp"].as_str().unwrap().parse().unwrap())
        .collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted);
    let err = stderr(&o);
    assert!(err.contains("ipchunt summary"), "{err}");
    assert!(
        err.contains("by technique:") && err.contains("by host:"),
        "{err}"
    );
}

#[test]
fn table_fits_120_columns_without_colour_in_a_pipe() {
    let o = ipchunt()
        .args(["hunt", "examples", "--format", "table"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.starts_with("TIME (UTC)"), "{out}");
    assert!(!out.contains('\x1b'), "no colour when not on a terminal");
    for line in out.lines() {
        assert!(line.chars().count() <= 120, "too wide: {line}");
    }
    assert!(out.contains("pipe=\\MSSE-"), "{out}");
}

#[test]
fn csv_is_timesketch_ready() {
    let o = ipchunt()
        .args(["hunt", "examples", "--format", "csv"])
        .output()
        .unwrap();
    let n_json = jsonl(
        &ipchunt()
            .args(["hunt", "examples", "--format", "jsonl", "-q"])
            .output()
            .unwrap(),
    )
    .len();
    let mut r = csv::Reader::from_reader(o.stdout.as_slice());
    let head = r.headers().unwrap().clone();
    assert_eq!(&head[0], "datetime");
    assert_eq!(&head[1], "timestamp_desc");
    assert_eq!(&head[2], "message");
    let rows: Vec<csv::StringRecord> = r.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), n_json);
    for row in &rows {
        assert!(
            jiff::Timestamp::strptime("%Y-%m-%dT%H:%M:%S%.f%:z", &row[0]).is_ok(),
            "{:?}",
            &row[0]
        );
        assert!(row[2].starts_with('['), "{:?}", &row[2]);
    }
}

#[test]
fn output_file_and_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("d.jsonl");
    let o = ipchunt()
        .args(["hunt", "examples", "-q", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    assert!(stderr(&o).is_empty(), "--quiet: {}", stderr(&o));
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.lines().count() >= 8);
    assert!(
        text.lines()
            .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok())
    );
}

#[test]
fn min_level_and_time_window_filter() {
    let all = jsonl(
        &ipchunt()
            .args(["hunt", "examples", "-f", "jsonl", "-q"])
            .output()
            .unwrap(),
    );
    let high = jsonl(
        &ipchunt()
            .args([
                "hunt",
                "examples",
                "-f",
                "jsonl",
                "-q",
                "--min-level",
                "high",
            ])
            .output()
            .unwrap(),
    );
    assert!(!high.is_empty() && high.len() < all.len());
    assert!(
        high.iter()
            .all(|d| d["rule"]["level"] == "high" || d["rule"]["level"] == "critical")
    );
    let o = ipchunt()
        .args([
            "hunt",
            "examples",
            "-f",
            "jsonl",
            "--from",
            "2001-01-01",
            "--to",
            "2001-01-02",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(o.stdout.is_empty());
    assert!(
        stderr(&o).contains("fell outside the --from/--to window"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn stdin_streams_detections() {
    let mut input = String::new();
    for f in [
        "examples/WS01/sysmon.jsonl",
        "examples/SRV-FILE01/sysmon.jsonl",
    ] {
        input.push_str(&std::fs::read_to_string(common::repo().join(f)).unwrap());
    }
    let o = ipchunt()
        .args(["hunt", "-", "-f", "jsonl"])
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let dets = jsonl(&o);
    assert!(dets.iter().any(|d| d["matched"].get("PipeName").is_some()));
    assert!(dets.iter().all(|d| d["provenance"]["file"] == "<stdin>"));
}

#[test]
fn a_stream_detection_is_written_before_the_stream_ends() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::Stdio;
    use std::sync::mpsc;
    use std::time::Duration;

    let events =
        std::fs::read_to_string(common::repo().join("examples/WS01/sysmon.jsonl")).unwrap();
    // Many rules (when the corpora are here) so that the events arrive
    // while the rules are still loading.
    let mut args = vec![
        "hunt".to_string(),
        "-".into(),
        "-f".into(),
        "jsonl".into(),
        "-q".into(),
    ];
    if let Some(c) = common::shared() {
        args.push("--rules".into());
        args.push(c.join("sigma/rules/windows").display().to_string());
    }
    let mut child = common::spawn_piped(&args, Stdio::inherit());
    // Written at once, possibly while the rules are still loading; stdin
    // stays open.
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(events.as_bytes()).unwrap();
    stdin.flush().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let first = rx.recv_timeout(Duration::from_secs(60));
    drop(stdin);
    let _ = child.wait();
    let first = first.expect("a detection while the stream is still open");
    let d: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(d["provenance"]["file"], "<stdin>");
}

#[test]
fn detections_past_the_memory_limit_wait_on_disk_and_come_back_the_same() {
    let run = |extra: &[&str]| {
        let mut args = vec!["hunt", "examples", "--format", "jsonl", "--threads", "2"];
        args.extend_from_slice(extra);
        ipchunt().args(&args).output().unwrap()
    };
    let memory = run(&[]);
    let disk = run(&["--keep-in-memory", "1"]);
    assert_eq!(disk.status.code(), Some(1), "{}", stderr(&disk));
    let n = jsonl(&memory).len();
    assert!(n >= 8);
    assert_eq!(
        stdout(&memory),
        stdout(&disk),
        "same detections, same order, same investigation"
    );
    // All but the first (and the correlations, which stay in memory).
    let err = stderr(&disk);
    let note = err
        .lines()
        .find(|l| l.contains(&format!(" of {n} detections waited in a temporary file")))
        .unwrap_or_else(|| panic!("{err}"));
    let spilled: usize = note
        .split_whitespace()
        .nth(1)
        .and_then(|w| w.parse().ok())
        .unwrap();
    assert!(spilled >= n / 2 && spilled < n, "{note}");
    assert!(!stderr(&memory).contains("temporary file"));
}

/// `ipchunt hunt ... | head`: the reader goes away after a line.
fn first_line_then_close(args: &[String], stdin: Option<&str>) -> (Option<i32>, String) {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::process::Stdio;
    use std::time::{Duration, Instant};

    let mut child = common::spawn_piped(args, Stdio::piped());
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
        input.flush().unwrap();
    }
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert!(line.starts_with('{'), "{line:?}");
    drop(out);
    let closed = Instant::now();
    // A stream keeps its input open and goes on sending events.
    if let Some(text) = stdin {
        for _ in 0..50 {
            if input.write_all(text.as_bytes()).is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    let mut err = String::new();
    let mut stderr = child.stderr.take().unwrap();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if closed.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("still running a minute after its reader went away");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    stderr.read_to_string(&mut err).unwrap();
    drop(input);
    (status.code(), err)
}

#[test]
fn a_reader_that_goes_away_ends_the_hunt_quietly() {
    let mut args: Vec<String> = ["hunt", "examples", "-f", "jsonl", "-q"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    // Detections found; with the corpora, also files of no known format.
    let mut want = 1;
    if let Some(c) = common::shared() {
        // Megabytes of detections: far more than a pipe holds.
        args[1] = c.join("sigma/regression_data").display().to_string();
        args.push("--rules".into());
        args.push(c.join("sigma/rules/windows").display().to_string());
        want = 5;
    }
    let (code, err) = first_line_then_close(&args, None);
    assert_eq!(code, Some(want), "{err}");
    assert!(!err.contains("error"), "{err}");

    let events =
        std::fs::read_to_string(common::repo().join("examples/WS01/sysmon.jsonl")).unwrap();
    let args: Vec<String> = ["hunt", "-", "-f", "jsonl", "-q"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let (code, err) = first_line_then_close(&args, Some(&events));
    assert_eq!(code, Some(1), "{err}");
    assert!(!err.contains("error"), "{err}");
}
