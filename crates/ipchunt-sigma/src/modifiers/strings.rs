//! String matching: `contains`, `startswith`, `endswith`, `cased`, and the
//! `*`/`?` wildcards (escapes are read by the parser's `SigmaString`).

use rsigma_parser::{SigmaString, SigmaValue, SpecialChar, StringPart};

use super::Refusal;
use crate::pred::{Pos, Test, fold};

/// A rule value as a Sigma string (numbers and booleans by their text).
pub(crate) fn to_sigma_string(v: &SigmaValue) -> SigmaString {
    match v {
        SigmaValue::String(s) => s.clone(),
        SigmaValue::Integer(n) => SigmaString::from_raw(&n.to_string()),
        SigmaValue::Float(f) => SigmaString::from_raw(&f.to_string()),
        SigmaValue::Bool(b) => SigmaString::from_raw(if *b { "true" } else { "false" }),
        SigmaValue::Null => SigmaString::from_raw(""),
    }
}

/// The test for a string value: a literal the automaton can find, or a
/// wildcard pattern decided by a regex.
pub(crate) fn literal_or_glob(
    s: &SigmaString,
    pos: Option<Pos>,
    cased: bool,
) -> Result<Test, Refusal> {
    let pos = pos.unwrap_or(Pos::Exact);
    let mut start = matches!(pos, Pos::Exact | Pos::Prefix);
    let mut end = matches!(pos, Pos::Exact | Pos::Suffix);
    let mut parts: &[StringPart] = &s.parts;
    let had_star = parts
        .iter()
        .any(|p| matches!(p, StringPart::Special(SpecialChar::WildcardMulti)));
    while let Some((StringPart::Special(SpecialChar::WildcardMulti), rest)) = parts.split_first() {
        start = false;
        parts = rest;
    }
    while let Some((StringPart::Special(SpecialChar::WildcardMulti), rest)) = parts.split_last() {
        end = false;
        parts = rest;
    }
    let plain: Option<String> = parts
        .iter()
        .map(|p| match p {
            StringPart::Plain(t) => Some(t.as_str()),
            StringPart::Special(_) => None,
        })
        .collect();
    if let Some(text) = plain {
        let pos = match (start, end) {
            (true, true) => Pos::Exact,
            (true, false) => Pos::Prefix,
            (false, true) => Pos::Suffix,
            (false, false) => Pos::Contains,
        };
        // A bare `*` matches any value that has a text form.
        let pos = if text.is_empty() && had_star {
            Pos::Contains
        } else {
            pos
        };
        let needle = if cased {
            text
        } else {
            fold(&text).into_owned()
        };
        return Ok(Test::Literal {
            needle: needle.into(),
            pos,
            cased,
        });
    }
    let mut pattern = String::from("(?s");
    pattern.push_str(if cased { ")" } else { "i)" });
    if start {
        pattern.push('^');
    }
    let mut trigger: Option<&str> = None;
    for p in parts {
        match p {
            StringPart::Plain(t) => {
                pattern.push_str(&regex::escape(t));
                if trigger.is_none_or(|b| t.len() > b.len()) {
                    trigger = Some(t);
                }
            }
            StringPart::Special(SpecialChar::WildcardMulti) => pattern.push_str(".*"),
            StringPart::Special(SpecialChar::WildcardSingle) => pattern.push('.'),
        }
    }
    if end {
        pattern.push('$');
    }
    let re = super::regex::build(&pattern)?;
    let trigger = trigger.map(|t| {
        let t = if cased {
            t.to_owned()
        } else {
            fold(t).into_owned()
        };
        (t.into_boxed_str(), cased)
    });
    Ok(Test::Glob { re, trigger })
}
