//! Field-level modifiers: `exists`, `fieldref`, `expand` (placeholders).

use std::collections::HashMap;

use ipchunt_core::{Taxonomy, ValueRef};
use rsigma_parser::{SigmaString, SigmaValue};

use super::{Mods, Refusal};
use crate::pred::{Pos, Test, fold};

/// Values for `%name%` placeholders, and the taxonomy for field names.
pub(crate) struct Placeholders<'a> {
    pub values: &'a HashMap<String, Vec<String>>,
    pub tax: &'a Taxonomy,
    /// Placeholders a rule used without a value (they never match).
    pub missing: std::cell::RefCell<Vec<String>>,
}

pub(crate) fn exists(v: &SigmaValue) -> Result<Test, Refusal> {
    match v {
        SigmaValue::Bool(b) => Ok(Test::Exists(*b)),
        SigmaValue::String(s) if s.original.eq_ignore_ascii_case("true") => Ok(Test::Exists(true)),
        SigmaValue::String(s) if s.original.eq_ignore_ascii_case("false") => {
            Ok(Test::Exists(false))
        }
        other => Err(Refusal::new(
            "exists needs true or false",
            format!("got {other}"),
        )),
    }
}

pub(crate) fn fieldref_test(
    v: &SigmaValue,
    m: &Mods,
    ctx: &Placeholders<'_>,
) -> Result<Test, Refusal> {
    let SigmaValue::String(s) = v else {
        return Err(Refusal::new(
            "fieldref needs a field name",
            format!("got {v}"),
        ));
    };
    Ok(Test::FieldRef {
        other: crate::pred::Field::resolve(ctx.tax, &s.original),
        pos: m.pos.unwrap_or(Pos::Exact),
        cased: m.cased,
    })
}

/// Compares a field's value with the referenced field's value.
pub(crate) fn fieldref(
    v: ValueRef<'_>,
    other: Option<ValueRef<'_>>,
    pos: Pos,
    cased: bool,
) -> bool {
    let Some(other) = other else {
        return false;
    };
    match (v.text(), other.text()) {
        (Some(a), Some(b)) => {
            if cased {
                pos.test(&a, &b)
            } else if let Some(same) = ascii_nocase(pos, a.as_bytes(), b.as_bytes()) {
                same
            } else {
                pos.test_nocase(&a, &fold(&b))
            }
        }
        _ => v == other,
    }
}

/// `pos` between two ASCII texts, ignoring case, compared in place;
/// `None` for other texts (and for `contains`).
fn ascii_nocase(pos: Pos, a: &[u8], b: &[u8]) -> Option<bool> {
    if pos == Pos::Contains || !(a.is_ascii() && b.is_ascii()) {
        return None;
    }
    Some(
        pos.part(a, b.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(b)),
    )
}

/// Replaces `%name%` placeholders by each configured value; a placeholder
/// without values gives no string (the value never matches).
pub(crate) fn expand(v: &SigmaValue, ctx: &Placeholders<'_>) -> Result<Vec<SigmaString>, Refusal> {
    let SigmaValue::String(s) = v else {
        return Ok(vec![super::strings::to_sigma_string(v)]);
    };
    let mut outs = vec![String::new()];
    let mut rest = s.original.as_str();
    while let Some(start) = rest.find('%') {
        let Some(len) = rest[start + 1..].find('%') else {
            break;
        };
        let name = &rest[start + 1..start + 1 + len];
        let prefix = &rest[..start];
        let values = match ctx.values.get(name) {
            Some(vals) if !vals.is_empty() => vals.clone(),
            _ => {
                ctx.missing.borrow_mut().push(name.to_owned());
                return Ok(Vec::new());
            }
        };
        outs = outs
            .iter()
            .flat_map(|o| values.iter().map(move |val| format!("{o}{prefix}{val}")))
            .collect();
        rest = &rest[start + len + 2..];
    }
    Ok(outs
        .into_iter()
        .map(|o| SigmaString::new(&format!("{o}{rest}")))
        .collect())
}
