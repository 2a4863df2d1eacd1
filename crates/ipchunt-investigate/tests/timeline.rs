mod common;

use common::*;

fn at(minute: u32, second: u32) -> String {
    format!("2024-05-01T10:{minute:02}:{second:02}Z")
}

#[test]
fn bursts_are_flagged_per_host_in_time_order() {
    let mut events = Vec::new();
    // Host A: 2 pipe connects a minute for 20 minutes, then 30 in minute 25.
    for m in 0..20 {
        for s in [10, 40] {
            events.push(pipe(18, "A", &at(m, s), "C:\\a.exe", "1", "\\svc", "u"));
        }
    }
    for s in 0..30 {
        events.push(pipe(
            18,
            "A",
            &at(25, s),
            "C:\\b.exe",
            "2",
            &format!("\\x_{s}abc1"),
            "u",
        ));
    }
    // Host B: the same steady rate, no burst; events given out of order.
    for m in (0..20).rev() {
        events.push(pipe(17, "B", &at(m, 5), "C:\\a.exe", "1", "\\svc", "u"));
    }
    let inv = investigation(&events);
    let t = inv.timeline();
    assert_eq!(t.hosts.len(), 2);
    let a = &t.hosts[0];
    assert_eq!(a.host, "A");
    assert_eq!(a.events.len(), 70);
    assert_eq!(a.bursts.len(), 1);
    assert_eq!(a.bursts[0].events, 30);
    assert_eq!(a.bursts[0].start.to_string(), "2024-05-01T10:25:00Z");
    assert_eq!(a.events.iter().filter(|e| e.burst).count(), 30);
    assert!(
        a.events
            .iter()
            .filter(|e| e.burst)
            .all(|e| e.event.actor.image.as_deref() == Some("C:\\b.exe"))
    );
    let b = &t.hosts[1];
    assert!(b.bursts.is_empty());
    assert!(
        b.events
            .windows(2)
            .all(|w| w[0].event.time <= w[1].event.time)
    );
    // Plain process creations are tree and graph material, not timeline events.
    let (dcom, _) = dcom_scenario();
    let t = investigation(&dcom).timeline();
    let kinds: Vec<_> = t.hosts[0]
        .events
        .iter()
        .map(|e| e.event.kind.as_str())
        .collect();
    assert_eq!(kinds, vec!["ipc_share", "com_launch", "com_child"]);
}

#[test]
fn timeline_serializes_as_json_lines() {
    let events = vec![pipe(
        17,
        "A",
        &at(1, 0),
        "C:\\a.exe",
        "1",
        "\\p<script>",
        "u",
    )];
    let t = investigation(&events).timeline();
    let line = serde_json::to_string(&t.hosts[0].events[0]).unwrap();
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["kind"], "pipe_created");
    assert_eq!(v["endpoint"]["name"], "\\p<script>");
    assert_eq!(v["burst"], false);
    assert_eq!(v["host"], "A");
}

#[test]
fn rows_flatten_for_csv() {
    let events = vec![
        pipe(18, "B", &at(2, 0), "C:\\b.exe", "7", "\\msagent_4f2a", "u"),
        pipe(17, "A", &at(1, 0), "C:\\a.exe", "1", "\\p", "u"),
    ];
    let rows = investigation(&events).timeline().rows();
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[0].host.as_str(), rows[0].kind), ("A", "pipe_created"));
    assert_eq!(rows[1].endpoint, "\\msagent_<hex>");
    assert_eq!(rows[1].endpoint_raw, "\\msagent_4f2a");
    assert_eq!(rows[1].actor_pid, Some(7));
    assert_eq!(rows[1].time, "2024-05-01T10:02:00Z");
}
