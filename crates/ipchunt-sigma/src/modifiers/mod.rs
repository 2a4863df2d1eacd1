//! Sigma value modifiers, one module per family. [`Mods`] reads a field's
//! modifier chain and refuses contradictions; [`compile_value`] turns one
//! rule value into the tests it stands for.

pub(crate) mod encoding;
pub(crate) mod field;
pub(crate) mod network;
pub(crate) mod numeric;
pub(crate) mod pcre;
pub(crate) mod regex;
pub(crate) mod strings;

use rsigma_parser::{Modifier, SigmaValue};

use crate::pred::{Pos, Test};
use numeric::{CmpOp, TimePart};

/// Why a value cannot be compiled: a short grouping key and particulars.
#[derive(Debug, Clone)]
pub(crate) struct Refusal {
    pub reason: String,
    pub detail: String,
}

impl Refusal {
    pub(crate) fn new(reason: impl Into<String>, detail: impl Into<String>) -> Self {
        Refusal {
            reason: reason.into(),
            detail: detail.into(),
        }
    }
}

/// An encoding step, applied in the order written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Enc {
    Windash,
    Utf16le,
    Utf16be,
    Utf16Bom,
    Base64,
    Base64Offset,
}

/// A field's modifier chain, read.
#[derive(Debug, Default, Clone)]
pub(crate) struct Mods {
    pub pos: Option<Pos>,
    pub all: bool,
    pub cased: bool,
    pub neq: bool,
    pub exists: bool,
    pub fieldref: bool,
    pub expand: bool,
    pub re: bool,
    pub re_flags: (bool, bool, bool),
    pub cidr: bool,
    pub cmp: Option<CmpOp>,
    pub time: Option<TimePart>,
    pub enc: Vec<Enc>,
}

impl Mods {
    pub(crate) fn read(list: &[Modifier]) -> Result<Mods, Refusal> {
        let mut m = Mods::default();
        let set_pos = |m: &mut Mods, p: Pos| {
            if m.pos.is_some_and(|q| q != p) {
                return Err(Refusal::new(
                    "conflicting modifiers",
                    "more than one of contains/startswith/endswith",
                ));
            }
            m.pos = Some(p);
            Ok(())
        };
        for md in list {
            match md {
                Modifier::Contains => set_pos(&mut m, Pos::Contains)?,
                Modifier::StartsWith => set_pos(&mut m, Pos::Prefix)?,
                Modifier::EndsWith => set_pos(&mut m, Pos::Suffix)?,
                Modifier::All => m.all = true,
                Modifier::Cased => m.cased = true,
                Modifier::Neq => m.neq = true,
                Modifier::Exists => m.exists = true,
                Modifier::FieldRef => m.fieldref = true,
                Modifier::Expand => m.expand = true,
                Modifier::Re => m.re = true,
                Modifier::IgnoreCase => m.re_flags.0 = true,
                Modifier::Multiline => m.re_flags.1 = true,
                Modifier::DotAll => m.re_flags.2 = true,
                Modifier::Cidr => m.cidr = true,
                Modifier::Gt => m.set_cmp(CmpOp::Gt)?,
                Modifier::Gte => m.set_cmp(CmpOp::Gte)?,
                Modifier::Lt => m.set_cmp(CmpOp::Lt)?,
                Modifier::Lte => m.set_cmp(CmpOp::Lte)?,
                Modifier::Base64 => m.enc.push(Enc::Base64),
                Modifier::Base64Offset => m.enc.push(Enc::Base64Offset),
                Modifier::Wide => m.enc.push(Enc::Utf16le),
                Modifier::Utf16be => m.enc.push(Enc::Utf16be),
                Modifier::Utf16 => m.enc.push(Enc::Utf16Bom),
                Modifier::WindAsh => m.enc.push(Enc::Windash),
                Modifier::Minute => m.time = Some(TimePart::Minute),
                Modifier::Hour => m.time = Some(TimePart::Hour),
                Modifier::Day => m.time = Some(TimePart::Day),
                Modifier::Week => m.time = Some(TimePart::Week),
                Modifier::Month => m.time = Some(TimePart::Month),
                Modifier::Year => m.time = Some(TimePart::Year),
            }
        }
        m.check()?;
        Ok(m)
    }

    fn set_cmp(&mut self, op: CmpOp) -> Result<(), Refusal> {
        if self.cmp.is_some() {
            return Err(Refusal::new(
                "conflicting modifiers",
                "more than one of gt/gte/lt/lte",
            ));
        }
        self.cmp = Some(op);
        Ok(())
    }

    /// Refuses chains whose meaning is not defined.
    fn check(&self) -> Result<(), Refusal> {
        let kinds = [
            ("re", self.re),
            ("cidr", self.cidr),
            ("gt/gte/lt/lte", self.cmp.is_some() && self.time.is_none()),
            ("exists", self.exists),
            ("fieldref", self.fieldref),
            ("time part", self.time.is_some()),
        ];
        let present: Vec<&str> = kinds.iter().filter(|k| k.1).map(|k| k.0).collect();
        if present.len() > 1 {
            return Err(Refusal::new(
                "conflicting modifiers",
                format!("{} together", present.join(" and ")),
            ));
        }
        let special = !present.is_empty() && !self.fieldref;
        if special && (self.pos.is_some() || !self.enc.is_empty() || self.expand) {
            return Err(Refusal::new(
                "conflicting modifiers",
                format!("{} with a string modifier", present[0]),
            ));
        }
        if !self.re && self.re_flags != (false, false, false) {
            return Err(Refusal::new(
                "regex flag without re",
                "i/m/s modifiers need re",
            ));
        }
        if self.fieldref && !self.enc.is_empty() {
            return Err(Refusal::new(
                "conflicting modifiers",
                "fieldref with an encoding modifier",
            ));
        }
        Ok(())
    }
}

/// The tests one rule value stands for (several when encodings or
/// placeholders expand it; any of them matching means the value matched).
pub(crate) fn compile_value(
    v: &SigmaValue,
    m: &Mods,
    ctx: &field::Placeholders,
) -> Result<Vec<Test>, Refusal> {
    if m.exists {
        return field::exists(v).map(|t| vec![t]);
    }
    if m.fieldref {
        return field::fieldref_test(v, m, ctx).map(|t| vec![t]);
    }
    if m.re {
        return regex::compile(v, m.re_flags).map(|t| vec![t]);
    }
    if m.cidr {
        return network::compile(v).map(|t| vec![t]);
    }
    if let Some(part) = m.time {
        return numeric::time(v, part, m.cmp.unwrap_or(CmpOp::Eq)).map(|t| vec![t]);
    }
    if let Some(op) = m.cmp {
        return numeric::compare(v, op).map(|t| vec![t]);
    }
    if matches!(v, SigmaValue::Null) {
        if m.pos.is_some() || !m.enc.is_empty() || m.expand {
            return Err(Refusal::new(
                "null value with a string modifier",
                "contains/startswith/endswith/encodings need a string",
            ));
        }
        return Ok(vec![Test::Null]);
    }
    let strings = if m.expand {
        field::expand(v, ctx)?
    } else {
        vec![strings::to_sigma_string(v)]
    };
    let mut out = Vec::new();
    for s in strings {
        for enc in encoding::apply(&s, &m.enc)? {
            out.push(strings::literal_or_glob(&enc, m.pos, m.cased)?);
        }
    }
    if out.is_empty() {
        out.push(Test::Never);
    }
    Ok(out)
}
