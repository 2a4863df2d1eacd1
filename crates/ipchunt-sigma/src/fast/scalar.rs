//! Scalars on one line: plain ones typed as `yaml_serde` types them, quoted
//! ones with their escapes, and flow sequences of plain ones.

use yaml_serde::{Number, Value};

use super::yaml::Decline;

pub(super) fn starts_with_indicator(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(first) = b.first() else {
        return false;
    };
    matches!(
        first,
        b'[' | b']'
            | b'{'
            | b'}'
            | b'#'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
            | b','
            | b':'
    ) || (matches!(first, b'-' | b'?') && b.get(1).is_none_or(|c| *c == b' '))
}

/// The text before a comment (` #`), without trailing spaces.
pub(super) fn strip_comment(text: &str) -> &str {
    match text.find(" #") {
        Some(i) => text[..i].trim_end_matches(' '),
        None => text,
    }
}

/// Nothing but spaces and a comment.
pub(super) fn end_of_line(rest: &str) -> Result<(), Decline> {
    let r = rest.trim_start_matches(' ');
    if r.is_empty() || (r.starts_with('#') && r.len() < rest.len()) {
        Ok(())
    } else {
        Err("text after a quoted scalar")
    }
}

/// A one-line plain scalar in block context, typed as `yaml_serde` types it.
pub(super) fn plain(s: &str) -> Result<Value, Decline> {
    if s.is_empty() {
        return Ok(Value::Null);
    }
    if starts_with_indicator(s) {
        return Err("plain scalar starting with an indicator");
    }
    if s.contains(": ") || s.ends_with(':') {
        return Err("colon in a plain scalar");
    }
    typed(s)
}

/// The type `yaml_serde` gives an untagged plain scalar, where this reader
/// is sure of it.
pub(super) fn typed(s: &str) -> Result<Value, Decline> {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Ok(Value::Null),
        "true" | "True" | "TRUE" => return Ok(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Ok(Value::Bool(false)),
        _ => {}
    }
    let b = s.as_bytes();
    let (neg, digits) = match b[0] {
        b'0'..=b'9' => (false, b),
        b'-' if b.get(1).is_some_and(|c| c.is_ascii_digit() || *c == b'.') => (true, &b[1..]),
        b'+' | b'.' => return Err("plain scalar that may be a number"),
        _ => return Ok(Value::String(s.to_owned())),
    };
    let all_digits = digits.iter().all(u8::is_ascii_digit);
    if all_digits && digits.len() > 1 && digits[0] == b'0' {
        // Leading zeros: a string (YAML 1.2), never octal.
        return Ok(Value::String(s.to_owned()));
    }
    if all_digits && digits.len() <= 18 {
        // At most 18 digits, with or without a minus: always an i64.
        let n: i64 = s.parse().map_err(|_| "integer")?;
        return Ok(Value::Number(Number::from(n)));
    }
    if all_digits || neg {
        return Err("plain scalar that may be a number");
    }
    let radix = match digits {
        [b'0', b'x', ..] => 16,
        [b'0', b'o', ..] => 8,
        [b'0', b'b', ..] => 2,
        _ => 0,
    };
    if radix > 0 {
        // `0x`, `0o`, `0b`: an integer when every digit after it is one
        // of that base, else (never a float either) a string.
        let rest = &s[2..];
        if !rest.is_empty() && rest.chars().all(|c| c.is_digit(radix)) {
            return Err("plain scalar that may be a number");
        }
        return Ok(Value::String(s.to_owned()));
    }
    // Not an integer in any base: `yaml_serde` tries Rust's float syntax.
    match s.parse::<f64>() {
        Ok(f) if f.is_finite() => Ok(Value::Number(Number::from(f))),
        _ => Ok(Value::String(s.to_owned())),
    }
}

/// A quoted scalar closed on its line, and the text after it.
pub(super) fn quoted(text: &str) -> Result<(String, &str), Decline> {
    let q = text.as_bytes()[0];
    let body = &text[1..];
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\'' if q == b'\'' => {
                if body[i + 1..].starts_with('\'') {
                    chars.next();
                    out.push('\'');
                } else {
                    return Ok((out, &body[i + 1..]));
                }
            }
            '"' if q == b'"' => return Ok((out, &body[i + 1..])),
            '\\' if q == b'"' => {
                let (_, e) = chars.next().ok_or("escape at the end of a line")?;
                out.push(match e {
                    '\\' => '\\',
                    '"' => '"',
                    '/' => '/',
                    ' ' => ' ',
                    '0' => '\0',
                    'a' => '\x07',
                    'b' => '\x08',
                    't' => '\t',
                    'n' => '\n',
                    'v' => '\x0b',
                    'f' => '\x0c',
                    'r' => '\r',
                    'e' => '\x1b',
                    _ => return Err("unusual escape"),
                });
            }
            _ => out.push(c),
        }
    }
    Err("quoted scalar over several lines")
}

/// `[a, 'b', "c"]` of scalars on one line.
pub(super) fn flow_sequence(text: &str) -> Result<Value, Decline> {
    let close = text.find(']').ok_or("flow sequence over several lines")?;
    end_of_line(&text[close + 1..])?;
    let inner = text[1..close].trim_matches(' ');
    let mut seq = Vec::new();
    if inner.is_empty() {
        return Ok(Value::Sequence(seq));
    }
    for item in inner.split(',') {
        let item = item.trim_matches(' ');
        if item.is_empty() || item.contains(['[', '{', '}', ':', '#', '\'', '"']) {
            return Err("unusual flow sequence");
        }
        if starts_with_indicator(item) {
            return Err("unusual flow sequence");
        }
        seq.push(typed(item)?);
    }
    Ok(Value::Sequence(seq))
}
