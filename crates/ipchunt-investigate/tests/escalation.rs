mod common;

use common::*;
use ipchunt_core::Level;
use ipchunt_investigate::{Decision, Enriched, IocList, ReasonKind, Weight, baseline};

fn reason(e: &Enriched, kind: ReasonKind) -> Option<&ipchunt_investigate::Reason> {
    e.escalation.reasons.iter().find(|r| r.kind == kind)
}

fn kinds(e: &Enriched) -> Vec<(ReasonKind, Weight)> {
    e.escalation
        .reasons
        .iter()
        .map(|r| (r.kind, r.weight))
        .collect()
}

#[test]
fn dcom_lateral_movement_escalates_with_its_reasons() {
    let (events, cmd) = dcom_scenario();
    let inv = investigation(&events);
    let out = inv.enrich(&[detection(&events[cmd], Level::High, &["T1021.003"])]);
    let e = &out[0];
    assert_eq!(
        e.escalation.decision,
        Decision::EscalateTier2,
        "{:#?}",
        e.escalation.reasons
    );
    let dcom = reason(e, ReasonKind::DcomExploitation).expect("DCOM reason");
    assert_eq!(dcom.weight, Weight::Strong);
    assert!(
        dcom.evidence
            .iter()
            .any(|s| s.contains("mmc.exe") && s.contains("cmd.exe")),
        "{dcom:?}"
    );
    let lat = reason(e, ReasonKind::LateralMovement).expect("lateral movement");
    assert!(
        lat.evidence
            .iter()
            .any(|s| s.contains("10.0.0.5") && s.contains("type 3")),
        "{lat:?}"
    );
    assert!(lat.evidence.iter().any(|s| s.contains("IPC$")), "{lat:?}");
    // High integrity behind a high detection.
    assert_eq!(
        reason(e, ReasonKind::PrivilegedProcess).unwrap().weight,
        Weight::Strong
    );
    // Chain and window.
    let chain: Vec<_> = e
        .chain
        .all()
        .filter_map(|c| c.process.image.clone())
        .collect();
    assert_eq!(chain.len(), 4, "{chain:?}");
    assert!(e.window.iter().any(|w| w.kind.as_str() == "com_launch"));
    assert!(e.window.iter().all(|w| w.source != e.detection.source));
    // Answers, containment and mitigations with registry settings.
    assert_eq!(e.escalation.questions.len(), 5);
    assert!(
        e.escalation
            .containment
            .iter()
            .any(|c| c.contains("Isolate WS1.corp.local"))
    );
    let m = e
        .escalation
        .mitigations
        .iter()
        .find(|m| m.id == "M1026")
        .expect("M1026");
    assert!(
        m.settings
            .iter()
            .any(|s| s.key
                == "HKLM\\SOFTWARE\\Classes\\AppID\\{7E0423CD-1119-0928-900C-E6D4A52A0715}")
    );
    assert!(
        m.settings
            .iter()
            .any(|s| s.key == "HKLM\\SOFTWARE\\Microsoft\\Ole"
                && s.value.as_deref() == Some("EnableDCOM"))
    );
    // It serializes for JSON lines.
    let v = serde_json::to_value(e).unwrap();
    assert_eq!(v["escalation"]["decision"], "escalate_tier2");
}

#[test]
fn benign_background_is_likely_benign() {
    let ev = pipe(
        17,
        "WS2",
        "2024-05-01T10:00:00Z",
        "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
        "3000",
        "\\mojo.3000.1.123456789",
        "CORP\\bob",
    );
    let inv = investigation(std::slice::from_ref(&ev));
    let out = inv.enrich(&[detection(&ev, Level::Low, &["T1559"])]);
    assert_eq!(
        out[0].escalation.decision,
        Decision::LikelyBenign,
        "{:#?}",
        out[0].escalation.reasons
    );
    assert!(kinds(&out[0]).iter().all(|(_, w)| *w < Weight::Moderate));
    assert!(out[0].escalation.containment[0].starts_with("No containment"));
}

#[test]
fn privileged_process_weighs_by_severity() {
    let ev = pipe(
        17,
        "H",
        "2024-05-01T10:00:00Z",
        "C:\\Windows\\System32\\spoolsv.exe",
        "1",
        "\\spoolss",
        "NT AUTHORITY\\SYSTEM",
    );
    let inv = investigation(std::slice::from_ref(&ev));
    let med = &inv.enrich(&[detection(&ev, Level::Medium, &[])])[0];
    assert_eq!(
        kinds(med),
        vec![(ReasonKind::PrivilegedProcess, Weight::Moderate)]
    );
    assert_eq!(med.escalation.decision, Decision::Tier1Review);
    let high = &inv.enrich(&[detection(&ev, Level::High, &[])])[0];
    assert_eq!(
        kinds(high),
        vec![(ReasonKind::PrivilegedProcess, Weight::Strong)]
    );
    assert_eq!(high.escalation.decision, Decision::EscalateTier2);
}

#[test]
fn user_process_opening_lsass_escalates() {
    let ev = ev(
        SYSMON,
        10,
        "H",
        "2024-05-01T10:00:00Z",
        &[
            ("SourceImage", "C:\\Users\\bob\\AppData\\Local\\Temp\\t.exe"),
            ("SourceProcessId", "77"),
            ("SourceUser", "CORP\\bob"),
            ("TargetImage", "C:\\Windows\\System32\\lsass.exe"),
            ("TargetUser", "NT AUTHORITY\\SYSTEM"),
            ("GrantedAccess", "0x1010"),
        ],
    );
    let inv = investigation(std::slice::from_ref(&ev));
    let e = &inv.enrich(&[detection(&ev, Level::Medium, &[])])[0];
    assert_eq!(
        reason(e, ReasonKind::UserToPrivileged).unwrap().weight,
        Weight::Strong
    );
    assert!(reason(e, ReasonKind::UserToPrivileged).unwrap().evidence[0].contains("0x1010"));
    assert_eq!(
        reason(e, ReasonKind::UnusualLocation).unwrap().weight,
        Weight::Moderate
    );
    assert_eq!(e.escalation.decision, Decision::EscalateTier2);
    assert!(e.escalation.mitigations.iter().any(|m| {
        m.settings
            .iter()
            .any(|s| s.value.as_deref() == Some("9E6C4E1F-7D60-472F-BA1A-A39EF669E4B2"))
    }));
}

#[test]
fn unsigned_binary_from_image_load() {
    let img = "C:\\Program Files\\Vendor\\helper.exe";
    let load = ev(
        SYSMON,
        7,
        "H",
        "2024-05-01T09:59:00Z",
        &[
            ("Image", img),
            ("ImageLoaded", img),
            ("Signed", "false"),
            ("SignatureStatus", "Unavailable"),
        ],
    );
    let p = pipe(
        18,
        "H",
        "2024-05-01T10:00:00Z",
        img,
        "5",
        "\\helper",
        "CORP\\bob",
    );
    let inv = investigation(&[load, p.clone()]);
    let e = &inv.enrich(&[detection(&p, Level::Medium, &[])])[0];
    assert_eq!(
        kinds(e),
        vec![(ReasonKind::UnsignedBinary, Weight::Moderate)]
    );
    assert!(e.escalation.reasons[0].evidence[0].contains("Unavailable"));
    assert_eq!(e.escalation.decision, Decision::Tier1Review);
}

#[test]
fn ioc_matches_pipe_hash_and_domain() {
    let (ioc, errors) = IocList::parse(
        "pipe:\\msagent_*\nsha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\ndomain:evil.example\n",
        "iocs.txt",
    );
    assert!(errors.is_empty());
    let child = proc_create(
        "H",
        "2024-05-01T09:59:00Z",
        (
            "C:\\ProgramData\\b.exe",
            "{00000000-0000-0000-0000-0000000000b1}",
            "50",
            "b.exe",
        ),
        ("C:\\Windows\\explorer.exe", "", "10", ""),
        "CORP\\bob",
        "Medium",
    );
    let mut child_with_hash = child.clone();
    child_with_hash.push(
        ipchunt_core::Taxonomy::builtin().resolve("Hashes"),
        ipchunt_core::Value::str(
            "SHA256=00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF",
        ),
    );
    let dns = ev(
        SYSMON,
        22,
        "H",
        "2024-05-01T10:00:30Z",
        &[
            ("Image", "C:\\ProgramData\\b.exe"),
            ("ProcessId", "50"),
            ("QueryName", "cdn.evil.example"),
        ],
    );
    let p = ev(
        SYSMON,
        17,
        "H",
        "2024-05-01T10:00:00Z",
        &[
            ("Image", "C:\\ProgramData\\b.exe"),
            ("ProcessGuid", "{00000000-0000-0000-0000-0000000000b1}"),
            ("ProcessId", "50"),
            ("PipeName", "\\MSAgent_4f2a"),
            ("User", "CORP\\bob"),
        ],
    );
    let mut inv = investigation(&[child_with_hash, dns, p.clone()]);
    let before = &inv.enrich(&[detection(&p, Level::Medium, &[])])[0];
    assert!(reason(before, ReasonKind::IocMatch).is_none());
    inv.set_ioc(ioc);
    let e = &inv.enrich(&[detection(&p, Level::Medium, &[])])[0];
    let r = reason(e, ReasonKind::IocMatch).expect("ioc");
    assert_eq!(r.weight, Weight::Strong);
    let joined = r.evidence.join("\n");
    assert!(joined.contains("\\msagent_*"), "{joined}");
    assert!(joined.contains("known-bad hash"), "{joined}");
    assert!(joined.contains("cdn.evil.example"), "{joined}");
    assert_eq!(e.escalation.decision, Decision::EscalateTier2);
    assert!(
        e.escalation
            .containment
            .iter()
            .any(|c| c.contains("Block the matching indicators"))
    );
}

#[test]
fn lateral_movement_needs_a_remote_source() {
    let p = pipe(
        18,
        "H",
        "2024-05-01T10:00:00Z",
        "C:\\Windows\\System32\\svchost.exe",
        "1",
        "\\svcctl",
        "CORP\\bob",
    );
    let local = ev(
        "Security",
        4624,
        "H",
        "2024-05-01T09:58:00Z",
        &[
            ("LogonType", "3"),
            ("IpAddress", "127.0.0.1"),
            ("TargetUserName", "bob"),
        ],
    );
    let inv = investigation(&[local.clone(), p.clone()]);
    let e = &inv.enrich(&[detection(&p, Level::Medium, &[])])[0];
    assert!(reason(e, ReasonKind::LateralMovement).is_none());
    // The logon answers the user-activity question.
    assert!(
        e.escalation.questions[4]
            .evidence
            .iter()
            .any(|s| s.contains("logon type 3 by bob")),
        "{:?}",
        e.escalation.questions[4]
    );
    let remote = ev(
        "Security",
        4624,
        "H",
        "2024-05-01T09:58:00Z",
        &[
            ("LogonType", "10"),
            ("IpAddress", "192.0.2.7"),
            ("TargetUserName", "bob"),
        ],
    );
    let far = ev(
        "Security",
        4624,
        "H",
        "2024-05-01T08:00:00Z",
        &[
            ("LogonType", "3"),
            ("IpAddress", "192.0.2.8"),
            ("TargetUserName", "bob"),
        ],
    );
    let inv = investigation(&[remote, far, p.clone()]);
    let e = &inv.enrich(&[detection(&p, Level::Medium, &[])])[0];
    let r = reason(e, ReasonKind::LateralMovement).expect("remote logon");
    assert_eq!(
        r.evidence.len(),
        1,
        "only the logon inside the window: {r:?}"
    );
    assert!(r.evidence[0].contains("192.0.2.7"));
    assert_eq!(e.escalation.decision, Decision::EscalateTier2);
}

#[test]
fn baseline_deviation_and_common_activity() {
    let dir = std::env::temp_dir().join(format!("ipchunt-esc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("b.db");
    let _ = std::fs::remove_file(&db);
    let usual: Vec<_> = ["A", "B", "C", "D"]
        .iter()
        .map(|h| {
            pipe(
                18,
                h,
                "2024-05-01T10:00:00Z",
                "C:\\Windows\\System32\\svchost.exe",
                "1",
                "\\lsarpc",
                "CORP\\bob",
            )
        })
        .collect();
    baseline::learn(&db, &investigation(&usual).graph()).unwrap();
    let snap = baseline::load(&db).unwrap();

    let known = pipe(
        18,
        "X",
        "2024-05-02T10:00:00Z",
        "C:\\Windows\\System32\\svchost.exe",
        "1",
        "\\lsarpc",
        "CORP\\bob",
    );
    let odd = pipe(
        18,
        "X",
        "2024-05-02T10:00:00Z",
        "C:\\Windows\\System32\\notepad.exe",
        "2",
        "\\lsarpc",
        "CORP\\bob",
    );
    let mut inv = investigation(&[known.clone(), odd.clone()]);
    inv.set_baseline(snap);
    let out = inv.enrich(&[
        detection(&known, Level::High, &[]),
        detection(&odd, Level::Medium, &[]),
    ]);
    assert_eq!(
        kinds(&out[0]),
        vec![(ReasonKind::BaselineCommon, Weight::Benign)]
    );
    assert_eq!(
        out[0].escalation.decision,
        Decision::LikelyBenign,
        "a high rule on usual activity"
    );
    assert_eq!(out[0].baseline[0].known.unwrap().hosts, 4);
    assert_eq!(
        kinds(&out[1]),
        vec![(ReasonKind::BaselineDeviation, Weight::Moderate)]
    );
    assert!(out[1].escalation.reasons[0].evidence[0].contains("never seen"));
    assert_eq!(out[1].escalation.decision, Decision::Tier1Review);
    assert_eq!(inv.deviations().len(), 1);
}

#[test]
fn a_burst_around_the_detection_is_a_reason() {
    let mut events = Vec::new();
    for m in 0..15 {
        events.push(pipe(
            18,
            "H",
            &format!("2024-05-01T09:{m:02}:00Z"),
            "C:\\a.exe",
            "1",
            "\\svc",
            "u",
        ));
    }
    for s in 0..40 {
        events.push(pipe(
            18,
            "H",
            &format!("2024-05-01T09:30:{s:02}Z"),
            "C:\\b.exe",
            "2",
            "\\b",
            "u",
        ));
    }
    let inv = investigation(&events);
    let e = &inv.enrich(&[detection(&events[20], Level::Low, &[])])[0];
    let r = reason(e, ReasonKind::IpcBurst).expect("burst");
    assert_eq!(r.weight, Weight::Moderate);
    assert!(r.evidence[0].starts_with("40 IPC events"), "{r:?}");
    assert_eq!(
        e.window.len(),
        39,
        "the burst's other events, not the detection's own"
    );
    let quiet = &inv.enrich(&[detection(&events[0], Level::Low, &[])])[0];
    assert!(reason(quiet, ReasonKind::IpcBurst).is_none());
}

#[test]
fn dcom_errors_nearby() {
    let p = pipe(
        18,
        "H",
        "2024-05-01T10:00:00Z",
        "C:\\Windows\\System32\\svchost.exe",
        "1",
        "\\x",
        "CORP\\bob",
    );
    let e16 = ev(
        "System",
        10016,
        "H",
        "2024-05-01T10:01:00Z",
        &[
            ("param4", "{49B2791A-B1AE-4C90-9B8E-E860BA07F889}"),
            ("param5", "{7E0423CD-1119-0928-900C-E6D4A52A0715}"),
            ("param6", "CORP"),
            ("param7", "bob"),
        ],
    );
    let inv = investigation(&[p.clone(), e16]);
    let e = &inv.enrich(&[detection(&p, Level::Low, &[])])[0];
    assert_eq!(kinds(e), vec![(ReasonKind::DcomExploitation, Weight::Info)]);
    assert!(e.escalation.reasons[0].evidence[0].contains("{49B2791A"));
    assert_eq!(e.escalation.decision, Decision::LikelyBenign);
    let e28 = ev(
        "System",
        10028,
        "H",
        "2024-05-01T10:01:00Z",
        &[
            ("param1", "SRV9"),
            ("param2", "4100"),
            ("param3", "C:\\Windows\\System32\\mmc.exe"),
        ],
    );
    let inv = investigation(&[p.clone(), e28]);
    let e = &inv.enrich(&[detection(&p, Level::Low, &[])])[0];
    assert_eq!(
        kinds(e),
        vec![(ReasonKind::DcomExploitation, Weight::Moderate)]
    );
    assert!(e.escalation.reasons[0].evidence[0].contains("SRV9"));
}

#[test]
fn office_starting_an_interpreter_is_dde_exploitation() {
    let word = proc_create(
        "H",
        "2024-05-01T10:00:00Z",
        (
            "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE",
            "{00000000-0000-0000-0000-0000000000d1}",
            "100",
            "WINWORD.EXE /n q3.docx",
        ),
        ("C:\\Windows\\explorer.exe", "", "50", ""),
        "CORP\\bob",
        "Medium",
    );
    let cmd = proc_create(
        "H",
        "2024-05-01T10:00:05Z",
        (
            "C:\\Windows\\System32\\cmd.exe",
            "{00000000-0000-0000-0000-0000000000d2}",
            "200",
            "cmd.exe /k powershell -nop -c iex(x)",
        ),
        (
            "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE",
            "{00000000-0000-0000-0000-0000000000d1}",
            "100",
            "WINWORD.EXE /n q3.docx",
        ),
        "CORP\\bob",
        "Medium",
    );
    // A pipe the shell's process opens later: its chain leads back to Word.
    let p = ev(
        SYSMON,
        18,
        "H",
        "2024-05-01T10:00:09Z",
        &[
            ("Image", "C:\\Windows\\System32\\cmd.exe"),
            ("ProcessGuid", "{00000000-0000-0000-0000-0000000000d2}"),
            ("ProcessId", "200"),
            ("PipeName", "\\x"),
            ("User", "CORP\\bob"),
        ],
    );
    let inv = investigation(&[word, cmd.clone(), p.clone()]);
    assert_eq!(
        inv.classify(&cmd).unwrap().kind,
        ipchunt_investigate::IpcKind::DdeChild
    );
    for det in [&cmd, &p] {
        let e = &inv.enrich(&[detection(det, Level::Medium, &["T1559.002"])])[0];
        let r = reason(e, ReasonKind::DdeExploitation).expect("DDE reason");
        assert_eq!(r.weight, Weight::Strong);
        assert!(
            r.evidence[0].contains("WINWORD.EXE") && r.evidence[0].contains("cmd.exe"),
            "{r:?}"
        );
        assert_eq!(e.escalation.decision, Decision::EscalateTier2);
        let m = e
            .escalation
            .mitigations
            .iter()
            .find(|m| m.id == "M1042")
            .expect("M1042");
        assert!(
            m.settings.iter().any(
                |s| s.value.as_deref() == Some("AllowDDE") && s.key.ends_with("Word\\Security")
            )
        );
        assert!(e.escalation.mitigations.iter().any(|m| {
            m.id == "M1040"
                && m.settings
                    .iter()
                    .any(|s| s.value.as_deref() == Some("D4F940AB-401B-4EFC-AADC-AD5F3C50688A"))
        }));
    }
}

#[test]
fn routine_ipc_share_browsing_is_recorded_not_counted() {
    let share = |t: &str, user: &str, pipe: &str| {
        ev(
            "Security",
            5145,
            "SRV",
            t,
            &[
                ("ShareName", "\\\\*\\IPC$"),
                ("RelativeTargetName", pipe),
                ("SubjectUserName", user),
                ("IpAddress", "10.1.1.1"),
            ],
        )
    };
    let p = pipe(
        17,
        "SRV",
        "2024-05-01T10:00:00Z",
        "C:\\Windows\\System32\\svchost.exe",
        "1",
        "\\srvsvc",
        "CORP\\bob",
    );
    let events = vec![
        share("2024-05-01T10:01:00Z", "bob", "srvsvc"),
        share("2024-05-01T10:01:00Z", "WS9$", "svcctl"),
        p.clone(),
    ];
    let inv = investigation(&events);
    let e = &inv.enrich(&[detection(&p, Level::Low, &[])])[0];
    let r = reason(e, ReasonKind::LateralMovement).expect("recorded");
    assert_eq!(r.weight, Weight::Info);
    assert_eq!(r.evidence.len(), 1, "machine accounts are left out: {r:?}");
    assert_eq!(e.escalation.decision, Decision::LikelyBenign);
}
