mod common;

use common::*;
use ipchunt_investigate::{IpcKind, ProcessRef};

fn images(chain: &ipchunt_investigate::ProcessChain) -> Vec<String> {
    chain
        .ancestors
        .iter()
        .chain(chain.process.iter())
        .map(|c| c.process.image.clone().unwrap_or_default())
        .collect()
}

#[test]
fn chain_follows_process_guids() {
    let (events, _) = dcom_scenario();
    let inv = investigation(&events);
    let host = "WS1.corp.local";
    let cmd = ProcessRef {
        guid: Some("{00000000-0000-0000-0000-00000000000C}".into()),
        ..ProcessRef::default()
    };
    let chain = inv.tree().chain(host, &cmd, None, None);
    assert_eq!(
        images(&chain),
        vec![
            "C:\\Windows\\System32\\services.exe",
            "C:\\Windows\\System32\\svchost.exe",
            "C:\\Windows\\System32\\mmc.exe",
            "C:\\Windows\\System32\\cmd.exe",
        ]
    );
    // services.exe's creation was not read: it is named by svchost's event.
    assert!(!chain.ancestors[0].seen_created);
    assert!(chain.ancestors[1].seen_created);
    // The children of svchost: mmc.exe only.
    let svc = ProcessRef {
        guid: Some("{00000000-0000-0000-0000-00000000000a}".into()),
        ..ProcessRef::default()
    };
    let node = inv
        .tree()
        .find(host, &svc, None)
        .expect("svchost is in the tree");
    let kids: Vec<_> = inv
        .tree()
        .children(node)
        .iter()
        .map(|c| c.process.image.clone().unwrap_or_default())
        .collect();
    assert_eq!(kids, vec!["C:\\Windows\\System32\\mmc.exe"]);
    // Other hosts do not see this tree.
    assert!(inv.tree().find("OTHER", &svc, None).is_none());
}

#[test]
fn pid_reuse_resolves_to_the_process_alive_at_the_time() {
    // No GUIDs (Security 4688 style): pid 500 is explorer.exe at 09:00, then
    // reused by evil.exe at 11:00. A child started at 10:00 by pid 500 is
    // explorer's; one started at 11:30 is evil.exe's.
    let h = "H";
    let mk = |t: &str, image: &str, pid: &str, pimage: &str, ppid: &str| {
        proc_create(
            h,
            t,
            (image, "", pid, ""),
            (pimage, "", ppid, ""),
            "u",
            "Medium",
        )
    };
    let events = vec![
        mk(
            "2024-05-01T09:00:00Z",
            "C:\\Windows\\explorer.exe",
            "500",
            "C:\\Windows\\System32\\userinit.exe",
            "400",
        ),
        mk(
            "2024-05-01T10:00:00Z",
            "C:\\Windows\\System32\\notepad.exe",
            "600",
            "C:\\Windows\\explorer.exe",
            "500",
        ),
        mk(
            "2024-05-01T11:00:00Z",
            "C:\\Users\\u\\evil.exe",
            "500",
            "C:\\Windows\\System32\\cmd.exe",
            "300",
        ),
        mk(
            "2024-05-01T11:30:00Z",
            "C:\\Windows\\System32\\whoami.exe",
            "700",
            "C:\\Users\\u\\evil.exe",
            "500",
        ),
    ];
    let inv = investigation(&events);
    assert_eq!(inv.tree().len(), 4);
    let at = |t: &str| Some(t.parse().unwrap());
    let note = ProcessRef {
        pid: Some(600),
        ..ProcessRef::default()
    };
    let chain = inv.tree().chain(h, &note, None, at("2024-05-01T10:05:00Z"));
    assert_eq!(
        images(&chain),
        vec![
            "C:\\Windows\\System32\\userinit.exe",
            "C:\\Windows\\explorer.exe",
            "C:\\Windows\\System32\\notepad.exe"
        ]
    );
    let who = ProcessRef {
        pid: Some(700),
        ..ProcessRef::default()
    };
    let chain = inv.tree().chain(h, &who, None, at("2024-05-01T11:31:00Z"));
    assert_eq!(
        images(&chain),
        vec![
            "C:\\Windows\\System32\\cmd.exe",
            "C:\\Users\\u\\evil.exe",
            "C:\\Windows\\System32\\whoami.exe"
        ]
    );
    // Children of the first pid 500 exclude the second one's.
    let explorer = inv
        .tree()
        .find(
            h,
            &ProcessRef {
                pid: Some(500),
                ..ProcessRef::default()
            },
            at("2024-05-01T09:30:00Z"),
        )
        .unwrap();
    let kids: Vec<_> = inv
        .tree()
        .children(explorer)
        .iter()
        .map(|c| c.process.pid)
        .collect();
    assert_eq!(kids, vec![Some(600)]);
}

#[test]
fn unknown_process_still_gets_a_chain_from_its_event() {
    let inv = investigation(&[]);
    let p = ProcessRef {
        image: Some("C:\\x.exe".into()),
        pid: Some(1),
        ..ProcessRef::default()
    };
    let parent = ProcessRef {
        image: Some("C:\\parent.exe".into()),
        ..ProcessRef::default()
    };
    let chain = inv.tree().chain("H", &p, Some(&parent), None);
    assert_eq!(images(&chain), vec!["C:\\parent.exe", "C:\\x.exe"]);
    assert!(chain.all().all(|c| !c.seen_created));
}

#[test]
fn process_creations_are_classified() {
    let (events, cmd) = dcom_scenario();
    let inv = investigation(&[]);
    let kinds: Vec<_> = events
        .iter()
        .map(|e| inv.classify(e).map(|i| i.kind))
        .collect();
    assert_eq!(
        kinds,
        vec![
            Some(IpcKind::Spawn),
            None,
            Some(IpcKind::IpcShare),
            Some(IpcKind::ComLaunch),
            Some(IpcKind::ComChild),
        ]
    );
    let child = inv.classify(&events[cmd]).unwrap();
    assert_eq!(child.endpoint.label.as_deref(), Some("MMC20.Application"));
    assert_eq!(
        child.endpoint.name,
        "{49B2791A-B1AE-4C90-9B8E-E860BA07F889}"
    );
    assert_eq!(
        child.actor.image.as_deref(),
        Some("C:\\Windows\\System32\\mmc.exe")
    );
    let share = inv.classify(&events[2]).unwrap();
    assert_eq!(share.endpoint.name, "\\epmapper");
    assert_eq!(share.remote.as_deref(), Some("10.0.0.5"));
}

#[test]
fn a_pid_never_names_a_later_process_or_another_guid() {
    let events = vec![proc_create(
        "H",
        "2024-05-01T11:00:00Z",
        (
            "C:\\late.exe",
            "{00000000-0000-0000-0000-0000000000e1}",
            "900",
            "",
        ),
        ("C:\\p.exe", "", "1", ""),
        "u",
        "Medium",
    )];
    let inv = investigation(&events);
    let by_pid = ProcessRef {
        pid: Some(900),
        ..ProcessRef::default()
    };
    let before = Some("2024-05-01T10:00:00Z".parse().unwrap());
    let after = Some("2024-05-01T12:00:00Z".parse().unwrap());
    assert!(inv.tree().find("H", &by_pid, before).is_none());
    assert!(inv.tree().find("H", &by_pid, after).is_some());
    let other_guid = ProcessRef {
        pid: Some(900),
        guid: Some("{00000000-0000-0000-0000-0000000000e2}".into()),
        ..ProcessRef::default()
    };
    assert!(inv.tree().find("H", &other_guid, after).is_none());
}

#[test]
fn security_4688_creations_build_the_tree() {
    // In 4688, ProcessId is the creator and NewProcessId the new process;
    // the mandatory label SID gives the integrity level.
    let mk = |t: &str, new: &str, newpid: &str, parent: &str, ppid: &str| {
        ev(
            "Security",
            4688,
            "DC1",
            t,
            &[
                ("NewProcessName", new),
                ("NewProcessId", newpid),
                ("ProcessId", ppid),
                ("ParentProcessName", parent),
                ("SubjectUserName", "svc_backup"),
                ("MandatoryLabel", "S-1-16-12288"),
            ],
        )
    };
    let events = vec![
        mk(
            "2024-05-01T10:00:00Z",
            "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe",
            "0x1000",
            "C:\\Windows\\System32\\svchost.exe",
            "0x300",
        ),
        mk(
            "2024-05-01T10:00:01Z",
            "C:\\Windows\\System32\\cmd.exe",
            "0x1100",
            "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe",
            "0x1000",
        ),
    ];
    let inv = investigation(&events);
    let e = inv.classify(&events[1]).unwrap();
    assert_eq!(e.peer.as_ref().unwrap().pid, Some(0x1100));
    assert_eq!(e.actor.pid, Some(0x1000));
    assert_eq!(e.peer.as_ref().unwrap().integrity.as_deref(), Some("High"));
    assert_eq!(e.peer.as_ref().unwrap().user.as_deref(), Some("svc_backup"));
    let cmd = ProcessRef {
        pid: Some(0x1100),
        ..ProcessRef::default()
    };
    let chain = inv.tree().chain(
        "DC1",
        &cmd,
        None,
        Some("2024-05-01T10:00:02Z".parse().unwrap()),
    );
    assert_eq!(
        images(&chain),
        vec![
            "C:\\Windows\\System32\\svchost.exe",
            "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe",
            "C:\\Windows\\System32\\cmd.exe"
        ]
    );
}
