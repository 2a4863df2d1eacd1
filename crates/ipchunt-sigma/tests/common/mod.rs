//! Test helpers: small events, rule engines from YAML text, the shared
//! corpora, and evtx_dump-style JSON records as events.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;

use ipchunt_core::{Event, Locator, Provenance, Taxonomy, Value};
use ipchunt_sigma::{Engine, Match, RuleSet};

pub const SYSMON: &str = "Microsoft-Windows-Sysmon/Operational";

/// The SigmaHQ folders of active rules.
pub const ACTIVE_DIRS: [&str; 6] = [
    "rules",
    "rules-emerging-threats",
    "rules-threat-hunting",
    "rules-compliance",
    "rules-dfir",
    "rules-placeholder",
];

/// Files under `dir` with extension `ext`, in path order.
pub fn files(dir: &std::path::Path, ext: &str, out: &mut Vec<PathBuf>) {
    if let Ok(rd) = std::fs::read_dir(dir) {
        let mut ps: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
        ps.sort();
        for p in ps {
            if p.is_dir() {
                files(&p, ext, out);
            } else if p.extension().is_some_and(|x| x == ext) {
                out.push(p);
            }
        }
    }
}

/// `<repo>/../shared`, when present.
pub fn shared() -> Option<PathBuf> {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let p = repo.join("../shared");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!(
            "SKIPPED: {} not found; corpus tests need ../shared",
            p.display()
        );
        None
    }
}

pub fn engine(yaml: &str) -> Engine {
    let mut rs = RuleSet::new(Taxonomy::builtin());
    rs.add_str(yaml, "test.yml", false);
    assert!(rs.rejections().is_empty(), "{:?}", rs.rejections());
    rs.compile()
}

/// An event from a channel with an event id and fields (canonical names).
pub fn event(channel: &str, eid: u32, fields: &[(&str, Value)]) -> Event {
    let tax = Taxonomy::builtin();
    let mut p = Provenance::new("test".into(), Locator::Index(0), "test");
    p.channel = Some(channel.into());
    p.event_id = Some(eid);
    let mut e = Event::new(p);
    for (k, v) in fields {
        e.push(tax.resolve(k), v.clone());
    }
    e
}

/// A Sysmon process creation event.
pub fn proc(fields: &[(&str, &str)]) -> Event {
    let f: Vec<(&str, Value)> = fields.iter().map(|(k, v)| (*k, Value::str(*v))).collect();
    event(SYSMON, 1, &f)
}

pub fn matches(e: &Engine, ev: &Event) -> Vec<Match> {
    let mut out = Vec::new();
    e.eval(ev, &mut out);
    out
}

pub fn fires(e: &Engine, ev: &Event) -> bool {
    !matches(e, ev).is_empty()
}

/// A process_creation rule with the given detection block (indented by 4).
pub fn proc_rule(detection: &str) -> Engine {
    engine(&format!(
        "title: t\nid: 00000000-0000-0000-0000-000000000001\nlogsource:\n    product: windows\n    category: process_creation\ndetection:\n{detection}\nlevel: high\n"
    ))
}

/// Every JSON document in a file of concatenated evtx_dump records.
pub fn json_docs(text: &str) -> Vec<serde_json::Value> {
    serde_json::Deserializer::from_str(text)
        .into_iter::<serde_json::Value>()
        .filter_map(Result::ok)
        .collect()
}

/// A value as evtx_dump writes it: the `#text` of an element with
/// attributes, else the value itself.
fn scalar(v: &serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => m.get("#text").cloned().unwrap_or(serde_json::Value::Null),
        other => other.clone(),
    }
}

/// The event data of an evtx_dump record (`EventData`, then `UserData`)
/// as (name, value) pairs. Defender writes names with spaces ("Threat
/// Name"); rules write them without.
pub fn event_data(doc: &serde_json::Value) -> Vec<(String, serde_json::Value)> {
    fn walk(v: &serde_json::Value, out: &mut Vec<(String, serde_json::Value)>) {
        let serde_json::Value::Object(m) = v else {
            return;
        };
        for (k, x) in m {
            if k == "#attributes" {
                continue;
            }
            match x {
                serde_json::Value::Object(inner) if !inner.contains_key("#text") => walk(x, out),
                _ => out.push((k.chars().filter(|c| *c != ' ').collect(), scalar(x))),
            }
        }
    }
    let mut out = Vec::new();
    for part in ["EventData", "UserData"] {
        walk(&doc["Event"][part], &mut out);
    }
    out
}

/// The flat JSON rsigma-eval reads: System fields and the event data (the
/// first value of a repeated name).
pub fn flat_json(doc: &serde_json::Value) -> serde_json::Value {
    let sys = &doc["Event"]["System"];
    let mut m = serde_json::Map::new();
    m.insert("EventID".into(), scalar(&sys["EventID"]));
    m.insert("Channel".into(), sys["Channel"].clone());
    m.insert(
        "Provider_Name".into(),
        sys["Provider"]["#attributes"]["Name"].clone(),
    );
    m.insert("Computer".into(), sys["Computer"].clone());
    for (k, v) in event_data(doc) {
        m.entry(k).or_insert(v);
    }
    serde_json::Value::Object(m)
}

/// An evtx_dump JSON record (`{"Event": {"System": .., "EventData": ..}}`)
/// as an event.
pub fn evtx_json_event(tax: &Arc<Taxonomy>, file: &str, n: u64, doc: &serde_json::Value) -> Event {
    let sys = &doc["Event"]["System"];
    let mut p = Provenance::new(file.into(), Locator::Index(n), "evtx-json");
    let s = |v: &serde_json::Value| v.as_str().map(Arc::<str>::from);
    p.channel = s(&sys["Channel"]);
    p.provider = s(&sys["Provider"]["#attributes"]["Name"]);
    p.computer = s(&sys["Computer"]);
    p.event_id = scalar(&sys["EventID"]).as_u64().map(|v| v as u32);
    p.timestamp = sys["TimeCreated"]["#attributes"]["SystemTime"]
        .as_str()
        .and_then(|t| t.parse().ok());
    let mut e = Event::new(p);
    for (k, v) in event_data(doc) {
        e.push(tax.resolve_source("security", &k), Value::from_json(&v));
    }
    e
}
