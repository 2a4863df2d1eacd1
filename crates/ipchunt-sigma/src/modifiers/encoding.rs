//! Encodings: `windash`, `wide`/`utf16le`, `utf16be`, `utf16`, `base64`,
//! `base64offset`, applied in the order the rule writes them.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rsigma_parser::{SigmaString, StringPart};

use super::{Enc, Refusal};

/// The dash characters `windash` makes interchangeable.
const DASHES: [char; 5] = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];
/// Beyond this many dashes in one value the permutations (5^n) are refused.
const MAX_DASHES: usize = 6;

pub(crate) fn apply(s: &SigmaString, encs: &[Enc]) -> Result<Vec<SigmaString>, Refusal> {
    let mut cur = vec![s.clone()];
    for enc in encs {
        let mut next = Vec::new();
        for v in &cur {
            match enc {
                Enc::Windash => next.extend(windash(v)?),
                _ => next.extend(bytes_encoding(v, *enc)?),
            }
        }
        cur = next;
    }
    cur.into_iter().map(finish).collect()
}

/// Every permutation of the dash characters at each `-` of the value.
fn windash(s: &SigmaString) -> Result<Vec<SigmaString>, Refusal> {
    let n: usize = s
        .parts
        .iter()
        .map(|p| match p {
            StringPart::Plain(t) => t.matches('-').count(),
            StringPart::Special(_) => 0,
        })
        .sum();
    if n == 0 {
        return Ok(vec![s.clone()]);
    }
    if n > MAX_DASHES {
        return Err(Refusal::new(
            "windash value with too many dashes",
            format!("{n} dashes would give {} variants", 5u64.pow(n as u32)),
        ));
    }
    let total = DASHES.len().pow(n as u32);
    let mut out = Vec::with_capacity(total);
    for combo in 0..total {
        let mut idx = combo;
        let parts = s
            .parts
            .iter()
            .map(|p| match p {
                StringPart::Plain(t) => {
                    let mut o = String::with_capacity(t.len() + 4);
                    for c in t.chars() {
                        if c == '-' {
                            o.push(DASHES[idx % DASHES.len()]);
                            idx /= DASHES.len();
                        } else {
                            o.push(c);
                        }
                    }
                    StringPart::Plain(o)
                }
                special => special.clone(),
            })
            .collect();
        out.push(SigmaString {
            parts,
            original: s.original.clone(),
        });
    }
    Ok(out)
}

/// The value's text: its plain content, or the written text when it has
/// wildcards (an encoded value cannot carry them).
fn text_of(s: &SigmaString) -> String {
    s.as_plain().unwrap_or_else(|| s.original.clone())
}

fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() * 2 + 2);
    if bom {
        out.extend_from_slice(&[0xFF, 0xFE]);
    }
    for u in text.encode_utf16() {
        let b = if big_endian {
            u.to_be_bytes()
        } else {
            u.to_le_bytes()
        };
        out.extend_from_slice(&b);
    }
    out
}

/// The stable middle of the base64 encodings of `data` at offsets 0, 1, 2.
pub(crate) fn base64_offsets(data: &[u8]) -> Vec<String> {
    let mut out = Vec::with_capacity(3);
    for offset in 0..3usize {
        let mut padded = vec![0u8; offset];
        padded.extend_from_slice(data);
        let enc = STANDARD.encode(&padded);
        let start = (offset * 4).div_ceil(3);
        let trimmed = enc.trim_end_matches('=');
        // The last character depends on what follows unless the value
        // ends on a 3-byte boundary.
        let end = if padded.len() % 3 == 0 {
            trimmed.len()
        } else {
            trimmed.len().saturating_sub(1)
        };
        if start < end {
            out.push(trimmed[start..end].to_owned());
        }
    }
    out
}

/// Byte encodings work on raw bytes; the value may already be raw bytes
/// from an earlier `wide` step (kept as a `SigmaString` of Latin-1-free
/// text only when it is valid UTF-8).
fn bytes_encoding(s: &SigmaString, enc: Enc) -> Result<Vec<SigmaString>, Refusal> {
    let text = text_of(s);
    let raw = |t: String| SigmaString::from_raw(&t);
    let data: Vec<u8> = match enc {
        Enc::Utf16le => utf16(&text, false, false),
        Enc::Utf16be => utf16(&text, true, false),
        Enc::Utf16Bom => utf16(&text, false, true),
        Enc::Base64 => return Ok(vec![raw(STANDARD.encode(decode_marked(&text)))]),
        Enc::Base64Offset => {
            return Ok(base64_offsets(&decode_marked(&text))
                .into_iter()
                .map(raw)
                .collect());
        }
        Enc::Windash => return Ok(vec![s.clone()]),
    };
    // Keep the bytes losslessly: each byte as one char in a private range
    // is not text a field could hold, so mark them for a later base64 step.
    Ok(vec![raw(mark_bytes(&data))])
}

/// Bytes carried between encoding steps: each byte as U+F700 + byte, a
/// private-use range no rule value uses.
fn mark_bytes(data: &[u8]) -> String {
    let mut s = String::from('\u{F6FF}');
    s.extend(
        data.iter()
            .map(|b| char::from_u32(0xF700 + *b as u32).unwrap_or('?')),
    );
    s
}

/// The bytes of a value: marked bytes from an earlier step, else UTF-8.
fn decode_marked(text: &str) -> Vec<u8> {
    match text.strip_prefix('\u{F6FF}') {
        Some(rest) => rest
            .chars()
            .map(|c| (c as u32).wrapping_sub(0xF700) as u8)
            .collect(),
        None => text.as_bytes().to_vec(),
    }
}

/// After all steps: a value still holding marked bytes (a UTF-16 step
/// without base64) is turned back into text when the bytes are UTF-8.
fn finish(s: SigmaString) -> Result<SigmaString, Refusal> {
    let text = text_of(&s);
    if text.starts_with('\u{F6FF}') {
        return String::from_utf8(decode_marked(&text))
            .map(|t| SigmaString::from_raw(&t))
            .map_err(|_| {
                Refusal::new(
                    "utf16 encoding without base64",
                    "the encoded bytes are not text a field can hold",
                )
            });
    }
    Ok(s)
}
