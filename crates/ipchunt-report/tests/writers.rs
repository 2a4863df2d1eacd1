//! The three output formats through `DetectionWriter`: JSON lines written
//! straight from a detection, the table and CSV headers, and what an
//! attached investigation adds.

use std::io::Write;
use std::sync::{Arc, Mutex};

use ipchunt_core::{
    CorrelationInfo, Detection, Event, FieldKey, Level, Locator, Provenance, RuleInfo, Taxonomy,
    Value,
};
use ipchunt_report::{CsvRender, DetectionWriter, Investigated, JsonlRender, Render, TableRender};
use serde_json::json;

/// An output that the test can read back after the writer is done.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Shared {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

struct Decided;

impl Investigated for Decided {
    fn decision(&self) -> Option<&str> {
        Some("escalate_tier2")
    }
    fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(br#"{"decision":"escalate_tier2","reasons":["x"]}"#);
    }
}

fn event(tax: &Taxonomy) -> Event {
    let mut p = Provenance::new(Arc::from("logs/a.evtx"), Locator::EvtxRecord(7), "evtx");
    p.channel = Some(Arc::from("Microsoft-Windows-Sysmon/Operational"));
    p.provider = Some(Arc::from("Microsoft-Windows-Sysmon"));
    p.event_id = Some(17);
    p.computer = Some(Arc::from("ws01"));
    p.timestamp = "2024-05-01T10:00:00Z".parse().ok();
    let mut ev = Event::new(p);
    ev.push(
        tax.resolve("PipeName"),
        Value::Str("\\MSSE-1234-server".into()),
    );
    ev.push(
        tax.resolve("Image"),
        Value::Str("C:\\x\\beacon.exe\u{1b}[31m".into()),
    );
    ev.push(
        FieldKey::Other("Extra".into()),
        Value::List(vec![Value::Int(1), Value::Bool(true)]),
    );
    ev.push(FieldKey::Other("Ratio".into()), Value::Float(f64::NAN));
    ev.push(FieldKey::Other("Extra".into()), Value::Str("second".into()));
    ev
}

fn detection(tax: &Taxonomy) -> Detection {
    let rule = RuleInfo {
        id: "r-1".into(),
        title: "Cobalt Strike style pipe".into(),
        level: Level::High,
        tags: vec!["attack.t1559".into()],
        techniques: vec!["T1559".into()],
        file: "builtin:pipes.yml".into(),
        builtin: true,
        ..RuleInfo::default()
    };
    Detection {
        rule: Arc::new(rule),
        event: Arc::new(event(tax)),
        matched: vec![
            ("PipeName".into(), "a".into()),
            ("Image".into(), "b".into()),
            ("PipeName".into(), "c".into()),
        ],
        correlation: None,
    }
}

#[test]
fn jsonl_line_carries_rule_provenance_and_fields_in_order() {
    let tax = Taxonomy::builtin();
    let d = detection(&tax);
    let mut raw = Vec::new();
    JsonlRender::new(tax.clone()).render(&d, None, &mut raw);
    let raw = String::from_utf8(raw).unwrap();
    let v: serde_json::Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(v["timestamp"], "2024-05-01T10:00:00Z");
    assert_eq!(v["host"], "ws01");
    assert_eq!(v["rule"]["id"], "r-1");
    assert_eq!(v["rule"]["level"], "high");
    assert_eq!(v["rule"]["techniques"], json!(["T1559"]));
    assert_eq!(v["rule"]["builtin"], true);
    // A repeated matched name keeps its first place and its last value.
    assert_eq!(v["matched"], json!({"PipeName": "c", "Image": "b"}));
    assert_eq!(v["provenance"]["locator"], "record 7");
    assert_eq!(v["provenance"]["event_id"], 17);
    let ev = v["event"].as_object().unwrap();
    assert_eq!(ev.len(), 8);
    // Key order as written: provenance-backed fields, then the event's own.
    let event_part = &raw[raw.find("\"event\":").unwrap()..];
    let at = |k: &str| event_part.find(&format!("\"{k}\":")).unwrap();
    let order = [
        "EventID",
        "Channel",
        "Provider_Name",
        "Computer",
        "PipeName",
        "Image",
        "Extra",
        "Ratio",
    ];
    for w in order.windows(2) {
        assert!(at(w[0]) < at(w[1]), "{} before {}: {raw}", w[0], w[1]);
    }
    assert!(raw.ends_with("}\n") && raw.matches('\n').count() == 1);
    // A repeated field keeps its first value; a float that is not a number is null.
    assert_eq!(ev["Extra"], json!([1, true]));
    assert_eq!(ev["Ratio"], serde_json::Value::Null);
    assert!(v.get("correlation").is_none());
    assert!(v.get("investigation").is_none());
}

#[test]
fn jsonl_line_appends_investigation_and_correlation() {
    let tax = Taxonomy::builtin();
    let mut d = detection(&tax);
    d.correlation = Some(CorrelationInfo {
        group: vec![("Computer".into(), "ws01".into())],
        value: 3.0,
        first: "2024-05-01T09:59:00Z".parse().ok(),
        last: "2024-05-01T10:00:00Z".parse().ok(),
        events: vec![d.event.clone(), d.event.clone()],
    });
    let out = Shared::default();
    let mut w = DetectionWriter::new(
        Box::new(JsonlRender::new(tax.clone())),
        Box::new(out.clone()),
    );
    w.write(&d, Some(&Decided)).unwrap();
    w.write(&d, None).unwrap();
    w.finish().unwrap();
    let text = out.text();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["investigation"]["decision"], "escalate_tier2");
    assert_eq!(lines[0]["correlation"]["value"], 3.0);
    assert_eq!(
        lines[0]["correlation"]["group"],
        json!({"Computer": "ws01"})
    );
    assert_eq!(
        lines[0]["correlation"]["events"].as_array().unwrap().len(),
        2
    );
    assert_eq!(
        lines[0]["correlation"]["events"][0]["event"]["PipeName"],
        "\\MSSE-1234-server"
    );
    assert!(lines[1].get("investigation").is_none());
}

#[test]
fn table_and_csv_write_their_header_once_and_only_with_detections() {
    let tax = Taxonomy::builtin();
    let d = detection(&tax);
    let render = |name: &str| -> Box<dyn Render> {
        match name {
            "table" => Box::new(TableRender::new(tax.clone(), false)),
            _ => Box::new(CsvRender::new(tax.clone())),
        }
    };
    for name in ["table", "csv"] {
        let empty = Shared::default();
        let mut w = DetectionWriter::new(render(name), Box::new(empty.clone()));
        w.write_rendered(b"").unwrap();
        w.finish().unwrap();
        assert_eq!(
            empty.text(),
            "",
            "{name}: nothing written without detections"
        );

        let out = Shared::default();
        let mut w = DetectionWriter::new(render(name), Box::new(out.clone()));
        w.write(&d, Some(&Decided)).unwrap();
        // Rendered elsewhere (as worker threads do), then written in order.
        let mut bytes = Vec::new();
        w.renderer().render(&d, None, &mut bytes);
        w.write_rendered(&bytes).unwrap();
        w.finish().unwrap();
        let text = out.text();
        let first = text.lines().next().unwrap();
        let headers = text.lines().filter(|l| *l == first).count();
        assert_eq!(headers, 1, "{name}: one header\n{text}");
        if name == "table" {
            assert!(
                !text.contains('\u{1b}'),
                "control characters from logs stripped\n{text}"
            );
            assert!(first.starts_with("TIME (UTC)"));
            assert_eq!(text.matches("[Tier 2]").count(), 1, "{text}");
            assert_eq!(text.lines().count(), 5);
        } else {
            assert!(first.starts_with("datetime,timestamp_desc,message"));
            let mut r = csv::Reader::from_reader(text.as_bytes());
            let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
            assert_eq!(rows.len(), 2);
            assert_eq!(&rows[0][0], "2024-05-01T10:00:00.000000+00:00");
        }
    }
}
