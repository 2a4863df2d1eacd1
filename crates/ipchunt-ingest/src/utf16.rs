//! Reading UTF-16 text (as PowerShell and some Windows tools write XML
//! exports) as UTF-8. Unpaired surrogates become U+FFFD, so that one bad
//! character does not cost the rest of the file.

use std::io::{self, Read};

/// Byte order of a UTF-16 stream, from its byte order mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Utf16 {
    Le,
    Be,
}

impl Utf16 {
    pub fn from_bom(head: &[u8]) -> Option<Utf16> {
        match head {
            [0xFF, 0xFE, ..] => Some(Utf16::Le),
            [0xFE, 0xFF, ..] => Some(Utf16::Be),
            _ => None,
        }
    }

    fn unit(self, b: [u8; 2]) -> u16 {
        match self {
            Utf16::Le => u16::from_le_bytes(b),
            Utf16::Be => u16::from_be_bytes(b),
        }
    }

    /// Decodes a whole (short) buffer, for sniffing.
    pub fn decode_lossy(self, bytes: &[u8]) -> String {
        let units = bytes.chunks_exact(2).map(|c| self.unit([c[0], c[1]]));
        char::decode_utf16(units)
            .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect()
    }
}

/// A reader of UTF-16 bytes that yields UTF-8 (the byte order mark dropped).
pub struct Utf16Reader<R> {
    inner: R,
    order: Utf16,
    raw: Vec<u8>,
    out: Vec<u8>,
    out_pos: usize,
    /// A high surrogate waiting for its pair.
    high: Option<u16>,
    started: bool,
    eof: bool,
}

impl<R: Read> Utf16Reader<R> {
    pub fn new(inner: R, order: Utf16) -> Self {
        Utf16Reader {
            inner,
            order,
            raw: Vec::new(),
            out: Vec::new(),
            out_pos: 0,
            high: None,
            started: false,
            eof: false,
        }
    }

    fn push(&mut self, c: char) {
        let mut b = [0; 4];
        self.out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
    }

    /// Decodes the next block into `out`.
    fn refill(&mut self) -> io::Result<()> {
        self.out.clear();
        self.out_pos = 0;
        let n = crate::frame::read_more(&mut self.inner, &mut self.raw, 64 * 1024)?;
        if n == 0 {
            self.eof = true;
        }
        let mut i = 0;
        if !self.started && self.raw.len() >= 2 {
            self.started = true;
            if Utf16::from_bom(&self.raw) == Some(self.order) {
                i = 2;
            }
        }
        while i + 2 <= self.raw.len() {
            let u = self.order.unit([self.raw[i], self.raw[i + 1]]);
            i += 2;
            match (self.high.take(), u) {
                (Some(h), 0xDC00..=0xDFFF) => {
                    let c = 0x10000 + ((u32::from(h) - 0xD800) << 10) + (u32::from(u) - 0xDC00);
                    self.push(char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
                }
                (h, 0xD800..=0xDBFF) => {
                    if h.is_some() {
                        self.push(char::REPLACEMENT_CHARACTER);
                    }
                    self.high = Some(u);
                }
                (h, _) => {
                    if h.is_some() {
                        self.push(char::REPLACEMENT_CHARACTER);
                    }
                    self.push(char::from_u32(u32::from(u)).unwrap_or(char::REPLACEMENT_CHARACTER));
                }
            }
        }
        self.raw.drain(..i);
        if self.eof && (self.high.take().is_some() || !self.raw.is_empty()) {
            self.raw.clear();
            self.push(char::REPLACEMENT_CHARACTER);
        }
        Ok(())
    }
}

impl<R: Read> Read for Utf16Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.out_pos >= self.out.len() {
            if self.eof {
                return Ok(0);
            }
            self.refill()?;
        }
        let n = buf.len().min(self.out.len() - self.out_pos);
        buf[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(s: &str) -> Vec<u8> {
        let mut v = vec![0xFF, 0xFE];
        v.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
        v
    }

    #[test]
    fn decodes_and_replaces_broken_surrogates() {
        let mut bytes = utf16le("<Event>é 😀</Event>");
        let mut out = String::new();
        Utf16Reader::new(&bytes[..], Utf16::Le)
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "<Event>é 😀</Event>");
        // A lone high surrogate, then an odd trailing byte.
        bytes.extend([0x00, 0xD8, 0x41, 0x00, 0x42]);
        let mut out = String::new();
        Utf16Reader::new(&bytes[..], Utf16::Le)
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "<Event>é 😀</Event>\u{FFFD}A\u{FFFD}");
        let be: Vec<u8> = [0xFE, 0xFF, 0x00, 0x3C].to_vec();
        let mut out = String::new();
        Utf16Reader::new(&be[..], Utf16::Be)
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "<");
    }
}
