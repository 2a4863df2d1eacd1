//! Windows event XML, as Event Viewer, `wevtutil qe /f:xml` and
//! `Get-WinEvent | ... ToXml()` write it: one `<Event>` or many (inside
//! `<Events>` or not), in UTF-8 or in UTF-16 with a byte order mark. Fields follow the same rules as the EVTX reader (see
//! [`super::winjson`]): values are the text the XML holds, an empty element
//! is null, unnamed `<Data>` values are the field `Data`.

use std::io::Read;

use ipchunt_core::{Event, Locator, Provenance, Raw, Value};
use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event as X};

use super::winjson::{event_id_of, parse_time};
use super::{InputFile, ReadCtx, ReadError, skip_space};
use crate::frame::{Piece, XmlFramer};
use crate::names::FieldNames;
use crate::sink::{Counts, Emitter, EventSink};
use crate::utf16::{Utf16, Utf16Reader};

pub fn sniff(head: &[u8]) -> bool {
    if let Some(order) = Utf16::from_bom(head) {
        // UTF-16, as PowerShell writes `wevtutil qe ... /f:xml > file`.
        let text = order.decode_lossy(&head[2..]);
        return text.trim_start().starts_with('<') && text.contains("<Event");
    }
    skip_space(head).starts_with(b"<") && memchr::memmem::find(head, b"<Event").is_some()
}

pub fn read(
    input: &InputFile,
    ctx: &ReadCtx<'_>,
    sink: &dyn EventSink,
) -> Result<Counts, ReadError> {
    let f = input.open()?;
    let src: Box<dyn Read> = match Utf16::from_bom(&input.head) {
        Some(order) => Box::new(Utf16Reader::new(f, order)),
        None => Box::new(f),
    };
    let mut framer = XmlFramer::new(src);
    let mut em = Emitter::new(sink, input.name.clone(), ctx.batch_size);
    let mut names = FieldNames::with_tables(ctx.tax, ctx.names, "security");
    loop {
        match framer.next_piece() {
            Ok(None) => break,
            Ok(Some(Piece::Bad { line, reason })) => em.bad(Some(Locator::Line(line)), reason),
            Ok(Some(Piece::Record { start, end, line })) => {
                let loc = Locator::Line(line);
                let bytes = &framer.buf()[start..end];
                let Ok(text) = std::str::from_utf8(bytes) else {
                    em.bad(Some(loc), "event XML is not valid UTF-8");
                    continue;
                };
                let mut ev = Event::new(Provenance::new(input.name.clone(), loc, "xml"));
                match parse_event_xml(text, &mut names, &mut ev) {
                    Ok(()) => {
                        if ctx.keep_raw {
                            ev.raw = Some(Raw::Xml(text.into()));
                        }
                        em.event(ev);
                    }
                    Err(reason) => em.bad(Some(loc), reason),
                }
            }
            Err(e) => {
                em.bad(None, format!("read failed: {e}"));
                break;
            }
        }
    }
    Ok(em.finish())
}

/// Where the parser is inside `<Event>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Outside,
    System,
    EventData,
    UserData,
    Other,
}

struct State<'n, 't, 'e> {
    names: &'n mut FieldNames<'t>,
    ev: &'e mut Event,
    part: Part,
    depth: usize,
    /// Name of the leaf whose text is being collected, and whether it is an
    /// unnamed `Data`.
    leaf: Option<(String, bool)>,
    text: String,
    unnamed: Vec<Value>,
    extra: Vec<(&'static str, Value)>,
}

impl State<'_, '_, '_> {
    fn start(&mut self, e: &BytesStart<'_>, empty: bool) -> Result<(), String> {
        let local = e.local_name();
        let name: &str = local.as_ref();
        self.depth += 1;
        match (self.depth, self.part) {
            (1, _) => {
                if name != "Event" {
                    return Err(format!("root element is <{name}>, not <Event>"));
                }
            }
            (2, _) => {
                self.part = match name {
                    "System" => Part::System,
                    "EventData" => Part::EventData,
                    "UserData" => Part::UserData,
                    _ => Part::Other,
                };
            }
            (3, Part::System) => {
                for (attr, value) in attrs(e)? {
                    match (name, attr.as_str()) {
                        ("Provider", "Name") => {
                            self.ev.prov.provider = Some(self.names.shared_str(&value))
                        }
                        ("TimeCreated", "SystemTime") => {
                            self.ev.prov.timestamp = parse_time(&value)
                        }
                        _ => {}
                    }
                }
                self.leaf = Some((name.to_owned(), false));
            }
            (3, Part::EventData) => {
                let data_name = if name == "Data" {
                    attrs(e)?
                        .into_iter()
                        .find(|(a, _)| a == "Name")
                        .map(|(_, v)| v)
                } else {
                    Some(name.to_owned())
                };
                self.leaf = Some(match data_name {
                    Some(n) => (n, false),
                    None => (String::new(), true),
                });
            }
            (4, Part::UserData) => self.leaf = Some((name.to_owned(), false)),
            _ => self.leaf = None,
        }
        self.text.clear();
        if empty {
            self.end();
        }
        Ok(())
    }

    fn end(&mut self) {
        if let Some((name, unnamed)) = self.leaf.take() {
            let text = std::mem::take(&mut self.text);
            let value = if text.is_empty() {
                Value::Null
            } else {
                Value::Str(text.into_boxed_str())
            };
            if unnamed {
                self.unnamed.push(value);
            } else if self.part == Part::System {
                self.system(&name, value);
            } else {
                let key = self.names.key(&name);
                self.ev.push(key, value);
            }
        }
        if self.depth == 2 {
            self.part = Part::Outside;
        }
        self.depth = self.depth.saturating_sub(1);
    }

    fn system(&mut self, name: &str, value: Value) {
        let names = &mut *self.names;
        let mut text = || value.as_ref().as_str().map(|t| names.shared_str(t));
        match name {
            "EventID" => self.ev.prov.event_id = event_id_of(&value),
            "Channel" => self.ev.prov.channel = text(),
            "Computer" => self.ev.prov.computer = text(),
            "EventRecordID" => {
                let v = match value.as_ref().as_i64() {
                    Some(i) => Value::Int(i),
                    None => value,
                };
                self.extra.push(("EventRecordID", v));
            }
            "Level" | "Task" | "Opcode" | "Version" => {
                let v = match value.as_ref().as_i64() {
                    Some(i) if !matches!(value, Value::Null) => Value::Int(i),
                    _ => value,
                };
                let n = match name {
                    "Level" => "Level",
                    "Task" => "Task",
                    "Opcode" => "Opcode",
                    _ => "Version",
                };
                self.extra.push((n, v));
            }
            "Keywords" => self.extra.push(("Keywords", value)),
            _ => {}
        }
    }
}

fn attrs(e: &BytesStart<'_>) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|err| format!("bad attribute: {err}"))?;
        let key = AsRef::<str>::as_ref(&a.key.local_name()).to_owned();
        let value = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|err| format!("bad attribute value: {err}"))?;
        out.push((key, value.into_owned()));
    }
    Ok(out)
}

/// Parses one `<Event>` element into `ev`.
pub fn parse_event_xml(
    text: &str,
    names: &mut FieldNames<'_>,
    ev: &mut Event,
) -> Result<(), String> {
    let mut r = Reader::from_str(text);
    let mut st = State {
        names,
        ev,
        part: Part::Outside,
        depth: 0,
        leaf: None,
        text: String::new(),
        unnamed: Vec::new(),
        extra: Vec::new(),
    };
    let mut seen_root = false;
    loop {
        let event = r
            .read_event()
            .map_err(|e| format!("malformed XML at byte {}: {e}", r.error_position()))?;
        match event {
            X::Start(e) => {
                st.start(&e, false)?;
                seen_root = true;
            }
            X::Empty(e) => {
                st.start(&e, true)?;
                seen_root = true;
            }
            X::End(_) => st.end(),
            X::Text(t) if st.leaf.is_some() => st.text.push_str(&t.xml10_content()),
            X::CData(t) if st.leaf.is_some() => st.text.push_str(&t.xml10_content()),
            X::GeneralRef(g) if st.leaf.is_some() => match g.resolve_char_ref() {
                Ok(Some(c)) => st.text.push(c),
                Ok(None) => match resolve_predefined_entity(&g) {
                    Some(s) => st.text.push_str(s),
                    None => return Err(format!("unknown entity &{};", &*g)),
                },
                Err(e) => return Err(format!("bad character reference: {e}")),
            },
            X::Eof => break,
            _ => {}
        }
    }
    if !seen_root {
        return Err("no <Event> element".to_owned());
    }
    let State {
        names,
        ev,
        mut unnamed,
        extra,
        ..
    } = st;
    unnamed.retain(|v| !matches!(v, Value::Null));
    if !unnamed.is_empty() {
        let v = if unnamed.len() == 1 {
            unnamed.swap_remove(0)
        } else {
            Value::List(unnamed)
        };
        let key = names.key("Data");
        ev.push(key, v);
    }
    for (name, v) in extra {
        let key = names.key(name);
        if ev.get_key(&key).is_none() {
            ev.push(key, v);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ipchunt_core::{Taxonomy, ValueRef};

    fn parse(x: &str) -> Result<Event, String> {
        let tax = Taxonomy::builtin();
        let mut names = FieldNames::new(&tax, "security");
        let mut ev = Event::new(Provenance::new("t".into(), Locator::Line(1), "xml"));
        parse_event_xml(x, &mut names, &mut ev).map(|()| ev)
    }

    #[test]
    fn system_event_data_and_entities() {
        let tax = Taxonomy::builtin();
        let ev = parse(
            r##"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-DistributedCOM" Guid="{1B562E86}" EventSourceName="DCOM"/><EventID Qualifiers="0">10016</EventID><Level>3</Level><TimeCreated SystemTime="2024-05-01T10:00:00.1234567Z"/><EventRecordID>77</EventRecordID><Channel>System</Channel><Computer>ws1</Computer></System><EventData><Data Name="param1">application-specific</Data><Data Name="param4">{D63B10C5-BB46-4990-A94F-E40B9D520160}</Data><Data Name="Cmd">a &amp; b &#x41;<![CDATA[<x>]]></Data><Data Name="Empty"/></EventData></Event>"##,
        )
        .unwrap();
        assert_eq!(ev.prov.event_id, Some(10016));
        assert_eq!(ev.prov.channel.as_deref(), Some("System"));
        assert_eq!(
            ev.prov.provider.as_deref(),
            Some("Microsoft-Windows-DistributedCOM")
        );
        assert_eq!(ev.prov.computer.as_deref(), Some("ws1"));
        assert!(ev.prov.timestamp.is_some());
        assert_eq!(
            ev.get_by_name(&tax, "param4"),
            Some(ValueRef::Str("{D63B10C5-BB46-4990-A94F-E40B9D520160}"))
        );
        assert_eq!(
            ev.get_by_name(&tax, "Cmd"),
            Some(ValueRef::Str("a & b A<x>"))
        );
        assert_eq!(ev.get_by_name(&tax, "Empty"), Some(ValueRef::Null));
        assert_eq!(
            ev.get_by_name(&tax, "EventRecordID"),
            Some(ValueRef::Int(77))
        );
        assert_eq!(ev.get_by_name(&tax, "Level"), Some(ValueRef::Int(3)));
    }

    #[test]
    fn unnamed_data_and_user_data() {
        let tax = Taxonomy::builtin();
        let ev = parse("<Event><System><EventID>400</EventID><Channel>Windows PowerShell</Channel></System><EventData><Data>Available</Data><Data>HostApplication=powershell.exe -enc</Data></EventData></Event>").unwrap();
        assert!(matches!(ev.get_by_name(&tax, "Data"), Some(ValueRef::List(l)) if l.len() == 2));
        let ev = parse("<Event><System><EventID>1102</EventID></System><UserData><LogFileCleared xmlns='x'><SubjectUserName>bob</SubjectUserName></LogFileCleared></UserData></Event>").unwrap();
        assert_eq!(
            ev.get_by_name(&tax, "SubjectUserName"),
            Some(ValueRef::Str("bob"))
        );
    }

    #[test]
    fn malformed_is_an_error() {
        assert!(parse("<Event><System></Event>").is_err());
        assert!(parse("<Foo/>").is_err());
        assert!(
            parse("<Event><EventData><Data Name='a'>&bogus;</Data></EventData></Event>").is_err()
        );
        assert!(parse("").is_err());
    }
}
