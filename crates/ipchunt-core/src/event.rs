//! The normalized event every later stage reads.

use std::fmt;
use std::sync::Arc;

use jiff::Timestamp;

use crate::taxonomy::{FieldId, FieldKey, Taxonomy, builtin_ids};
use crate::value::{Value, ValueRef};

/// Where a record sits in its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Locator {
    /// An EVTX record, by its `EventRecordID`.
    EvtxRecord(u64),
    /// A line of a text file (1-based).
    Line(u64),
    /// The n-th record of a file that holds several per line or none per line (0-based).
    Index(u64),
    /// A byte offset in the file.
    Offset(u64),
}

impl fmt::Display for Locator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Locator::EvtxRecord(n) => write!(f, "record {n}"),
            Locator::Line(n) => write!(f, "line {n}"),
            Locator::Index(n) => write!(f, "record #{n}"),
            Locator::Offset(n) => write!(f, "offset {n}"),
        }
    }
}

/// The record's origin: what file, which record, what log said it.
///
/// Strings repeated across a file's records (path, channel, provider,
/// computer) are shared `Arc<str>`s so that events stay cheap to build.
#[derive(Debug, Clone, PartialEq)]
pub struct Provenance {
    pub file: Arc<str>,
    pub locator: Locator,
    /// The reader that produced the event, e.g. `evtx`, `evtx-json`, `ecs`.
    pub format: &'static str,
    pub channel: Option<Arc<str>>,
    pub provider: Option<Arc<str>>,
    pub event_id: Option<u32>,
    pub computer: Option<Arc<str>>,
    pub timestamp: Option<Timestamp>,
}

impl Provenance {
    pub fn new(file: Arc<str>, locator: Locator, format: &'static str) -> Self {
        Provenance {
            file,
            locator,
            format,
            channel: None,
            provider: None,
            event_id: None,
            computer: None,
            timestamp: None,
        }
    }
}

/// The original record, kept for output.
#[derive(Debug, Clone, PartialEq)]
pub enum Raw {
    /// JSON text (a JSON line, or an EVTX record rendered as JSON).
    Json(Box<str>),
    /// XML text of one `<Event>`.
    Xml(Box<str>),
    /// Any other text (an auditd event's lines, a CSV row).
    Text(Box<str>),
}

impl Raw {
    pub fn as_str(&self) -> &str {
        match self {
            Raw::Json(s) | Raw::Xml(s) | Raw::Text(s) => s,
        }
    }
}

/// One normalized event: provenance, fields under canonical names, and the
/// original record.
///
/// Fields are a short flat list keyed by [`FieldKey`]; a lookup by
/// [`FieldId`] is a scan comparing small integers, which beats hashing for
/// the twenty-odd fields of a typical event. The provenance-backed fields
/// (`EventID`, `Channel`, `Provider_Name`, `Computer`) are answered from
/// the provenance, so readers need not store them twice.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub prov: Provenance,
    fields: Vec<(FieldKey, Value)>,
    pub raw: Option<Raw>,
}

impl Event {
    pub fn new(prov: Provenance) -> Self {
        Event {
            prov,
            fields: Vec::with_capacity(24),
            raw: None,
        }
    }

    /// Adds a field. A known field that is already set keeps its first
    /// value (the reader pushes the most specific source first).
    pub fn push(&mut self, key: FieldKey, value: Value) {
        if let FieldKey::Known(id) = key
            && self.get_stored(id).is_some()
        {
            return;
        }
        self.fields.push((key, value));
    }

    /// Adds or replaces a field.
    pub fn set(&mut self, key: FieldKey, value: Value) {
        if let Some(slot) = self.fields.iter_mut().find(|(k, _)| *k == key) {
            slot.1 = value;
        } else {
            self.fields.push((key, value));
        }
    }

    /// Removes a field, returning its value.
    pub fn remove(&mut self, key: &FieldKey) -> Option<Value> {
        let pos = self.fields.iter().position(|(k, _)| k == key)?;
        Some(self.fields.remove(pos).1)
    }

    fn get_stored(&self, id: FieldId) -> Option<&Value> {
        self.fields
            .iter()
            .find_map(|(k, v)| (*k == FieldKey::Known(id)).then_some(v))
    }

    /// Looks up a canonical field.
    #[inline]
    pub fn get(&self, id: FieldId) -> Option<ValueRef<'_>> {
        if id.0 < builtin_ids::FIRST_STORED {
            return self.provenance_field(id);
        }
        for (k, v) in &self.fields {
            if let FieldKey::Known(kid) = k
                && *kid == id
            {
                return Some(v.as_ref());
            }
        }
        None
    }

    fn provenance_field(&self, id: FieldId) -> Option<ValueRef<'_>> {
        let p = &self.prov;
        let stored = || self.get_stored(id).map(Value::as_ref);
        match id {
            builtin_ids::EVENT_ID => p.event_id.map(|e| ValueRef::Int(e as i64)).or_else(stored),
            builtin_ids::CHANNEL => p.channel.as_deref().map(ValueRef::Str).or_else(stored),
            builtin_ids::PROVIDER => p.provider.as_deref().map(ValueRef::Str).or_else(stored),
            builtin_ids::COMPUTER => p.computer.as_deref().map(ValueRef::Str).or_else(stored),
            _ => stored(),
        }
    }

    /// Looks up any field key (canonical or source-specific name).
    pub fn get_key(&self, key: &FieldKey) -> Option<ValueRef<'_>> {
        match key {
            FieldKey::Known(id) => self.get(*id),
            FieldKey::Other(name) => self.fields.iter().find_map(|(k, v)| {
                matches!(k, FieldKey::Other(n) if n == name).then(|| v.as_ref())
            }),
        }
    }

    /// Looks up a field by name, resolving aliases through the taxonomy.
    pub fn get_by_name(&self, tax: &Taxonomy, name: &str) -> Option<ValueRef<'_>> {
        self.get_key(&tax.resolve(name))
    }

    /// The stored fields, in the order the reader added them (provenance-backed
    /// fields not included).
    pub fn fields(&self) -> impl Iterator<Item = (&FieldKey, &Value)> {
        self.fields.iter().map(|(k, v)| (k, v))
    }

    /// The value of the `i`-th stored field (as [`Event::fields`] yields
    /// them).
    #[inline]
    pub fn value_at(&self, i: usize) -> Option<ValueRef<'_>> {
        self.fields.get(i).map(|(_, v)| v.as_ref())
    }

    pub fn len(&self) -> usize {
        self.fields.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provenance_fields_answer_lookups() {
        let tax = Taxonomy::builtin();
        let mut p = Provenance::new("f.evtx".into(), Locator::EvtxRecord(7), "evtx");
        p.event_id = Some(17);
        p.channel = Some("Microsoft-Windows-Sysmon/Operational".into());
        let mut e = Event::new(p);
        e.push(tax.resolve("PipeName"), Value::str("\\msagent_12"));
        e.push(tax.resolve("PipeName"), Value::str("\\second"));
        assert_eq!(e.get_by_name(&tax, "EventID"), Some(ValueRef::Int(17)));
        assert_eq!(
            e.get_by_name(&tax, "PipeName"),
            Some(ValueRef::Str("\\msagent_12"))
        );
        let j = e.to_json(&tax);
        assert_eq!(j["fields"]["EventID"], 17);
        assert_eq!(j["provenance"]["locator"], "record 7");
    }

    #[test]
    fn unknown_fields_keep_their_name() {
        let tax = Taxonomy::builtin();
        let mut e = Event::new(Provenance::new("x".into(), Locator::Line(1), "jsonl"));
        e.push(tax.resolve("SomeVendorField"), Value::Int(1));
        assert_eq!(
            e.get_by_name(&tax, "SomeVendorField"),
            Some(ValueRef::Int(1))
        );
        assert_eq!(e.get_by_name(&tax, "Image"), None);
    }
}
