//! Reading text input line by line with line numbers and a bound on line
//! length, for the line-oriented readers (auditd, Sysmon for Linux syslog).

use std::borrow::Cow;
use std::io::{self, BufRead};

use ipchunt_core::Locator;

use crate::frame::MAX_RECORD;
use crate::sink::Emitter;

/// Splits a byte stream into numbered lines without holding more than one
/// line (of at most [`MAX_RECORD`] bytes) in memory.
pub struct Lines<R> {
    src: R,
    buf: Vec<u8>,
    line: u64,
    text: (usize, usize),
}

impl<R: BufRead> Lines<R> {
    pub fn new(src: R) -> Self {
        Lines {
            src,
            buf: Vec::new(),
            line: 0,
            text: (0, 0),
        }
    }

    /// Reads the next line: its 1-based number and whether it was too long
    /// (its bytes skipped); `None` at the end. [`Lines::text`] gives it.
    fn advance(&mut self) -> io::Result<Option<(u64, bool)>> {
        self.buf.clear();
        self.text = (0, 0);
        let mut too_long = false;
        let mut any = false;
        loop {
            let chunk = match self.src.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                break;
            }
            any = true;
            let (take, done) = match memchr::memchr(b'\n', chunk) {
                Some(i) => (i + 1, true),
                None => (chunk.len(), false),
            };
            if !too_long {
                if self.buf.len() + take > MAX_RECORD {
                    too_long = true;
                    self.buf.clear();
                } else {
                    self.buf.extend_from_slice(&chunk[..take]);
                }
            }
            self.src.consume(take);
            if done {
                break;
            }
        }
        if !any {
            return Ok(None);
        }
        self.line += 1;
        let mut end = self.buf.len();
        while end > 0 && matches!(self.buf[end - 1], b'\n' | b'\r') {
            end -= 1;
        }
        let start = if self.line == 1 && self.buf.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        self.text = (start.min(end), end);
        Ok(Some((self.line, too_long)))
    }

    /// The current line's text (without its end of line), invalid UTF-8
    /// replaced.
    pub fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.buf[self.text.0..self.text.1])
    }

    /// Moves to the next line that is not too long, reporting each too
    /// long one to `em` as a bad record; returns its number, `None` at the
    /// end.
    pub fn next_line(&mut self, em: &mut Emitter<'_>) -> io::Result<Option<u64>> {
        while let Some((n, too_long)) = self.advance()? {
            if !too_long {
                return Ok(Some(n));
            }
            em.bad(Some(Locator::Line(n)), "line too long");
        }
        Ok(None)
    }
}

/// The first non-blank lines of a file head (the last one may be cut off
/// by the head's end and is left out unless it is the only one).
pub fn head_lines(head: &[u8], max: usize) -> Vec<&str> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let complete = match memchr::memrchr(b'\n', head) {
        Some(i) => &head[..i],
        None => head,
    };
    complete
        .split(|b| *b == b'\n')
        .filter_map(|l| std::str::from_utf8(l).ok())
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty())
        .take(max)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(input: &[u8]) -> Vec<(u64, Option<String>)> {
        let mut lines = Lines::new(input);
        let mut out = Vec::new();
        while let Some((n, too_long)) = lines.advance().unwrap() {
            out.push((n, (!too_long).then(|| lines.text().into_owned())));
        }
        out
    }

    #[test]
    fn numbers_lines_and_strips_ends() {
        let got = all(b"\xEF\xBB\xBFa\r\nb\n\nc");
        let want: Vec<(u64, Option<String>)> = vec![
            (1, Some("a".into())),
            (2, Some("b".into())),
            (3, Some(String::new())),
            (4, Some("c".into())),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        let got = all(b"a\xFFb\n");
        assert_eq!(got, vec![(1, Some("a\u{FFFD}b".into()))]);
    }

    #[test]
    fn head_lines_drop_the_cut_last_line() {
        assert_eq!(head_lines(b"one\n\ntwo\nthr", 5), vec!["one", "two"]);
        assert_eq!(head_lines(b"only", 5), vec!["only"]);
    }
}
