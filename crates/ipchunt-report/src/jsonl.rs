//! JSON lines: one detection per line, the format `docs/output.md` documents.
//!
//! Lines are serialized straight from the detection (no intermediate JSON
//! tree): this writer runs once per detection and a hunt over an attack
//! corpus writes thousands of them.

use std::sync::Arc;

use ipchunt_core::json::TimeJson;
use ipchunt_core::{CorrelationInfo, Detection, Event, Taxonomy};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use crate::{Investigated, Render};

/// Renders each detection as one JSON object on its own line.
pub struct JsonlRender {
    tax: Arc<Taxonomy>,
}

impl JsonlRender {
    pub fn new(tax: Arc<Taxonomy>) -> Self {
        JsonlRender { tax }
    }
}

impl Render for JsonlRender {
    fn render(&self, d: &Detection, extra: Option<&dyn Investigated>, out: &mut Vec<u8>) {
        write_line(d, &self.tax, extra, out);
        out.push(b'\n');
    }
}

/// Appends the JSON object of a detection (without a line end) to `out`.
fn write_line(d: &Detection, tax: &Taxonomy, extra: Option<&dyn Investigated>, out: &mut Vec<u8>) {
    let line = Line { d, tax };
    // Writing to a Vec cannot fail, and every value here serializes.
    if serde_json::to_writer(&mut *out, &line).is_err() {
        return;
    }
    if let Some(x) = extra {
        // The object just written ends with `}`: reopen it for one more key.
        out.pop();
        out.extend_from_slice(b",\"investigation\":");
        x.write_json(out);
        out.push(b'}');
    }
}

struct Line<'a> {
    d: &'a Detection,
    tax: &'a Taxonomy,
}

impl Serialize for Line<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (d, r) = (self.d, &*self.d.rule);
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("timestamp", &TimeJson(d.timestamp()))?;
        m.serialize_entry("host", &d.event.prov.computer.as_deref())?;
        m.serialize_entry("rule", &RuleJson(r))?;
        m.serialize_entry("matched", &Pairs(&d.matched))?;
        m.serialize_entry("provenance", &d.event.prov.json())?;
        m.serialize_entry("event", &d.event.json_fields(self.tax))?;
        if let Some(c) = &d.correlation {
            m.serialize_entry("correlation", &Corr(c, self.tax))?;
        }
        m.end()
    }
}

struct RuleJson<'a>(&'a ipchunt_core::RuleInfo);

impl Serialize for RuleJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        let mut m = s.serialize_map(Some(11))?;
        m.serialize_entry("id", &r.id)?;
        m.serialize_entry("title", &r.title)?;
        m.serialize_entry("kind", &r.kind)?;
        m.serialize_entry("level", &r.level)?;
        m.serialize_entry("status", &r.status)?;
        m.serialize_entry("tags", &r.tags)?;
        m.serialize_entry("techniques", &r.techniques)?;
        m.serialize_entry("references", &r.references)?;
        m.serialize_entry("falsepositives", &r.falsepositives)?;
        m.serialize_entry("file", &r.file)?;
        m.serialize_entry("builtin", &r.builtin)?;
        m.end()
    }
}

/// Name/value pairs as an object; a repeated name keeps its last value.
struct Pairs<'a>(&'a [(String, String)]);

impl Serialize for Pairs<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        for (i, (k, _)) in self.0.iter().enumerate() {
            // An object holds each key once: write it where it first
            // appears, with the value it was last given.
            if self.0[..i].iter().any(|(p, _)| p == k) {
                continue;
            }
            let v = self.0[i..]
                .iter()
                .rev()
                .find(|(p, _)| p == k)
                .map(|(_, v)| v);
            m.serialize_entry(k, &v)?;
        }
        m.end()
    }
}

struct Corr<'a>(&'a CorrelationInfo, &'a Taxonomy);

impl Serialize for Corr<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (c, tax) = (self.0, self.1);
        let mut m = s.serialize_map(Some(5))?;
        m.serialize_entry("group", &Pairs(&c.group))?;
        m.serialize_entry("value", &c.value)?;
        m.serialize_entry("first", &TimeJson(c.first))?;
        m.serialize_entry("last", &TimeJson(c.last))?;
        m.serialize_entry("events", &CorrEvents(&c.events, tax))?;
        m.end()
    }
}

struct CorrEvents<'a>(&'a [Arc<Event>], &'a Taxonomy);

impl Serialize for CorrEvents<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut q = s.serialize_seq(Some(self.0.len()))?;
        for e in self.0 {
            q.serialize_element(&CorrEvent(e, self.1))?;
        }
        q.end()
    }
}

struct CorrEvent<'a>(&'a Event, &'a Taxonomy);

impl Serialize for CorrEvent<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("provenance", &self.0.prov.json())?;
        m.serialize_entry("event", &self.0.json_fields(self.1))?;
        m.end()
    }
}
