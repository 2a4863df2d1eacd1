//! Windows events rendered as JSON the way the `evtx` crate (and
//! `evtx_dump`) renders them: `{"Event": {"System": {...}, "EventData":
//! {...}}}`. A streaming serde visitor fills an [`Event`] straight from the
//! bytes, with no intermediate JSON tree.
//!
//! Mapping:
//! - `System`: `Provider.#attributes.Name`, `EventID` (a number, or an
//!   object whose `#text` is one), `Channel`, `Computer`,
//!   `TimeCreated.#attributes.SystemTime` go to the provenance;
//!   `EventRecordID`, `Level`, `Task`, `Opcode`, `Keywords` and `Version`
//!   become fields of those names (after the event data, which wins).
//! - `EventData`: each named value becomes a field, its name resolved in the
//!   `security` scope (`NewProcessName` is `Image`, Sysmon names are
//!   canonical). Unnamed `<Data>` values (rendered as `"Data": {"#text":
//!   ...}`) and text directly inside `EventData` become the field `Data`: a
//!   string when there is one value, a list when there are several.
//! - `UserData`: the children of its single inner element, like `EventData`.
//! - Other parts (`RenderingInfo`, `#attributes`) are ignored.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use ipchunt_core::{Event, FieldKey, Value};
use jiff::Timestamp;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::names::FieldNames;

/// What the record said about itself besides its fields.
#[derive(Debug, Default)]
pub struct EventMeta {
    pub found_event: bool,
    pub record_id: Option<u64>,
}

/// Parses one rendered record into `ev`, whose provenance file, locator and
/// format the caller has set. Field names resolve through `names`, which
/// should have the `security` scope.
pub fn parse_event_json(
    bytes: &[u8],
    names: &mut FieldNames<'_>,
    ev: &mut Event,
) -> Result<EventMeta, serde_json::Error> {
    let mut b = Builder {
        names,
        ev,
        extra: Default::default(),
        meta: EventMeta::default(),
    };
    // Checking the record's UTF-8 once lets the parser skip checking each
    // string; invalid input goes through the checking parser, which names
    // where it fails.
    match std::str::from_utf8(bytes) {
        Ok(text) => run(serde_json::Deserializer::from_str(text), &mut b)?,
        Err(_) => run(serde_json::Deserializer::from_slice(bytes), &mut b)?,
    }
    let Builder {
        names,
        ev,
        extra,
        meta,
    } = b;
    for (name, v) in HEADER_FIELDS.iter().zip(extra) {
        let Some(v) = v else { continue };
        let key = names.key(name);
        if ev.get_key(&key).is_none() {
            ev.push(key, v);
        }
    }
    Ok(meta)
}

/// The System values kept as fields.
const HEADER_FIELDS: [&str; 6] = [
    "EventRecordID",
    "Level",
    "Task",
    "Opcode",
    "Keywords",
    "Version",
];

fn run<'de, R: serde_json::de::Read<'de>>(
    mut de: serde_json::Deserializer<R>,
    b: &mut Builder<'_, '_>,
) -> Result<(), serde_json::Error> {
    Root { b }.deserialize(&mut de)?;
    de.end()
}

struct Builder<'b, 't> {
    names: &'b mut FieldNames<'t>,
    ev: &'b mut Event,
    /// Values of [`HEADER_FIELDS`], added after the event data.
    extra: [Option<Value>; 6],
    meta: EventMeta,
}

/// An object key, borrowed from the input when it has no escapes.
pub struct Key<'de>(pub Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s)))
            }
        }
        d.deserialize_str(V)
    }
}

/// Any JSON value as a field [`Value`]. An object with `#text` stands for
/// that text (its `#attributes` dropped); any other object becomes its
/// compact JSON text.
pub struct ValueSeed;

impl<'de> DeserializeSeed<'de> for ValueSeed {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(match i64::try_from(v) {
            Ok(i) => Value::Int(i),
            Err(_) => Value::Str(v.to_string().into()),
        })
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.into()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v.into_boxed_str()))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(ValueSeed)? {
            out.push(v);
        }
        Ok(Value::List(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries: Vec<(String, Value)> = Vec::new();
        while let Some(k) = map.next_key::<Key>()? {
            let v = map.next_value_seed(ValueSeed)?;
            if k.0 == "#text" {
                // Drain the rest so the parser stays in step.
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                return Ok(v);
            }
            entries.push((k.0.into_owned(), v));
        }
        if entries.len() == 1 && entries[0].0 == "#attributes" {
            return Ok(Value::Null);
        }
        let obj: serde_json::Map<String, serde_json::Value> = entries
            .iter()
            .map(|(k, v)| (k.clone(), v.to_json()))
            .collect();
        Ok(Value::Str(
            serde_json::Value::Object(obj).to_string().into(),
        ))
    }
}

/// Parses an event id as Windows writes it: a number, or its text.
pub fn event_id_of(v: &Value) -> Option<u32> {
    v.as_ref().as_i64().and_then(|i| u32::try_from(i).ok())
}

/// Parses a timestamp: RFC 3339 with an offset, or a date and time without
/// one (taken as UTC), or Unix seconds.
pub fn parse_time(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if let Ok(t) = Timestamp::from_str(s) {
        return Some(t);
    }
    if let Ok(dt) = jiff::civil::DateTime::from_str(s) {
        return dt
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp());
    }
    let secs: f64 = s.parse().ok()?;
    if !secs.is_finite() {
        return None;
    }
    let nanos = (secs * 1e9).round();
    if nanos.abs() >= i128::MAX as f64 {
        return None;
    }
    Timestamp::from_nanosecond(nanos as i128).ok()
}

struct Root<'r, 'b, 't> {
    b: &'r mut Builder<'b, 't>,
}

impl<'de> DeserializeSeed<'de> for Root<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Root<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object with an Event")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(k) = map.next_key::<Key>()? {
            if k.0 == "Event" {
                map.next_value_seed(Body { b: &mut *self.b })?;
                self.b.meta.found_event = true;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

struct Body<'r, 'b, 't> {
    b: &'r mut Builder<'b, 't>,
}

impl<'de> DeserializeSeed<'de> for Body<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Body<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("the Event object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(k) = map.next_key::<Key>()? {
            match &*k.0 {
                "System" => map.next_value_seed(System { b: &mut *self.b })?,
                "EventData" => map.next_value_seed(Data { b: &mut *self.b })?,
                "UserData" => map.next_value_seed(UserData { b: &mut *self.b })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct System<'r, 'b, 't> {
    b: &'r mut Builder<'b, 't>,
}

impl<'de> DeserializeSeed<'de> for System<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

/// One attribute of an element, as text borrowed from the input when it
/// can be: the element object (`{"#attributes": {...}}`) or, for
/// `*_attributes` keys, the attribute object itself.
struct Attribute {
    name: &'static str,
    direct: bool,
}

impl<'de> DeserializeSeed<'de> for Attribute {
    type Value = Option<Cow<'de, str>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Attribute {
    type Value = Option<Cow<'de, str>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an element with attributes")
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = None;
        while let Some(k) = map.next_key::<Key>()? {
            if self.direct && k.0 == self.name {
                out = map.next_value::<Text>()?.0;
            } else if !self.direct && k.0 == "#attributes" {
                out = map.next_value_seed(Attribute {
                    direct: true,
                    ..self
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(out)
    }
}

/// A scalar as text, borrowed from the input when it has no escapes.
struct Text<'de>(Option<Cow<'de, str>>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("text")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Some(Cow::Borrowed(s))))
            }
            fn visit_str<E>(self, s: &str) -> Result<Text<'de>, E> {
                Ok(Text(Some(Cow::Owned(s.to_owned()))))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Text<'de>, E> {
                Ok(Text(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Text<'de>, E> {
                Ok(Text(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Text<'de>, E> {
                Ok(Text(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Text<'de>, E> {
                Ok(Text(Some(Cow::Borrowed(if v { "true" } else { "false" }))))
            }
            fn visit_unit<E>(self) -> Result<Text<'de>, E> {
                Ok(Text(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Text<'de>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Text<'de>, A::Error> {
                // `{"#text": ...}` stands for its text.
                let mut out = None;
                while let Some(k) = map.next_key::<Key>()? {
                    if k.0 == "#text" {
                        out = map.next_value::<Text>()?.0;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(Text(out))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Visitor<'de> for System<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("the System object")
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let b = self.b;
        while let Some(k) = map.next_key::<Key>()? {
            let direct = k.0.ends_with("_attributes");
            match &*k.0 {
                "Provider" | "Provider_attributes" => {
                    let name = map.next_value_seed(Attribute {
                        name: "Name",
                        direct,
                    })?;
                    b.ev.prov.provider = name.map(|t| b.names.shared_str(&t));
                }
                "TimeCreated" | "TimeCreated_attributes" => {
                    let time = map.next_value_seed(Attribute {
                        name: "SystemTime",
                        direct,
                    })?;
                    b.ev.prov.timestamp = time.and_then(|t| parse_time(&t));
                }
                "EventID" => {
                    let v = map.next_value_seed(ValueSeed)?;
                    b.ev.prov.event_id = event_id_of(&v);
                }
                "Channel" => {
                    let t = map.next_value::<Text>()?.0;
                    b.ev.prov.channel = t.map(|t| b.names.shared_str(&t));
                }
                "Computer" => {
                    let t = map.next_value::<Text>()?.0;
                    b.ev.prov.computer = t.map(|t| b.names.shared_str(&t));
                }
                "EventRecordID" => {
                    let v = map.next_value_seed(ValueSeed)?;
                    b.meta.record_id = v.as_ref().as_i64().and_then(|i| u64::try_from(i).ok());
                    b.extra[0] = Some(v);
                }
                name @ ("Level" | "Task" | "Opcode" | "Keywords" | "Version") => {
                    let v = map.next_value_seed(ValueSeed)?;
                    if let Some(i) = HEADER_FIELDS.iter().position(|h| *h == name) {
                        b.extra[i] = Some(v);
                    }
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// `EventData`, or the inner element of `UserData`: named values become
/// fields, unnamed ones the `Data` field.
struct Data<'r, 'b, 't> {
    b: &'r mut Builder<'b, 't>,
}

impl<'de> DeserializeSeed<'de> for Data<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl Data<'_, '_, '_> {
    fn unnamed(&mut self, v: Value) {
        if matches!(v, Value::Null) {
            return;
        }
        let key = self.b.names.key("Data");
        self.b.ev.push(key, v);
    }
}

impl<'de> Visitor<'de> for Data<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("event data")
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(mut self, v: &str) -> Result<(), E> {
        self.unnamed(Value::str(v));
        Ok(())
    }
    fn visit_i64<E>(mut self, v: i64) -> Result<(), E> {
        self.unnamed(Value::Int(v));
        Ok(())
    }
    fn visit_u64<E: de::Error>(mut self, v: u64) -> Result<(), E> {
        self.unnamed(ValueVisitor.visit_u64(v)?);
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(mut self, seq: A) -> Result<(), A::Error> {
        let v = ValueVisitor.visit_seq(seq)?;
        self.unnamed(v);
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        while let Some(k) = map.next_key::<Key>()? {
            match &*k.0 {
                "#attributes" => {
                    map.next_value::<IgnoredAny>()?;
                }
                "Data" | "#text" => {
                    let v = map.next_value_seed(ValueSeed)?;
                    self.unnamed(v);
                }
                name => {
                    let v = map.next_value_seed(ValueSeed)?;
                    let key: FieldKey = self.b.names.key(name);
                    self.b.ev.push(key, v);
                }
            }
        }
        Ok(())
    }
}

struct UserData<'r, 'b, 't> {
    b: &'r mut Builder<'b, 't>,
}

impl<'de> DeserializeSeed<'de> for UserData<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for UserData<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("user data")
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        let key = self.b.names.key("Data");
        self.b.ev.push(key, Value::str(v));
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(k) = map.next_key::<Key>()? {
            if k.0 == "#attributes" {
                map.next_value::<IgnoredAny>()?;
            } else {
                map.next_value_seed(Data { b: &mut *self.b })?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ipchunt_core::{Locator, Provenance, Taxonomy, ValueRef};

    fn parse(json: &str) -> (Event, EventMeta) {
        let tax = Taxonomy::builtin();
        let mut names = FieldNames::new(&tax, "security");
        let mut ev = Event::new(Provenance::new("t".into(), Locator::Index(0), "test"));
        let meta = parse_event_json(json.as_bytes(), &mut names, &mut ev).unwrap();
        (ev, meta)
    }

    #[test]
    fn system_and_event_data() {
        let (ev, meta) = parse(
            r##"{"Event":{"#attributes":{"xmlns":"x"},"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing","Guid":"{1}"}},
            "EventID":{"#attributes":{"Qualifiers":0},"#text":4688},"Level":0,"TimeCreated":{"#attributes":{"SystemTime":"2021-04-08T12:34:56.1234567Z"}},
            "EventRecordID":99,"Channel":"Security","Computer":"host1"},
            "EventData":{"NewProcessName":"C:\\Windows\\cmd.exe","ProcessId":"0x1f4","Image":"ignored-second","Empty":null}}}"##,
        );
        let tax = Taxonomy::builtin();
        assert!(meta.found_event);
        assert_eq!(meta.record_id, Some(99));
        assert_eq!(ev.prov.event_id, Some(4688));
        assert_eq!(ev.prov.channel.as_deref(), Some("Security"));
        assert_eq!(
            ev.prov.provider.as_deref(),
            Some("Microsoft-Windows-Security-Auditing")
        );
        assert_eq!(ev.prov.computer.as_deref(), Some("host1"));
        assert_eq!(
            ev.prov.timestamp.unwrap().to_string(),
            "2021-04-08T12:34:56.1234567Z"
        );
        assert_eq!(
            ev.get_by_name(&tax, "Image"),
            Some(ValueRef::Str("C:\\Windows\\cmd.exe"))
        );
        assert_eq!(
            ev.get_by_name(&tax, "ProcessId").unwrap().as_i64(),
            Some(0x1f4)
        );
        assert_eq!(ev.get_by_name(&tax, "Empty"), Some(ValueRef::Null));
        assert_eq!(
            ev.get_by_name(&tax, "EventRecordID"),
            Some(ValueRef::Int(99))
        );
        assert_eq!(ev.get_by_name(&tax, "Level"), Some(ValueRef::Int(0)));
    }

    #[test]
    fn unnamed_data_and_user_data() {
        let tax = Taxonomy::builtin();
        let (ev, _) = parse(
            r##"{"Event":{"System":{"EventID":400,"Channel":"Windows PowerShell"},"EventData":{"Data":{"#text":["Available","None","HostApplication=powershell.exe"]},"Binary":"00"}}}"##,
        );
        let Some(ValueRef::List(l)) = ev.get_by_name(&tax, "Data") else {
            panic!("Data is a list")
        };
        assert_eq!(l.len(), 3);
        assert_eq!(ev.get_by_name(&tax, "Binary"), Some(ValueRef::Str("00")));
        let (ev, _) = parse(
            r##"{"Event":{"System":{"EventID":1102},"UserData":{"LogFileCleared":{"#attributes":{"xmlns":"y"},"SubjectUserName":"bob"}}}}"##,
        );
        assert_eq!(
            ev.get_by_name(&tax, "SubjectUserName"),
            Some(ValueRef::Str("bob"))
        );
    }

    #[test]
    fn rejects_garbage_without_panic() {
        let tax = Taxonomy::builtin();
        let mut names = FieldNames::new(&tax, "security");
        for bad in [
            "",
            "[]",
            "{\"Event\":",
            "{\"Event\":{\"System\":[1,2]}}",
            "nul",
        ] {
            let mut ev = Event::new(Provenance::new("t".into(), Locator::Index(0), "test"));
            assert!(
                parse_event_json(bad.as_bytes(), &mut names, &mut ev).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn times() {
        assert!(parse_time("2023-01-01T10:00:00.000+00:00").is_some());
        assert!(parse_time("2023-01-01 10:00:00").is_some());
        assert_eq!(parse_time("1700000000.5").unwrap().as_second(), 1700000000);
        assert!(parse_time("soon").is_none());
        assert!(parse_time("1e400").is_none());
    }
}
