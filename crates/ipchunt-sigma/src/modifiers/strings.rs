//! String matching: `contains`, `startswith`, `endswith`, `cased`, and the
//! `*`/`?` wildcards (escapes are read by the parser's `SigmaString`).

use rsigma_parser::{SigmaString, SigmaValue, SpecialChar, StringPart};

use super::Refusal;
use crate::pred::{Pos, Test, Trigger, fold};

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
    // The trigger: the literal part that is rarest in texts, by its
    // length and whether it is bound to the start or the end.
    let mut trigger: Option<Trigger> = None;
    let last = parts.len().saturating_sub(1);
    for (i, p) in parts.iter().enumerate() {
        match p {
            StringPart::Plain(t) => {
                pattern.push_str(&regex::escape(t));
                let pos = match (i, start, end) {
                    (0, true, _) => Pos::Prefix,
                    (i, _, true) if i == last => Pos::Suffix,
                    _ => Pos::Contains,
                };
                let text = if cased {
                    t.to_owned()
                } else {
                    fold(t).into_owned()
                };
                let t = Trigger {
                    text: text.into_boxed_str(),
                    cased,
                    pos,
                };
                if trigger.as_ref().is_none_or(|b| t.weight() > b.weight()) {
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
    Ok(Test::Glob { re, trigger })
}

#[cfg(test)]
mod tests {
    use super::literal_or_glob;
    use crate::pred::{Pos, Test};
    use rsigma_parser::SigmaString;

    fn trigger(value: &str, pos: Pos) -> Option<(String, Pos)> {
        match literal_or_glob(&SigmaString::new(value), Some(pos), false) {
            Ok(Test::Glob { trigger, .. }) => trigger.map(|t| (t.text.into(), t.pos)),
            _ => None,
        }
    }

    #[test]
    fn a_trigger_bound_to_an_end_is_preferred_to_a_common_inner_one() {
        let t = |s: &str, p: Pos| (s.to_owned(), p);
        assert_eq!(trigger("7z*.exe", Pos::Exact), Some(t("7z", Pos::Prefix)));
        assert_eq!(
            trigger("*a*rar.exe", Pos::Exact),
            Some(t("rar.exe", Pos::Suffix))
        );
        assert_eq!(
            trigger("C:\\Users\\x*y\\AppData\\Local\\Temp\\", Pos::Prefix),
            Some(t("y\\appdata\\local\\temp\\", Pos::Contains))
        );
        // Under `contains`, no part is bound to an end.
        assert_eq!(
            trigger("7z*.exe", Pos::Contains),
            Some(t(".exe", Pos::Contains))
        );
    }
}
