//! Escalation reasons that come from around the detection: logons,
//! IPC$ access, DCOM errors, bursts and the baseline.

mod common;

use common::*;
use ipchunt_core::{Event, Level};
use ipchunt_investigate::{Decision, ReasonKind, Weight, baseline};

/// CORP\bob's svchost.exe (pid 1) connecting to a pipe (Sysmon 18).
fn svchost_connects(host: &str, time: &str, pipe_name: &str) -> Event {
    pipe(
        18,
        host,
        time,
        "C:\\Windows\\System32\\svchost.exe",
        "1",
        pipe_name,
        "CORP\\bob",
    )
}

#[test]
fn lateral_movement_needs_a_remote_source() {
    let p = svchost_connects("H", "2024-05-01T10:00:00Z", "\\svcctl");
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
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("b.db");
    let usual: Vec<_> = ["A", "B", "C", "D"]
        .iter()
        .map(|h| svchost_connects(h, "2024-05-01T10:00:00Z", "\\lsarpc"))
        .collect();
    baseline::learn(&db, &investigation(&usual).graph()).unwrap();
    let snap = baseline::load(&db).unwrap();

    let known = svchost_connects("X", "2024-05-02T10:00:00Z", "\\lsarpc");
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
    let p = svchost_connects("H", "2024-05-01T10:00:00Z", "\\x");
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

#[test]
fn assess_decides_as_enrich_without_the_window() {
    let mut events = Vec::new();
    for s in 0..40 {
        events.push(pipe(
            18,
            "H",
            &format!("2024-05-01T09:30:{s:02}Z"),
            if s % 2 == 0 { "C:\\a.exe" } else { "C:\\b.exe" },
            "2",
            "\\svcctl",
            "u",
        ));
    }
    let logon = ev(
        "Security",
        4624,
        "H",
        "2024-05-01T09:29:00Z",
        &[
            ("LogonType", "3"),
            ("IpAddress", "192.0.2.7"),
            ("TargetUserName", "u"),
        ],
    );
    events.push(logon);
    let inv = investigation(&events);
    let dets: Vec<_> = [0, 17, 39]
        .iter()
        .map(|i| detection(&events[*i], Level::Medium, &[]))
        .collect();
    let full = inv.enrich(&dets);
    let brief = inv.assess(&dets);
    assert_eq!(full.len(), brief.len());
    for (f, b) in full.iter().zip(&brief) {
        assert!(!f.window.is_empty(), "the report keeps the IPC window");
        assert!(b.window.is_empty());
        assert!(b.detection.event.is_null() && f.detection.event.is_object());
        assert!(!f.escalation.reasons.is_empty());
        assert_eq!(
            serde_json::to_value(&f.escalation).unwrap(),
            serde_json::to_value(&b.escalation).unwrap()
        );
        assert_eq!(
            serde_json::to_value(&f.chain).unwrap(),
            serde_json::to_value(&b.chain).unwrap()
        );
    }
}
