mod common;

use common::*;
use ipchunt_core::Level;
use ipchunt_investigate::{Decision, IocList, ReasonKind, Weight};

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
fn a_com_server_starting_a_helper_is_only_recorded() {
    let helper = proc_create(
        "H",
        "2024-05-01T10:00:00Z",
        (
            "C:\\Windows\\System32\\WerFault.exe",
            "{00000000-0000-0000-0000-0000000000f2}",
            "20",
            "WerFault.exe -u",
        ),
        (
            "C:\\Windows\\System32\\dllhost.exe",
            "{00000000-0000-0000-0000-0000000000f1}",
            "10",
            "dllhost.exe /Processid:{AB8902B4-09CA-4BB6-B78D-A8F59079A8D5}",
        ),
        "CORP\\bob",
        "Medium",
    );
    let inv = investigation(std::slice::from_ref(&helper));
    assert_eq!(
        inv.classify(&helper).unwrap().kind,
        ipchunt_investigate::IpcKind::ComChild
    );
    let e = &inv.enrich(&[detection(&helper, Level::Low, &[])])[0];
    assert_eq!(kinds(e), vec![(ReasonKind::DcomExploitation, Weight::Info)]);
    assert_eq!(e.escalation.decision, Decision::LikelyBenign);
}
