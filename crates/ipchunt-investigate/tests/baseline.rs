mod common;

use std::path::PathBuf;

use common::*;
use ipchunt_investigate::baseline::{self, DeviationKind};
use ipchunt_investigate::{EdgeKey, EdgeKind};

/// A database path in a fresh directory, removed when the guard drops.
fn temp_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("baseline.db");
    (dir, db)
}

fn estate(hosts: &[&str]) -> Vec<ipchunt_core::Event> {
    hosts
        .iter()
        .map(|h| {
            pipe(
                17,
                h,
                "2024-05-01T10:00:00Z",
                "C:\\Program Files\\Av\\av.exe",
                "1",
                "\\av_1234",
                "SYSTEM",
            )
        })
        .collect()
}

fn av_key() -> EdgeKey {
    EdgeKey {
        src: "c:\\program files\\av\\av.exe".into(),
        kind: EdgeKind::Create,
        dst: "pipe:\\av_<n>".into(),
    }
}

#[test]
fn learning_twice_updates_and_never_wipes() {
    let (_dir, db) = temp_db();
    let g1 = investigation(&estate(&["A", "B"])).graph();
    let s1 = baseline::learn(&db, &g1).unwrap();
    assert_eq!((s1.edges_new, s1.edges_updated, s1.hosts_new), (1, 0, 2));
    assert_eq!((s1.total_edges, s1.total_hosts), (1, 2));

    // The same data again: counts add up, hosts are not counted twice.
    let s2 = baseline::learn(&db, &g1).unwrap();
    assert_eq!((s2.edges_new, s2.edges_updated, s2.hosts_new), (0, 1, 0));
    let snap = baseline::load(&db).unwrap();
    let k = snap.status(&av_key()).known.unwrap();
    assert_eq!((k.count, k.hosts), (4, 2));

    // Other data: new edges and hosts join, the old ones stay.
    let mut other = estate(&["C"]);
    other.push(pipe(
        18,
        "C",
        "2024-05-02T10:00:00Z",
        "C:\\Windows\\System32\\svchost.exe",
        "2",
        "\\srvsvc",
        "SYSTEM",
    ));
    let s3 = baseline::learn(&db, &investigation(&other).graph()).unwrap();
    assert_eq!((s3.edges_new, s3.edges_updated, s3.hosts_new), (1, 1, 1));
    assert_eq!((s3.total_edges, s3.total_hosts), (2, 3));
    let snap = baseline::load(&db).unwrap();
    let k = snap.status(&av_key()).known.unwrap();
    assert_eq!((k.count, k.hosts), (5, 3));
    assert_eq!(k.first.unwrap().to_string(), "2024-05-01T10:00:00Z");
    assert_eq!(snap.total_hosts(), 3);
    assert_eq!(snap.len(), 2);
}

#[test]
fn compare_finds_new_and_rare_edges() {
    let (_dir, db) = temp_db();
    let hosts: Vec<String> = (0..30).map(|i| format!("H{i}")).collect();
    let refs: Vec<&str> = hosts.iter().map(String::as_str).collect();
    let mut events = estate(&refs);
    // A tool seen on one host of thirty.
    events.push(pipe(
        17,
        "H0",
        "2024-05-01T11:00:00Z",
        "C:\\Tools\\rare.exe",
        "5",
        "\\rare",
        "bob",
    ));
    baseline::learn(&db, &investigation(&events).graph()).unwrap();

    let hunt = vec![
        pipe(
            17,
            "X",
            "2024-05-03T10:00:00Z",
            "C:\\Program Files\\Av\\av.exe",
            "1",
            "\\av_99",
            "SYSTEM",
        ),
        pipe(
            17,
            "X",
            "2024-05-03T10:00:00Z",
            "C:\\Tools\\rare.exe",
            "5",
            "\\rare",
            "bob",
        ),
        pipe(
            17,
            "X",
            "2024-05-03T10:00:00Z",
            "C:\\Users\\eve\\new.exe",
            "6",
            "\\msagent_4f2a",
            "eve",
        ),
    ];
    let devs = baseline::compare(&db, &investigation(&hunt).graph()).unwrap();
    let mut got: Vec<(String, DeviationKind)> = devs
        .iter()
        .map(|d| (d.status.key.src.clone(), d.status.deviation.unwrap()))
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("c:\\tools\\rare.exe".to_string(), DeviationKind::RareHosts),
            (
                "c:\\users\\<user>\\new.exe".to_string(),
                DeviationKind::NeverSeen
            ),
        ]
    );
    let rare = devs
        .iter()
        .find(|d| d.status.deviation == Some(DeviationKind::RareHosts))
        .unwrap();
    assert!(rare.reason.contains("only 1 of 30"), "{}", rare.reason);
}

#[test]
fn a_file_that_is_not_a_baseline_is_a_clear_error() {
    let (_dir, db) = temp_db();
    std::fs::write(
        &db,
        b"this is not a database, just text long enough to have a header.....",
    )
    .unwrap();
    let err = baseline::load(&db).unwrap_err().to_string();
    assert!(err.contains("baseline.db"), "{err}");
}
