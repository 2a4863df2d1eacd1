//! Detections written to a temporary file and read back: a hunt that finds
//! more detections than it keeps in memory puts the rest here, so that its
//! memory does not grow with them. The file is anonymous (removed by the
//! system when the hunt ends) and holds each detection's matched fields and
//! event in a compact binary form; strings that repeat between events (file
//! names, channels, providers, hosts, reader names) are written as indexes
//! into tables kept in memory.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::sync::Arc;

use ipchunt_core::{Event, FieldId, FieldKey, Locator, Provenance, Value};
use jiff::Timestamp;

/// Where a detection's body sits in the file.
#[derive(Debug, Clone, Copy)]
pub struct Slot {
    offset: u64,
    len: u32,
}

/// What is read back: the detection less its rule (kept by the caller).
pub struct Body {
    pub matched: Vec<(String, String)>,
    pub event: Event,
}

pub struct Spill {
    out: Option<BufWriter<File>>,
    file: Option<File>,
    written: u64,
    buf: Vec<u8>,
    strings: Vec<Arc<str>>,
    string_ids: HashMap<Arc<str>, u32>,
    formats: Vec<&'static str>,
}

const NONE: u32 = u32::MAX;

impl Spill {
    pub fn new() -> io::Result<Spill> {
        Ok(Spill {
            out: Some(BufWriter::with_capacity(1 << 16, tempfile::tempfile()?)),
            file: None,
            written: 0,
            buf: Vec::new(),
            strings: Vec::new(),
            string_ids: HashMap::new(),
            formats: Vec::new(),
        })
    }

    /// Writes one detection's body.
    pub fn put(&mut self, matched: &[(String, String)], ev: &Event) -> io::Result<Slot> {
        let mut b = std::mem::take(&mut self.buf);
        b.clear();
        put_u32(&mut b, matched.len() as u32);
        for (k, v) in matched {
            put_str(&mut b, k);
            put_str(&mut b, v);
        }
        self.put_event(&mut b, ev);
        let len = u32::try_from(b.len())
            .map_err(|_| io::Error::other("a detection too large to set aside"))?;
        let out = self
            .out
            .as_mut()
            .ok_or_else(|| io::Error::other("detections are being read back"))?;
        out.write_all(&b)?;
        let slot = Slot {
            offset: self.written,
            len,
        };
        self.written += b.len() as u64;
        self.buf = b;
        Ok(slot)
    }

    /// Reads a body back (writing ends at the first read).
    pub fn get(&mut self, slot: Slot) -> io::Result<Body> {
        if let Some(out) = self.out.take() {
            self.file = Some(out.into_inner().map_err(|e| e.into_error())?);
        }
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| io::Error::other("no spilled detections"))?;
        file.seek(SeekFrom::Start(slot.offset))?;
        let mut b = std::mem::take(&mut self.buf);
        b.resize(slot.len as usize, 0);
        file.read_exact(&mut b)?;
        let body = self.decode(&b);
        self.buf = b;
        body.ok_or_else(|| io::Error::other("a spilled detection could not be read back"))
    }

    fn intern(&mut self, s: &Arc<str>) -> u32 {
        if let Some(i) = self.string_ids.get(s) {
            return *i;
        }
        let i = self.strings.len() as u32;
        self.strings.push(s.clone());
        self.string_ids.insert(s.clone(), i);
        i
    }

    fn put_opt(&mut self, b: &mut Vec<u8>, s: Option<&Arc<str>>) {
        let i = s.map_or(NONE, |s| self.intern(s));
        put_u32(b, i);
    }

    fn put_event(&mut self, b: &mut Vec<u8>, ev: &Event) {
        let p = &ev.prov;
        let file = self.intern(&p.file);
        put_u32(b, file);
        let (tag, n) = match p.locator {
            Locator::EvtxRecord(n) => (0, n),
            Locator::Line(n) => (1, n),
            Locator::Index(n) => (2, n),
            Locator::Offset(n) => (3, n),
        };
        b.push(tag);
        b.extend_from_slice(&n.to_le_bytes());
        let format = match self.formats.iter().position(|f| *f == p.format) {
            Some(i) => i,
            None => {
                self.formats.push(p.format);
                self.formats.len() - 1
            }
        };
        put_u32(b, format as u32);
        self.put_opt(b, p.channel.as_ref());
        self.put_opt(b, p.provider.as_ref());
        self.put_opt(b, p.computer.as_ref());
        match p.event_id {
            Some(id) => {
                b.push(1);
                put_u32(b, id);
            }
            None => b.push(0),
        }
        match p.timestamp {
            Some(t) => {
                b.push(1);
                b.extend_from_slice(&t.as_second().to_le_bytes());
                b.extend_from_slice(&t.subsec_nanosecond().to_le_bytes());
            }
            None => b.push(0),
        }
        put_u32(b, ev.len() as u32);
        for (k, v) in ev.fields() {
            match k {
                FieldKey::Known(id) => {
                    b.push(0);
                    b.extend_from_slice(&id.0.to_le_bytes());
                }
                FieldKey::Other(name) => {
                    b.push(1);
                    put_str(b, name);
                }
            }
            put_value(b, v);
        }
    }

    fn decode(&self, b: &[u8]) -> Option<Body> {
        let mut r = Reader { b, at: 0 };
        let n = r.u32()?;
        let mut matched = Vec::with_capacity(n.min(64) as usize);
        for _ in 0..n {
            matched.push((r.str()?.to_owned(), r.str()?.to_owned()));
        }
        let file = self.strings.get(r.u32()? as usize)?.clone();
        let (tag, n) = (r.u8()?, r.u64()?);
        let locator = match tag {
            0 => Locator::EvtxRecord(n),
            1 => Locator::Line(n),
            2 => Locator::Index(n),
            _ => Locator::Offset(n),
        };
        let format = *self.formats.get(r.u32()? as usize)?;
        let mut p = Provenance::new(file, locator, format);
        p.channel = self.opt(r.u32()?);
        p.provider = self.opt(r.u32()?);
        p.computer = self.opt(r.u32()?);
        if r.u8()? == 1 {
            p.event_id = Some(r.u32()?);
        }
        if r.u8()? == 1 {
            let secs = i64::from_le_bytes(r.take(8)?.try_into().ok()?);
            let nanos = i32::from_le_bytes(r.take(4)?.try_into().ok()?);
            p.timestamp = Some(Timestamp::new(secs, nanos).ok()?);
        }
        let mut ev = Event::new(p);
        for _ in 0..r.u32()? {
            let key = match r.u8()? {
                0 => FieldKey::Known(FieldId(u16::from_le_bytes(r.take(2)?.try_into().ok()?))),
                _ => FieldKey::Other(r.str()?.into()),
            };
            ev.push(key, r.value()?);
        }
        Some(Body { matched, event: ev })
    }

    fn opt(&self, i: u32) -> Option<Arc<str>> {
        (i != NONE).then(|| self.strings.get(i as usize).cloned())?
    }
}

fn put_u32(b: &mut Vec<u8>, n: u32) {
    b.extend_from_slice(&n.to_le_bytes());
}

fn put_str(b: &mut Vec<u8>, s: &str) {
    put_u32(b, s.len() as u32);
    b.extend_from_slice(s.as_bytes());
}

fn put_value(b: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => b.push(0),
        Value::Bool(x) => b.extend_from_slice(&[1, *x as u8]),
        Value::Int(i) => {
            b.push(2);
            b.extend_from_slice(&i.to_le_bytes());
        }
        Value::Float(f) => {
            b.push(3);
            b.extend_from_slice(&f.to_bits().to_le_bytes());
        }
        Value::Str(s) => {
            b.push(4);
            put_str(b, s);
        }
        Value::List(l) => {
            b.push(5);
            put_u32(b, l.len() as u32);
            for x in l {
                put_value(b, x);
            }
        }
    }
}

/// Reads what the functions above wrote; `None` at any inconsistency.
struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.b.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(s)
    }
    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn str(&mut self) -> Option<&'a str> {
        let n = self.u32()? as usize;
        std::str::from_utf8(self.take(n)?).ok()
    }
    fn value(&mut self) -> Option<Value> {
        Some(match self.u8()? {
            0 => Value::Null,
            1 => Value::Bool(self.u8()? != 0),
            2 => Value::Int(i64::from_le_bytes(self.take(8)?.try_into().ok()?)),
            3 => Value::Float(f64::from_bits(self.u64()?)),
            4 => Value::Str(self.str()?.into()),
            5 => {
                let n = self.u32()?;
                let mut l = Vec::with_capacity(n.min(1024) as usize);
                for _ in 0..n {
                    l.push(self.value()?);
                }
                Value::List(l)
            }
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(n: u64, with_provenance: bool) -> Event {
        let mut p = Provenance::new(Arc::from("a.evtx"), Locator::Line(n), "evtx-json");
        if with_provenance {
            p.channel = Some(Arc::from("Security"));
            p.computer = Some(Arc::from("dc01"));
            p.event_id = Some(u32::MAX);
            p.timestamp = "2024-05-01T10:00:00.123456789Z".parse().ok();
        }
        let mut ev = Event::new(p);
        ev.push(FieldKey::Known(FieldId(7)), Value::Str("C:\\ä.exe".into()));
        ev.push(FieldKey::Other("x".into()), Value::Float(-0.5));
        ev.push(
            FieldKey::Other("l".into()),
            Value::List(vec![Value::Null, Value::Bool(true), Value::Int(i64::MIN)]),
        );
        ev.push(
            FieldKey::Other("x".into()),
            Value::Str(String::new().into()),
        );
        ev
    }

    #[test]
    fn bodies_come_back_as_written_in_any_order() {
        let mut s = Spill::new().unwrap();
        let matched = vec![("Image".to_string(), "C:\\ä.exe".to_string())];
        let slots: Vec<Slot> = (0..50)
            .map(|i| s.put(&matched, &event(i, i % 2 == 0)).unwrap())
            .collect();
        for i in [49usize, 0, 17, 18, 3] {
            let b = s.get(slots[i]).unwrap();
            let want = event(i as u64, i % 2 == 0);
            assert_eq!(b.matched, matched);
            assert_eq!(b.event.prov, want.prov);
            let got: Vec<_> = b.event.fields().collect();
            let exp: Vec<_> = want.fields().collect();
            assert_eq!(got, exp);
        }
        // Writing after reading is refused, not mixed into the file.
        assert!(s.put(&matched, &event(1, true)).is_err());
    }

    #[test]
    fn a_damaged_body_is_an_error() {
        let s = Spill::new().unwrap();
        assert!(s.decode(&[9, 0, 0]).is_none());
        assert!(s.decode(&[1, 0, 0, 0, 200, 0, 0, 0]).is_none());
    }
}
