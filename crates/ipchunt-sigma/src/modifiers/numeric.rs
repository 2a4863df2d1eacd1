//! Numeric comparisons (`gt`, `gte`, `lt`, `lte`) and the time-part
//! modifiers (`minute`, `hour`, `day`, `week`, `month`, `year`).

use ipchunt_core::ValueRef;
use jiff::civil::DateTime;
use rsigma_parser::SigmaValue;

use super::Refusal;
use crate::pred::Test;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Eq,
    Gt,
    Gte,
    Lt,
    Lte,
}

impl CmpOp {
    #[inline]
    pub(crate) fn holds(self, x: f64, n: f64) -> bool {
        match self {
            CmpOp::Eq => x == n,
            CmpOp::Gt => x > n,
            CmpOp::Gte => x >= n,
            CmpOp::Lt => x < n,
            CmpOp::Lte => x <= n,
        }
    }
}

/// An event value as a number: numbers, and strings holding one (decimal,
/// `0x` hexadecimal or floating point).
pub(crate) fn number(v: ValueRef<'_>) -> Option<f64> {
    match v {
        ValueRef::Bool(_) | ValueRef::Null | ValueRef::List(_) => None,
        other => other.as_f64(),
    }
}

fn rule_number(v: &SigmaValue) -> Option<f64> {
    match v {
        SigmaValue::Integer(i) => Some(*i as f64),
        SigmaValue::Float(f) => Some(*f),
        SigmaValue::String(s) => s.original.trim().parse().ok(),
        SigmaValue::Bool(_) | SigmaValue::Null => None,
    }
}

pub(crate) fn compare(v: &SigmaValue, op: CmpOp) -> Result<Test, Refusal> {
    rule_number(v)
        .map(|n| Test::Num(op, n))
        .ok_or_else(|| Refusal::new("comparison needs a number", format!("got {v}")))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimePart {
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

impl TimePart {
    /// The part of a date-time value (RFC 3339, or `YYYY-MM-DD hh:mm:ss`
    /// as Sysmon writes `UtcTime`), without time zone conversion.
    pub(crate) fn extract(self, v: ValueRef<'_>) -> Option<i64> {
        let text = v.text()?;
        let t = text.trim();
        let dt: DateTime = match t.parse::<jiff::Timestamp>() {
            Ok(ts) => ts.to_zoned(jiff::tz::TimeZone::UTC).datetime(),
            Err(_) => t.parse().ok()?,
        };
        Some(match self {
            TimePart::Minute => dt.minute() as i64,
            TimePart::Hour => dt.hour() as i64,
            TimePart::Day => dt.day() as i64,
            TimePart::Week => dt.date().iso_week_date().week() as i64,
            TimePart::Month => dt.month() as i64,
            TimePart::Year => dt.year() as i64,
        })
    }
}

pub(crate) fn time(v: &SigmaValue, part: TimePart, op: CmpOp) -> Result<Test, Refusal> {
    let n = rule_number(v)
        .filter(|n| n.fract() == 0.0)
        .ok_or_else(|| Refusal::new("time part needs an integer", format!("got {v}")))?;
    Ok(Test::Time(part, op, n as i64))
}
