//! What a correlation consumes: a base rule's event or another
//! correlation's hit, and how field values are read from either.

use std::fmt::Write as _;
use std::sync::Arc;

use ipchunt_core::{Event, FieldKey, Value, ValueRef};

/// Where a correlation reads a field (a `group-by` entry or the
/// condition's `field`) for one of the rules it refers to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FieldSrc {
    /// A field of the event (for a correlation hit: of its last event).
    Event(FieldKey),
    /// The value of the referenced correlation's `group-by` entry at that
    /// index, falling back to its last event's field.
    ChildGroup(usize, FieldKey),
}

/// A referenced correlation's hit, as a later correlation sees it.
#[derive(Debug, Clone)]
pub(crate) struct HitInput {
    pub group: Vec<(String, String)>,
    pub events: Arc<[Arc<Event>]>,
}

/// One input to a correlation.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Input<'a> {
    Event(&'a Arc<Event>),
    Hit(&'a HitInput),
}

impl Input<'_> {
    /// The part that a window keeps for this input.
    pub(crate) fn part(&self) -> Part {
        match self {
            Input::Event(e) => Part::One(Arc::clone(e)),
            Input::Hit(h) => Part::Many(Arc::clone(&h.events)),
        }
    }

    fn event(&self) -> Option<&Event> {
        match self {
            Input::Event(e) => Some(e),
            Input::Hit(h) => h.events.last().map(|e| &**e),
        }
    }

    fn lookup(&self, src: &FieldSrc) -> Option<Lookup<'_>> {
        match (self, src) {
            (Input::Hit(h), FieldSrc::ChildGroup(i, _)) if *i < h.group.len() => {
                Some(Lookup::Text(&h.group[*i].1))
            }
            (_, FieldSrc::Event(key) | FieldSrc::ChildGroup(_, key)) => {
                self.event()?.get_key(key).map(Lookup::Value)
            }
        }
    }

    /// Appends the field's text to `buf`; false (and `buf` unchanged in
    /// meaning) when the field is absent or null.
    pub(crate) fn write_text(&self, src: &FieldSrc, buf: &mut String) -> bool {
        match self.lookup(src) {
            Some(Lookup::Text(s)) => {
                buf.push_str(s);
                true
            }
            Some(Lookup::Value(v)) => write_value(v, buf),
            None => false,
        }
    }

    /// The field as a number, when it holds one.
    pub(crate) fn number(&self, src: &FieldSrc) -> Option<f64> {
        match self.lookup(src)? {
            Lookup::Text(s) => ValueRef::Str(s).as_f64(),
            Lookup::Value(v) => v.as_f64(),
        }
        .filter(|f| f.is_finite())
    }

    /// Builds an unambiguous key from several fields into `buf` (cleared
    /// first). False when any field is missing.
    pub(crate) fn write_key(&self, srcs: &[FieldSrc], buf: &mut String) -> bool {
        buf.clear();
        for src in srcs {
            let start = buf.len();
            if !self.write_text(src, buf) {
                return false;
            }
            // Each value is followed by its length, so that no two
            // different value lists give the same key.
            let len = buf.len() - start;
            let _ = write!(buf, "\0{len}\0");
        }
        true
    }
}

/// The values of a key built by [`Input::write_key`], paired with their
/// names, for display.
pub(crate) fn decode_key(key: &str, names: &[String]) -> Vec<(String, String)> {
    let mut values = Vec::with_capacity(names.len());
    let mut rest = key;
    while let Some(body) = rest.strip_suffix('\0') {
        let Some(sep) = body.rfind('\0') else {
            break;
        };
        let Ok(len) = body[sep + 1..].parse::<usize>() else {
            break;
        };
        let Some(start) = sep.checked_sub(len) else {
            break;
        };
        let Some(text) = body.get(start..sep) else {
            break;
        };
        values.push(text);
        rest = &body[..start];
    }
    values.reverse();
    names
        .iter()
        .zip(values.into_iter().chain(std::iter::repeat("")))
        .map(|(n, v)| (n.clone(), v.to_owned()))
        .collect()
}

enum Lookup<'a> {
    Text(&'a str),
    Value(ValueRef<'a>),
}

fn write_value(v: ValueRef<'_>, buf: &mut String) -> bool {
    match v {
        ValueRef::Null => return false,
        ValueRef::Str(s) => buf.push_str(s),
        ValueRef::Bool(b) => buf.push_str(if b { "true" } else { "false" }),
        ValueRef::Int(i) => {
            let _ = write!(buf, "{i}");
        }
        ValueRef::Float(f) => {
            let _ = write!(buf, "{f}");
        }
        ValueRef::List(items) => {
            let mut any = false;
            for item in items {
                if matches!(item, Value::Null) {
                    continue;
                }
                if any {
                    buf.push(',');
                }
                any |= write_value(item.as_ref(), buf);
            }
            return any;
        }
    }
    true
}

/// The events a window keeps for one input: one event, or the events of
/// a referenced correlation's hit.
#[derive(Debug, Clone)]
pub(crate) enum Part {
    One(Arc<Event>),
    Many(Arc<[Arc<Event>]>),
}

impl Part {
    /// Whether both are the same input (the same event fed again for
    /// another referenced rule, or the same hit).
    pub(crate) fn same(&self, other: &Part) -> bool {
        match (self, other) {
            (Part::One(a), Part::One(b)) => Arc::ptr_eq(a, b),
            (Part::Many(a), Part::Many(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    pub(crate) fn extend_into(&self, out: &mut Vec<Arc<Event>>) {
        match self {
            Part::One(e) => out.push(Arc::clone(e)),
            Part::Many(es) => out.extend(es.iter().cloned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ipchunt_core::{Locator, Provenance, Taxonomy};

    fn event(fields: &[(&str, Value)]) -> Arc<Event> {
        let tax = Taxonomy::builtin();
        let mut e = Event::new(Provenance::new("t".into(), Locator::Line(1), "test"));
        for (k, v) in fields {
            e.push(tax.resolve(k), v.clone());
        }
        Arc::new(e)
    }

    #[test]
    fn keys_are_unambiguous() {
        let tax = Taxonomy::builtin();
        let srcs = [
            FieldSrc::Event(tax.resolve("A")),
            FieldSrc::Event(tax.resolve("B")),
        ];
        let e1 = event(&[("A", Value::str("x\0")), ("B", Value::str("y"))]);
        let e2 = event(&[("A", Value::str("x")), ("B", Value::str("\0y"))]);
        let (mut k1, mut k2) = (String::new(), String::new());
        assert!(Input::Event(&e1).write_key(&srcs, &mut k1));
        assert!(Input::Event(&e2).write_key(&srcs, &mut k2));
        assert_ne!(k1, k2);
        let names = ["A".to_string(), "B".to_string()];
        assert_eq!(
            decode_key(&k1, &names),
            vec![("A".into(), "x\0".into()), ("B".into(), "y".into())]
        );
        assert_eq!(decode_key(&k2, &names)[1], ("B".into(), "\0y".into()));
        let e3 = event(&[("A", Value::str("x"))]);
        assert!(!Input::Event(&e3).write_key(&srcs, &mut k1));
    }

    #[test]
    fn values_read_as_text_and_numbers() {
        let tax = Taxonomy::builtin();
        let e = event(&[
            ("N", Value::Int(42)),
            ("S", Value::str("0x10")),
            ("L", Value::List(vec![Value::str("a"), Value::Int(1)])),
            ("Z", Value::Null),
        ]);
        let src = |n| FieldSrc::Event(tax.resolve(n));
        let mut s = String::new();
        assert!(Input::Event(&e).write_text(&src("L"), &mut s));
        assert_eq!(s, "a,1");
        assert!(!Input::Event(&e).write_text(&src("Z"), &mut s));
        assert_eq!(Input::Event(&e).number(&src("N")), Some(42.0));
        assert_eq!(Input::Event(&e).number(&src("S")), Some(16.0));
        let hit = HitInput {
            group: vec![("User".into(), "bob".into())],
            events: vec![e.clone()].into(),
        };
        let mut s = String::new();
        let child = FieldSrc::ChildGroup(0, tax.resolve("User"));
        assert!(Input::Hit(&hit).write_text(&child, &mut s));
        assert_eq!(s, "bob");
        assert_eq!(Input::Hit(&hit).number(&src("N")), Some(42.0));
    }
}
