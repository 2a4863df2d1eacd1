//! A reader for the small, regular part of YAML that rule files use: block
//! mappings and sequences, one-line flow sequences of scalars, one-line plain
//! and quoted scalars, literal and folded block scalars, comments and `---`
//! separators. It builds the same [`Value`]s `yaml_serde` builds, and gives up
//! (with a short reason) on anything outside that part.

use yaml_serde::{Mapping, Value};

use super::scalar::{
    end_of_line, flow_sequence, plain, quoted, starts_with_indicator, strip_comment,
};

/// Why a text is left to the full YAML parser.
pub(crate) type Decline = &'static str;

/// One line: its indentation and the text after it.
#[derive(Clone, Copy)]
struct Line<'a> {
    indent: usize,
    /// Without trailing spaces.
    text: &'a str,
    /// With them (block scalars keep them).
    full: &'a str,
}

impl Line<'_> {
    /// Blank or comment only.
    fn is_void(&self) -> bool {
        self.text.is_empty() || self.text.starts_with('#')
    }
}

/// The documents of `text`, each a mapping at column zero.
pub(crate) fn documents(text: &str) -> Result<Vec<Value>, Decline> {
    if !plain_characters(text) {
        return Err("tab, carriage return, control or unusual line break character");
    }
    let mut docs = Vec::new();
    let mut current: Vec<Line<'_>> = Vec::new();
    let mut explicit = false;
    for raw in text.split('\n') {
        let body = raw.trim_start_matches(' ');
        let line = Line {
            indent: raw.len() - body.len(),
            text: body.trim_end_matches(' '),
            full: body,
        };
        if line.indent == 0 && (line.text.starts_with("---") || line.text.starts_with("...")) {
            if line.text != "---" {
                return Err("document marker with content, or document end");
            }
            if explicit || current.iter().any(|l| !l.is_void()) {
                docs.push(document(std::mem::take(&mut current), false)?);
            }
            current.clear();
            explicit = true;
            continue;
        }
        if line.indent == 0 && line.text.starts_with('%') {
            return Err("directive");
        }
        current.push(line);
    }
    if current.iter().any(|l| !l.is_void()) {
        docs.push(document(current, !text.ends_with('\n'))?);
    } else if explicit {
        return Err("empty document");
    }
    if docs.is_empty() {
        return Err("no document");
    }
    Ok(docs)
}

/// No tab, carriage return or other character a YAML reader may treat
/// specially (control characters, Unicode line breaks, byte order marks).
fn plain_characters(text: &str) -> bool {
    text.chars().all(|c| {
        c == '\n'
            || !(c.is_control()
                || matches!(
                    c,
                    '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
                ))
    })
}

/// `open_end`: the last line has no line break after it.
fn document(lines: Vec<Line<'_>>, open_end: bool) -> Result<Value, Decline> {
    let mut p = Reader {
        lines,
        pos: 0,
        open_end,
    };
    let first = p.peek().ok_or("empty document")?;
    if first.indent != 0 {
        return Err("document not at column zero");
    }
    let v = p.mapping(0)?;
    if p.peek().is_some() {
        return Err("text after the document's mapping");
    }
    Ok(v)
}

struct Reader<'a> {
    lines: Vec<Line<'a>>,
    pos: usize,
    open_end: bool,
}

impl<'a> Reader<'a> {
    /// The next line that is not blank or a comment.
    fn peek(&mut self) -> Option<Line<'a>> {
        while let Some(l) = self.lines.get(self.pos) {
            if !l.is_void() {
                return Some(*l);
            }
            self.pos += 1;
        }
        None
    }

    fn mapping(&mut self, indent: usize) -> Result<Value, Decline> {
        let mut map = Mapping::new();
        while let Some(line) = self.peek() {
            if line.indent < indent {
                break;
            }
            if line.indent > indent {
                return Err("unexpected indentation");
            }
            if is_seq_item(line.text) {
                break;
            }
            let (key, rest) = split_key(line.text)?.ok_or("mapping line without a key")?;
            self.pos += 1;
            let rest = if rest.starts_with('#') { "" } else { rest };
            let value = if rest.is_empty() {
                match self.peek() {
                    Some(n) if n.indent > indent => self.node(n.indent)?,
                    Some(n) if n.indent == indent && is_seq_item(n.text) => {
                        self.sequence(indent)?
                    }
                    _ => Value::Null,
                }
            } else {
                self.inline(rest, indent)?
            };
            if map.insert(Value::String(key), value).is_some() {
                return Err("duplicate key");
            }
        }
        Ok(Value::Mapping(map))
    }

    fn node(&mut self, indent: usize) -> Result<Value, Decline> {
        match self.peek() {
            Some(l) if is_seq_item(l.text) => self.sequence(indent),
            _ => self.mapping(indent),
        }
    }

    fn sequence(&mut self, indent: usize) -> Result<Value, Decline> {
        let mut seq = Vec::new();
        while let Some(line) = self.peek() {
            if line.indent != indent || !is_seq_item(line.text) {
                if line.indent > indent {
                    return Err("unexpected indentation");
                }
                break;
            }
            let after = &line.text[1..];
            let item = after.trim_start_matches(' ');
            if item.is_empty() || item.starts_with('#') {
                return Err("sequence item on the following lines");
            }
            let col = indent + 1 + (after.len() - item.len());
            if is_seq_item(item) || split_key(item)?.is_some() {
                // A nested sequence or mapping starting on the item's line:
                // read it as if its first line began at that column.
                let full = &line.full[line.text.len() - item.len()..];
                self.lines[self.pos] = Line {
                    indent: col,
                    text: item,
                    full,
                };
                seq.push(self.node(col)?);
            } else {
                self.pos += 1;
                seq.push(self.inline(item, indent)?);
            }
        }
        Ok(Value::Sequence(seq))
    }

    /// A value that starts on its key's (or item's) line; `indent` is the
    /// indentation of the structure it belongs to.
    fn inline(&mut self, text: &str, indent: usize) -> Result<Value, Decline> {
        let v = match text.as_bytes().first() {
            Some(b'|' | b'>') => return self.block_scalar(text, indent),
            Some(b'[') => flow_sequence(text)?,
            Some(b'\'' | b'"') => {
                let (s, rest) = quoted(text)?;
                end_of_line(rest)?;
                Value::String(s)
            }
            _ => plain(strip_comment(text))?,
        };
        if let Some(n) = self.peek()
            && n.indent > indent
        {
            return Err("scalar continued on the next line");
        }
        Ok(v)
    }

    fn block_scalar(&mut self, header: &str, indent: usize) -> Result<Value, Decline> {
        let literal = header.starts_with('|');
        let head = strip_comment(header);
        let keep = match &head[1..] {
            "" => None,
            "-" => Some(false),
            "+" => Some(true),
            _ => return Err("block scalar header"),
        };
        // Raw lines, blank ones included, as (extra indentation, text).
        let mut body: Vec<(usize, &str)> = Vec::new();
        let mut content_indent = None;
        while let Some(l) = self.lines.get(self.pos) {
            if l.text.is_empty() {
                if content_indent.is_none_or(|c| l.indent > c) && l.indent > 0 {
                    return Err("block scalar blank line with extra spaces");
                }
                body.push((0, ""));
            } else {
                let c = *content_indent.get_or_insert(l.indent);
                if l.indent < c {
                    break;
                }
                if c <= indent {
                    return Err("block scalar without content");
                }
                if l.indent > c && !literal {
                    return Err("folded block scalar with a more-indented line");
                }
                body.push((l.indent - c, l.full));
            }
            self.pos += 1;
        }
        // Trailing blank lines belong to the chomping, and lines after
        // the scalar are read again by the structure around it.
        let mut end = body.len();
        while end > 0 && body[end - 1].1.is_empty() {
            end -= 1;
        }
        self.pos -= body.len() - end;
        if end == 0 {
            return Err("empty block scalar");
        }
        if self.open_end && self.pos == self.lines.len() {
            return Err("block scalar at the end of a text without a final line break");
        }
        let mut s = String::new();
        let mut prev_blank = false;
        for (i, &(extra, text)) in body[..end].iter().enumerate() {
            let blank = text.is_empty();
            if i > 0 {
                if literal || prev_blank {
                    s.push('\n');
                } else if !blank {
                    // Folded: a break between two text lines is a space;
                    // the break before blank lines is dropped, each blank
                    // line then carrying one.
                    s.push(' ');
                }
            }
            s.extend(std::iter::repeat_n(' ', extra));
            s.push_str(text);
            prev_blank = blank;
        }
        match keep {
            Some(false) => {}
            None => s.push('\n'),
            Some(true) => return Err("keep chomping"),
        }
        Ok(Value::String(s))
    }
}

fn is_seq_item(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

/// `key: rest` when the line is a mapping entry, with `rest` after the
/// colon and its spaces.
fn split_key(text: &str) -> Result<Option<(String, &str)>, Decline> {
    let (key, after) = if text.starts_with(['\'', '"']) {
        let (k, rest) = quoted(text)?;
        let rest = rest.trim_start_matches(' ');
        match rest.strip_prefix(':') {
            Some(r) if r.is_empty() || r.starts_with(' ') => (k, r),
            _ => return Ok(None),
        }
    } else {
        let bytes = text.as_bytes();
        let mut i = 0;
        loop {
            match bytes.get(i) {
                None => return Ok(None),
                Some(b'#') if i > 0 && bytes[i - 1] == b' ' => return Ok(None),
                Some(b':') if i + 1 == bytes.len() || bytes[i + 1] == b' ' => break,
                _ => i += 1,
            }
        }
        let k = &text[..i];
        if k.is_empty() || k.ends_with(' ') || k == "<<" || starts_with_indicator(k) {
            return Err("unusual key");
        }
        match plain(k)? {
            Value::String(s) => (s, &text[i + 1..]),
            _ => return Err("key that is not a string"),
        }
    };
    Ok(Some((key, after.trim_start_matches(' '))))
}
