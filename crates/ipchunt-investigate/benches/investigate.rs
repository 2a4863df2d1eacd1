//! Throughput of the investigation stage on synthetic Sysmon events:
//! observe, timeline, graph, and enrich.

use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ipchunt_core::{Detection, Event, Level, Locator, Provenance, RuleInfo, Taxonomy, Value};
use ipchunt_investigate::Investigation;
use jiff::Timestamp;

const EVENTS: u64 = 100_000;

fn event(tax: &Taxonomy, i: u64) -> Event {
    let host = format!("HOST{:02}", i % 20);
    let mut p = Provenance::new("bench.evtx".into(), Locator::EvtxRecord(i), "evtx");
    p.channel = Some("Microsoft-Windows-Sysmon/Operational".into());
    p.provider = Some("Microsoft-Windows-Sysmon".into());
    p.computer = Some(host.as_str().into());
    // One event every 20 ms: 100,000 events span about 33 minutes.
    p.timestamp = Timestamp::from_millisecond(1_700_000_000_000 + i as i64 * 20).ok();
    let pid = 1000 + (i % 500);
    let kind = i % 10;
    p.event_id = Some(match kind {
        0..=1 => 1,
        2..=4 => 17,
        5..=6 => 18,
        7..=8 => 3,
        _ => 11,
    });
    let mut e = Event::new(p);
    let mut put = |k: &str, v: String| e.push(tax.resolve(k), Value::str(v));
    put(
        "Image",
        format!("C:\\Program Files\\App{}\\app.exe", i % 37),
    );
    put("ProcessId", pid.to_string());
    put(
        "ProcessGuid",
        format!("{{00000000-0000-0000-0000-{:012x}}}", i % 5000),
    );
    put("User", "CORP\\user".into());
    match kind {
        0..=1 => {
            put("ParentImage", "C:\\Windows\\explorer.exe".into());
            put("ParentProcessId", "400".into());
            put("CommandLine", format!("app.exe --job {i}"));
            put("IntegrityLevel", "Medium".into());
        }
        2..=6 => put("PipeName", format!("\\svc_{}_{:x}", i % 13, i)),
        7..=8 => {
            put("DestinationIp", "10.0.0.1".into());
            put("DestinationPort", "443".into());
        }
        _ => put("TargetFilename", format!("C:\\tmp\\{i}.txt")),
    }
    e
}

fn bench(c: &mut Criterion) {
    let tax = Taxonomy::builtin();
    let events: Vec<Event> = (0..EVENTS).map(|i| event(&tax, i)).collect();
    let mut g = c.benchmark_group("investigate");
    g.sample_size(10);
    g.throughput(Throughput::Elements(EVENTS));
    g.bench_function("observe_100k", |b| {
        b.iter(|| {
            let mut inv = Investigation::new(tax.clone());
            for e in &events {
                inv.observe(e);
            }
            inv.stats()
        })
    });
    let mut inv = Investigation::new(tax.clone());
    for e in &events {
        inv.observe(e);
    }
    g.throughput(Throughput::Elements(1));
    g.bench_function("timeline_100k", |b| b.iter(|| inv.timeline().hosts.len()));
    g.bench_function("graph_100k", |b| b.iter(|| inv.graph().edges.len()));
    let rule = Arc::new(RuleInfo {
        title: "bench".into(),
        level: Level::High,
        ..RuleInfo::default()
    });
    let dets: Vec<Detection> = events
        .iter()
        .step_by(500)
        .map(|e| Detection {
            rule: rule.clone(),
            event: Arc::new(e.clone()),
            matched: Vec::new(),
            correlation: None,
        })
        .collect();
    g.throughput(Throughput::Elements(dets.len() as u64));
    g.bench_function("enrich_200", |b| b.iter(|| inv.enrich(&dets).len()));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
