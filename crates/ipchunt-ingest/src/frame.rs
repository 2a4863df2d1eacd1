//! Cutting text input into records without reading it whole: JSON objects
//! (one per line, pretty printed one after another, or inside a top-level
//! array) and `<Event>` elements. Memory holds one record and a read
//! buffer, whatever the file's size.

use std::io::{self, Read};

/// Bytes read from the source at a time.
const BLOCK: usize = 256 * 1024;
/// The largest record accepted; a longer one is reported bad and skipped.
pub const MAX_RECORD: usize = 64 * 1024 * 1024;

/// One item cut from the input.
#[derive(Debug)]
pub enum Piece {
    /// A record's bytes, from `start` to `end` in the window's buffer, and
    /// the 1-based line it starts on.
    Record { start: usize, end: usize, line: u64 },
    /// Input that is no record, starting on `line`.
    Bad { line: u64, reason: String },
}

/// Appends up to `block` bytes read from `src` to `buf`; the count read,
/// 0 at the end of the input.
pub fn read_more(src: &mut impl Read, buf: &mut Vec<u8>, block: usize) -> io::Result<usize> {
    let old = buf.len();
    buf.resize(old + block, 0);
    loop {
        match src.read(&mut buf[old..]) {
            Ok(n) => {
                buf.truncate(old + n);
                return Ok(n);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                buf.truncate(old);
                return Err(e);
            }
        }
    }
}

/// A growable window on a byte source.
struct Window<R> {
    src: R,
    buf: Vec<u8>,
    pos: usize,
    eof: bool,
    /// Line number at `pos`.
    line: u64,
}

impl<R: Read> Window<R> {
    fn new(src: R) -> Self {
        Window {
            src,
            buf: Vec::new(),
            pos: 0,
            eof: false,
            line: 1,
        }
    }

    /// Drops consumed bytes (only between records).
    fn compact(&mut self) {
        if self.pos > 0 && (self.pos >= BLOCK || self.pos == self.buf.len()) {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
    }

    /// Reads more bytes; `false` at the end of the input.
    fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        let n = read_more(&mut self.src, &mut self.buf, BLOCK)?;
        if n == 0 {
            self.eof = true;
        }
        Ok(n > 0)
    }

    /// The byte at `i`, reading more if needed; `None` at the end.
    fn byte(&mut self, i: usize) -> io::Result<Option<u8>> {
        while i >= self.buf.len() {
            if !self.fill()? {
                return Ok(None);
            }
        }
        Ok(Some(self.buf[i]))
    }

    /// The byte at `pos`, reading more if needed (and dropping what was
    /// consumed); `None` at the end.
    fn peek(&mut self) -> io::Result<Option<u8>> {
        if self.pos >= self.buf.len() {
            self.compact();
        }
        self.byte(self.pos)
    }

    /// Skips to the start of the next line.
    fn skip_line(&mut self) -> io::Result<()> {
        loop {
            if let Some(nl) = memchr::memchr(b'\n', &self.buf[self.pos..]) {
                self.pos += nl + 1;
                self.line += 1;
                return Ok(());
            }
            self.pos = self.buf.len();
            self.compact();
            if !self.fill()? {
                return Ok(());
            }
        }
    }
}

/// Cuts JSON objects out of a byte stream.
pub struct JsonFramer<R> {
    w: Window<R>,
    /// Inside a top-level array.
    in_array: bool,
}

impl<R: Read> JsonFramer<R> {
    pub fn new(src: R) -> Self {
        JsonFramer {
            w: Window::new(src),
            in_array: false,
        }
    }

    /// The buffer that [`Piece::Record`] offsets point into.
    pub fn buf(&self) -> &[u8] {
        &self.w.buf
    }

    /// The next record or bad piece; `None` at the end of the input.
    pub fn next_piece(&mut self) -> io::Result<Option<Piece>> {
        self.w.compact();
        // Skip what separates records.
        loop {
            let Some(b) = self.w.peek()? else {
                return Ok(None);
            };
            match b {
                b'\n' => self.w.line += 1,
                b' ' | b'\t' | b'\r' => {}
                b',' if self.in_array => {}
                b'[' if !self.in_array => self.in_array = true,
                b']' if self.in_array => self.in_array = false,
                0xEF if self.w.buf[self.w.pos..].starts_with(b"\xEF\xBB\xBF") => {
                    self.w.pos += 2;
                }
                b'{' => break,
                _ => {
                    let line = self.w.line;
                    self.w.skip_line()?;
                    return Ok(Some(Piece::Bad {
                        line,
                        reason: "not a JSON object".to_owned(),
                    }));
                }
            }
            self.w.pos += 1;
        }
        self.object()
    }

    /// Scans the object at `pos` to its closing brace.
    fn object(&mut self) -> io::Result<Option<Piece>> {
        let start = self.w.pos;
        let line = self.w.line;
        let mut lines = 0u64;
        let mut depth = 0usize;
        let mut in_str = false;
        let mut broken = false;
        let mut i = start;
        loop {
            if i - start > MAX_RECORD {
                self.w.pos = i;
                self.w.line = line + lines;
                self.w.skip_line()?;
                return Ok(Some(Piece::Bad {
                    line,
                    reason: format!("record longer than {MAX_RECORD} bytes"),
                }));
            }
            if i >= self.w.buf.len() && !self.w.fill()? {
                self.w.pos = self.w.buf.len();
                self.w.line = line + lines;
                return Ok(Some(Piece::Bad {
                    line,
                    reason: "input ends inside a JSON object".to_owned(),
                }));
            }
            let buf = &self.w.buf;
            if in_str {
                match memchr::memchr3(b'"', b'\\', b'\n', &buf[i..]) {
                    None => i = buf.len(),
                    Some(k) => {
                        i += k;
                        match buf[i] {
                            b'"' => in_str = false,
                            b'\\' => i += 1,
                            // A raw line break cannot be in a JSON string:
                            // the record is broken; see what follows.
                            _ => {
                                in_str = false;
                                broken = true;
                                continue;
                            }
                        }
                        i += 1;
                    }
                }
                continue;
            }
            match buf[i] {
                b'"' => in_str = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        let end = i + 1;
                        self.w.pos = end;
                        self.w.line = line + lines;
                        if broken {
                            return Ok(Some(Piece::Bad {
                                line,
                                reason: "malformed JSON (line break inside a string)".to_owned(),
                            }));
                        }
                        return Ok(Some(Piece::Record { start, end, line }));
                    }
                }
                b'\n' => {
                    lines += 1;
                    // An object starting at the beginning of a line while
                    // this one is open: this one was cut short.
                    if self.w.byte(i + 1)? == Some(b'{') {
                        self.w.pos = i + 1;
                        self.w.line = line + lines;
                        return Ok(Some(Piece::Bad {
                            line,
                            reason: "JSON object cut short".to_owned(),
                        }));
                    }
                }
                _ => {}
            }
            i += 1;
        }
    }
}

/// Cuts `<Event>` elements out of a byte stream (Windows event XML).
pub struct XmlFramer<R> {
    w: Window<R>,
}

/// Whether `buf[i..]` starts an `<Event` element (not `<Events`, `<EventData`...).
fn event_open_at(buf: &[u8], i: usize) -> Option<bool> {
    let rest = &buf[i..];
    if rest.len() < 7 {
        return None;
    }
    Some(
        rest.starts_with(b"<Event")
            && matches!(rest[6], b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/'),
    )
}

impl<R: Read> XmlFramer<R> {
    pub fn new(src: R) -> Self {
        XmlFramer {
            w: Window::new(src),
        }
    }

    pub fn buf(&self) -> &[u8] {
        &self.w.buf
    }

    /// Finds the next `<Event` from `pos`; its offset, reading more as
    /// needed and dropping what it passes over.
    fn find_open(&mut self) -> io::Result<Option<usize>> {
        let mut from = self.w.pos;
        loop {
            while let Some(k) = memchr::memmem::find(&self.w.buf[from..], b"<Event") {
                let at = from + k;
                loop {
                    match event_open_at(&self.w.buf, at) {
                        Some(true) => return Ok(Some(at)),
                        Some(false) => break,
                        None => {
                            if !self.w.fill()? {
                                return Ok(None);
                            }
                        }
                    }
                }
                from = at + 1;
            }
            from = self.w.buf.len().saturating_sub(6).max(from);
            self.count_lines(from);
            self.w.compact();
            from = self.w.pos;
            if !self.w.fill()? {
                return Ok(None);
            }
        }
    }

    fn count_lines(&mut self, upto: usize) {
        let n = memchr::memchr_iter(b'\n', &self.w.buf[self.w.pos..upto]).count();
        self.w.line += n as u64;
        self.w.pos = upto;
    }

    pub fn next_piece(&mut self) -> io::Result<Option<Piece>> {
        self.w.compact();
        let Some(start) = self.find_open()? else {
            self.w.pos = self.w.buf.len();
            return Ok(None);
        };
        self.count_lines(start);
        let line = self.w.line;
        let mut from = start + 6;
        loop {
            let close = memchr::memmem::find(&self.w.buf[from..], b"</Event>");
            let next_open = {
                let mut f = from;
                loop {
                    match memchr::memmem::find(&self.w.buf[f..], b"<Event") {
                        Some(k) if event_open_at(&self.w.buf, f + k) == Some(true) => {
                            break Some(f + k);
                        }
                        Some(k) => f += k + 1,
                        None => break None,
                    }
                }
            };
            match (close, next_open) {
                (Some(c), open) if open.is_none_or(|o| o > from + c) => {
                    let end = from + c + b"</Event>".len();
                    self.count_lines(end);
                    return Ok(Some(Piece::Record { start, end, line }));
                }
                (_, Some(o)) => {
                    self.count_lines(o);
                    return Ok(Some(Piece::Bad {
                        line,
                        reason: "<Event> element cut short".to_owned(),
                    }));
                }
                _ => {}
            }
            if self.w.buf.len() - start > MAX_RECORD {
                let end = self.w.buf.len();
                self.count_lines(end);
                return Ok(Some(Piece::Bad {
                    line,
                    reason: format!("record longer than {MAX_RECORD} bytes"),
                }));
            }
            from = self.w.buf.len().saturating_sub(8).max(from);
            if !self.w.fill()? {
                let end = self.w.buf.len();
                self.count_lines(end);
                return Ok(Some(Piece::Bad {
                    line,
                    reason: "input ends inside an <Event> element".to_owned(),
                }));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json_pieces(input: &[u8]) -> Vec<Result<(String, u64), (u64, String)>> {
        let mut f = JsonFramer::new(input);
        let mut out = Vec::new();
        while let Some(p) = f.next_piece().unwrap() {
            out.push(match p {
                Piece::Record { start, end, line } => Ok((
                    String::from_utf8_lossy(&f.buf()[start..end]).into_owned(),
                    line,
                )),
                Piece::Bad { line, reason } => Err((line, reason)),
            });
        }
        out
    }

    #[test]
    fn jsonl_pretty_and_arrays() {
        let p = json_pieces(b"{\"a\":1}\n{\"b\":\"}{\"}\n\n{\"c\":[1,{\"d\":2}]}\n");
        assert_eq!(p.len(), 3);
        assert_eq!(p[1], Ok(("{\"b\":\"}{\"}".to_owned(), 2)));
        assert_eq!(p[2].as_ref().unwrap().1, 4);
        let p = json_pieces(b"{\n  \"a\": {\n    \"b\": 1\n  }\n}\n{\n  \"c\": 2\n}");
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].as_ref().unwrap().1, 6);
        let p = json_pieces(b"\xEF\xBB\xBF[ {\"a\":1},\n {\"b\":2} ]");
        assert_eq!(p.len(), 2);
        assert!(p.iter().all(|r| r.is_ok()));
    }

    #[test]
    fn bad_lines_do_not_stop_reading() {
        let p = json_pieces(b"{\"a\":1}\n{\"cut\": \"sho\n{\"b\":2}\nhello\n{\"c\":3}\n{\"eof\":");
        let oks: Vec<_> = p.iter().filter_map(|r| r.as_ref().ok()).collect();
        let bads: Vec<_> = p.iter().filter_map(|r| r.as_ref().err()).collect();
        assert_eq!(oks.len(), 3);
        assert_eq!(oks[2].1, 5);
        assert_eq!(bads.len(), 3, "{bads:?}");
        assert_eq!(bads[0].0, 2);
        assert_eq!(bads[1].0, 4);
        assert_eq!(bads[2].0, 6);
    }

    #[test]
    fn long_records_cross_buffer_reads() {
        let big = "x".repeat(3 * BLOCK);
        let input = format!("{{\"a\":\"{big}\"}}\n{{\"b\":1}}");
        let p = json_pieces(input.as_bytes());
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].as_ref().unwrap().0.len(), big.len() + 8);
    }

    #[test]
    fn xml_events() {
        let input = b"<?xml version=\"1.0\"?>\n<Events>\n<Event xmlns='x'><System><EventID>1</EventID></System><EventData/></Event>\n<Event><System>\n<Event><System><EventID>3</EventID></System></Event></Events>";
        let mut f = XmlFramer::new(&input[..]);
        let mut recs = Vec::new();
        let mut bad = Vec::new();
        while let Some(p) = f.next_piece().unwrap() {
            match p {
                Piece::Record { start, end, line } => recs.push((
                    String::from_utf8_lossy(&f.buf()[start..end]).into_owned(),
                    line,
                )),
                Piece::Bad { line, .. } => bad.push(line),
            }
        }
        assert_eq!(recs.len(), 2);
        assert!(recs[0].0.starts_with("<Event xmlns") && recs[0].0.ends_with("</Event>"));
        assert_eq!(recs[0].1, 3);
        assert_eq!(recs[1].1, 5);
        assert_eq!(bad, vec![4]);
    }
}
