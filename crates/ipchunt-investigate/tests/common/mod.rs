//! Event and detection builders for the investigation tests.
#![allow(dead_code)]

use std::sync::Arc;

use ipchunt_core::{Detection, Event, Level, Locator, Provenance, RuleInfo, Taxonomy, Value};
use ipchunt_investigate::{Enriched, Investigation, Reason, ReasonKind, Weight};

pub const SYSMON: &str = "Microsoft-Windows-Sysmon/Operational";

/// An event from a channel, with fields under the names a reader would give.
pub fn ev(channel: &str, eid: u32, host: &str, time: &str, fields: &[(&str, &str)]) -> Event {
    let tax = Taxonomy::builtin();
    let mut p = Provenance::new(
        "test.evtx".into(),
        Locator::EvtxRecord(next_record()),
        "evtx",
    );
    p.channel = Some(channel.into());
    p.provider = Some(
        match (channel, eid) {
            (SYSMON, _) => "Microsoft-Windows-Sysmon",
            ("Security", _) => "Microsoft-Windows-Security-Auditing",
            ("System", 10016 | 10028) => "Microsoft-Windows-DistributedCOM",
            ("System", _) => "Service Control Manager",
            _ => channel,
        }
        .into(),
    );
    p.event_id = Some(eid);
    p.computer = Some(host.into());
    p.timestamp = Some(time.parse().expect("test timestamp"));
    let mut e = Event::new(p);
    for (k, v) in fields {
        e.push(tax.resolve(k), Value::str(*v));
    }
    e
}

fn next_record() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(1);
    N.fetch_add(1, Ordering::Relaxed)
}

pub fn detection(event: &Event, level: Level, techniques: &[&str]) -> Detection {
    Detection {
        rule: Arc::new(RuleInfo {
            id: "00000000-0000-0000-0000-000000000001".into(),
            title: "test rule".into(),
            level,
            techniques: techniques.iter().map(|t| t.to_string()).collect(),
            ..RuleInfo::default()
        }),
        event: Arc::new(event.clone()),
        matched: vec![("Image".into(), "x".into())],
        correlation: None,
    }
}

pub fn investigation(events: &[Event]) -> Investigation {
    let mut inv = Investigation::new(Taxonomy::builtin());
    for e in events {
        inv.observe(e);
    }
    inv
}

/// Sysmon process creation.
pub fn proc_create(
    host: &str,
    time: &str,
    (image, guid, pid, cmd): (&str, &str, &str, &str),
    (pimage, pguid, ppid, pcmd): (&str, &str, &str, &str),
    user: &str,
    integrity: &str,
) -> Event {
    ev(
        SYSMON,
        1,
        host,
        time,
        &[
            ("Image", image),
            ("ProcessGuid", guid),
            ("ProcessId", pid),
            ("CommandLine", cmd),
            ("ParentImage", pimage),
            ("ParentProcessGuid", pguid),
            ("ParentProcessId", ppid),
            ("ParentCommandLine", pcmd),
            ("User", user),
            ("IntegrityLevel", integrity),
        ],
    )
}

/// Sysmon pipe event (17 created, 18 connected).
pub fn pipe(
    eid: u32,
    host: &str,
    time: &str,
    image: &str,
    pid: &str,
    pipe: &str,
    user: &str,
) -> Event {
    ev(
        SYSMON,
        eid,
        host,
        time,
        &[
            ("Image", image),
            ("ProcessId", pid),
            ("PipeName", pipe),
            ("User", user),
        ],
    )
}

/// The DCOM lateral movement through MMC20.Application on WS1: a network
/// logon from 10.0.0.5, IPC$ access, then svchost -k DcomLaunch starts
/// mmc.exe -Embedding, which starts cmd.exe. Returns the events and the
/// index of the cmd.exe creation.
pub fn dcom_scenario() -> (Vec<Event>, usize) {
    let h = "WS1.corp.local";
    let events = vec![
        proc_create(
            h,
            "2024-05-01T08:00:00Z",
            (
                "C:\\Windows\\System32\\svchost.exe",
                "{00000000-0000-0000-0000-00000000000a}",
                "900",
                "C:\\Windows\\system32\\svchost.exe -k DcomLaunch -p",
            ),
            (
                "C:\\Windows\\System32\\services.exe",
                "{00000000-0000-0000-0000-000000000001}",
                "700",
                "",
            ),
            "NT AUTHORITY\\SYSTEM",
            "System",
        ),
        ev(
            "Security",
            4624,
            h,
            "2024-05-01T10:00:00Z",
            &[
                ("LogonType", "3"),
                ("IpAddress", "10.0.0.5"),
                ("TargetUserName", "alice"),
            ],
        ),
        ev(
            "Security",
            5145,
            h,
            "2024-05-01T10:00:01Z",
            &[
                ("ShareName", "\\\\*\\IPC$"),
                ("RelativeTargetName", "epmapper"),
                ("SubjectUserName", "alice"),
                ("IpAddress", "10.0.0.5"),
            ],
        ),
        proc_create(
            h,
            "2024-05-01T10:00:02Z",
            (
                "C:\\Windows\\System32\\mmc.exe",
                "{00000000-0000-0000-0000-00000000000b}",
                "4100",
                "C:\\Windows\\system32\\mmc.exe -Embedding",
            ),
            (
                "C:\\Windows\\System32\\svchost.exe",
                "{00000000-0000-0000-0000-00000000000a}",
                "900",
                "C:\\Windows\\system32\\svchost.exe -k DcomLaunch -p",
            ),
            "CORP\\alice",
            "High",
        ),
        proc_create(
            h,
            "2024-05-01T10:00:03Z",
            (
                "C:\\Windows\\System32\\cmd.exe",
                "{00000000-0000-0000-0000-00000000000c}",
                "4200",
                "cmd.exe /c whoami > C:\\Windows\\Temp\\o.txt",
            ),
            (
                "C:\\Windows\\System32\\mmc.exe",
                "{00000000-0000-0000-0000-00000000000b}",
                "4100",
                "C:\\Windows\\system32\\mmc.exe -Embedding",
            ),
            "CORP\\alice",
            "High",
        ),
    ];
    (events, 4)
}

/// The reason of that kind, if the escalation has one.
pub fn reason(e: &Enriched, kind: ReasonKind) -> Option<&Reason> {
    e.escalation.reasons.iter().find(|r| r.kind == kind)
}

/// Every reason's kind and weight.
pub fn kinds(e: &Enriched) -> Vec<(ReasonKind, Weight)> {
    e.escalation
        .reasons
        .iter()
        .map(|r| (r.kind, r.weight))
        .collect()
}
