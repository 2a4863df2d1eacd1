//! Sysmon for Linux events as they reach the system log: each event is one
//! `<Event>` XML element on one line, after the syslog prefix (`Nov 20
//! 09:14:00 host sysmon: <Event>...`, an RFC 5424 or ISO time prefix, or
//! `journalctl -o short`), or in the `MESSAGE` of `journalctl -o json`
//! lines. The XML is Sysmon's own (`<System>` with `Provider
//! Name="Linux-Sysmon"`, `EventID`, `TimeCreated`, `Channel`
//! `Linux-Sysmon/Operational`, `Computer`; `<EventData>` with the Windows
//! Sysmon field names) and is read by the Windows event XML parser.
//!
//! Lines without an `<Event` (other programs' messages in a shared log) are
//! not records of this format and are passed over; a line with one that
//! does not parse is a bad record. Bare `<Event>` lines without a prefix
//! (`journalctl -o cat`) are Windows event XML to the sniffer and read by
//! that reader, and `evtx_dump`-style JSON renderings by the JSON reader;
//! both give the same events.

use std::io::{BufReader, Read};
use std::sync::Arc;

use ipchunt_core::{Event, Locator, Provenance, Raw};
use serde_json::Value as J;

use super::jsonrecs::{each_object, head_has_keys};
use super::textlines::{Lines, head_lines};
use super::xml::parse_event_xml;
use super::{InputFile, ReadCtx, ReadError, skip_space};
use crate::names::FieldNames;
use crate::sink::{Counts, Emitter, EventSink};

const PROVIDER: &[u8] = b"Linux-Sysmon";

/// The `<Event>...</Event>` part of a line.
fn event_xml(line: &str) -> Option<&str> {
    let start = line.find("<Event>").or_else(|| line.find("<Event "))?;
    let end = line
        .rfind("</Event>")
        .map_or(line.len(), |e| e + "</Event>".len());
    (end > start).then(|| &line[start..end])
}

fn is_journal_json(head: &[u8]) -> bool {
    head_has_keys(head, &["MESSAGE"])
        && [
            "__REALTIME_TIMESTAMP",
            "SYSLOG_IDENTIFIER",
            "_HOSTNAME",
            "__CURSOR",
        ]
        .iter()
        .any(|k| head_has_keys(head, &[k]))
}

/// Syslog lines: a prefix (which may start with an RFC 5424 `<PRI>`)
/// before the `<Event>`. A file that starts with XML itself is not.
fn is_syslog(head: &[u8]) -> bool {
    let start = skip_space(head);
    if matches!(start.first(), Some(b'{' | b'['))
        || start.starts_with(b"<Event")
        || start.starts_with(b"<?xml")
    {
        return false;
    }
    head_lines(head, usize::MAX).iter().any(|l| {
        event_xml(l)
            .is_some_and(|x| !l.trim_start().starts_with("<Event") && x.contains("Linux-Sysmon"))
    })
}

/// Whether the head holds Sysmon for Linux events in syslog lines or
/// journal JSON.
pub fn sniff(head: &[u8]) -> bool {
    memchr::memmem::find(head, PROVIDER).is_some() && (is_journal_json(head) || is_syslog(head))
}

pub fn read(
    input: &InputFile,
    ctx: &ReadCtx<'_>,
    sink: &dyn EventSink,
) -> Result<Counts, ReadError> {
    let f = input.open()?;
    if is_journal_json(&input.head) {
        Ok(read_journal(f, &input.name, ctx, sink))
    } else {
        read_syslog(
            BufReader::with_capacity(256 * 1024, f),
            &input.name,
            ctx,
            sink,
        )
    }
}

fn parse(
    xml: &str,
    file: &Arc<str>,
    line: u64,
    names: &mut FieldNames<'_>,
    keep_raw: bool,
) -> Result<Event, String> {
    let mut ev = Event::new(Provenance::new(
        file.clone(),
        Locator::Line(line),
        "sysmon-linux",
    ));
    parse_event_xml(xml, names, &mut ev)?;
    if keep_raw {
        ev.raw = Some(Raw::Xml(xml.into()));
    }
    Ok(ev)
}

/// Reads syslog or `journalctl -o short` lines.
pub fn read_syslog(
    src: impl std::io::BufRead,
    file: &Arc<str>,
    ctx: &ReadCtx<'_>,
    sink: &dyn EventSink,
) -> Result<Counts, ReadError> {
    let mut em = Emitter::new(sink, file.clone(), ctx.batch_size);
    let mut names = FieldNames::with_tables(ctx.tax, ctx.names, "security");
    let mut lines = Lines::new(src);
    while let Some(n) = lines.next_line(&mut em)? {
        let text = lines.text();
        let Some(xml) = event_xml(&text) else {
            continue;
        };
        match parse(xml, file, n, &mut names, ctx.keep_raw) {
            Ok(ev) => em.event(ev),
            Err(why) => em.bad(Some(Locator::Line(n)), why),
        }
    }
    Ok(em.finish())
}

/// The `MESSAGE` of a journal entry: a string, or (for messages that are
/// not valid UTF-8) an array of byte values.
fn message(v: &J) -> Option<String> {
    match v {
        J::String(s) => Some(s.clone()),
        J::Array(a) => {
            let bytes: Option<Vec<u8>> = a
                .iter()
                .map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
                .collect();
            bytes.map(|b| String::from_utf8_lossy(&b).into_owned())
        }
        _ => None,
    }
}

/// Reads `journalctl -o json` lines; entries whose message is no Sysmon
/// event are passed over.
pub fn read_journal<R: Read>(
    src: R,
    file: &Arc<str>,
    ctx: &ReadCtx<'_>,
    sink: &dyn EventSink,
) -> Counts {
    let mut names = FieldNames::with_tables(ctx.tax, ctx.names, "security");
    each_object(src, file, ctx.batch_size, sink, |bytes, line| {
        let entry: J = serde_json::from_slice(bytes).map_err(|e| format!("invalid JSON: {e}"))?;
        let msg = message(&entry["MESSAGE"]).ok_or("journal entry without a MESSAGE")?;
        match event_xml(&msg) {
            Some(xml) => parse(xml, file, line, &mut names, ctx.keep_raw).map(Some),
            None => Ok(None),
        }
    })
}

#[cfg(test)]
#[path = "sysmon_linux_tests.rs"]
mod tests;
