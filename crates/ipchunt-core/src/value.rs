//! Field values as the sources give them, and borrowed views of them.

use std::borrow::Cow;

/// A field value owned by an [`crate::Event`].
///
/// Values keep the type the source gave them (a number stays a number) so
/// that output shows what the log said; matching code compares them the way
/// Sigma intends through [`ValueRef::text`] and [`ValueRef::as_i64`].
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Box<str>),
    List(Vec<Value>),
}

/// A borrowed view of a value: what field lookups return.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ValueRef<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'a str),
    List(&'a [Value]),
}

impl Value {
    #[inline]
    pub fn as_ref(&self) -> ValueRef<'_> {
        match self {
            Value::Null => ValueRef::Null,
            Value::Bool(b) => ValueRef::Bool(*b),
            Value::Int(i) => ValueRef::Int(*i),
            Value::Float(f) => ValueRef::Float(*f),
            Value::Str(s) => ValueRef::Str(s),
            Value::List(l) => ValueRef::List(l),
        }
    }

    pub fn str(s: impl Into<Box<str>>) -> Value {
        Value::Str(s.into())
    }

    /// Converts a JSON value (used by the JSON readers and tests).
    pub fn from_json(v: &serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    Value::Int(i)
                } else if let Some(u) = n.as_u64() {
                    Value::Str(u.to_string().into())
                } else {
                    Value::Float(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            serde_json::Value::String(s) => Value::Str(s.as_str().into()),
            serde_json::Value::Array(a) => Value::List(a.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(_) => Value::Str(v.to_string().into()),
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        self.as_ref().to_json()
    }
}

impl<'a> ValueRef<'a> {
    /// The value as Sigma sees it when comparing strings: numbers and
    /// booleans in their usual text form, `None` for null and lists.
    #[inline]
    pub fn text(&self) -> Option<Cow<'a, str>> {
        match *self {
            ValueRef::Str(s) => Some(Cow::Borrowed(s)),
            ValueRef::Int(i) => Some(Cow::Owned(i.to_string())),
            ValueRef::Bool(b) => Some(Cow::Borrowed(if b { "true" } else { "false" })),
            ValueRef::Float(f) => Some(Cow::Owned(f.to_string())),
            ValueRef::Null | ValueRef::List(_) => None,
        }
    }

    pub fn as_str(&self) -> Option<&'a str> {
        match *self {
            ValueRef::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value as an integer: numbers, and strings holding a decimal or
    /// `0x` hexadecimal integer (Windows logs write both).
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            ValueRef::Int(i) => Some(i),
            ValueRef::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e18 => Some(f as i64),
            ValueRef::Str(s) => parse_int(s),
            ValueRef::Bool(_) | ValueRef::Null | ValueRef::List(_) | ValueRef::Float(_) => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            ValueRef::Int(i) => Some(i as f64),
            ValueRef::Float(f) => Some(f),
            ValueRef::Str(s) => s
                .trim()
                .parse()
                .ok()
                .or_else(|| parse_int(s).map(|i| i as f64)),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, ValueRef::Null)
    }

    pub fn to_owned(&self) -> Value {
        match *self {
            ValueRef::Null => Value::Null,
            ValueRef::Bool(b) => Value::Bool(b),
            ValueRef::Int(i) => Value::Int(i),
            ValueRef::Float(f) => Value::Float(f),
            ValueRef::Str(s) => Value::Str(s.into()),
            ValueRef::List(l) => Value::List(l.to_vec()),
        }
    }
}

/// Parses a decimal or `0x`-prefixed hexadecimal integer, ignoring
/// surrounding whitespace.
pub fn parse_int(s: &str) -> Option<i64> {
    let t = s.trim();
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return u64::from_str_radix(hex, 16).ok().map(|u| u as i64);
    }
    t.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_forms_follow_sigma() {
        assert_eq!(ValueRef::Bool(true).text().as_deref(), Some("true"));
        assert_eq!(ValueRef::Int(3).text().as_deref(), Some("3"));
        assert_eq!(ValueRef::Null.text(), None);
    }

    #[test]
    fn integers_from_strings() {
        assert_eq!(ValueRef::Str("0x1410").as_i64(), Some(0x1410));
        assert_eq!(ValueRef::Str(" 42 ").as_i64(), Some(42));
        assert_eq!(ValueRef::Str("4x").as_i64(), None);
        assert_eq!(parse_int("0xFFFFFFFFFFFFFFFF"), Some(-1));
    }
}
