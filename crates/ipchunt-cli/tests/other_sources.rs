//! Linux, macOS and Defender telemetry through `ipchunt hunt`: for each
//! source, a malicious sample fires the pack's rules and a benign one
//! does not.

mod common;

use common::{ipchunt, jsonl, stderr};

const FIXTURES: &str = "crates/ipchunt-ingest/tests/fixtures";

fn titles(file: &str) -> Vec<String> {
    let o = ipchunt()
        .args(["hunt", "-f", "jsonl", "-q"])
        .arg(format!("{FIXTURES}/{file}"))
        .output()
        .unwrap();
    assert!(
        matches!(o.status.code(), Some(0) | Some(1)),
        "{file}: exit {:?}: {}",
        o.status.code(),
        stderr(&o)
    );
    jsonl(&o)
        .iter()
        .map(|d| d["rule"]["title"].as_str().unwrap().to_owned())
        .collect()
}

fn fires(file: &str, words: &[&str]) {
    let t = titles(file);
    for w in words {
        assert!(
            t.iter().any(|title| title.contains(w)),
            "{file}: no rule titled with {w:?} in {t:?}"
        );
    }
}

fn quiet(file: &str) {
    let t = titles(file);
    assert!(t.is_empty(), "{file} is benign but fired {t:?}");
}

#[test]
fn auditd_unix_socket_and_dbus() {
    fires(
        "auditd/malicious_docker_sock.log",
        &["Unix Domain Socket", "Container Runtime Socket", "D-Bus"],
    );
    quiet("auditd/benign_docker_cli.log");
}

#[test]
fn sysmon_for_linux_dbus_children() {
    fires("sysmon_linux/malicious_dbus_child.log", &["D-Bus"]);
    fires("sysmon_linux/malicious_journal.json", &["D-Bus"]);
    quiet("sysmon_linux/benign_dbus_helper.log");
}

#[test]
fn eslogger_xpc() {
    fires(
        "eslogger/malicious_xpc.jsonl",
        &[
            "Sensitive XPC Service",
            "Unusual Location",
            "Security Server",
        ],
    );
    quiet("eslogger/benign_xpc.jsonl");
}

#[test]
fn defender_named_pipes_like_sysmon() {
    fires(
        "defender/malicious_pipe_deviceevents.csv",
        &["C2 Framework"],
    );
    fires(
        "defender/malicious_pipe_deviceevents.jsonl",
        &["C2 Framework"],
    );
    quiet("defender/benign_pipe_deviceevents.csv");
}

#[test]
fn events_shows_normalized_fields_per_source() {
    for (file, fields) in [
        (
            "auditd/malicious_docker_sock.log",
            &["Image", "SocketPath", "syscall"][..],
        ),
        (
            "eslogger/malicious_xpc.jsonl",
            &["Image", "XpcServiceName", "SigningId"][..],
        ),
        (
            "defender/malicious_pipe_deviceevents.csv",
            &["PipeName", "Image"][..],
        ),
        (
            "sysmon_linux/malicious_dbus_child.log",
            &["Image", "ParentImage", "CommandLine"][..],
        ),
    ] {
        let o = ipchunt()
            .arg("events")
            .arg(format!("{FIXTURES}/{file}"))
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{file}: {}", stderr(&o));
        let evs = jsonl(&o);
        for f in fields {
            assert!(
                evs.iter().any(|e| e["fields"].get(*f).is_some()),
                "{file}: no event has {f}"
            );
        }
    }
}
