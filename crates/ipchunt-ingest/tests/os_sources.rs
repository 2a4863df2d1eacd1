//! The Linux, macOS and Defender fixtures read through the public ingest
//! API, as `ipchunt events` reads them: each file is sniffed to its format
//! by content, the counts reconcile, and the normalized JSON of the events
//! carries the canonical fields.

mod common;

use std::path::{Path, PathBuf};

use common::{Collect, scratch};
use ipchunt_core::Taxonomy;
use ipchunt_ingest::{IngestOptions, IngestReport, ingest, sniff};

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

/// Reads one fixture; returns the events as `ipchunt events` JSON.
fn events_json(rel: &str, want_format: &str) -> Vec<serde_json::Value> {
    let path = fixture(rel);
    let head: Vec<u8> = std::fs::read(&path)
        .unwrap()
        .into_iter()
        .take(4096)
        .collect();
    assert_eq!(sniff(&head).map(|f| f.name()), Some(want_format), "{rel}");
    let tax = Taxonomy::builtin();
    let sink = Collect::default();
    let report = ingest(&[path], &IngestOptions::default(), &tax, &sink);
    assert_eq!(report.records, report.events + report.bad_records, "{rel}");
    assert_eq!(report.by_format.get(want_format), Some(&1), "{rel}");
    let files = sink.done.lock().unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].records, files[0].events + files[0].bad);
    let mut events = sink.events();
    events.sort_by_key(|e| e.prov.locator);
    events.iter().map(|e| e.to_json(&tax)).collect()
}

/// Reads the `n` files of the scratch directory `dir`, removes it, and
/// checks that every count reconciles.
fn ingest_scratch(dir: &Path, n: usize) -> IngestReport {
    let tax = Taxonomy::builtin();
    let sink = Collect::default();
    let report = ingest(
        std::slice::from_ref(&dir.to_path_buf()),
        &IngestOptions::default(),
        &tax,
        &sink,
    );
    std::fs::remove_dir_all(dir).ok();
    assert_eq!(report.files_seen, n as u64);
    assert_eq!(report.records, report.events + report.bad_records);
    for f in sink.done.lock().unwrap().iter() {
        assert_eq!(f.records, f.events + f.bad, "{}", f.file);
    }
    for b in sink.bad().iter() {
        assert!(!b.reason.is_empty(), "{b}");
    }
    report
}

fn find<'a>(evs: &'a [serde_json::Value], field: &str, value: &str) -> &'a serde_json::Value {
    evs.iter()
        .find(|e| e["fields"][field] == value)
        .unwrap_or_else(|| panic!("no event with {field} = {value}"))
}

#[test]
fn auditd_fixtures_normalize() {
    let evs = events_json("auditd/malicious_docker_sock.log", "auditd");
    assert_eq!(evs.len(), 5);
    let conn = find(&evs, "SocketPath", "/run/docker.sock");
    assert_eq!(conn["fields"]["Image"], "/usr/bin/socat");
    assert_eq!(conn["fields"]["syscall"], "connect");
    assert_eq!(conn["fields"]["Channel"], "auditd");
    assert_eq!(conn["fields"]["Computer"], "web1");
    assert_eq!(conn["provenance"]["format"], "auditd");
    let shell = find(&evs, "ParentImage", "/usr/bin/dbus-daemon");
    assert_eq!(shell["fields"]["syscall"], "execve");
    assert_eq!(shell["fields"]["euid"], 0);
    let evs = events_json("auditd/interleaved_hex.log", "auditd");
    assert_eq!(evs.len(), 6);
    find(&evs, "Image", "/tmp/my tool");
}

#[test]
fn sysmon_linux_fixtures_normalize() {
    for (rel, n) in [
        ("sysmon_linux/malicious_dbus_child.log", 3),
        ("sysmon_linux/malicious_journal.json", 3),
        ("sysmon_linux/benign_dbus_helper.log", 3),
    ] {
        let evs = events_json(rel, "sysmon-linux");
        assert_eq!(evs.len(), n, "{rel}");
        for e in &evs {
            assert_eq!(e["fields"]["Channel"], "Linux-Sysmon/Operational");
            assert_eq!(e["fields"]["Provider_Name"], "Linux-Sysmon");
        }
    }
    let evs = events_json("sysmon_linux/malicious_dbus_child.log", "sysmon-linux");
    let bash = find(&evs, "Image", "/usr/bin/bash");
    assert_eq!(bash["fields"]["ParentImage"], "/usr/bin/dbus-daemon");
    assert_eq!(bash["fields"]["EventID"], 1);
}

#[test]
fn eslogger_fixtures_normalize() {
    let evs = events_json("eslogger/malicious_xpc.jsonl", "eslogger");
    assert_eq!(evs.len(), 8);
    let xpc = find(&evs, "ServiceName", "com.apple.tccd");
    assert_eq!(xpc["fields"]["EventType"], "xpc_connect");
    assert_eq!(xpc["fields"]["Image"], "/Users/Shared/.agent/helper");
    assert_eq!(xpc["fields"]["XpcServiceDomain"], "user");
    assert_eq!(xpc["fields"]["PlatformBinary"], false);
    assert_eq!(xpc["fields"]["Channel"], "macos:endpointsecurity");
    let evs = events_json("eslogger/benign_xpc.jsonl", "eslogger");
    assert_eq!(evs.len(), 7);
}

#[test]
fn defender_fixtures_normalize() {
    for rel in [
        "defender/malicious_pipe_deviceevents.csv",
        "defender/malicious_pipe_deviceevents.jsonl",
    ] {
        let evs = events_json(rel, "defender");
        assert_eq!(evs.len(), 2, "{rel}");
        let created = find(&evs, "EventType", "CreatePipe");
        assert_eq!(created["fields"]["PipeName"], "\\MSSE-1234-server");
        assert_eq!(
            created["fields"]["Image"],
            "c:\\windows\\system32\\rundll32.exe"
        );
        assert_eq!(created["fields"]["Channel"], "Defender:DeviceEvents");
        assert_eq!(created["fields"]["Computer"], "ws01.corp.local");
    }
    let evs = events_json("defender/process_quoting.csv", "defender");
    assert_eq!(evs.len(), 2);
    let evs = events_json("defender/tables_array.json", "defender");
    assert_eq!(evs.len(), 4);
    find(
        &evs,
        "TargetObject",
        "HKLM\\SOFTWARE\\Microsoft\\Ole\\EnableDCOM",
    );
}

#[test]
fn a_folder_of_mixed_sources_reads_each_file_with_its_reader() {
    let tax = Taxonomy::builtin();
    let sink = Collect::default();
    let dirs: Vec<PathBuf> = ["auditd", "sysmon_linux", "eslogger", "defender"]
        .iter()
        .map(|d| fixture(d))
        .collect();
    let report = ingest(&dirs, &IngestOptions::default(), &tax, &sink);
    assert_eq!(report.files_failed, 0);
    assert_eq!(report.records, report.events + report.bad_records);
    assert_eq!(report.by_format.get("auditd"), Some(&3));
    assert_eq!(report.by_format.get("sysmon-linux"), Some(&3));
    assert_eq!(report.by_format.get("eslogger"), Some(&2));
    assert_eq!(report.by_format.get("defender"), Some(&6));
    // The known bad records: one line in the awkward audit log, two rows of
    // the awkward Defender CSV.
    assert_eq!(report.bad_records, 3, "{:?}", sink.bad.lock().unwrap());
}

#[test]
fn truncated_and_corrupted_fixtures_are_read_without_panics() {
    let dir = scratch("os-hostile");
    let mut n = 0;
    for sub in ["auditd", "sysmon_linux", "eslogger", "defender"] {
        for entry in std::fs::read_dir(fixture(sub)).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            for cut in [bytes.len() / 3, bytes.len() / 2, bytes.len() * 9 / 10] {
                std::fs::write(dir.join(format!("{n}.cut")), &bytes[..cut]).unwrap();
                n += 1;
            }
            // Flip bytes past the head (so the file is still recognised).
            let mut bad = bytes.clone();
            for i in (4096..bad.len()).step_by(97) {
                bad[i] ^= 0xA5;
            }
            std::fs::write(dir.join(format!("{n}.flip")), &bad).unwrap();
            n += 1;
        }
    }
    let report = ingest_scratch(&dir, n);
    assert!(report.events > 0);
}

#[test]
fn other_exports_of_sysmon_for_linux_are_read_by_the_windows_readers() {
    let syslog = std::fs::read_to_string(fixture("sysmon_linux/malicious_dbus_child.log")).unwrap();
    let first = syslog.lines().next().unwrap();
    let bare = &first[first.find("<Event>").unwrap()..];
    let rendered = r##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"Linux-Sysmon","Guid":"{ff032593-a8d3-4f13-b0d6-01fc615a0f97}"}},"EventID":1,"TimeCreated":{"#attributes":{"SystemTime":"2026-11-20T09:14:00.104211Z"}},"EventRecordID":5001,"Channel":"Linux-Sysmon/Operational","Computer":"build-07"},"EventData":{"ProcessId":31544,"Image":"/usr/bin/bash","CommandLine":"/bin/bash -c id","ParentImage":"/usr/bin/dbus-daemon"}}}"##;
    let dir = scratch("os-exports");
    for (name, text, format) in [("cat.xml", bare, "xml"), ("dump.jsonl", rendered, "json")] {
        let path = dir.join(name);
        std::fs::write(&path, format!("{text}\n")).unwrap();
        let tax = Taxonomy::builtin();
        let sink = Collect::default();
        let report = ingest(&[path], &IngestOptions::default(), &tax, &sink);
        assert_eq!(report.by_format.get(format), Some(&1), "{name}");
        let events = sink.events();
        assert_eq!(events.len(), 1, "{name}");
        let j = events[0].to_json(&tax);
        assert_eq!(j["fields"]["Channel"], "Linux-Sysmon/Operational", "{name}");
        assert_eq!(j["fields"]["Provider_Name"], "Linux-Sysmon", "{name}");
        assert_eq!(j["fields"]["ParentImage"], "/usr/bin/dbus-daemon", "{name}");
        let pc = tax.sources_for(Some("linux"), Some("process_creation"), None);
        assert!(pc.iter().any(|s| s.matches(&events[0], &tax)), "{name}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn fixtures_with_inserted_characters_are_read_without_panics() {
    // Multi-byte characters, quotes, separators and line breaks inserted at
    // pseudo-random places, many times over, in every fixture.
    const INSERTS: [&str; 8] = ["\u{e9}", "\"", "'", ",", "=", "\n", "\u{1d}", "\\"];
    let dir = scratch("os-mutate");
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut n = 0;
    for sub in ["auditd", "sysmon_linux", "eslogger", "defender"] {
        for entry in std::fs::read_dir(fixture(sub)).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for _ in 0..12 {
                let mut t = text.clone();
                for _ in 0..40 {
                    let mut at = (next() as usize) % t.len();
                    while !t.is_char_boundary(at) {
                        at -= 1;
                    }
                    t.insert_str(at, INSERTS[(next() as usize) % INSERTS.len()]);
                }
                std::fs::write(dir.join(format!("{n}.txt")), t).unwrap();
                n += 1;
            }
        }
    }
    ingest_scratch(&dir, n);
}
