//! JSON and JSONL files: one object per line, pretty-printed objects one
//! after another, or a top-level array of objects. Each object is one
//! record: a rendered Windows event (`{"Event": ...}`, as `evtx_dump`
//! writes; see [`super::winjson`]) or an ECS / flat document (see
//! [`super::flat`]). A malformed record is reported and skipped; reading
//! goes on with the next one.

use std::io::Read;
use std::sync::Arc;

use ipchunt_core::{Event, Locator, Provenance, Raw};

use super::flat::{JsonNames, build, flatten};
use super::winjson::parse_event_json;
use super::{InputFile, ReadCtx, ReadError, skip_space};
use crate::frame::{JsonFramer, Piece};
use crate::sink::{Counts, Emitter, EventSink};

pub fn sniff(head: &[u8]) -> bool {
    matches!(skip_space(head).first(), Some(b'{' | b'['))
}

pub fn read(
    input: &InputFile,
    ctx: &ReadCtx<'_>,
    sink: &dyn EventSink,
) -> Result<Counts, ReadError> {
    let f = input.open()?;
    Ok(read_json(f, &input.name, ctx, sink))
}

/// Reads JSON records from any byte source. Each record is handed on as
/// soon as it is complete (with a batch size of 1, before more input is
/// read), which is what reading a stream needs.
pub fn read_json<R: Read>(
    src: R,
    name: &Arc<str>,
    ctx: &ReadCtx<'_>,
    sink: &dyn EventSink,
) -> Counts {
    let mut framer = JsonFramer::new(src);
    let mut em = Emitter::new(sink, name.clone(), ctx.batch_size);
    let mut names = JsonNames::new(ctx.tax, Some(ctx.names));
    loop {
        match framer.next_piece() {
            Ok(None) => break,
            Ok(Some(Piece::Bad { line, reason })) => em.bad(Some(Locator::Line(line)), reason),
            Ok(Some(Piece::Record { start, end, line })) => {
                let bytes = &framer.buf()[start..end];
                match parse_record(bytes, name, line, ctx.keep_raw, &mut names) {
                    Ok(ev) => em.event(ev),
                    Err(reason) => em.bad(Some(Locator::Line(line)), reason),
                }
            }
            Err(e) => {
                em.bad(None, format!("read failed: {e}"));
                break;
            }
        }
    }
    em.finish()
}

/// The first key of a JSON object, if it has no escapes.
fn first_key(bytes: &[u8]) -> Option<&[u8]> {
    let rest = skip_space(bytes).strip_prefix(b"{")?;
    let rest = skip_space(rest).strip_prefix(b"\"")?;
    let end = memchr::memchr2(b'"', b'\\', rest)?;
    (rest[end] == b'"').then(|| &rest[..end])
}

/// Parses one JSON object into an event.
pub fn parse_record(
    bytes: &[u8],
    file: &Arc<str>,
    line: u64,
    keep_raw: bool,
    names: &mut JsonNames<'_>,
) -> Result<Event, String> {
    let loc = Locator::Line(line);
    let mut ev = if first_key(bytes) == Some(b"Event") {
        let mut ev = Event::new(Provenance::new(file.clone(), loc, "evtx-json"));
        let meta = parse_event_json(bytes, &mut names.security, &mut ev)
            .map_err(|e| format!("malformed JSON: {e}"))?;
        if !meta.found_event {
            return Err("no Event object".to_owned());
        }
        ev
    } else {
        let pairs = flatten(bytes).map_err(|e| format!("malformed JSON: {e}"))?;
        let mut ev = Event::new(Provenance::new(file.clone(), loc, "json"));
        ev.prov.format = build(pairs, names, &mut ev);
        ev
    };
    if keep_raw {
        ev.raw = Some(Raw::Json(String::from_utf8_lossy(bytes).into()));
    }
    Ok(ev)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ipchunt_core::{Taxonomy, ValueRef};

    fn one(json: &str) -> Event {
        let tax = Taxonomy::builtin();
        let mut names = JsonNames::new(&tax, None);
        parse_record(json.as_bytes(), &"t".into(), 1, true, &mut names).unwrap()
    }

    #[test]
    fn winlogbeat_document() {
        let tax = Taxonomy::builtin();
        let ev = one(
            r##"{"@timestamp":"2024-01-02T03:04:05.000Z","event":{"code":"17","provider":"Microsoft-Windows-Sysmon"},
            "host":{"name":"WS1.corp"},"process":{"name":"evil.exe","executable":"C:\\t\\evil.exe","parent":{"name":"cmd.exe"}},
            "winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","event_id":17,"computer_name":"WS1","provider_name":"Microsoft-Windows-Sysmon",
            "event_data":{"PipeName":"\\msagent_12","Image":"C:\\t\\evil.exe"}}}"##,
        );
        assert_eq!(ev.prov.format, "ecs");
        assert_eq!(ev.prov.event_id, Some(17));
        assert_eq!(
            ev.prov.channel.as_deref(),
            Some("Microsoft-Windows-Sysmon/Operational")
        );
        assert_eq!(ev.prov.computer.as_deref(), Some("WS1"));
        assert!(ev.prov.timestamp.is_some());
        assert_eq!(
            ev.get_by_name(&tax, "PipeName"),
            Some(ValueRef::Str("\\msagent_12"))
        );
        assert_eq!(
            ev.get_by_name(&tax, "Image"),
            Some(ValueRef::Str("C:\\t\\evil.exe"))
        );
        // The fallback alias process.parent.name fills ParentImage, which is absent.
        assert_eq!(
            ev.get_by_name(&tax, "ParentImage"),
            Some(ValueRef::Str("cmd.exe"))
        );
        assert!(matches!(ev.raw, Some(Raw::Json(_))));
    }

    #[test]
    fn ecs_fallback_does_not_override() {
        let tax = Taxonomy::builtin();
        let ev = one(
            r##"{"@timestamp":"2024-01-02T03:04:05Z","process":{"name":"a.exe","executable":"C:\\a.exe"}}"##,
        );
        assert_eq!(
            ev.get_by_name(&tax, "Image"),
            Some(ValueRef::Str("C:\\a.exe"))
        );
        let ev = one(r##"{"@timestamp":"2024-01-02T03:04:05Z","process":{"name":"a.exe"}}"##);
        assert_eq!(ev.get_by_name(&tax, "Image"), Some(ValueRef::Str("a.exe")));
        assert_eq!(ev.prov.channel, None);
    }

    #[test]
    fn splunk_export() {
        let tax = Taxonomy::builtin();
        let ev = one(
            r##"{"_time":"2024-03-01T10:00:00.000+00:00","source":"XmlWinEventLog:Microsoft-Windows-Sysmon/Operational","sourcetype":"xmlwineventlog",
            "EventCode":"1","host":"ws2","ComputerName":"ws2.corp","Image":"C:\\w\\cmd.exe","parent_process_name":"explorer.exe","process":"cmd /c whoami"}"##,
        );
        assert_eq!(ev.prov.format, "splunk");
        assert_eq!(
            ev.prov.channel.as_deref(),
            Some("Microsoft-Windows-Sysmon/Operational")
        );
        assert_eq!(ev.prov.event_id, Some(1));
        assert_eq!(ev.prov.computer.as_deref(), Some("ws2.corp"));
        assert!(ev.prov.timestamp.is_some());
        assert_eq!(
            ev.get_by_name(&tax, "CommandLine"),
            Some(ValueRef::Str("cmd /c whoami"))
        );
        assert_eq!(
            ev.get_by_name(&tax, "ParentImage"),
            Some(ValueRef::Str("explorer.exe"))
        );
        let ev = one(
            r##"{"source":"WinEventLog:Security","EventCode":4688,"NewProcessName":"C:\\x.exe"}"##,
        );
        assert_eq!(ev.prov.channel.as_deref(), Some("Security"));
        assert_eq!(
            ev.get_by_name(&tax, "Image"),
            Some(ValueRef::Str("C:\\x.exe"))
        );
    }

    #[test]
    fn splunk_raw_xml_wins() {
        let tax = Taxonomy::builtin();
        let ev = one(
            r##"{"_raw":"<Event><System><Provider Name='Microsoft-Windows-Sysmon'/><EventID>17</EventID><Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>h</Computer></System><EventData><Data Name='PipeName'>\\p</Data></EventData></Event>","EventCode":"17"}"##,
        );
        assert_eq!(
            ev.prov.channel.as_deref(),
            Some("Microsoft-Windows-Sysmon/Operational")
        );
        assert_eq!(ev.get_by_name(&tax, "PipeName"), Some(ValueRef::Str("\\p")));
    }

    #[test]
    fn evtx_dump_shape_and_errors() {
        let ev = one(
            r##"{"Event":{"System":{"EventID":4688,"Channel":"Security"},"EventData":{"NewProcessName":"C:\\a.exe"}}}"##,
        );
        assert_eq!(ev.prov.format, "evtx-json");
        let tax = Taxonomy::builtin();
        let mut names = JsonNames::new(&tax, None);
        for bad in [
            r##"{"Event": 5}"##,
            r##"{"Event":{"System":{}} "##,
            r##"{"a":1,}"##,
            "{\"a\":\"\u{0}\"}",
        ] {
            assert!(
                parse_record(bad.as_bytes(), &"t".into(), 1, false, &mut names).is_err(),
                "{bad}"
            );
        }
    }
}
