//! Linux and macOS IPC through the real readers: auditd Unix socket
//! connects and eslogger XPC connections, from ipchunt-ingest's fixtures.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ipchunt_core::{Event, Taxonomy};
use ipchunt_ingest::{BadRecord, EventSink, IngestOptions, ingest};
use ipchunt_investigate::{EndpointKind, Investigation, IpcKind};

#[derive(Default)]
struct Collect(Mutex<Vec<Event>>);

impl EventSink for Collect {
    fn events(&self, batch: Vec<Event>) {
        self.0.lock().unwrap().extend(batch);
    }
    fn bad(&self, bad: BadRecord) {
        panic!("bad record in a fixture: {bad}");
    }
}

fn read(rel: &str) -> Vec<Event> {
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../ipchunt-ingest/tests/fixtures")
        .join(rel);
    let sink = Collect::default();
    ingest(
        &[path],
        &IngestOptions::default(),
        &Taxonomy::builtin(),
        &sink,
    );
    sink.0.into_inner().unwrap()
}

#[test]
fn auditd_unix_socket_connects_become_ipc() {
    let events = read("auditd/malicious_docker_sock.log");
    let mut inv = Investigation::new(Taxonomy::builtin());
    for e in &events {
        inv.observe(e);
    }
    let ipc: Vec<_> = events.iter().filter_map(|e| inv.classify(e)).collect();
    let sock = ipc
        .iter()
        .find(|e| e.kind == IpcKind::UnixSocket && e.endpoint.name == "/run/docker.sock")
        .expect("a connect to the Docker socket");
    assert_eq!(sock.endpoint.kind, EndpointKind::Socket);
    assert!(sock.actor.image.is_some(), "{sock:?}");
    let g = inv.graph();
    assert!(
        g.edges
            .iter()
            .any(|e| e.key.dst == "socket:/run/docker.sock")
    );
}

#[test]
fn eslogger_xpc_connects_become_ipc() {
    let events = read("eslogger/malicious_xpc.jsonl");
    let inv = Investigation::new(Taxonomy::builtin());
    let xpc: Vec<_> = events
        .iter()
        .filter_map(|e| inv.classify(e))
        .filter(|e| e.kind == IpcKind::XpcConnect)
        .collect();
    assert!(!xpc.is_empty(), "no xpc_connect classified");
    for e in &xpc {
        assert_eq!(e.endpoint.kind, EndpointKind::Xpc);
        assert!(!e.endpoint.name.is_empty());
        assert!(e.actor.image.is_some(), "{e:?}");
    }
    let spawns = events
        .iter()
        .filter_map(|e| inv.classify(e))
        .filter(|e| e.kind.is_process_creation())
        .count();
    assert!(spawns > 0, "exec events are process creations");
}

#[test]
fn defender_named_pipe_events_become_ipc() {
    let events = read("defender/malicious_pipe_deviceevents.csv");
    let inv = Investigation::new(Taxonomy::builtin());
    let pipes: Vec<_> = events
        .iter()
        .filter_map(|e| inv.classify(e))
        .filter(|e| matches!(e.kind, IpcKind::PipeCreated | IpcKind::PipeConnected))
        .collect();
    let created = pipes
        .iter()
        .find(|e| e.kind == IpcKind::PipeCreated)
        .expect("server end");
    let connected = pipes
        .iter()
        .find(|e| e.kind == IpcKind::PipeConnected)
        .expect("client end");
    assert_eq!(created.endpoint.name, "\\msse-<n>-server");
    assert_eq!(created.endpoint.name, connected.endpoint.name);
    assert_eq!(created.actor.pid, Some(7300));
    assert!(
        created
            .actor
            .image
            .as_deref()
            .is_some_and(|i| i.to_ascii_lowercase().ends_with("rundll32.exe")),
        "{created:?}"
    );
}

#[test]
fn unsigned_macos_helper_over_xpc_is_escalated_and_platform_binaries_are_not() {
    use ipchunt_investigate::{Decision, ReasonKind};
    use std::sync::Arc;
    let rule = Arc::new(ipchunt_core::RuleInfo {
        title: "xpc".into(),
        level: ipchunt_core::Level::Medium,
        ..Default::default()
    });
    let assess = |rel: &str| {
        let events = read(rel);
        let mut inv = Investigation::new(Taxonomy::builtin());
        for e in &events {
            inv.observe(e);
        }
        let dets: Vec<_> = events
            .iter()
            .filter(|e| {
                inv.classify(e)
                    .is_some_and(|i| i.kind == IpcKind::XpcConnect)
            })
            .map(|e| ipchunt_core::Detection {
                rule: rule.clone(),
                event: Arc::new(e.clone()),
                matched: vec![],
                correlation: None,
            })
            .collect();
        inv.enrich(&dets)
    };
    let bad = assess("eslogger/malicious_xpc.jsonl");
    assert!(!bad.is_empty());
    let unsigned: Vec<_> = bad
        .iter()
        .filter(|e| {
            e.escalation
                .reasons
                .iter()
                .any(|r| r.kind == ReasonKind::UnsignedBinary)
        })
        .collect();
    assert!(!unsigned.is_empty(), "{:#?}", bad[0].escalation.reasons);
    assert!(
        unsigned
            .iter()
            .all(|e| e.escalation.decision == Decision::EscalateTier2)
    );
    let good = assess("eslogger/benign_xpc.jsonl");
    assert!(!good.is_empty());
    for e in &good {
        assert!(
            e.escalation
                .reasons
                .iter()
                .all(|r| r.kind != ReasonKind::UnsignedBinary),
            "{:#?}",
            e.escalation.reasons
        );
        assert_ne!(
            e.escalation.decision,
            Decision::EscalateTier2,
            "{:#?}",
            e.escalation.reasons
        );
    }
}

#[test]
fn well_known_sockets_are_named() {
    let tax = Taxonomy::builtin();
    let mut p =
        ipchunt_core::Provenance::new("audit.log".into(), ipchunt_core::Locator::Line(1), "auditd");
    p.channel = Some("auditd".into());
    p.computer = Some("lnx1".into());
    let mut e = Event::new(p);
    for (k, v) in [
        ("syscall", "connect"),
        ("Image", "/usr/bin/python3"),
        ("ProcessId", "4242"),
        ("SocketPath", "/run/user/1000/bus"),
    ] {
        e.push(tax.resolve(k), ipchunt_core::Value::str(v));
    }
    let ipc = Investigation::new(tax)
        .classify(&e)
        .expect("a Unix socket connect");
    assert_eq!(ipc.kind, IpcKind::UnixSocket);
    assert_eq!(ipc.endpoint.name, "/run/user/<n>/bus");
    assert_eq!(ipc.endpoint.raw.as_deref(), Some("/run/user/1000/bus"));
    assert_eq!(ipc.endpoint.label.as_deref(), Some("D-Bus session bus"));
    assert_eq!(ipc.actor.pid, Some(4242));
}
