mod common;

use common::*;
use ipchunt_investigate::{EdgeKind, IpcKind};

#[test]
fn edges_count_sightings_hosts_and_merge_random_pipe_names() {
    let sys = "NT AUTHORITY\\SYSTEM";
    let events = vec![
        pipe(
            17,
            "A",
            "2024-05-01T10:00:00Z",
            "C:\\x\\agent.exe",
            "10",
            "\\msagent_4f2a",
            sys,
        ),
        pipe(
            17,
            "A",
            "2024-05-01T10:05:00Z",
            "C:\\x\\agent.exe",
            "10",
            "\\msagent_91c0",
            sys,
        ),
        pipe(
            17,
            "B",
            "2024-05-01T09:00:00Z",
            "C:\\x\\agent.exe",
            "11",
            "\\msagent_aa11",
            sys,
        ),
        pipe(
            18,
            "B",
            "2024-05-01T09:01:00Z",
            "C:\\x\\client.exe",
            "12",
            "\\msagent_aa11",
            "CORP\\bob",
        ),
    ];
    let inv = investigation(&events);
    let g = inv.graph();
    let created: Vec<_> = g
        .edges
        .iter()
        .filter(|e| e.kind == EdgeKind::Create)
        .collect();
    assert_eq!(created.len(), 1, "{:#?}", g.edges);
    let e = created[0];
    assert_eq!(e.count, 3);
    assert_eq!(e.hosts, vec!["A", "B"]);
    assert_eq!(e.first.unwrap().to_string(), "2024-05-01T09:00:00Z");
    assert_eq!(e.last.unwrap().to_string(), "2024-05-01T10:05:00Z");
    assert_eq!(e.to, "ep:pipe:\\msagent_<hex>");
    assert_eq!(e.key.src, "c:\\x\\agent.exe");
    let connected: Vec<_> = g
        .edges
        .iter()
        .filter(|e| e.kind == EdgeKind::Connect)
        .collect();
    assert_eq!(connected.len(), 1);
    assert_eq!(
        connected[0].to, e.to,
        "client and server meet at one pipe node"
    );
    // Nodes: two processes (by image, user, integrity) and one pipe.
    assert_eq!(g.nodes.len(), 3);
    let agent = g
        .nodes
        .iter()
        .find(|n| n.label == "C:\\x\\agent.exe")
        .unwrap();
    assert_eq!(agent.user.as_deref(), Some(sys));
    assert_eq!(agent.kind, "process");
}

#[test]
fn processes_split_by_user_and_integrity() {
    let events = vec![
        pipe(
            18,
            "A",
            "2024-05-01T10:00:00Z",
            "C:\\t.exe",
            "1",
            "\\p",
            "alice",
        ),
        pipe(
            18,
            "A",
            "2024-05-01T10:00:00Z",
            "C:\\t.exe",
            "2",
            "\\p",
            "bob",
        ),
    ];
    let g = investigation(&events).graph();
    assert_eq!(g.nodes.iter().filter(|n| n.kind == "process").count(), 2);
    assert_eq!(g.edges.len(), 2);
    // Both map to one baseline edge: baselines do not key on users.
    assert_eq!(g.edges[0].key, g.edges[1].key);
}

#[test]
fn com_launch_and_child_give_spawn_and_class_edges() {
    let (events, _) = dcom_scenario();
    let g = investigation(&events).graph();
    let has = |from: &str, kind: EdgeKind, to: &str| {
        g.edges
            .iter()
            .any(|e| e.key.src == from && e.kind == kind && e.key.dst == to)
    };
    let mmc = "c:\\windows\\system32\\mmc.exe";
    let svc = "c:\\windows\\system32\\svchost.exe";
    let cmd = "c:\\windows\\system32\\cmd.exe";
    let class = "com:{49B2791A-B1AE-4C90-9B8E-E860BA07F889}";
    assert!(has(svc, EdgeKind::Spawn, mmc));
    assert!(has(mmc, EdgeKind::Create, class));
    assert!(has(mmc, EdgeKind::Spawn, cmd));
    assert!(has("(remote client)", EdgeKind::Connect, "pipe:\\epmapper"));
    let spawn = g.edges.iter().find(|e| e.key.dst == cmd).unwrap();
    assert_eq!(spawn.ipc_kinds, vec![IpcKind::ComChild]);
}
