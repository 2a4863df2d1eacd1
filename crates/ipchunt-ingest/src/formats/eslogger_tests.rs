use super::*;
use crate::formats::testsink::{Run, run};

const MALICIOUS: &str = include_str!("../../tests/fixtures/eslogger/malicious_xpc.jsonl");
const BENIGN: &str = include_str!("../../tests/fixtures/eslogger/benign_xpc.jsonl");

fn read_text(name: &str, text: &str) -> Run {
    run(name, text.as_bytes(), |b, f, ctx, sink| {
        read_from(b, f, ctx, sink)
    })
}

#[test]
fn sniffs_eslogger_lines_only() {
    assert!(sniff(MALICIOUS.as_bytes()));
    assert!(sniff(&MALICIOUS.as_bytes()[..4096]));
    assert!(sniff(BENIGN.as_bytes()));
    assert!(!sniff(
        b"{\"@timestamp\":\"2026-01-01T00:00:00Z\",\"event\":{\"code\":\"1\"}}\n"
    ));
    assert!(!sniff(b"{\"Event\":{\"System\":{}}}\n"));
    assert!(!sniff(b"type=SYSCALL msg=audit(1.0:1): x=1\n"));
}

#[test]
fn exec_fork_exit_and_xpc_connect_are_normalized() {
    let r = read_text("es.jsonl", MALICIOUS);
    assert!(r.bad.is_empty(), "{:?}", r.bad);
    assert_eq!(r.events.len(), 8);

    let fork = r.find("EventType", "fork").unwrap();
    assert_eq!(r.text(fork, "ProcessId").as_deref(), Some("4400"));
    assert_eq!(r.text(fork, "ParentProcessId").as_deref(), Some("900"));
    assert_eq!(r.text(fork, "ParentImage").as_deref(), Some("/bin/zsh"));
    assert_eq!(r.text(fork, "EventID").as_deref(), Some("11"));

    let exec = r.find("Image", "/Users/Shared/.agent/helper").unwrap();
    assert_eq!(r.text(exec, "EventType").as_deref(), Some("exec"));
    assert_eq!(
        r.text(exec, "CommandLine").as_deref(),
        Some("/Users/Shared/.agent/helper --daemon --name com.apple.sys update")
    );
    assert_eq!(r.text(exec, "ParentImage").as_deref(), Some("/bin/zsh"));
    assert_eq!(r.text(exec, "ParentProcessId").as_deref(), Some("900"));
    assert_eq!(
        r.text(exec, "CurrentDirectory").as_deref(),
        Some("/Users/Shared")
    );
    assert_eq!(
        r.text(exec, "SigningId").as_deref(),
        Some("helper-55554944d1f2b3a4")
    );
    assert_eq!(r.text(exec, "TeamId"), None);
    assert_eq!(r.text(exec, "PlatformBinary").as_deref(), Some("false"));
    assert_eq!(r.text(exec, "User").as_deref(), Some("501"));
    assert_eq!(
        r.text(exec, "Channel").as_deref(),
        Some("macos:endpointsecurity")
    );
    assert_eq!(
        r.events[exec]
            .prov
            .timestamp
            .map(|t| t.to_string())
            .as_deref(),
        Some("2026-11-20T09:13:58.004Z")
    );

    let xpc = r
        .find("ServiceName", "com.apple.systemadministration.writeconfig")
        .unwrap();
    assert_eq!(r.text(xpc, "EventType").as_deref(), Some("xpc_connect"));
    assert_eq!(
        r.text(xpc, "XpcServiceName").as_deref(),
        Some("com.apple.systemadministration.writeconfig")
    );
    assert_eq!(r.text(xpc, "XpcServiceDomain").as_deref(), Some("system"));
    assert_eq!(r.text(xpc, "ServiceDomainType").as_deref(), Some("1"));
    assert_eq!(
        r.text(xpc, "Image").as_deref(),
        Some("/Users/Shared/.agent/helper")
    );
    // The parent pid's image was seen when zsh forked.
    assert_eq!(r.text(xpc, "ParentImage").as_deref(), Some("/bin/zsh"));
    let tcc = r.find("ServiceName", "com.apple.tccd").unwrap();
    assert_eq!(r.text(tcc, "XpcServiceDomain").as_deref(), Some("user"));

    let staged = r.find("Image", "/private/tmp/.u/updater").unwrap();
    assert_eq!(
        r.text(staged, "ParentImage").as_deref(),
        Some("/usr/libexec/xpcproxy")
    );
    let shell = r.find("Image", "/bin/sh").unwrap();
    assert_eq!(
        r.text(shell, "ParentImage").as_deref(),
        Some("/usr/sbin/securityd")
    );
    assert_eq!(r.text(shell, "User").as_deref(), Some("0"));

    let exit = r.find("EventType", "exit").unwrap();
    assert_eq!(r.text(exit, "ExitStatus").as_deref(), Some("0"));
    assert_eq!(
        r.text(exit, "Image").as_deref(),
        Some("/Users/Shared/.agent/helper")
    );
}

#[test]
fn logsources_gate_by_event_type() {
    let r = read_text("es.jsonl", MALICIOUS);
    let pc = r
        .tax
        .sources_for(Some("macos"), Some("process_creation"), None);
    let xc = r.tax.sources_for(Some("macos"), Some("xpc_connect"), None);
    let exec = r.find("EventType", "exec").unwrap();
    let xpc = r.find("EventType", "xpc_connect").unwrap();
    assert!(pc.iter().any(|s| s.matches(&r.events[exec], &r.tax)));
    assert!(!pc.iter().any(|s| s.matches(&r.events[xpc], &r.tax)));
    assert!(xc.iter().any(|s| s.matches(&r.events[xpc], &r.tax)));
}

#[test]
fn benign_fixture_reads_cleanly() {
    let r = read_text("benign.jsonl", BENIGN);
    assert!(r.bad.is_empty());
    assert_eq!(r.events.len(), 7);
    let svc = r.find("EventType", "exec").unwrap();
    assert!(
        r.text(svc, "Image")
            .unwrap()
            .contains(".xpc/Contents/MacOS/")
    );
    let ls = r.find("Image", "/bin/ls").unwrap();
    assert_eq!(
        r.text(ls, "CommandLine").as_deref(),
        Some("ls -la /Users/lee/My Documents")
    );
    let slack = r.find("TeamId", "BQR82RBBHL").unwrap();
    assert_eq!(r.text(slack, "XpcServiceDomain").as_deref(), Some("gui"));
}

#[test]
fn bad_lines_are_reported_and_reading_goes_on() {
    let mut text = String::from("{\"event\": 3, \"audit_token\": {}}\n{not json\n");
    text.push_str(MALICIOUS.lines().next().unwrap());
    text.push_str("\n{\"event\":{\"a\":{},\"b\":{}},\"process\":{}}\n");
    let r = read_text("mixed.jsonl", &text);
    assert_eq!(r.events.len(), 1);
    assert_eq!(r.bad.len(), 3);
    assert!(r.bad.iter().any(|b| b.locator == Some(Locator::Line(1))));
    assert!(r.bad.iter().any(|b| b.locator == Some(Locator::Line(4))));
}
