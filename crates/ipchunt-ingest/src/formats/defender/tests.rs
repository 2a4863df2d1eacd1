use super::*;
use crate::formats::testsink::{Run, run};

const PIPE_CSV: &str =
    include_str!("../../../tests/fixtures/defender/malicious_pipe_deviceevents.csv");
const PIPE_JSONL: &str =
    include_str!("../../../tests/fixtures/defender/malicious_pipe_deviceevents.jsonl");
const BENIGN_CSV: &str =
    include_str!("../../../tests/fixtures/defender/benign_pipe_deviceevents.csv");
const PROCESS_CSV: &str = include_str!("../../../tests/fixtures/defender/process_quoting.csv");
const TABLES_JSON: &str = include_str!("../../../tests/fixtures/defender/tables_array.json");

fn csv_run(name: &str, text: &str) -> Run {
    run(name, text.as_bytes(), |b, f, ctx, sink| {
        read_csv(b, f, ctx, sink)
    })
}

fn json_run(name: &str, text: &str) -> Run {
    run(name, text.as_bytes(), |b, f, ctx, sink| {
        read_json(b, f, ctx, sink)
    })
}

#[test]
fn sniffs_csv_and_json_exports_only() {
    for t in [PIPE_CSV, PIPE_JSONL, BENIGN_CSV, PROCESS_CSV, TABLES_JSON] {
        assert!(sniff(t.as_bytes()), "{}", &t[..60]);
    }
    assert!(is_json(PIPE_JSONL.as_bytes()) && !is_json(PIPE_CSV.as_bytes()));
    // ECS and evtx_dump JSON, and other CSV, are not Defender exports.
    assert!(!sniff(b"{\"@timestamp\":\"2026-01-01T00:00:00Z\",\"host\":{\"name\":\"a\"},\"event\":{\"action\":\"x\"}}\n"));
    assert!(!sniff(b"{\"Event\":{\"System\":{\"Computer\":\"a\"}}}\n"));
    assert!(!sniff(b"_time,host,EventCode,Image\n2026-01-01,a,1,x\n"));
    assert!(!sniff(b"type=SYSCALL msg=audit(1.0:1): x=1\n"));
}

#[test]
fn named_pipe_events_from_csv_unpack_additional_fields() {
    let r = csv_run("pipes.csv", PIPE_CSV);
    assert!(r.bad.is_empty(), "{:?}", r.bad);
    assert_eq!(r.events.len(), 2);
    assert_eq!(
        r.text(0, "Channel").as_deref(),
        Some("Defender:DeviceEvents")
    );
    assert_eq!(r.text(0, "Computer").as_deref(), Some("ws01.corp.local"));
    assert_eq!(r.text(0, "PipeName").as_deref(), Some("\\MSSE-1234-server"));
    assert_eq!(r.text(0, "EventType").as_deref(), Some("CreatePipe"));
    assert_eq!(r.text(1, "EventType").as_deref(), Some("ConnectPipe"));
    assert_eq!(
        r.text(0, "Image").as_deref(),
        Some("c:\\windows\\system32\\rundll32.exe")
    );
    assert_eq!(
        r.text(0, "CommandLine").as_deref(),
        Some("rundll32.exe \"C:\\Users\\alice\\AppData\\Local\\Temp\\update, ok.dll\",Start")
    );
    assert_eq!(r.text(0, "ParentImage").as_deref(), Some("winword.exe"));
    assert_eq!(r.text(0, "User").as_deref(), Some("corp\\alice"));
    assert_eq!(r.text(0, "DesiredAccess").as_deref(), Some("1180063"));
    assert_eq!(r.text(0, "NamedPipeEnd").as_deref(), Some("Server"));
    assert_eq!(r.text(0, "ActionType").as_deref(), Some("NamedPipeEvent"));
    assert_eq!(
        r.events[0].prov.timestamp.map(|t| t.to_string()).as_deref(),
        Some("2026-11-20T09:14:00.1234567Z")
    );
    let pipe = r
        .tax
        .sources_for(Some("windows"), Some("pipe_created"), None);
    assert!(
        r.events
            .iter()
            .all(|e| pipe.iter().any(|s| s.matches(e, &r.tax)))
    );
}

#[test]
fn jsonl_export_gives_the_same_fields_as_csv() {
    let c = csv_run("pipes.csv", PIPE_CSV);
    let j = json_run("pipes.jsonl", PIPE_JSONL);
    assert!(j.bad.is_empty(), "{:?}", j.bad);
    assert_eq!(j.events.len(), c.events.len());
    for i in 0..c.events.len() {
        for f in [
            "PipeName",
            "EventType",
            "Image",
            "CommandLine",
            "ParentImage",
            "User",
            "ProcessId",
            "Computer",
            "Channel",
        ] {
            assert_eq!(j.text(i, f), c.text(i, f), "{f}");
        }
        assert_eq!(j.events[i].prov.timestamp, c.events[i].prov.timestamp);
    }
}

#[test]
fn process_rows_with_quotes_commas_and_line_breaks() {
    let r = csv_run("proc.csv", PROCESS_CSV);
    assert_eq!(r.events.len(), 2);
    assert_eq!(r.bad.len(), 2);
    assert_eq!(r.bad[0].locator, Some(Locator::Line(5)));
    assert_eq!(r.bad[1].locator, Some(Locator::Line(6)));
    assert!(r.bad[1].reason.contains("Timestamp"), "{}", r.bad[1].reason);

    assert_eq!(
        r.text(0, "Channel").as_deref(),
        Some("Defender:DeviceProcessEvents")
    );
    assert_eq!(
        r.text(0, "Image").as_deref(),
        Some("C:\\Windows\\System32\\cmd.exe")
    );
    assert_eq!(
        r.text(0, "CommandLine").as_deref(),
        Some("cmd.exe /c \"echo a, b & echo \"\"quoted\"\" > C:\\Temp\\o.txt\"")
    );
    assert_eq!(
        r.text(0, "ParentImage").as_deref(),
        Some("c:\\windows\\system32\\mmc.exe")
    );
    assert_eq!(
        r.text(0, "ParentCommandLine").as_deref(),
        Some("\"mmc.exe\" -Embedding")
    );
    assert_eq!(r.text(0, "OriginalFileName").as_deref(), Some("Cmd.Exe"));
    assert_eq!(r.text(0, "IntegrityLevel").as_deref(), Some("High"));
    assert_eq!(
        r.text(0, "Hashes").as_deref(),
        Some("SHA1=ded8fd7f36417f66eb6ada10e0c0d7c0022986e9")
    );
    assert_eq!(
        r.text(0, "InitiatingProcessParentFileName").as_deref(),
        Some("svchost.exe")
    );
    assert_eq!(r.events[0].prov.locator, Locator::Line(2));

    // FolderPath a folder: the file name is appended.
    assert_eq!(
        r.text(1, "Image").as_deref(),
        Some("C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe")
    );
    assert_eq!(
        r.text(1, "ParentImage").as_deref(),
        Some("C:\\Windows\\System32\\cmd.exe")
    );
    assert_eq!(
        r.text(1, "CommandLine").as_deref(),
        Some("powershell.exe -c \"Write-Host 1\nWrite-Host 2\"")
    );
    let pc = r
        .tax
        .sources_for(Some("windows"), Some("process_creation"), None);
    assert!(pc.iter().any(|s| s.matches(&r.events[0], &r.tax)));
}

#[test]
fn tables_in_one_array_by_table_column() {
    let r = json_run("tables.json", TABLES_JSON);
    assert!(r.bad.is_empty(), "{:?}", r.bad);
    assert_eq!(r.events.len(), 4);
    assert_eq!(
        r.text(0, "Channel").as_deref(),
        Some("Defender:DeviceNetworkEvents")
    );
    assert_eq!(
        r.text(0, "Image").as_deref(),
        Some("c:\\windows\\system32\\dllhost.exe")
    );
    assert_eq!(r.text(0, "DestinationIp").as_deref(), Some("203.0.113.50"));
    assert_eq!(r.text(0, "DestinationPort").as_deref(), Some("443"));
    assert_eq!(
        r.text(0, "DestinationHostname").as_deref(),
        Some("cdn.example.net")
    );
    assert_eq!(r.text(0, "Protocol").as_deref(), Some("tcp"));
    assert_eq!(r.text(0, "Initiated").as_deref(), Some("true"));
    assert_eq!(r.text(0, "DestinationIsIpv6").as_deref(), Some("false"));

    assert_eq!(
        r.text(1, "ImageLoaded").as_deref(),
        Some("C:\\Windows\\System32\\taskschd.dll")
    );
    assert_eq!(
        r.text(1, "Image").as_deref(),
        Some("c:\\program files\\microsoft office\\root\\office16\\winword.exe")
    );
    assert_eq!(
        r.text(2, "TargetObject").as_deref(),
        Some("HKLM\\SOFTWARE\\Microsoft\\Ole\\EnableDCOM")
    );
    assert_eq!(r.text(2, "Details").as_deref(), Some("N"));
    assert_eq!(r.text(2, "EventType").as_deref(), Some("SetValue"));
    assert_eq!(
        r.text(3, "TargetFilename").as_deref(),
        Some("C:\\Users\\alice\\AppData\\Roaming\\dynwrapx.dll")
    );
    for (i, cat) in [
        (0, "network_connection"),
        (1, "image_load"),
        (2, "registry_set"),
        (3, "file_event"),
    ] {
        let specs = r.tax.sources_for(Some("windows"), Some(cat), None);
        assert!(
            specs.iter().any(|s| s.matches(&r.events[i], &r.tax)),
            "{cat}"
        );
    }
}

#[test]
fn table_follows_action_type_without_a_table_column() {
    let text = TABLES_JSON.replace("\"TableName\"", "\"NotTheTable\"");
    let r = json_run("tables.json", &text);
    let chans: Vec<_> = (0..4).map(|i| r.text(i, "Channel").unwrap()).collect();
    assert_eq!(
        chans,
        [
            "Defender:DeviceNetworkEvents",
            "Defender:DeviceImageLoadEvents",
            "Defender:DeviceRegistryEvents",
            "Defender:DeviceFileEvents"
        ]
    );
}

#[test]
fn benign_pipes_keep_their_names() {
    let r = csv_run("benign.csv", BENIGN_CSV);
    assert!(r.bad.is_empty());
    assert_eq!(
        r.text(0, "PipeName").as_deref(),
        Some("\\mojo.6144.7200.1846271830182731")
    );
    assert_eq!(
        r.text(1, "PipeName").as_deref(),
        Some("\\Winsock2\\CatalogChangeListener-1a4-0")
    );
    assert_eq!(
        r.text(1, "User").as_deref(),
        Some("nt authority\\local service")
    );
}

#[test]
fn hostile_input_is_reported_not_panicked_on() {
    let r = csv_run(
        "x.csv",
        "Timestamp,DeviceName,ActionType\n\"unterminated,a,b\n",
    );
    assert_eq!(r.counts.records, r.counts.events + r.counts.bad);
    let bytes = b"Timestamp,DeviceName,ActionType\n2026-01-01T00:00:00Z,h,\n\xff\xfe,,\n";
    let r = run("x.csv", bytes, |b, f, ctx, sink| read_csv(b, f, ctx, sink));
    assert_eq!(r.events.len(), 0);
    let lines: Vec<_> = r.bad.iter().map(|b| b.locator).collect();
    assert_eq!(lines, [Some(Locator::Line(2)), Some(Locator::Line(3))]);
    let r = json_run(
        "x.json",
        "[{\"Timestamp\": 5, \"ActionType\": \"X\"}, {\"ActionType\":\"NamedPipeEvent\",\"Timestamp\":\"2026-01-01T00:00:00Z\",\"AdditionalFields\":\"{not json\"}]",
    );
    assert_eq!(r.events.len(), 1);
    assert_eq!(r.bad.len(), 1);
    assert_eq!(r.text(0, "AdditionalFields").as_deref(), Some("{not json"));
}

#[test]
fn rows_from_linux_devices_feed_linux_rules() {
    const LINUX: &str = include_str!("../../../tests/fixtures/defender/linux_device_processes.csv");
    let r = csv_run("linux.csv", LINUX);
    assert!(r.bad.is_empty(), "{:?}", r.bad);
    assert_eq!(r.events.len(), 2);
    assert_eq!(r.text(0, "Image").as_deref(), Some("/usr/bin/socat"));
    assert_eq!(r.text(0, "ParentImage").as_deref(), Some("/usr/bin/bash"));
    assert_eq!(r.text(0, "OsFamily").as_deref(), Some("unix"));
    assert_eq!(
        r.text(1, "CommandLine").as_deref(),
        Some("docker ps --format \"{{.Names}}, {{.Status}}\"")
    );
    let linux = r
        .tax
        .sources_for(Some("linux"), Some("process_creation"), None);
    assert!(linux.iter().any(|s| s.matches(&r.events[0], &r.tax)));
    // Windows rows are not Linux process creations.
    let w = csv_run("proc.csv", PROCESS_CSV);
    assert_eq!(w.text(0, "OsFamily").as_deref(), Some("windows"));
    assert!(!linux.iter().any(|s| s.matches(&w.events[0], &w.tax)));
}
