//! JSON lines: one detection per line, the format `docs/output.md` documents.

use std::io::{self, Write};
use std::sync::Arc;

use ipchunt_core::{Detection, Taxonomy};
use serde_json::{Value, json};

use crate::DetectionWriter;

/// Writes one JSON object per detection.
pub struct JsonlWriter<W: Write> {
    out: W,
    tax: Arc<Taxonomy>,
}

impl<W: Write> JsonlWriter<W> {
    pub fn new(out: W, tax: Arc<Taxonomy>) -> Self {
        JsonlWriter { out, tax }
    }
}

/// The JSON form of a detection (also used by other outputs).
pub fn detection_json(d: &Detection, tax: &Taxonomy, extra: Option<&Value>) -> Value {
    let r = &d.rule;
    let event = d.event.to_json(tax);
    let matched: serde_json::Map<String, Value> = d
        .matched
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let mut obj = json!({
        "timestamp": d.timestamp().map(|t| t.to_string()),
        "host": d.event.prov.computer.as_deref(),
        "rule": {
            "id": r.id,
            "title": r.title,
            "kind": r.kind,
            "level": r.level,
            "status": r.status,
            "tags": r.tags,
            "techniques": r.techniques,
            "references": r.references,
            "falsepositives": r.falsepositives,
            "file": r.file,
            "builtin": r.builtin,
        },
        "matched": matched,
        "provenance": event["provenance"].clone(),
        "event": event["fields"].clone(),
    });
    if let Some(c) = &d.correlation {
        let events: Vec<Value> = c
            .events
            .iter()
            .map(|e| {
                let j = e.to_json(tax);
                json!({"provenance": j["provenance"], "event": j["fields"]})
            })
            .collect();
        obj["correlation"] = json!({
            "group": c.group.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect::<serde_json::Map<_, _>>(),
            "value": c.value,
            "first": c.first.map(|t| t.to_string()),
            "last": c.last.map(|t| t.to_string()),
            "events": events,
        });
    }
    if let Some(x) = extra {
        obj["investigation"] = x.clone();
    }
    obj
}

impl<W: Write> DetectionWriter for JsonlWriter<W> {
    fn write(&mut self, d: &Detection, extra: Option<&Value>) -> io::Result<()> {
        let v = detection_json(d, &self.tax, extra);
        serde_json::to_writer(&mut self.out, &v)?;
        self.out.write_all(b"\n")
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
