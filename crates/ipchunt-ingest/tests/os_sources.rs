//! The Linux, macOS and Defender fixtures read through the public ingest
//! API, as `ipchunt events` reads them: each file is sniffed to its format
//! by content, the counts reconcile, and the normalized JSON of the events
//! carries the canonical fields.

use std::path::PathBuf;
use std::sync::Mutex;

use ipchunt_core::{Event, Taxonomy};
use ipchunt_ingest::{BadRecord, EventSink, FileDone, IngestOptions, ingest, sniff};

#[derive(Default)]
struct Keep {
    events: Mutex<Vec<Event>>,
    bad: Mutex<Vec<BadRecord>>,
    files: Mutex<Vec<FileDone>>,
}

impl EventSink for Keep {
    fn events(&self, batch: Vec<Event>) {
        self.events.lock().unwrap().extend(batch);
    }
    fn bad(&self, bad: BadRecord) {
        self.bad.lock().unwrap().push(bad);
    }
    fn file_done(&self, f: &FileDone) {
        self.files.lock().unwrap().push(f.clone());
    }
}

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
    let sink = Keep::default();
    let report = ingest(&[path], &IngestOptions::default(), &tax, &sink);
    assert_eq!(report.records, report.events + report.bad_records, "{rel}");
    assert_eq!(report.by_format.get(want_format), Some(&1), "{rel}");
    let files = sink.files.lock().unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].records, files[0].events + files[0].bad);
    let mut events = sink.events.lock().unwrap().clone();
    events.sort_by_key(|e| e.prov.locator);
    events.iter().map(|e| e.to_json(&tax)).collect()
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
    let sink = Keep::default();
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
    assert_eq!(report.by_format.get("defender"), Some(&5));
    // The known bad records: one line in the awkward audit log, two rows of
    // the awkward Defender CSV.
    assert_eq!(report.bad_records, 3, "{:?}", sink.bad.lock().unwrap());
}

#[test]
fn truncated_and_corrupted_fixtures_are_read_without_panics() {
    let dir = std::env::temp_dir().join(format!("ipchunt-os-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
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
    let tax = Taxonomy::builtin();
    let sink = Keep::default();
    let report = ingest(&[dir.clone()], &IngestOptions::default(), &tax, &sink);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(report.files_seen, n as u64);
    assert_eq!(report.records, report.events + report.bad_records);
    for f in sink.files.lock().unwrap().iter() {
        assert_eq!(f.records, f.events + f.bad, "{}", f.file);
    }
    assert!(report.events > 0);
    for b in sink.bad.lock().unwrap().iter() {
        assert!(!b.reason.is_empty(), "{b}");
    }
}
