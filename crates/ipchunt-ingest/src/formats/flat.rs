//! JSON documents that are not rendered Windows events: Winlogbeat /
//! Elastic Agent ECS documents and flat Splunk-style exports. Objects are
//! flattened to dotted names (`process.parent.executable`), then mapped:
//!
//! - ECS (a document with `@timestamp`, `winlog.*`, `ecs.*`, `event.*` or
//!   `host.*`): `winlog.event_data.X` and `winlog.user_data.X` are the
//!   event's own field `X` (`security` scope); other names resolve in the
//!   `ecs` scope, fallback aliases (`process.name`) only when the field is
//!   otherwise absent; unknown names stay as written. Provenance:
//!   `winlog.channel`; `winlog.provider_name` or `event.provider`;
//!   `winlog.event_id` or `event.code`; `winlog.computer_name`,
//!   `host.hostname` or `host.name`; `@timestamp`.
//! - Otherwise flat (Splunk): names resolve in the `cim` scope, raw Sysmon
//!   names being canonical and Security names (`NewProcessName`) resolving
//!   in the `security` scope. Provenance: `Channel`, `LogName`, or the
//!   channel in `source` / `sourcetype` (`XmlWinEventLog:Security`,
//!   `WinEventLog:Microsoft-Windows-Sysmon/Operational`); `EventID` or
//!   `EventCode`; `Computer`, `ComputerName`, `host` or `dest`;
//!   `Provider_Name`, `SourceName`; `_time`. A `_raw` holding event XML is
//!   parsed for the event's fields first.
//!
//! Elasticsearch hits (`_source`) are read through their `_source`.

use std::fmt;
use std::sync::Arc;

use ipchunt_core::{Event, FieldKey, Value, builtin_ids};
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::winjson::{Key, ValueSeed, event_id_of, parse_time};
use super::xml::parse_event_xml;
use crate::names::{FieldNames, NameTables};

/// Flattens a JSON object into (dotted name, value) pairs. Arrays stay
/// lists (objects inside them become their JSON text).
pub fn flatten(bytes: &[u8]) -> Result<Vec<(String, Value)>, serde_json::Error> {
    let mut out = Vec::new();
    let mut de = serde_json::Deserializer::from_slice(bytes);
    Flat {
        path: String::new(),
        out: &mut out,
    }
    .deserialize(&mut de)?;
    de.end()?;
    Ok(out)
}

struct Flat<'o> {
    path: String,
    out: &'o mut Vec<(String, Value)>,
}

impl<'de> DeserializeSeed<'de> for Flat<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl Flat<'_> {
    fn put(self, v: Value) {
        self.out.push((self.path, v));
    }
}

impl<'de> Visitor<'de> for Flat<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        self.put(Value::Bool(v));
        Ok(())
    }
    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.put(Value::Int(v));
        Ok(())
    }
    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.put(i64::try_from(v).map_or_else(|_| Value::str(v.to_string()), Value::Int));
        Ok(())
    }
    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        self.put(Value::Float(v));
        Ok(())
    }
    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.put(Value::str(v));
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        self.put(Value::Null);
        Ok(())
    }
    fn visit_none<E>(self) -> Result<(), E> {
        self.put(Value::Null);
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element_seed(ValueSeed)? {
            items.push(v);
        }
        self.put(Value::List(items));
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(k) = map.next_key::<Key>()? {
            let path = if self.path.is_empty() {
                k.0.into_owned()
            } else {
                format!("{}.{}", self.path, k.0)
            };
            map.next_value_seed(Flat {
                path,
                out: &mut *self.out,
            })?;
        }
        Ok(())
    }
}

/// The name caches a JSON reader uses.
pub struct JsonNames<'t> {
    pub security: FieldNames<'t>,
    pub ecs: FieldNames<'t>,
    pub cim: FieldNames<'t>,
}

impl<'t> JsonNames<'t> {
    pub fn new(tax: &'t ipchunt_core::Taxonomy, tables: Option<&'t NameTables>) -> Self {
        let names = |scope| match tables {
            Some(t) => FieldNames::with_tables(tax, t, scope),
            None => FieldNames::new(tax, scope),
        };
        JsonNames {
            security: names("security"),
            ecs: names("ecs"),
            cim: names("cim"),
        }
    }
}

/// Provenance candidates, best first: the lowest rank wins.
#[derive(Default)]
struct Prov {
    channel: Option<(u8, Arc<str>)>,
    provider: Option<(u8, Arc<str>)>,
    event_id: Option<(u8, u32)>,
    computer: Option<(u8, Arc<str>)>,
    time: Option<(u8, jiff::Timestamp)>,
}

fn offer<T>(slot: &mut Option<(u8, T)>, rank: u8, v: Option<T>) {
    if let Some(v) = v
        && slot.as_ref().is_none_or(|(r, _)| rank < *r)
    {
        *slot = Some((rank, v));
    }
}

fn text(v: &Value) -> Option<Arc<str>> {
    v.as_ref()
        .text()
        .filter(|t| !t.is_empty())
        .map(|t| Arc::from(t.as_ref()))
}

/// The channel in a Splunk `source` or `sourcetype`.
fn splunk_channel(v: &Value) -> Option<Arc<str>> {
    let s = v.as_ref().as_str()?;
    let (prefix, rest) = s.split_once(':')?;
    (prefix.eq_ignore_ascii_case("WinEventLog") || prefix.eq_ignore_ascii_case("XmlWinEventLog"))
        .then(|| Arc::from(rest))
        .filter(|c: &Arc<str>| !c.is_empty())
}

/// Whether flattened names look like an ECS document.
pub fn is_ecs(pairs: &[(String, Value)]) -> bool {
    pairs.iter().any(|(k, _)| {
        k == "@timestamp"
            || ["winlog.", "ecs.", "event.", "host.", "agent."]
                .iter()
                .any(|p| k.starts_with(p))
    })
}

/// Strips an Elasticsearch hit down to its `_source`.
fn unwrap_hit(pairs: Vec<(String, Value)>) -> Vec<(String, Value)> {
    if !pairs.iter().any(|(k, _)| k.starts_with("_source.")) {
        return pairs;
    }
    pairs
        .into_iter()
        .filter_map(|(k, v)| k.strip_prefix("_source.").map(|s| (s.to_owned(), v)))
        .collect()
}

/// Fills `ev` from a flattened document; returns the format name.
pub fn build(
    pairs: Vec<(String, Value)>,
    names: &mut JsonNames<'_>,
    ev: &mut Event,
) -> &'static str {
    let pairs = unwrap_hit(pairs);
    let mut prov = Prov::default();
    let mut fallback = Vec::new();
    let format = if is_ecs(&pairs) {
        // Event data first: the source's own names are the most specific.
        for (k, v) in &pairs {
            let own = k.strip_prefix("winlog.event_data.").or_else(|| {
                k.strip_prefix("winlog.user_data.")
                    .map(|r| r.rsplit('.').next().unwrap_or(r))
            });
            if let Some(name) = own {
                let key = names.security.key(name);
                ev.push(key, v.clone());
            }
        }
        for (k, v) in pairs {
            match k.as_str() {
                "winlog.channel" => offer(&mut prov.channel, 0, text(&v)),
                "winlog.provider_name" => offer(&mut prov.provider, 0, text(&v)),
                "event.provider" => offer(&mut prov.provider, 1, text(&v)),
                "winlog.event_id" => offer(&mut prov.event_id, 0, event_id_of(&v)),
                "event.code" => offer(&mut prov.event_id, 1, event_id_of(&v)),
                "winlog.computer_name" => offer(&mut prov.computer, 0, text(&v)),
                "host.hostname" => offer(&mut prov.computer, 1, text(&v)),
                "host.name" => offer(&mut prov.computer, 2, text(&v)),
                "@timestamp" => offer(&mut prov.time, 0, v.as_ref().as_str().and_then(parse_time)),
                "winlog.record_id" => {
                    let key = names.security.key("EventRecordID");
                    ev.push(key, v);
                }
                _ if k.starts_with("winlog.event_data.") || k.starts_with("winlog.user_data.") => {}
                _ => push_named(&mut names.ecs, None, k, v, ev, &mut fallback),
            }
        }
        "ecs"
    } else {
        if let Some((_, raw)) = pairs.iter().find(|(k, _)| k == "_raw")
            && let Some(x) = raw.as_ref().as_str()
            && x.trim_start().starts_with("<Event")
        {
            // Splunk kept the event's XML: its fields are the best source.
            let mut from_xml = Event::new(ev.prov.clone());
            if parse_event_xml(x, &mut names.security, &mut from_xml).is_ok() {
                offer(&mut prov.channel, 0, from_xml.prov.channel.clone());
                offer(&mut prov.provider, 0, from_xml.prov.provider.clone());
                offer(&mut prov.event_id, 0, from_xml.prov.event_id);
                offer(&mut prov.computer, 0, from_xml.prov.computer.clone());
                offer(&mut prov.time, 1, from_xml.prov.timestamp);
                for (k, v) in from_xml.fields() {
                    ev.push(k.clone(), v.clone());
                }
            }
        }
        for (k, v) in pairs {
            match k.as_str() {
                "Channel" => offer(&mut prov.channel, 1, text(&v)),
                "LogName" => offer(&mut prov.channel, 2, text(&v)),
                "source" => offer(&mut prov.channel, 3, splunk_channel(&v)),
                "sourcetype" => offer(&mut prov.channel, 4, splunk_channel(&v)),
                "Provider_Name" => offer(&mut prov.provider, 1, text(&v)),
                "SourceName" => offer(&mut prov.provider, 2, text(&v)),
                "EventID" => offer(&mut prov.event_id, 1, event_id_of(&v)),
                "EventCode" => offer(&mut prov.event_id, 2, event_id_of(&v)),
                "Computer" => offer(&mut prov.computer, 1, text(&v)),
                "ComputerName" => offer(&mut prov.computer, 2, text(&v)),
                "host" => offer(&mut prov.computer, 3, text(&v)),
                "dest" => offer(&mut prov.computer, 4, text(&v)),
                "_time" => offer(
                    &mut prov.time,
                    0,
                    v.as_ref().text().and_then(|t| parse_time(&t)),
                ),
                "_raw" => {}
                _ => push_named(
                    &mut names.cim,
                    Some(&mut names.security),
                    k,
                    v,
                    ev,
                    &mut fallback,
                ),
            }
        }
        "splunk"
    };
    for (key, v) in fallback {
        ev.push(key, v);
    }
    let p = &mut ev.prov;
    p.channel = prov.channel.map(|x| x.1);
    p.provider = prov.provider.map(|x| x.1);
    p.event_id = prov.event_id.map(|x| x.1);
    p.computer = prov.computer.map(|x| x.1);
    p.timestamp = prov.time.map(|x| x.1);
    format
}

/// Pushes a field by its scope's name (or, failing that, its name in the
/// `also` scope); fallback aliases wait in `fallback`. Names meaning a
/// provenance field are left to the provenance.
fn push_named(
    names: &mut FieldNames<'_>,
    also: Option<&mut FieldNames<'_>>,
    name: String,
    v: Value,
    ev: &mut Event,
    fallback: &mut Vec<(FieldKey, Value)>,
) {
    let mut found = names.get(&name);
    if let (FieldKey::Other(_), Some(also)) = (&found.0, also) {
        found = also.get(&name);
    }
    match found {
        (FieldKey::Known(id), _) if id.0 < builtin_ids::FIRST_STORED => {}
        (key, true) => fallback.push((key, v)),
        (FieldKey::Other(_), false) => ev.push(FieldKey::Other(name.into_boxed_str()), v),
        (key, false) => ev.push(key, v),
    }
}
