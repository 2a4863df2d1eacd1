//! Events and values as JSON, serialized in place: the one definition of
//! the field names and order every output uses (`ipchunt events`, JSON
//! lines, the HTML report).

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use crate::event::{Event, Provenance};
use crate::taxonomy::{FieldKey, Taxonomy, builtin_ids};
use crate::value::{Value, ValueRef};

/// A float that is not finite is written as null, as JSON has no such number.
impl Serialize for ValueRef<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            ValueRef::Null => s.serialize_none(),
            ValueRef::Bool(b) => s.serialize_bool(b),
            ValueRef::Int(i) => s.serialize_i64(i),
            ValueRef::Float(f) if f.is_finite() => s.serialize_f64(f),
            ValueRef::Float(_) => s.serialize_none(),
            ValueRef::Str(t) => s.serialize_str(t),
            ValueRef::List(l) => {
                let mut q = s.serialize_seq(Some(l.len()))?;
                for v in l {
                    q.serialize_element(v)?;
                }
                q.end()
            }
        }
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.as_ref().serialize(s)
    }
}

/// An event's fields by canonical name: the four answered from provenance
/// first, then the rest in the event's order; a name seen twice keeps its
/// first value.
pub struct FieldsJson<'a> {
    ev: &'a Event,
    tax: &'a Taxonomy,
}

impl Serialize for FieldsJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (ev, tax) = (self.ev, self.tax);
        let mut seen: Vec<&str> = Vec::with_capacity(ev.len() + 4);
        let mut m = s.serialize_map(None)?;
        for id in [
            builtin_ids::EVENT_ID,
            builtin_ids::CHANNEL,
            builtin_ids::PROVIDER,
            builtin_ids::COMPUTER,
        ] {
            if let Some(v) = ev.get(id) {
                let name = tax.name(id);
                seen.push(name);
                m.serialize_entry(name, &v)?;
            }
        }
        for (k, v) in ev.fields() {
            let name: &str = match k {
                FieldKey::Known(id) => tax.name(*id),
                FieldKey::Other(n) => n,
            };
            if !seen.contains(&name) {
                seen.push(name);
                m.serialize_entry(name, v)?;
            }
        }
        m.end()
    }
}

/// A timestamp in its RFC 3339 form, or null.
pub struct TimeJson(pub Option<jiff::Timestamp>);

impl Serialize for TimeJson {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Some(t) => s.collect_str(t),
            None => s.serialize_none(),
        }
    }
}

/// Where an event came from, as JSON.
pub struct ProvenanceJson<'a>(&'a Provenance);

impl Serialize for ProvenanceJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let p = self.0;
        let mut m = s.serialize_map(Some(8))?;
        m.serialize_entry("file", &*p.file)?;
        m.serialize_entry("locator", &format_args!("{}", p.locator))?;
        m.serialize_entry("format", p.format)?;
        m.serialize_entry("channel", &p.channel.as_deref())?;
        m.serialize_entry("provider", &p.provider.as_deref())?;
        m.serialize_entry("event_id", &p.event_id)?;
        m.serialize_entry("computer", &p.computer.as_deref())?;
        m.serialize_entry("timestamp", &TimeJson(p.timestamp))?;
        m.end()
    }
}

/// An event as JSON: `provenance`, then `fields`.
pub struct EventJson<'a>(&'a Event, &'a Taxonomy);

impl Serialize for EventJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("provenance", &self.0.prov.json())?;
        m.serialize_entry("fields", &self.0.json_fields(self.1))?;
        m.end()
    }
}

impl Provenance {
    pub fn json(&self) -> ProvenanceJson<'_> {
        ProvenanceJson(self)
    }
}

impl Event {
    /// The fields under canonical names, to serialize.
    pub fn json_fields<'a>(&'a self, tax: &'a Taxonomy) -> FieldsJson<'a> {
        FieldsJson { ev: self, tax }
    }

    /// The whole event (`provenance`, `fields`), to serialize.
    pub fn json<'a>(&'a self, tax: &'a Taxonomy) -> EventJson<'a> {
        EventJson(self, tax)
    }

    /// The event as a JSON value: provenance, then fields under canonical
    /// names. For output, not for the hot path.
    pub fn to_json(&self, tax: &Taxonomy) -> serde_json::Value {
        serde_json::to_value(self.json(tax)).unwrap_or(serde_json::Value::Null)
    }
}

impl ValueRef<'_> {
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}
